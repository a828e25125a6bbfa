"""The figures of the supplier and department pages: what a process awarded to each supplier (one row per
supplier and currency), and the process's own figures.

A supplier is identified by its published identifier (``parties/identifier`` scheme and id) where
there is one, otherwise by its normalized name: the same company spelled two ways under one
identifier is one supplier. Amounts are kept per currency (never summed across currencies); an
amount published without a currency is its own bucket (``None``).

The awards that count are the active ones, else the pending ones (as the process's awarded value);
an award with several suppliers (a joint venture) counts in full for each of them. Contracted and
paid amounts are those of the current contracts of those awards.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from .access import amount_of, currency_of, obj, objs, text, total
from .amounts import current_contracts, transaction_amount, transaction_currency
from .indicators import FLAGGED, NOT_FLAGGED, single_bid, Thresholds
from .rows import Parties

_NOT_WORD = re.compile(r"[^\w]+")


def normalized_name(name: str) -> str:
    """`  ACME Corp., Inc ` and `Acme Corp Inc` -> `acme corp inc`; `Café` -> `cafe` (accents dropped)."""
    words = _NOT_WORD.sub(" ", name.casefold())
    folded = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii")
    return " ".join((folded if folded.strip() else words).split())


def supplier_key(party: dict, name: str | None) -> str | None:
    """`scheme/id` of the party's identifier, else `name/normalized name`; None without either."""
    identifier = obj(party.get("identifier"))
    scheme, ident = text(identifier.get("scheme")), text(identifier.get("id"))
    if scheme and ident:
        return f"{scheme.strip().upper()}/{ident.strip()}"
    if name and normalized_name(name):
        return f"name/{normalized_name(name)}"
    return None


def _counted_awards(awards: list[dict]) -> list[dict]:
    for status in ("active", "pending"):
        chosen = [a for a in awards if a.get("status") == status]
        if chosen:
            return chosen
    return []


def _add(totals: dict, kind: str, value, currency) -> None:
    if value is not None:
        totals[currency][kind] = totals[currency].get(kind, 0) + float(value)


def supplier_rows(compiled: dict, summary: dict) -> list[dict]:
    """One row per (supplier, currency): key, name, identifier, scale, categories, awarded, contracted, paid."""
    compiled = obj(compiled)
    parties = Parties(compiled, text(compiled.get("language")))
    categories = {s.get("id") or s.get("name"): s for s in summary.get("suppliers") or []}
    awards = _counted_awards(objs(compiled.get("awards")))
    contracts = current_contracts(objs(compiled.get("contracts")))
    suppliers: dict[str, dict] = {}
    for award in awards:
        contracted = [c for c in contracts if text(c.get("awardID")) == text(award.get("id"))]
        for reference in objs(award.get("suppliers")):
            party, name = parties.get(reference), parties.name(reference)
            key = supplier_key(party, name)
            if key is None:
                continue
            entry = suppliers.setdefault(key, {"name": name or key, "party": party, "reference": reference,
                                               "totals": defaultdict(dict)})
            totals = entry["totals"]
            _add(totals, "awarded", amount_of(award.get("value")), currency_of(award.get("value")))
            for contract in contracted:
                _add(totals, "contracted", amount_of(contract.get("value")), currency_of(contract.get("value")))
                for transaction in objs(obj(contract.get("implementation")).get("transactions")):
                    _add(totals, "paid", transaction_amount(transaction), transaction_currency(transaction))
    rows = []
    for key, entry in sorted(suppliers.items()):
        identifier = obj(entry["party"].get("identifier"))
        described = categories.get(text(entry["reference"].get("id")) or entry["name"]) or {}
        by_currency = sorted(entry["totals"].items(), key=lambda item: item[0] or "") or [(None, {})]
        for currency, totals in by_currency:
            rows.append({
                "supplier_key": key, "supplier_name": entry["name"],
                "identifier_scheme": text(identifier.get("scheme")), "identifier_id": text(identifier.get("id")),
                "scale": described.get("scale"), "categories": list(described.get("categories") or []),
                "currency": currency, "awarded": totals.get("awarded"), "contracted": totals.get("contracted"),
                "paid": totals.get("paid"),
            })
    return rows


def _single_currency(amounts: list[tuple]) -> tuple[float | None, str | None]:
    """The sum of (amount, currency) pairs that share one currency; (None, None) if none or mixed."""
    amounts = [(a, c) for a, c in amounts if a is not None]
    currencies = {c for _, c in amounts}
    summed = total(a for a, _ in amounts)  # None beyond any float
    if summed is None or len(currencies) != 1:
        return None, None
    return float(summed), currencies.pop()


def process_figures(compiled: dict, summary: dict) -> dict:
    """A process's figures for the department pages: what, how, competition, and its amounts in one currency
    (awarded, contracted, paid), each None when unknown or published in several currencies."""
    compiled = obj(compiled)
    awards = _counted_awards(objs(compiled.get("awards")))
    contracts = current_contracts(objs(compiled.get("contracts")))
    transactions = [t for c in contracts for t in objs(obj(c.get("implementation")).get("transactions"))]
    awarded, currency = _single_currency([(amount_of(a.get("value")), currency_of(a.get("value"))) for a in awards])
    contracted, contract_currency = _single_currency(
        [(amount_of(c.get("value")), currency_of(c.get("value"))) for c in contracts])
    paid, paid_currency = _single_currency([(transaction_amount(t), transaction_currency(t)) for t in transactions])
    currency = currency or contract_currency
    single = single_bid(compiled, Thresholds())["result"]
    return {
        "buyer_name": summary.get("buyer_name"), "fiscal_year": summary.get("fiscal_year"),
        "main_category": summary.get("main_category"), "procurement_method": summary.get("procurement_method"),
        "number_of_tenderers": summary.get("number_of_tenderers"),
        "single_bid": True if single == FLAGGED else False if single == NOT_FLAGGED else None,
        "currency": currency,
        "awarded": awarded,
        "contracted": contracted if contract_currency == currency else None,
        "paid": paid if paid_currency == currency else None,
    }
