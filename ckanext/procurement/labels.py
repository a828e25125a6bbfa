"""Human labels for the OCDS codes the portal shows, translatable.

The closed OCDS codelists (tender, award and contract status, method,
category) are small and stable in OCDS 1.1, so their labels are kept here as
translatable strings rather than read from the codelist files at run time;
tests check them against the official codelists. Codes a publisher uses that
a codelist lacks are shown as published.
"""
from __future__ import annotations

import re

from ckan.plugins.toolkit import _

# the derived codes' labels live with the rules that derive them, in the OCDS package
from ckanext.procurement.ocds.indicators import INDICATOR_LABELS
from ckanext.procurement.ocds.vocabulary import N_
from ckanext.procurement.ocds.vocabulary import STAGE_LABELS as STAGES
from ckanext.procurement.ocds.vocabulary import STATUS_LABELS as STATUSES
from ckanext.procurement.ocds.vocabulary import VALUE_BAND_LABELS as VALUE_BANDS

CODELISTS = {
    "tenderStatus": {
        "planning": N_("Planning"),
        "planned": N_("Planned"),
        "active": N_("Active"),
        "cancelled": N_("Cancelled"),
        "unsuccessful": N_("Unsuccessful"),
        "complete": N_("Complete"),
        "withdrawn": N_("Withdrawn"),
    },
    "awardStatus": {
        "pending": N_("Pending"),
        "active": N_("Active"),
        "cancelled": N_("Cancelled"),
        "unsuccessful": N_("Unsuccessful"),
    },
    "contractStatus": {
        "pending": N_("Pending"),
        "active": N_("Active"),
        "cancelled": N_("Cancelled"),
        "terminated": N_("Terminated"),
    },
    "method": {
        "open": N_("Open"),
        "selective": N_("Selective"),
        "limited": N_("Limited"),
        "direct": N_("Direct"),
    },
    "procurementCategory": {
        "goods": N_("Goods"),
        "works": N_("Works"),
        "services": N_("Services"),
    },
    "milestoneStatus": {
        "scheduled": N_("Scheduled"),
        "met": N_("Met"),
        "notMet": N_("Not met"),
        "partiallyMet": N_("Partially met"),
    },
    "partyScale": {
        "micro": N_("Micro business"),
        "sme": N_("Small or medium business"),
        "small": N_("Small business"),
        "medium": N_("Medium business"),
        "large": N_("Large business"),
        "selfEmployed": N_("Self-employed"),
    },
    "documentType": {
        "plannedProcurementNotice": N_("Planned procurement notice"),
        "tenderNotice": N_("Tender notice"),
        "awardNotice": N_("Award notice"),
        "contractNotice": N_("Contract notice"),
        "completionCertificate": N_("Completion certificate"),
        "biddingDocuments": N_("Bidding documents"),
        "technicalSpecifications": N_("Technical specifications"),
        "evaluationCriteria": N_("Evaluation criteria"),
        "evaluationReports": N_("Evaluation report"),
        "contractSigned": N_("Signed contract"),
        "contractAmendment": N_("Contract amendment"),
        "clarifications": N_("Clarifications"),
        "procurementPlan": N_("Procurement plan"),
        "projectPlan": N_("Project plan"),
        "marketStudies": N_("Market studies"),
        "contractArrangements": N_("Contract arrangements"),
        "contractSchedule": N_("Contract schedule"),
        "physicalProgressReport": N_("Physical progress report"),
        "financialProgressReport": N_("Financial progress report"),
        "finalAudit": N_("Final audit"),
        "cancellationDetails": N_("Cancellation details"),
        "feasibilityStudy": N_("Feasibility study"),
    },
}

CATEGORY_LABELS = {
    "minority-owned": N_("Minority-owned business"),
    "women-owned": N_("Women-owned business"),
    "local": N_("Local business"),
    "disadvantaged": N_("Disadvantaged business"),
}


def humanize_code(code: str) -> str:
    """`contractAmendment` -> `Contract amendment`, for codes we have no label for."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code).replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:].lower()


def label(codelist: str, code: str | None) -> str:
    """The translated label of `code`, or the code as published when unknown."""
    if code is None or code == "":
        return ""
    table = {
        "stage": STAGES,
        "status": STATUSES,
        "value_band": VALUE_BANDS,
        "supplier_category": CATEGORY_LABELS,
        "indicator": INDICATOR_LABELS,
    }.get(codelist) or CODELISTS.get(codelist, {})
    if code in table:
        return _(table[code])
    if codelist == "documentType":
        return humanize_code(code)
    return code


def choices(codelist: str) -> list[dict[str, str]]:
    """Scheming choices (value, label) for one of the tables above."""
    table = {
        "stage": STAGES,
        "status": STATUSES,
        "value_band": VALUE_BANDS,
    }.get(codelist) or CODELISTS.get(codelist, {})
    return [{"value": code, "label": _(text)} for code, text in table.items()]
