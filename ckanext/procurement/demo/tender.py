"""The planning, tender and bids sections of a release: the city's budget line, its solicitation, the bids.

Each function writes one section as it reads at a given moment of the process
(``when``): a solicitation gains addenda, then its bid tabulation, then its
award period, as the events happen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import data
from .data import BASE_URL
from .facts import HOSTILE_URL, Facts
from .ocds import document, format_datetime, money, ref
from .parties import procuring_party
from .plans import DAY, Plan


def line_items(plan: Plan, line_ids: list[int] | None = None, ratio: float = 1.0) -> list[dict]:
    """The items of the purchase (or of the lines ``line_ids``), at the estimate's unit prices times ``ratio``."""
    result = []
    for i, line in enumerate(plan.lines):
        if line_ids is not None and i not in line_ids:
            continue
        item = line.item
        result.append({
            "id": str(i + 1),
            "description": item.description,
            "classification": {"scheme": "UNSPSC", "id": item.unspsc[0], "description": item.unspsc[1]},
            "additionalClassifications": [
                {"scheme": "NIGP", "id": item.nigp[0], "description": item.nigp[1]},
            ],
            "quantity": line.quantity,
            "unit": {
                "scheme": "UNCEFACT",
                "id": item.unit[1],
                "name": item.unit[0],
                "value": money(round(line.unit_price * ratio, 2)),
            },
        })
    return result


def planning_section(facts: Facts) -> dict:
    """The budget line in the department's fund that pays for the purchase, and any planning notice."""
    plan, year, department = facts.plan, facts.year, facts.plan.department
    docs = []
    first = plan.events[0]
    if first.kind == "planning":
        docs.append(document(facts.ocid, "planned-procurement-notice", "plannedProcurementNotice",
                             f"Planned Procurement Notice: {facts.title}", first.when, fmt="text/html"))
        if facts.hostile:
            docs[0]["url"] = HOSTILE_URL
            docs[0]["title"] = f"<i onclick=alert(1)>{docs[0]['title']}</i>"
    return {
        "rationale": facts.planning_rationale,
        "budget": {
            "id": f"FY{year}-{department.code}-{plan.index + 1:06d}",
            "description": f"FY{year} {department.fund}, {department.name}",
            "amount": money(facts.budget),
            "project": facts.title,
            "projectID": f"{department.code}-{year % 100:02d}-{plan.index + 1:06d}",
            "uri": f"{BASE_URL}/budget/FY{year}/{department.code}",
        },
        "documents": docs,
    }


def tender_section(facts: Facts, when: datetime, status: str) -> dict:
    """The solicitation as published at ``when``, with OCDS tender ``status``."""
    tender = _tender_basics(facts, status)
    tender_event, award_event = facts.event("tender"), facts.event("award")
    if status == "planned":
        if tender_event is not None:
            tender["tenderPeriod"] = {"startDate": format_datetime(tender_event.when)}
        return tender
    # Emergency and cooperative purchases have no solicitation: they are published at award.
    start = (tender_event or award_event).when
    docs = _solicitation(tender, facts, start)
    _addenda(tender, docs, facts, when)
    _bids_received(tender, docs, facts, when)
    if award_event is not None and when >= award_event.when:
        bid_opening = facts.event("bidOpening")
        tender["awardPeriod"] = {
            "startDate": format_datetime(bid_opening.when if bid_opening else start),
            "endDate": format_datetime(award_event.when),
        }
    if docs:
        tender["documents"] = docs
    return tender


def _tender_basics(facts: Facts, status: str) -> dict:
    """What the tender says from the planning notice on: what, how much, by which method."""
    plan = facts.plan
    kind, details, criteria = plan.method
    tender = {
        "id": facts.spec,
        "title": facts.title,
        "description": facts.description,
        "status": status,
        "procuringEntity": ref(procuring_party()),
        "items": line_items(plan),
        "value": money(facts.tender_value),
        "procurementMethod": kind,
        "procurementMethodDetails": details,
        "mainProcurementCategory": plan.category,
        "awardCriteria": criteria,
    }
    if details == "Sole Source":
        tender["submissionMethod"] = ["written"]
        tender["submissionMethodDetails"] = ("Objections to this sole source may be submitted in writing to "
                                             "the Chief Procurement Officer until the date shown.")
    elif facts.event("tender") is not None:
        tender["submissionMethod"] = ["electronicSubmission"]
        tender["submissionMethodDetails"] = "Submit through the City of Springfield eProcurement portal."
    if facts.direct_rationale:
        tender["procurementMethodRationale"] = facts.direct_rationale
    if plan.category == "services" and plan.sector in data.PROFESSIONAL_SECTORS:
        tender["additionalProcurementCategories"] = ["consultingServices"]
    if facts.months:
        tender["contractPeriod"] = {"durationInDays": int(facts.months * 30.44)}
    return tender


def _solicitation(tender: dict, facts: Facts, start: datetime) -> list[dict]:
    """The notice, bid and enquiry periods and bid documents of a solicitation opened at ``start``."""
    kind, details, criteria = facts.plan.method
    deadline = facts.plan.deadline
    ocid, title = facts.ocid, facts.title
    docs = []
    if facts.event("tender") is not None:
        notice = "Notice of Intent to Sole Source" if details == "Sole Source" else "Notice"
        docs.append(document(ocid, "tender-notice", "tenderNotice", f"{notice}: {title}", start, fmt="text/html"))
    if deadline is not None:
        tender["tenderPeriod"] = {"startDate": format_datetime(start), "endDate": format_datetime(deadline)}
        if (deadline - start).days >= 14 and kind != "direct":
            tender["enquiryPeriod"] = {"startDate": format_datetime(start),
                                      "endDate": format_datetime(deadline - 7 * DAY)}
        if kind != "direct":  # a sole source notice has no bid documents
            docs.append(document(ocid, "bid-documents", "biddingDocuments", f"{details} {facts.spec}", start,
                                 description="Solicitation documents, specifications and bid forms."))
            if criteria == "ratedCriteria":
                docs.append(document(ocid, "evaluation-criteria", "evaluationCriteria", "Evaluation Criteria",
                                     start))
            elif facts.plan.category in ("goods", "works"):
                docs.append(document(ocid, "technical-specifications", "technicalSpecifications",
                                     "Technical Specifications", start))
    if facts.hostile and docs:
        docs[0]["url"] = HOSTILE_URL
        docs[-1]["title"] = f"<b onmouseover=alert(1)>{docs[-1]['title']}</b>"
    return docs


def _addenda(tender: dict, docs: list[dict], facts: Facts, when: datetime) -> None:
    """Addenda issued by ``when``: answers to vendor questions, perhaps a later bid due date."""
    plan = facts.plan
    addenda = [e for e in plan.events if e.kind == "tenderAmendment" and e.when <= when]
    if addenda:
        tender["hasEnquiries"] = True
        tender["amendments"] = []
        for e in addenda:
            text = (f"Addendum No. {e.number}: answers to vendor questions"
                    + (f"; bid due date extended by {plan.extension_days} days." if plan.extension_days else "."))
            tender["amendments"].append({"id": f"addendum-{e.number}", "date": format_datetime(e.when),
                                         "rationale": text})
            docs.append(document(facts.ocid, f"addendum-{e.number}", "clarifications", f"Addendum No. {e.number}",
                                 e.when, description=text))
    elif plan.deadline is not None and plan.extension_days:
        # Until the addendum, the bid due date was earlier.
        tender["tenderPeriod"]["endDate"] = format_datetime(plan.deadline - plan.extension_days * DAY)


def _bids_received(tender: dict, docs: list[dict], facts: Facts, when: datetime) -> None:
    """Who bid, once the bids are publicly opened (or, without a bid opening, once the award is made)."""
    kind, details, _criteria = facts.plan.method
    bid_opening, award_event = facts.event("bidOpening"), facts.event("award")
    tenderers = [facts.vendor_ref(k) for k in range(facts.n_bids)]
    if bid_opening is not None and when >= bid_opening.when:
        tender["numberOfTenderers"] = facts.n_bids
        tender["tenderers"] = tenderers
        docs.append(document(facts.ocid, "bid-tabulation", "bidders", "Bid Tabulation", bid_opening.when,
                             description=f"{facts.n_bids} bid(s) received and publicly read."))
    elif kind == "direct" or details == "Cooperative Purchase":
        if award_event is not None and when >= award_event.when:
            tender["numberOfTenderers"] = 1
            tender["tenderers"] = tenderers


def bids_section(facts: Facts, final: bool) -> dict:
    """The bids and their statistics; ``final`` once evaluated (valid or disqualified), else pending."""
    bids = facts.bids
    received = (facts.event("bidOpening") or facts.event("tender") or facts.event("award")).when
    details = []
    for k in range(facts.n_bids):
        status = ("disqualified" if bids.disqualified[k] else "valid") if final else "pending"
        details.append({
            "id": f"bid-{k + 1}",
            "date": format_datetime(received - timedelta(hours=bids.hours_early[k])),
            "status": status,
            "tenderers": [facts.vendor_ref(k)],
            "value": money(round(facts.plan.value * bids.ratios[k], 2)),
        })
    statistics = [{"id": "1", "measure": "bids", "value": facts.n_bids}]
    if final:
        statistics.append({"id": "2", "measure": "disqualifiedBids", "value": sum(bids.disqualified)})
    return {"statistics": statistics, "details": details}
