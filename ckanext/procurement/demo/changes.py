"""Unplanned updates: a clerk changes a published process outside its plan (the ``change`` control).

With a signed contract the update posts one more payment (or, if the contract
is fully paid, corrects the contract record); before that, it revises the
tender's contact details.
"""

from __future__ import annotations

import copy
from datetime import datetime

from .data import BASE_URL
from .ocds import format_datetime, money, ref


def change_release(history: list[dict], number: int, when: datetime) -> dict:
    """Update ``number`` of a process at ``when``, given its releases so far (``history``, by date)."""
    latest = history[-1]
    ocid = latest["ocid"]
    release = {
        "ocid": ocid,
        "id": "",
        "date": format_datetime(when),
        "tag": [],
        "initiationType": "tender",
        "language": "en",
        "parties": copy.deepcopy(latest["parties"]),
        "buyer": dict(latest["buyer"]),
    }
    with_contracts = next((r for r in reversed(history) if "contracts" in r), None)
    if with_contracts is not None:
        tag = _contract_update(release, with_contracts, number, when)
    else:
        tag = _tender_update(release, next(r for r in reversed(history) if "tender" in r), when)
    release["tag"] = [tag]
    release["id"] = f"{ocid}-u{number:02d}-{tag}"
    return release


def _contract_update(release: dict, with_contracts: dict, number: int, when: datetime) -> str:
    """One more payment on contract 1 (2% of its value), or a corrected record if nothing is left to pay."""
    contracts = copy.deepcopy(with_contracts["contracts"])
    contract = contracts[0]
    value = contract["value"]["amount"]
    implementation = contract.setdefault("implementation", {})
    transactions = implementation.setdefault("transactions", [])
    paid = sum(t["value"]["amount"] for t in transactions)
    amount = round(min(value * 0.02, max(value - paid, 0)), 2)
    if amount >= 0.01 and contract["status"] == "active":
        payee = next((p for p in release["parties"] if "supplier" in p.get("roles", [])), None)
        transactions.append({
            "id": f"{contract['id']}-pay-u{number}",
            "source": f"{BASE_URL}/finance/payments",
            "date": format_datetime(when),
            "value": money(amount),
            "payer": dict(release["buyer"]),
            "payee": ref(payee) if payee else dict(release["buyer"]),
            "uri": f"{BASE_URL}/finance/payments/{contract['id']}-u{number}",
        })
        tag = "implementation"
    else:
        contract["description"] = f"{contract.get('description', '')} (Record updated {when:%Y-%m-%d}.)"
        tag = "contractUpdate"
    release["contracts"] = contracts
    return tag


def _tender_update(release: dict, with_tender: dict, when: datetime) -> str:
    """The tender (and, while only planned, the planning section) with revised contact details."""
    tender = copy.deepcopy(with_tender["tender"])
    tender["description"] = f"{tender.get('description', '')} (Updated {when:%Y-%m-%d}: contact details revised.)"
    release["tender"] = tender
    if tender.get("status") == "planned":
        release["planning"] = copy.deepcopy(with_tender.get("planning", {}))
        return "planningUpdate"
    return "tenderUpdate"
