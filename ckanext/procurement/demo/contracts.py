"""The awards and contracts sections of a release: who won, the purchase orders, their changes and payments.

Each contract is a city purchase order. Contract 1 may be modified (value or
term); the finance department pays every contract in payment runs; the
department records whether the contract's milestones were met.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import data, gaps
from .data import BASE_URL
from .facts import HOSTILE_URL, Facts
from .ocds import document, format_datetime, money, money_text
from .plans import DAY, Event, Plan
from .tender import line_items


def awards_section(facts: Facts) -> list[dict]:
    """One award per lot, to the best bidder for it, with its award notice."""
    plan = facts.plan
    award_event = facts.event("award")
    awards = []
    for n, (bidder, line_ids) in enumerate(facts.lots):
        lot_title = (facts.title if len(facts.lots) == 1
                     else f"{facts.title} - Lot {n + 1}: {plan.lines[line_ids[0]].item.title}")
        award = {
            "id": f"{facts.ocid}-award-{n + 1}",
            "title": lot_title,
            "description": f"Award to {facts.supplier_names[bidder]} ({_award_basis(plan)}).",
            "status": "active",
            "date": format_datetime(_award_date(facts)),
            "value": money(facts.award_values[n]),
            "suppliers": [facts.vendor_ref(bidder)],
            "items": line_items(plan, line_ids, facts.bids.ratios[bidder]),
            "documents": [document(facts.ocid, f"award-notice-{n + 1}", "awardNotice",
                                   f"Award Notice: {lot_title}", award_event.when, fmt="text/html")],
        }
        if plan.contract_start:
            award["contractPeriod"] = {"startDate": format_datetime(plan.contract_start),
                                       "endDate": format_datetime(plan.contract_end)}
        if facts.hostile and n == 0:
            award["documents"][0]["url"] = HOSTILE_URL
        if plan.method[2] == "ratedCriteria" and n == 0:
            award["documents"].append(document(facts.ocid, "evaluation-report", "evaluationReports",
                                               "Evaluation Committee Report", award_event.when))
        awards.append(award)
    return awards


def _award_date(facts: Facts) -> datetime:
    """When the award was decided: its release's date, or long before for a deliberately late one."""
    when = facts.event("award").when
    return when - gaps.LATE_AWARD_DAYS * DAY if gaps.late_award(facts.plan.index) else when


def _award_basis(plan: Plan) -> str:
    kind, details, criteria = plan.method
    if criteria == "priceOnly":
        return "lowest responsive and responsible bidder"
    if kind != "direct":
        return "highest-ranked proposer"
    return details.lower()


def contracts_section(facts: Facts, when: datetime, terminated: bool) -> list[dict]:
    """Every contract as it stands at ``when``; ``terminated`` once the city has closed it out."""
    events = facts.plan.events
    runs = [e for e in events if e.kind == "implementation" and e.when <= when]
    modifications = [e for e in events if e.kind == "contractAmendment" and e.when <= when]
    return [_contract(facts, n, bidder, when, terminated, runs, modifications)
            for n, (bidder, _) in enumerate(facts.lots)]


def _contract(facts: Facts, n: int, bidder: int, when: datetime, terminated: bool, runs: list[Event],
              modifications: list[Event]) -> dict:
    """Contract ``n`` (purchase order), with its modifications and payments by ``when``."""
    plan = facts.plan
    po = facts.po_numbers[n]
    signed = facts.event("contract").when
    if gaps.signed_before_award(plan.index):
        signed = _award_date(facts) - gaps.SIGNED_BEFORE_AWARD_DAYS * DAY
    documents = ([] if gaps.without_contract_document(plan.index)
                 else [document(facts.ocid, f"contract-{po}", "contractSigned", f"Contract No. {po}", signed)])
    contract = {
        "id": po,
        "awardID": f"{facts.ocid}-award-{n + 1}",
        "title": facts.title if len(facts.lots) == 1 else f"{facts.title} - Lot {n + 1}",
        "description": facts.description,
        "status": "terminated" if terminated else "active",
        "period": {"startDate": format_datetime(plan.contract_start)},
        "value": None,  # set below, after any modification
        "dateSigned": format_datetime(signed),
        "documents": documents,
    }
    value, end = facts.award_values[n], plan.contract_end
    if n == 0 and modifications:  # modifications change contract 1 only
        value, end = _modify(contract, documents, facts, modifications)
    contract["value"] = money(value)
    contract["period"]["endDate"] = format_datetime(end)
    if runs:
        contract["implementation"] = _implementation(facts, n, bidder, when, terminated, runs)
    return contract


def _modify(contract: dict, documents: list[dict], facts: Facts, modifications: list[Event]) -> tuple[float, datetime]:
    """Record contract 1's modifications; returns its value and end date after them."""
    po = contract["id"]
    end = facts.plan.contract_end
    contract["amendments"] = []
    for e in modifications:
        amendment = facts.plan.amendments[e.number - 1]
        before, value = facts.values_over_time[e.number - 1], facts.values_over_time[e.number]
        end = end + amendment.extension_days * DAY
        text = _modification_text(e.number, value - before, value, end if amendment.extension_days else None)
        record = {
            "id": f"{po}-mod-{e.number}",
            "date": format_datetime(e.when),
            "rationale": facts.amendment_rationales[e.number - 1],
            "description": text,
        }
        previous_release = facts.release_id_before(e.when)
        if previous_release:
            record["amendsReleaseID"] = previous_release
        record["releaseID"] = facts.amendment_release_ids[e.number]
        contract["amendments"].append(record)
        documents.append(document(facts.ocid, f"modification-{po}-{e.number}", "contractAnnexe",
                                  f"Contract No. {po}, Modification No. {e.number}", e.when, description=text))
    return value, end


def _modification_text(number: int, delta: float, value: float, new_end: datetime | None) -> str:
    """What a modification does, as the change order says it."""
    text = f"Modification No. {number}: "
    if delta > 0:
        text += f"increases the contract value by {money_text(delta)} to {money_text(value)}"
    elif delta < 0:
        text += f"decreases the contract value by {money_text(-delta)} to {money_text(value)}"
    else:
        text += "no change to the contract value"
    if new_end is not None:
        text += f"; extends the end date to {new_end:%B} {new_end.day}, {new_end.year}"
    return text + "."


def _implementation(facts: Facts, n: int, bidder: int, when: datetime, terminated: bool,
                    runs: list[Event]) -> dict:
    """Contract ``n``'s payments, milestones and progress documents after the payment ``runs`` so far."""
    po = facts.po_numbers[n]
    transactions = _transactions(facts, n, bidder, runs)
    documents = [
        document(facts.ocid, f"payment-summary-{po}", "financialProgressReport", f"Payment Summary, Contract {po}",
                 runs[-1].when, description=f"{len(transactions)} payment(s) to date.")
    ]
    if terminated and facts.plan.category == "works":
        documents.append(document(facts.ocid, f"completion-{po}", "completionCertificate",
                                  "Certificate of Completion", when))
    return {"transactions": transactions, "milestones": milestones(facts, when), "documents": documents}


def _transactions(facts: Facts, n: int, bidder: int, runs: list[Event]) -> list[dict]:
    """The payments to contract ``n``'s supplier: each run's payments, posted two days apart."""
    plan = facts.plan
    po = facts.po_numbers[n]
    payments = facts.payment_plan[n][:sum(plan.payments_per_run[:len(runs)])]
    transactions = []
    for run in runs:
        in_run = plan.payments_per_run[run.number - 1]
        for j in range(in_run):
            amount = payments[len(transactions)]
            number = len(transactions) + 1
            transactions.append({
                "id": f"{po}-pay-{number}",
                "source": f"{BASE_URL}/finance/payments",
                "date": format_datetime(run.when - timedelta(days=2 * (in_run - 1 - j))),
                "value": money(amount),
                "payer": facts.buyer_ref,
                "payee": facts.vendor_ref(bidder),
                "uri": f"{BASE_URL}/finance/payments/{po}-{number}",
            })
    return transactions


def milestones(facts: Facts, when: datetime) -> list[dict]:
    """The category's contract milestones at ``when``: scheduled, met (perhaps late) or not met."""
    start, end = facts.plan.contract_start, facts.plan.contract_end
    result = []
    for n, (milestone_type, milestone_title, fraction) in enumerate(data.MILESTONES[facts.plan.category]):
        due = (start + (end - start) * fraction).replace(hour=22, minute=0, second=0, microsecond=0)
        milestone = {
            "id": f"milestone-{n + 1}",
            "title": milestone_title,
            "type": milestone_type,
            "dueDate": format_datetime(due),
            "status": "scheduled",
        }
        met_on = due + facts.milestone_delay[n] * DAY
        if facts.milestone_met[n]:
            if met_on <= when:
                milestone["status"] = "met"
                milestone["dateMet"] = format_datetime(met_on)
                milestone["dateModified"] = format_datetime(met_on)
        elif due <= when:
            milestone["status"] = "notMet"
            milestone["dateModified"] = format_datetime(due)
        result.append(milestone)
    return result
