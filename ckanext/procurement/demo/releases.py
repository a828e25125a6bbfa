"""One contracting process as the city publishes it: a release for each event of its plan.

:func:`render_process` draws the process's facts and returns a :class:`Process`
whose releases are built when first asked for: most future releases of a
process are never needed.
"""

from __future__ import annotations

import bisect
import functools
from datetime import datetime
from typing import Callable

from .contracts import awards_section, contracts_section
from .facts import EVENT_TAG, Facts, draw_facts
from .ocds import document, format_datetime
from .parties import buyer_party, procuring_party, vendor_party
from .plans import Plan
from .tender import bids_section, planning_section, tender_section
from .vendors import Vendor

# Events after which the suppliers named in a release are not (yet, or at all) suppliers.
_NO_SUPPLIER_EVENTS = ("bidOpening", "cancellation", "unsuccessful")


class Process:
    """One contracting process: its plan and every release, including future ones.

    Releases are built when first asked for (most of a process's future releases
    are never needed) and then kept.
    """

    def __init__(self, plan: Plan, dates: list[datetime], build: Callable[[int], dict]):
        self.plan = plan
        self.dates = dates  # the releases' dates, increasing
        self._build = build
        self._built: list[dict | None] = [None] * len(dates)

    @property
    def ocid(self) -> str:
        return self.plan.ocid

    @property
    def index(self) -> int:
        return self.plan.index

    def release(self, position: int) -> dict:
        release = self._built[position]
        if release is None:
            release = self._built[position] = self._build(position)
        return release

    @property
    def releases(self) -> list[dict]:
        """Every release, sorted by date."""
        return [self.release(position) for position in range(len(self.dates))]

    def visible(self, until: datetime, since: datetime | None = None) -> list[dict]:
        """The releases published by ``until`` (inclusive), and after ``since`` (exclusive)."""
        end = bisect.bisect_right(self.dates, until)
        begin = 0 if since is None else bisect.bisect_right(self.dates, since, 0, end)
        return [self.release(position) for position in range(begin, end)]


def render_process(plan: Plan, vendors: tuple[Vendor, ...], hostile: bool = False) -> Process:
    """Turn a plan into its OCDS releases (all of them, including future ones)."""
    facts = draw_facts(plan, vendors, hostile)
    return Process(plan, [when for when, _ in facts.release_ids], functools.partial(build_release, facts))


def build_release(facts: Facts, position: int) -> dict:
    """Release number ``position`` of the process: the sections its event changes, and the parties they name."""
    when, release_id = facts.release_ids[position]
    event_kind = facts.plan.releases[position].kind
    contract_event = facts.event("contract")
    signed = contract_event is not None and when >= contract_event.when
    parties = [buyer_party(facts.plan.department, ["buyer", "payer"] if signed else ["buyer"]), procuring_party()]
    release = {
        "ocid": facts.ocid,
        "id": release_id,
        "date": format_datetime(when),
        "tag": [EVENT_TAG[event_kind]],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": facts.buyer_ref,
    }
    release.update(_sections(facts, event_kind, when))
    parties.extend(_vendor_parties(facts, release, event_kind, signed))
    return release


def _sections(facts: Facts, event_kind: str, when: datetime) -> dict:
    """The sections a release of ``event_kind`` carries, as they read at ``when``."""
    has_bids = facts.event("bidOpening") is not None
    if event_kind == "planning":
        return {"planning": planning_section(facts), "tender": tender_section(facts, when, "planned")}
    if event_kind in ("tender", "tenderAmendment"):
        return {"planning": planning_section(facts), "tender": tender_section(facts, when, "active")}
    if event_kind == "bidOpening":
        return {"tender": tender_section(facts, when, "active"), "bids": bids_section(facts, final=False)}
    if event_kind in ("cancellation", "unsuccessful"):
        sections = {"tender": _ended_tender(facts, event_kind, when)}
        if has_bids:
            sections["bids"] = bids_section(facts, final=True)
        return sections
    if event_kind == "award":
        sections = {}
        if facts.event("tender") is None:  # published at award: the only release with the budget line
            sections["planning"] = planning_section(facts)
        sections["tender"] = tender_section(facts, when, "complete")
        if has_bids:
            sections["bids"] = bids_section(facts, final=True)
        sections["awards"] = awards_section(facts)
        return sections
    # contract, contractAmendment, implementation, termination
    return {"contracts": contracts_section(facts, when, terminated=event_kind == "termination")}


def _ended_tender(facts: Facts, event_kind: str, when: datetime) -> dict:
    """The tender of a cancelled solicitation, or one that got no responsive bid, with its notice."""
    status = "cancelled" if event_kind == "cancellation" else "unsuccessful"
    tender = tender_section(facts, when, status)
    tender["statusDetails"] = facts.cancel_reason if status == "cancelled" else facts.unsuccessful_reason
    tender.setdefault("documents", []).append(document(
        facts.ocid, "cancellation-notice", "cancellationDetails",
        "Notice of Cancellation" if status == "cancelled" else "Notice of No Award", when,
        description=tender["statusDetails"]))
    return tender


def _vendor_parties(facts: Facts, release: dict, event_kind: str, signed: bool) -> list[dict]:
    """The vendors ``release`` names: every bidder once bids are in, else the suppliers (payees once signed)."""
    bidders, names = facts.bids.bidders, facts.supplier_names
    if "bids" in release or release.get("tender", {}).get("tenderers"):
        parties = []
        for k, vendor in enumerate(bidders):
            roles = ["tenderer"]
            if k in names and event_kind not in _NO_SUPPLIER_EVENTS:
                roles = ["tenderer", "supplier"]
            parties.append(vendor_party(vendor, roles, names.get(k)))
        return parties
    if "awards" in release or "contracts" in release:
        roles = ["tenderer", "supplier", "payee"] if signed else ["tenderer", "supplier"]
        return [vendor_party(bidders[bidder], list(roles), names.get(bidder)) for bidder, _ in facts.lots]
    return []
