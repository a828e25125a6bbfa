"""Indicators: neutral flags computed from a process's compiled release (a reason to look, not an accusation).

Each indicator gives one of three results: ``flagged``, ``not_flagged``, or ``not_assessed`` when
the release lacks a field the indicator needs (or publishes amounts the indicator can't compare).
A process lacking data is never counted as having passed. Amounts in different currencies, or
without a currency, are never compared or summed.

Two indicators follow the definitions of OCP's Cardinal (``ocdscardinal``):

- ``short-submission-period`` (Cardinal R003): whole days from ``tender/tenderPeriod/startDate``
  to ``endDate`` fewer than a threshold (15 days by default).
- ``single-bid`` (Cardinal R018): ``tender/numberOfTenderers`` (else the count of
  ``tender/tenderers``) is 1, in a competitive procedure (``procurementMethod`` open or selective).

The others are the city's own:

- ``non-competitive-above-threshold``: a limited or direct procedure whose value (contracted, else
  awarded, else estimated) is at least a threshold, in the threshold's currency.
- ``amendment-increase``: a current contract's value has grown by more than a share over the value
  it was first published with (needs the releases, not only the compiled release).
- ``award-above-estimate``: the active (else pending) awards sum to more than the tender's
  estimate by more than a share.
- ``payments-exceed-contract``: a contract's payments (implementation transactions) sum to more
  than its value by more than a share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .access import amount_of, currency_of, obj, objs, text, total
from .amounts import current_contracts, original_contract_values, transaction_amount, transaction_currency
from .dates import parse_date
from .vocabulary import N_

FLAGGED, NOT_FLAGGED, NOT_ASSESSED = "flagged", "not_flagged", "not_assessed"
COMPETITIVE_METHODS = ("open", "selective")
NON_COMPETITIVE_METHODS = ("limited", "direct")

INDICATOR_LABELS = {
    "short-submission-period": N_("Short submission period"),
    "single-bid": N_("Single bid in a competitive procedure"),
    "non-competitive-above-threshold": N_("Non-competitive procedure above the threshold"),
    "amendment-increase": N_("Contract value increased by amendments"),
    "award-above-estimate": N_("Award far above the estimate"),
    "payments-exceed-contract": N_("Payments exceed the contracted value"),
}
INDICATORS = tuple(INDICATOR_LABELS)


@dataclass(frozen=True)
class Thresholds:
    """The settings of the indicators (the site's configuration; these are the defaults)."""

    short_submission_days: int = 15
    non_competitive_amount: float = 100_000
    non_competitive_currency: str = "USD"
    amendment_increase_share: float = 0.2
    award_above_estimate_share: float = 0.2
    payments_over_contract_share: float = 0.0


def _result(code: str, result: str, **details: Any) -> dict:
    return {"code": code, "result": result, **details}


def _missing(code: str, *paths: str) -> dict:
    return _result(code, NOT_ASSESSED, missing=list(paths))


def _sum_in_one_currency(amounts: list, currencies: list) -> tuple[float, str] | None:
    """The sum of amounts that are all known and in one and the same currency; else None."""
    if not amounts or None in amounts or len(set(currencies)) != 1 or None in currencies:
        return None
    summed = total(amounts)  # None beyond any float
    return (float(summed), currencies[0]) if summed is not None else None


def _one_currency(values: Iterable[Any]) -> tuple[float, str] | None:
    """The sum of Value objects that all have an amount and one and the same currency; else None."""
    values = list(values)
    return _sum_in_one_currency([amount_of(v) for v in values], [currency_of(v) for v in values])


def short_submission_period(compiled: dict, thresholds: Thresholds) -> dict:
    code = "short-submission-period"
    period = obj(obj(compiled.get("tender")).get("tenderPeriod"))
    start, end = parse_date(period.get("startDate")), parse_date(period.get("endDate"))
    if start is None or end is None:
        return _missing(code, *[p for p, d in (("tender/tenderPeriod/startDate", start),
                                                ("tender/tenderPeriod/endDate", end)) if d is None])
    if end < start:
        return _result(code, NOT_ASSESSED, missing=[], inconsistent=["tender/tenderPeriod"])
    days = (end - start).days  # whole days
    limit = thresholds.short_submission_days
    return _result(code, FLAGGED if days < limit else NOT_FLAGGED, days=days, threshold=limit)


MAX_TENDERERS = 2**31 - 1


def number_of_tenderers(tender: dict) -> int | None:
    declared = tender.get("numberOfTenderers")
    # a count no procurement ever had (and no database integer holds) is kept in the record, not used
    if isinstance(declared, int) and not isinstance(declared, bool) and 0 <= declared <= MAX_TENDERERS:
        return declared
    tenderers = {str(t.get("id") or t.get("name")) for t in objs(tender.get("tenderers")) if t.get("id") or t.get("name")}
    return len(tenderers) or None


def single_bid(compiled: dict, thresholds: Thresholds) -> dict:
    code = "single-bid"
    tender = obj(compiled.get("tender"))
    method, tenderers = text(tender.get("procurementMethod")), number_of_tenderers(tender)
    if method is None or tenderers is None:
        return _missing(code, *[p for p, v in (("tender/procurementMethod", method),
                                                ("tender/numberOfTenderers", tenderers)) if v is None])
    if method not in COMPETITIVE_METHODS:
        return _result(code, NOT_ASSESSED, missing=[], not_applicable=True, method=method)
    return _result(code, FLAGGED if tenderers == 1 else NOT_FLAGGED, tenderers=tenderers, method=method)


def _awarded_values(awards: list[dict]) -> list[Any]:
    for status in ("active", "pending"):
        chosen = [a.get("value") for a in awards if a.get("status") == status]
        if chosen:
            return chosen
    return []


def _process_value(compiled: dict) -> tuple[str, tuple[float, str] | None] | None:
    """(which, (amount, currency)) of the value that counts: contracted, else awarded, else estimated."""
    contracts = current_contracts(objs(compiled.get("contracts")))
    candidates = (
        ("contracted", [c.get("value") for c in contracts]),
        ("awarded", _awarded_values(objs(compiled.get("awards")))),
        ("estimated", [obj(compiled.get("tender")).get("value")]),
    )
    for which, values in candidates:
        if any(amount_of(v) is not None for v in values):
            return which, _one_currency(values)
    return None


def non_competitive_above_threshold(compiled: dict, thresholds: Thresholds) -> dict:
    code = "non-competitive-above-threshold"
    method = text(obj(compiled.get("tender")).get("procurementMethod"))
    if method is None:
        return _missing(code, "tender/procurementMethod")
    if method not in NON_COMPETITIVE_METHODS:
        return _result(code, NOT_FLAGGED, method=method)
    found = _process_value(compiled)
    if found is None:
        return _missing(code, "contracts/value", "awards/value", "tender/value")
    which, value = found
    limit, currency = thresholds.non_competitive_amount, thresholds.non_competitive_currency
    if value is None or value[1] != currency:
        return _result(code, NOT_ASSESSED, missing=[], other_currency=True, threshold=limit, currency=currency)
    return _result(code, FLAGGED if value[0] >= limit else NOT_FLAGGED, method=method, which=which,
                   amount=value[0], currency=currency, threshold=limit)


def _per_contract(code: str, shares: list[float | None], limit: float, missing: str) -> dict:
    """Flagged if any contract's share is over the limit; not flagged only if every contract was assessed."""
    known = [share for share in shares if share is not None]
    if known and max(known) > limit:
        return _result(code, FLAGGED, share=max(known), threshold=limit)
    if not shares or len(known) < len(shares):
        return _missing(code, missing)
    return _result(code, NOT_FLAGGED, share=max(known), threshold=limit)


def _growth(before: tuple[float, str] | None, after: tuple[float, str] | None) -> float | None:
    """(after - before) / before, for two positive amounts in one currency; else None."""
    if before is None or after is None or before[1] != after[1] or before[0] <= 0:
        return None
    return (after[0] - before[0]) / before[0]


def amendment_increase(compiled: dict, releases: list[dict] | None, thresholds: Thresholds) -> dict:
    code = "amendment-increase"
    contracts = current_contracts(objs(compiled.get("contracts")))
    originals = original_contract_values(releases) if releases else {}
    shares = [_growth(_one_currency([originals.get(str(c.get("id")))]), _one_currency([c.get("value")]))
              for c in contracts]
    return _per_contract(code, shares, thresholds.amendment_increase_share, "contracts/value")


def award_above_estimate(compiled: dict, thresholds: Thresholds) -> dict:
    code = "award-above-estimate"
    estimate = _one_currency([obj(compiled.get("tender")).get("value")])
    awarded_values = _awarded_values(objs(compiled.get("awards")))
    awarded = _one_currency(awarded_values) if awarded_values else None
    if estimate is None or awarded is None:
        return _missing(code, *[p for p, v in (("tender/value", estimate), ("awards/value", awarded)) if v is None])
    if estimate[1] != awarded[1]:
        return _result(code, NOT_ASSESSED, missing=[], other_currency=True)
    if estimate[0] <= 0:
        return _missing(code, "tender/value")
    share = (awarded[0] - estimate[0]) / estimate[0]
    limit = thresholds.award_above_estimate_share
    return _result(code, FLAGGED if share > limit else NOT_FLAGGED, share=share, threshold=limit,
                   awarded=awarded[0], estimate=estimate[0], currency=estimate[1])


def _paid(contract: dict) -> tuple[float, str] | None:
    """The sum of a contract's transactions, if it has some and all are in one currency."""
    transactions = objs(obj(contract.get("implementation")).get("transactions"))
    return _sum_in_one_currency([transaction_amount(t) for t in transactions],
                                [transaction_currency(t) for t in transactions])


def payments_exceed_contract(compiled: dict, thresholds: Thresholds) -> dict:
    code = "payments-exceed-contract"
    contracts = current_contracts(objs(compiled.get("contracts")))
    shares = [_growth(_one_currency([c.get("value")]), _paid(c)) for c in contracts]
    return _per_contract(code, shares, thresholds.payments_over_contract_share, "contracts/implementation/transactions")


def assess(compiled: dict, releases: list[dict] | None = None, thresholds: Thresholds | None = None) -> list[dict]:
    """Every indicator's result, in the order of INDICATORS: ``{code, result, ...details}``."""
    compiled, thresholds = obj(compiled), thresholds or Thresholds()
    return [
        short_submission_period(compiled, thresholds),
        single_bid(compiled, thresholds),
        non_competitive_above_threshold(compiled, thresholds),
        amendment_increase(compiled, releases, thresholds),
        award_above_estimate(compiled, thresholds),
        payments_exceed_contract(compiled, thresholds),
    ]


def codes_with(results: list[dict], result: str) -> list[str]:
    return [r["code"] for r in results if r["result"] == result]
