"""How far a contracting process has got: which stages are published, the furthest one, its status.

The summary's ``stage`` is :func:`furthest_stage`, the furthest of :func:`published_stages`; the process page's timeline
marks the stages before it done or not published with the same function, so the two never
disagree.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .access import obj, objs, release_tags, text
from .dates import parse_date
from .vocabulary import STAGES

PLANNING_TAGS = frozenset(["planning", "planningUpdate"])
TENDER_TAGS = frozenset(["tender", "tenderAmendment", "tenderUpdate", "tenderCancellation"])
# tender.status of a tender that is only planned: the process hasn't reached the tender stage
_PLANNED_TENDER = ("planning", "planned")


def _has_implementation(contract: dict) -> bool:
    implementation = obj(contract.get("implementation"))
    return any(implementation.get(key) for key in ("transactions", "milestones", "documents"))


def _tender_published(tender: dict, tags: set[str]) -> bool:
    """A tender with a status past planning, or without a status but with a period or a tender release."""
    status = text(tender.get("status"))
    if status in _PLANNED_TENDER:
        return False
    return bool(status or tender.get("tenderPeriod") or tags & TENDER_TAGS)


def published_stages(compiled: dict, releases: list[dict] | None = None) -> set[str]:
    """The stages the compiled release (and the tags of its releases) publish something of."""
    compiled = obj(compiled)
    tags = {tag for release in releases or () for tag in release_tags(release)}
    contracts = objs(compiled.get("contracts"))
    published = set()
    if obj(compiled.get("planning")) or tags & PLANNING_TAGS:
        published.add("planning")
    if _tender_published(obj(compiled.get("tender")), tags):
        published.add("tender")
    if objs(compiled.get("awards")):
        published.add("award")
    if contracts:
        published.add("contract")
    if any(_has_implementation(c) for c in contracts):
        published.add("implementation")
    return published


def furthest_stage(compiled: dict, releases: list[dict] | None = None) -> str:
    """The furthest published stage, one of STAGES (planning when nothing is published)."""
    published = published_stages(compiled, releases)
    return next((s for s in reversed(STAGES) if s in published), "planning")


def is_planning_release(release: dict) -> bool:
    return bool(set(release_tags(release)) & PLANNING_TAGS)


# --- Status ----------------------------------------------------------------------------------

def _implementation_done(contract: dict) -> bool:
    milestones = objs(obj(contract.get("implementation")).get("milestones"))
    return bool(milestones) and all(m.get("status") == "met" for m in milestones)


def _contract_state(contract: dict, now: datetime) -> str:
    """One contract's plain-language status: active, completed, awarded or cancelled."""
    status = contract.get("status")
    if status == "active":
        return "completed" if _implementation_done(contract) else "active"
    if status == "terminated":
        return "completed"
    if status == "cancelled":
        return "cancelled"
    if status == "pending":
        return "awarded"
    # No (or an unknown) status: go by the dates.
    period = obj(contract.get("period"))
    end, start = parse_date(period.get("endDate")), parse_date(period.get("startDate"))
    if end is not None and end < now:
        return "completed"
    if (start is not None and start <= now) or parse_date(contract.get("dateSigned")) is not None:
        return "active"
    return "awarded"


def _tender_state(tender: dict, now: datetime) -> str:
    status = tender.get("status")
    period = obj(tender.get("tenderPeriod"))
    start, end = parse_date(period.get("startDate")), parse_date(period.get("endDate"))
    if status in ("cancelled", "withdrawn"):
        return "cancelled"
    if status == "unsuccessful":
        return "unsuccessful"
    if status in _PLANNED_TENDER:
        return "planned"
    if status == "complete":
        return "evaluation"
    if status == "active" or (status is None and period):
        if start is not None and start > now:
            return "planned"  # announced, but bids aren't accepted yet
        if end is None or end > now:
            return "open"
        return "evaluation"
    return "planned"


def plain_status(compiled: dict, now: datetime) -> str:
    """The plain-language status, one of STATUSES: contracts decide if any, else awards, else the tender.

    - contracts: all cancelled → cancelled; any active → active (completed when all its
      implementation milestones are met); all terminated → completed; else awarded.
      Contracts without a status go by their period and dateSigned.
    - awards: any active or pending (or without status) → awarded; else unsuccessful if any
      is unsuccessful, else cancelled.
    - tender: cancelled/withdrawn → cancelled; unsuccessful; planning/planned → planned;
      complete → evaluation; active → open until tenderPeriod.endDate (planned before its
      startDate), evaluation after.
    """
    states = [_contract_state(c, now) for c in objs(compiled.get("contracts"))]
    if states:
        live = [s for s in states if s != "cancelled"]
        if not live:
            return "cancelled"
        if "active" in live:
            return "active"
        if all(s == "completed" for s in live):
            return "completed"
        return "awarded"

    awards = objs(compiled.get("awards"))
    if awards:
        statuses = [a.get("status") for a in awards]
        if any(s not in ("cancelled", "unsuccessful") for s in statuses):
            return "awarded"
        return "unsuccessful" if "unsuccessful" in statuses else "cancelled"

    return _tender_state(obj(compiled.get("tender")), now)


def relevant_status(objects: list[dict], date_of) -> str | None:
    """The status of the most relevant award or contract: an active one, else a pending one, else the latest."""
    for preferred in ("active", "pending"):
        if any(o.get("status") == preferred for o in objects):
            return preferred
    with_status = [o for o in objects if text(o.get("status"))]
    if not with_status:
        return None
    # The latest by date; the last one published when undated or tied.
    latest = max(enumerate(with_status), key=lambda pair: (parse_date(date_of(pair[1])) or datetime.min.replace(
        tzinfo=timezone.utc), pair[0]))
    return with_status[latest[0]]["status"]
