"""The amounts of a process: which value counts, its band, its sort key, and the amounts behind it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from .access import amount_of, currency_of, number, objs, total
from .compile import merge_order
from .vocabulary import VALUE_BANDS

# Which amount is a process's value: what was contracted, else awarded, else the tender's
# estimate, else the budget (summary keys, most telling first).
VALUE_PRECEDENCE = ("contract_value", "award_value", "tender_value", "budget_amount")


def best_value(amounts: Mapping[str, Any]) -> tuple[str, Any] | None:
    """``(key, amount)`` of the first amount of VALUE_PRECEDENCE that is known (not None nor "")."""
    for key in VALUE_PRECEDENCE:
        if amounts.get(key) not in (None, ""):
            return key, amounts[key]
    return None


def value_band(value: float | None) -> str | None:
    """Return the :data:`VALUE_BANDS` code of ``value`` (``None`` if unknown or negative)."""
    if value is None or value < 0:
        return None
    for code, low, high in VALUE_BANDS:
        if low <= value < high:
            return code
    return None


def value_sort_key(value: float | None) -> str | None:
    """Return ``value`` as a 20-character string that sorts lexicographically like the number.

    Non-negative values are ``f"{v:020.2f}"`` (zero-padded to 17 integer digits, e.g.
    ``00000000001100000.00``). Negative values (real feeds have credits) are ``-`` - which
    sorts before any digit - followed by ``10**16 + v`` on 19 characters, so that bigger
    debts sort first. Decimal arithmetic keeps the cents exact.
    """
    if value is None:
        return None
    if value >= 0:
        return f"{value:020.2f}"
    shifted = max(Decimal(10) ** 16 + Decimal(str(value)), Decimal(0))  # debts beyond 10**16 sort together
    return f"-{shifted.quantize(Decimal('0.01')):019.2f}"


def current_contracts(contracts: list[dict]) -> list[dict]:
    """The contracts that count: the active ones, else all that aren't cancelled."""
    active = [c for c in contracts if c.get("status") == "active"]
    return active or [c for c in contracts if c.get("status") != "cancelled"]


def original_contract_values(releases: list[dict] | None) -> dict[str, Any]:
    """Value of each contract (by id) in the first release, in merge order, that gives it one."""
    originals: dict[str, Any] = {}
    for release in merge_order(releases or []):
        for contract in objs(release.get("contracts")):
            cid = contract.get("id")
            if cid is not None and str(cid) not in originals and amount_of(contract.get("value")) is not None:
                originals[str(cid)] = contract["value"]
    return originals


def award_value(awards: list[dict]) -> int | float | None:
    """The sum of the active awards' values, else of the pending ones."""
    for status in ("active", "pending"):
        amounts = [amount_of(a.get("value")) for a in awards if a.get("status") == status]
        if any(v is not None for v in amounts):
            return total(amounts)
    return None


def transaction_amount(transaction: dict) -> int | float | None:
    # OCDS 1.1 `value`; OCDS 1.0 `amount` (a Value object; some feeds put a bare number there).
    amount = amount_of(transaction.get("value"))
    if amount is None:
        legacy = transaction.get("amount")
        amount = amount_of(legacy) if isinstance(legacy, dict) else number(legacy)
    return amount


def transaction_currency(transaction: dict) -> str | None:
    return currency_of(transaction.get("value")) or currency_of(transaction.get("amount"))
