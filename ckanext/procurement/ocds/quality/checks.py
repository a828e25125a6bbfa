"""Coherence checks on a compiled release, in the spirit of OCP's Pelican.

Each check is a small function of the compiled release returning :data:`PASSED`, :data:`FAILED`,
:data:`UNREADABLE` (the data it needs is there but of the wrong type: a date that isn't one, a
number given as a string, ...) or ``None`` when it doesn't apply. Unreadable data fails the
check and is listed apart, so the publisher knows what to fix. Nothing here raises on bad data.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Iterator

from ..access import obj, objs, text
from ..dates import parse_date
from ..vocabulary import N_
from .tally import MAX_EXAMPLES, add_example, merge_examples, share

PASSED, FAILED, UNREADABLE = "passed", "failed", "unreadable"
# contract value / award value outside this range is suspicious
CONTRACT_TO_AWARD_RATIO = (0.5, 1.5)


def _strict_number(value: object) -> float | None:
    """A JSON number (a string, even a numeric one, is not: the schema wants numbers)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _order(earlier: object, later: object) -> str:
    """PASSED if the date ``earlier`` is not after ``later``; UNREADABLE if either isn't a date."""
    first, second = parse_date(earlier), parse_date(later)
    if first is None or second is None:
        return UNREADABLE
    return PASSED if first <= second else FAILED


def _worst(results: Iterator[str | None]) -> str | None:
    found = {r for r in results if r is not None}
    for result in (FAILED, UNREADABLE, PASSED):
        if result in found:
            return result
    return None


def _tenderers_counted(tender: dict) -> tuple[object, list[dict]]:
    return tender.get("numberOfTenderers"), objs(tender.get("tenderers"))


def tender_period_in_order(compiled: dict) -> str | None:
    period = obj(obj(compiled.get("tender")).get("tenderPeriod"))
    if not period:
        return None
    return _order(period.get("startDate"), period.get("endDate"))


def award_after_tender_end(compiled: dict) -> str | None:
    period = obj(obj(compiled.get("tender")).get("tenderPeriod"))
    awards = objs(compiled.get("awards"))
    if not period or not awards:
        return None
    return _worst(_order(period.get("endDate"), award.get("date")) for award in awards)


def _contracts_with_award(compiled: dict) -> Iterator[tuple[dict, dict]]:
    awards = {text(a.get("id")): a for a in objs(compiled.get("awards")) if text(a.get("id"))}
    for contract in objs(compiled.get("contracts")):
        award = awards.get(text(contract.get("awardID")))
        if award is not None:
            yield contract, award


def contract_signed_after_award(compiled: dict) -> str | None:
    pairs = [(c, a) for c, a in _contracts_with_award(compiled) if "dateSigned" in c]
    return _worst(_order(award.get("date"), contract.get("dateSigned")) for contract, award in pairs)


def number_of_tenderers_matches(compiled: dict) -> str | None:
    declared, tenderers = _tenderers_counted(obj(compiled.get("tender")))
    if declared is None or not tenderers:
        return None
    if _strict_number(declared) is None:
        return UNREADABLE
    return PASSED if declared == len(tenderers) else FAILED


def _contract_value_in_range(contract: dict, award: dict) -> str:
    contract_value, award_value = obj(contract.get("value")), obj(award.get("value"))
    contracted, awarded = _strict_number(contract_value.get("amount")), _strict_number(award_value.get("amount"))
    if contracted is None or awarded is None or contract_value.get("currency") != award_value.get("currency"):
        return UNREADABLE
    if awarded <= 0:
        return PASSED if contracted == awarded else FAILED
    low, high = CONTRACT_TO_AWARD_RATIO
    return PASSED if low <= contracted / awarded <= high else FAILED


def contract_value_near_award(compiled: dict) -> str | None:
    pairs = [(c, a) for c, a in _contracts_with_award(compiled) if "value" in c and "value" in a]
    return _worst(_contract_value_in_range(contract, award) for contract, award in pairs)


def _amounts(compiled: dict) -> Iterator[object]:
    """Every amount the process publishes, as published."""
    planning, tender = obj(compiled.get("planning")), obj(compiled.get("tender"))
    values = [obj(planning.get("budget")).get("amount"), tender.get("value")]
    values += [a.get("value") for a in objs(compiled.get("awards"))]
    for contract in objs(compiled.get("contracts")):
        values.append(contract.get("value"))
        values += [t.get("value") for t in objs(obj(contract.get("implementation")).get("transactions"))]
    for value in values:
        if value is not None:
            yield obj(value).get("amount") if isinstance(value, dict) else value


def no_negative_amounts(compiled: dict) -> str | None:
    def check(amount: object) -> str:
        number = _strict_number(amount)
        if number is None:
            return UNREADABLE
        return PASSED if number >= 0 else FAILED
    return _worst(check(amount) for amount in _amounts(compiled))


def direct_procurement_single_tenderer(compiled: dict) -> str | None:
    tender = obj(compiled.get("tender"))
    if tender.get("procurementMethod") != "direct":
        return None
    declared, tenderers = _tenderers_counted(tender)
    if declared is None and not tenderers:
        return None
    if declared is not None and _strict_number(declared) is None:
        return UNREADABLE
    count = declared if declared is not None else len(tenderers)
    return PASSED if count <= 1 else FAILED


# name -> (function, plain-language explanation)
CHECKS: dict[str, tuple[Callable[[dict], str | None], str]] = {
    "tender_period_in_order": (tender_period_in_order, N_(
        "The tender period starts before it ends.")),
    "award_after_tender_end": (award_after_tender_end, N_(
        "Awards are dated after the tender period ends: a contract can't be awarded before bids close.")),
    "contract_signed_after_award": (contract_signed_after_award, N_(
        "Contracts are signed on or after the date of the award they implement.")),
    "number_of_tenderers_matches": (number_of_tenderers_matches, N_(
        "The number of tenderers equals the number of tenderers listed.")),
    "contract_value_near_award": (contract_value_near_award, N_(
        "Each contract's value is between half and one and a half times its award's value, in the same "
        "currency.")),
    "no_negative_amounts": (no_negative_amounts, N_(
        "No budget, tender, award, contract or payment amount is negative.")),
    "direct_procurement_single_tenderer": (direct_procurement_single_tenderer, N_(
        "A direct procurement (without competition) has at most one tenderer.")),
    "unique_tender_ids": (None, N_(
        "Each process has its own tender id: two processes never share one.")),
    "registered_ocid_prefix": (None, N_(
        "Each process's ocid starts with an ocid prefix registered to its publisher (OCP assigns each "
        "publisher its prefix).")),
}


def ocid_prefix_registered(ocid: str | None, prefixes: tuple[str, ...]) -> str:
    """PASSED when ``ocid`` starts with one of the publisher's registered ``prefixes`` (none: FAILED)."""
    if not isinstance(ocid, str) or not ocid:
        return UNREADABLE
    return PASSED if any(ocid.startswith(prefix + "-") for prefix in prefixes) else FAILED


def _tender_id_key(tender_id: str) -> str:
    # A short digest keeps the seen-set small and free of the publisher's text.
    return hashlib.blake2b(tender_id.encode("utf-8"), digest_size=8).hexdigest()


class CheckTally:
    """Of the processes a check applies to: how many pass, fail, can't be read, with examples."""

    def __init__(self, data: dict | None = None):
        data = obj(data)
        self.counts = {result: int(data.get(result, 0)) for result in (PASSED, FAILED, UNREADABLE)}
        self.examples = {result: list(obj(data.get("examples")).get(result) or []) for result in (FAILED, UNREADABLE)}

    def add(self, result: str, ocid: str | None) -> None:
        self.counts[result] += 1
        if result != PASSED and ocid:
            add_example(self.examples[result], ocid)

    def merge(self, other: "CheckTally") -> None:
        for result in self.counts:
            self.counts[result] += other.counts[result]
        for result in self.examples:
            self.examples[result] = merge_examples(self.examples[result], other.examples[result])

    def to_json(self) -> dict:
        applicable = sum(self.counts.values())
        return dict(self.counts, applicable=applicable, share=share(self.counts[PASSED], applicable),
                    examples={k: list(v) for k, v in self.examples.items()})


class Checks:
    """The coherence checks over many processes; tender ids are remembered (as digests) across them."""

    def __init__(self, tallies: dict[str, CheckTally] | None = None, tender_ids: dict[str, str] | None = None):
        self.tallies = tallies or {name: CheckTally() for name in CHECKS}
        # digest of a tender id -> the first ocid seen with it
        self.tender_ids = tender_ids if tender_ids is not None else {}

    def add(self, ocid: str | None, compiled: dict, ocid_prefixes: tuple[str, ...] | None = None) -> None:
        """``ocid_prefixes``: those registered to the publisher (``None``: unknown, not checked)."""
        compiled = obj(compiled)
        for name, (check, _explanation) in CHECKS.items():
            if check is None:
                continue
            try:
                result = check(compiled)
            except (TypeError, ValueError, AttributeError, ZeroDivisionError, OverflowError):
                result = UNREADABLE  # data no check foresaw: listed, never fatal
            if result is not None:
                self.tallies[name].add(result, ocid)
        self._add_tender_id(ocid, obj(compiled.get("tender")))
        if ocid_prefixes is not None:
            self.tallies["registered_ocid_prefix"].add(ocid_prefix_registered(ocid, ocid_prefixes), ocid)

    def _add_tender_id(self, ocid: str | None, tender: dict) -> None:
        tender_id = text(tender.get("id"))
        if tender_id is None:
            return
        key = _tender_id_key(tender_id)
        first = self.tender_ids.setdefault(key, ocid or "")
        self.tallies["unique_tender_ids"].add(PASSED if first == (ocid or "") else FAILED, ocid)

    def merge(self, other: "Checks") -> None:
        for name, tally in other.tallies.items():
            self.tallies[name].merge(tally)
        for key, ocid in other.tender_ids.items():
            first = self.tender_ids.setdefault(key, ocid)
            if first != ocid:  # the same tender id on both sides: the other's first process is a duplicate
                unique = self.tallies["unique_tender_ids"]
                unique.counts[PASSED] -= 1
                unique.add(FAILED, ocid)

    def to_json(self) -> dict:
        return {"results": {name: dict(tally.to_json(), explanation=CHECKS[name][1])
                            for name, tally in self.tallies.items()},
                "tender_ids": dict(self.tender_ids)}

    @classmethod
    def from_json(cls, data: dict) -> "Checks":
        results = obj(data.get("results"))
        tallies = {name: CheckTally(results.get(name)) for name in CHECKS}
        return cls(tallies, {str(k): str(v) for k, v in obj(data.get("tender_ids")).items()})


__all__ = ["CHECKS", "Checks", "CheckTally", "FAILED", "MAX_EXAMPLES", "PASSED", "UNREADABLE", "ocid_prefix_registered"]
