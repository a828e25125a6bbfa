"""The view model of a contracting process's lifecycle page.

One call per request: :func:`from_dataset` (the process page, from the
dataset and its stored OCDS record) or :func:`from_releases` (the
``ocds_lifecycle`` resource view, from releases read out of a file). Both
end in :func:`build`, which calls ``ocds.derive.summarize`` and
``ocds.diff.release_changes`` once and shapes their results for the
templates: translated labels, plain-text before/after values, the timeline's
states. No OCDS logic lives here, and nothing here is cached between
requests. Values are never marked safe: the templates escape everything.
"""
from __future__ import annotations

import datetime
import json
import re
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.procurement import labels, settings
from ckanext.procurement.dataset import REPEATING, SCALAR_FIELDS, is_safe_url
from ckanext.procurement.formatting import format_date as _format_date
from ckanext.procurement.formatting import format_money, format_number
from ckanext.procurement.labels import N_, humanize_code
from ckanext.procurement.ocds import compile as ocds_compile
from ckanext.procurement.ocds import derive, diff
from ckanext.procurement.ocds.access import obj as _obj
from ckanext.procurement.ocds.access import objs as _objs
from ckanext.procurement.ocds.access import release_tags
from ckanext.procurement.ocds.dates import parse_date
from ckanext.procurement.ocds.stages import is_planning_release, published_stages
from ckanext.procurement.ocds.vocabulary import STAGES

# changes listed per release in the history (the count is always shown in full)
MAX_CHANGES_SHOWN = 100
MAX_TEXT = 300


RELEASE_TAGS = {
    "planning": N_("Planning"),
    "planningUpdate": N_("Planning update"),
    "tender": N_("Tender notice"),
    "tenderAmendment": N_("Tender amendment"),
    "tenderUpdate": N_("Tender update"),
    "tenderCancellation": N_("Tender cancellation"),
    "award": N_("Award"),
    "awardUpdate": N_("Award update"),
    "awardCancellation": N_("Award cancellation"),
    "contract": N_("Contract"),
    "contractUpdate": N_("Contract update"),
    "contractAmendment": N_("Contract amendment"),
    "implementation": N_("Implementation"),
    "implementationUpdate": N_("Implementation update"),
    "contractTermination": N_("Contract termination"),
    "compiled": N_("Compiled"),
}

# OCDS field names as readers say them (others are humanized: `contractPeriod` -> `Contract period`)
FIELD_LABELS = {
    "planning": N_("Planning"), "tender": N_("Tender"), "awards": N_("Awards"), "contracts": N_("Contracts"),
    "implementation": N_("Implementation"), "parties": N_("Parties"), "buyer": N_("Buyer"),
    "budget": N_("Budget"), "rationale": N_("Rationale"), "title": N_("Title"), "description": N_("Description"),
    "status": N_("Status"), "value": N_("Value"), "amount": N_("Amount"), "currency": N_("Currency"),
    "minValue": N_("Minimum value"), "tenderPeriod": N_("Tender period"), "enquiryPeriod": N_("Enquiry period"),
    "awardPeriod": N_("Award period"), "contractPeriod": N_("Contract period"), "period": N_("Period"),
    "startDate": N_("Start date"), "endDate": N_("End date"), "maxExtentDate": N_("Maximum extent date"),
    "date": N_("Date"), "dateSigned": N_("Date signed"), "datePublished": N_("Date published"),
    "dateModified": N_("Date modified"), "dueDate": N_("Due date"), "dateMet": N_("Date met"),
    "documents": N_("Documents"), "documentType": N_("Document type"), "url": N_("Address"),
    "milestones": N_("Milestones"), "transactions": N_("Payments"), "amendments": N_("Amendments"),
    "items": N_("Items"), "quantity": N_("Quantity"), "unit": N_("Unit"), "classification": N_("Classification"),
    "suppliers": N_("Suppliers"), "tenderers": N_("Bidders"), "numberOfTenderers": N_("Number of bidders"),
    "procurementMethod": N_("Procurement method"), "procurementMethodDetails": N_("Method details"),
    "mainProcurementCategory": N_("Category"), "procuringEntity": N_("Procuring entity"),
    "hasEnquiries": N_("Has enquiries"), "name": N_("Name"), "signatories": N_("Signatories"),
    "payer": N_("Payer"), "payee": N_("Payee"), "language": N_("Language"),
}

STATE_LABELS = {
    "done": N_("Done"),
    "current": N_("Current stage"),
    "not-published": N_("Not published"),
}

# the page section each stage links to
STAGE_SECTIONS = {
    "planning": "planning",
    "tender": "tender",
    "award": "awards",
    "contract": "contracts",
    "implementation": "implementation",
}

_ID_PART = re.compile(r"^(?P<name>[^\[]*)\[(?:id=(?P<id>.*)|\*)\]$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")


# --- small helpers ---------------------------------------------------------------------------

def _list(value: Any) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    return []


def tag_label(tag: str) -> str:
    return tk._(RELEASE_TAGS[tag]) if tag in RELEASE_TAGS else str(tag)


def _field_name(name: str) -> str:
    return tk._(FIELD_LABELS[name]) if name in FIELD_LABELS else humanize_code(name)


def field_label(path: str) -> str:
    """`contracts[id=c1]/value/amount` -> `Contracts c1 › Value › Amount`."""
    parts = []
    for segment in str(path or "").split("/"):
        match = _ID_PART.match(segment)
        if match:
            name = _field_name(match["name"]) if match["name"] else ""
            identifier = match["id"]
            parts.append(f"{name} {identifier}".strip() if identifier is not None else name)
        elif segment:
            parts.append(_field_name(segment))
    return " › ".join(parts)


def format_date(value: Any) -> str:
    return _format_date(value, with_time=True)


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def value_text(value: Any) -> str:
    """A before/after value as plain text (never markup): dates readable, objects named."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return tk._("Yes") if value else tk._("No")
    if isinstance(value, (int, float)):
        return format_number(int(value) if isinstance(value, float) and value == int(value) else value)
    if isinstance(value, str):
        if _ISO_DATE.match(value.strip()) and parse_date(value) is not None:
            return format_date(value)
        return _truncate(value)
    if isinstance(value, dict):
        name = next((value[k] for k in ("title", "name", "description") if isinstance(value.get(k), str) and value[k].strip()), None)
        amount = _obj(value.get("value")).get("amount") if "value" in value else value.get("amount")
        parts = []
        if name:
            parts.append(_truncate(name))
        if isinstance(amount, (int, float)) and not isinstance(amount, bool):
            currency = _obj(value.get("value")).get("currency") or value.get("currency")
            parts.append(format_money(amount, currency))
        if not parts and value.get("id") is not None:
            parts.append(tk._("ID {id}").format(id=value["id"]))
        if parts:
            return " · ".join(str(p) for p in parts)
        return _truncate(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
    if isinstance(value, list):
        return _truncate("; ".join(value_text(v) for v in value))
    return _truncate(str(value))


def _change(path: str, before: Any, after: Any, currency: str | None = None) -> dict[str, Any]:
    def text(value: Any) -> str:
        # an amount (`value/amount`, `budget/amount/amount`) reads as money
        if str(path).rsplit("/", 1)[-1] == "amount" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_money(value, currency)
        return value_text(value)

    return {
        "path": path,
        "label": field_label(path),
        "before": text(before),
        "after": text(after),
        "added": before is None,
        "removed": after is None,
    }


# --- the timeline ---------------------------------------------------------------------------

def _stage_dates(summary: dict, releases: list[dict]) -> dict[str, list[tuple[str, str]]]:
    planning = [r.get("date") for r in releases if is_planning_release(r) and r.get("date")]
    payments = [t.get("date") for t in summary.get("transactions") or [] if t.get("date")]
    dates = {
        "planning": [(tk._("Published"), min(planning))] if planning else [],
        "tender": [(tk._("Bids open"), summary.get("tender_start_date")), (tk._("Bid deadline"), summary.get("tender_end_date"))],
        "award": [(tk._("Awarded"), summary.get("award_date"))],
        "contract": [(tk._("Signed"), summary.get("date_signed")), (tk._("Starts"), summary.get("contract_start_date")),
                     (tk._("Ends"), summary.get("contract_end_date"))],
        "implementation": [(tk._("Latest payment"), max(payments, key=lambda d: parse_date(d) or datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)))] if payments else [],
    }
    return {stage: [(label, value) for label, value in pairs if value] for stage, pairs in dates.items()}


def timeline(summary: dict, compiled: dict, releases: list[dict]) -> list[dict[str, Any]]:
    """Five stages, each `done`, `current` or `not-published`, with its dates."""
    current = summary.get("stage") if summary.get("stage") in STAGES else "planning"
    current_index = STAGES.index(current)
    published = published_stages(compiled, releases) | {current}
    dates = _stage_dates(summary, releases)
    items = []
    for index, stage in enumerate(STAGES):
        if index < current_index:
            state = "done" if stage in published else "not-published"
        elif index == current_index:
            state = "done" if summary.get("status") == "completed" else "current"
        else:
            state = "not-published"
        items.append({
            "stage": stage,
            "label": labels.label("stage", stage),
            "state": state,
            "state_label": tk._(STATE_LABELS[state]),
            "section": STAGE_SECTIONS[stage],
            "dates": dates.get(stage, []),
        })
    return items


# --- sections -------------------------------------------------------------------------------

def _documents_from_resources(resources: list[dict]) -> list[dict[str, Any]]:
    documents = []
    for resource in resources:
        url = resource.get("url")
        documents.append({
            "title": resource.get("name") or humanize_code(resource.get("document_type") or "document"),
            "url": url.strip() if is_safe_url(url) else None,
            "resource_id": resource.get("id"),
            "type": labels.label("documentType", resource.get("document_type")),
            "format": resource.get("format") or "",
            "date": resource.get("date_published") or "",
            "stage": resource.get("lifecycle_stage") or "",
            "description": resource.get("description") or "",
        })
    return documents


def _documents_from_summary(rows: list[dict]) -> list[dict[str, Any]]:
    return [{
        "title": d.get("title") or humanize_code(d.get("document_type") or "document"),
        "url": d["url"].strip() if is_safe_url(d.get("url")) else None,
        "resource_id": None,
        "type": labels.label("documentType", d.get("document_type")),
        "format": d.get("format") or "",
        "date": d.get("date_published") or "",
        "stage": d.get("stage") or "",
        "description": d.get("description") or "",
    } for d in rows]


def _amendments(summary: dict) -> list[dict[str, Any]]:
    currency = summary.get("currency")
    rows = []
    for amendment in summary.get("amendments") or []:
        scope = amendment.get("scope")
        if scope == "tender":
            target = tk._("Tender")
        elif scope == "award":
            target = tk._("Award {id}").format(id=amendment.get("award_id") or "")
        else:
            target = tk._("Contract {id}").format(id=amendment.get("contract_id") or "")
        changes = amendment.get("changes") or []
        if isinstance(changes, str):
            changes = _list(changes)
        rows.append({
            "id": amendment.get("id"),
            "scope": scope,
            "target": target.strip(),
            "date": amendment.get("date"),
            "rationale": amendment.get("rationale") or "",
            "description": amendment.get("description") or "",
            "changes": [_change(c.get("field"), c.get("before"), c.get("after"), currency) for c in _objs(changes)],
        })
    return rows


def _suppliers(summary: dict) -> list[dict[str, Any]]:
    rows = []
    for supplier in summary.get("suppliers") or []:
        classifications = []
        for c in supplier.get("classifications") or []:
            code = " ".join(str(p) for p in (c.get("scheme"), c.get("id")) if p)
            description = c.get("description")
            classifications.append(f"{description} ({code})" if description and code else (description or code))
        rows.append({
            "name": supplier.get("name") or supplier.get("id") or "",
            "id": supplier.get("id"),
            "scale": labels.label("partyScale", supplier.get("scale")),
            "classifications": [c for c in classifications if c],
            "categories": [labels.label("supplier_category", c) for c in supplier.get("categories") or []],
        })
    return rows


def _milestone_state(milestone: dict) -> str:
    if milestone.get("met") is True:
        return tk._("Met")
    if milestone.get("met") is False:
        return labels.label("milestoneStatus", milestone.get("status")) or tk._("Not met")
    if milestone.get("status"):
        return labels.label("milestoneStatus", milestone["status"])
    return tk._("No status published")


def _history(releases: list[dict], schema: dict | None, currency: str | None = None) -> list[dict[str, Any]]:
    entries = []
    for number, entry in enumerate(diff.release_changes(releases, schema, max_changes=MAX_CHANGES_SHOWN), 1):
        entries.append({
            "number": number,
            "id": entry.get("id"),
            "date": entry.get("date"),
            "tags": [tag_label(t) for t in release_tags(entry)],
            "changes": [_change(c["path"], c["before"], c["after"], currency) for c in entry["changes"]],
            "change_count": entry["change_count"],
            "truncated": entry["truncated"],
        })
    return entries


# --- the view model -------------------------------------------------------------------------

def build(
    compiled: dict,
    releases: list[dict],
    *,
    pkg: dict | None = None,
    withheld: list[str] | None = None,
    withheld_reason: str | None = None,
    schema: dict | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Everything the lifecycle templates show about one process (see module docstring)."""
    compiled = _obj(compiled)
    releases = [r for r in releases or [] if isinstance(r, dict)]
    if schema is None:
        schema = settings.release_schema()
    summary = derive.summarize(
        compiled, releases, now=now,
        fiscal_year_start_month=settings.fiscal_year_start_month(),
        classification_mapping=settings.classification_mapping(),
        indicator_thresholds=settings.indicator_thresholds(),
        schema=schema,
    )
    return _view_model(summary, compiled, releases, _history(releases, schema, summary.get("currency")), pkg=pkg,
                       withheld=withheld, withheld_reason=withheld_reason)


def _view_model(summary, compiled, releases, history, *, pkg, withheld, withheld_reason) -> dict[str, Any]:
    currency = summary.get("currency")
    tender = _obj(compiled.get("tender"))
    planning = _obj(compiled.get("planning"))
    amendments = _amendments(summary)
    if pkg is not None:
        documents = _documents_from_resources(pkg.get("resources") or [])
    else:
        documents = _documents_from_summary(summary.get("documents") or [])
    paid, contracted = summary.get("amount_paid"), summary.get("contract_value")
    percent = None
    if paid is not None and contracted:
        try:
            percent = round(float(paid) * 100 / float(contracted))
        except (TypeError, ValueError, ZeroDivisionError):
            percent = None
    withheld_paths = _list(withheld)
    return {
        "summary": summary,
        "ocid": summary.get("ocid") or (pkg or {}).get("ocid"),
        "title": (pkg or {}).get("title") or summary.get("title") or summary.get("ocid") or "",
        "description": summary.get("description") or "",
        "currency": currency,
        "status": summary.get("status"),
        "status_label": labels.label("status", summary.get("status")),
        "stage": summary.get("stage"),
        "stage_label": labels.label("stage", summary.get("stage")),
        "buyer": summary.get("buyer_name") or "",
        "procuring_entity": summary.get("procuring_entity_name") or "",
        "last_updated": summary.get("last_release_date"),
        "amounts": [
            {"key": "estimated", "label": tk._("Estimated value"), "value": summary.get("tender_value")},
            {"key": "awarded", "label": tk._("Awarded value"), "value": summary.get("award_value")},
            {"key": "contracted", "label": tk._("Contracted value"), "value": contracted},
            {"key": "paid", "label": tk._("Paid to date"), "value": paid},
        ],
        "timeline": timeline(summary, compiled, releases),
        "planning": {
            "published": bool(planning),
            "rationale": planning.get("rationale") if isinstance(planning.get("rationale"), str) else "",
            "budget": summary.get("budget_amount"),
            "budget_currency": _obj(_obj(planning.get("budget")).get("amount")).get("currency") or currency,
            "budget_description": _obj(planning.get("budget")).get("description") if isinstance(_obj(planning.get("budget")).get("description"), str) else "",
            "documents": [d for d in documents if d["stage"] == "planning"],
        },
        "tender": {
            "published": bool(tender),
            "title": tender.get("title") if isinstance(tender.get("title"), str) else "",
            "status_label": labels.label("tenderStatus", summary.get("tender_status")),
            "method": labels.label("method", summary.get("procurement_method")),
            "method_details": summary.get("procurement_method_details") or "",
            "category": labels.label("procurementCategory", summary.get("main_category")),
            "start": summary.get("tender_start_date"),
            "end": summary.get("tender_end_date"),
            "open": summary.get("status") == "open",
            "tenderers": summary.get("number_of_tenderers"),
            "value": summary.get("tender_value"),
            "value_currency": _obj(tender.get("value")).get("currency") or currency,
            "documents": [d for d in documents if d["stage"] == "tender"],
            "amendments": [a for a in amendments if a["scope"] == "tender"],
        },
        "awards": [dict(a, status_label=labels.label("awardStatus", a.get("status"))) for a in summary.get("awards") or []],
        "award_documents": [d for d in documents if d["stage"] == "award"],
        "suppliers": _suppliers(summary),
        "contracts": [_contract(c) for c in summary.get("contracts") or []],
        "contract_documents": [d for d in documents if d["stage"] == "contract"],
        "amendments": amendments,
        "payments": {
            "rows": summary.get("transactions") or [],
            "total": paid,
            "contracted": contracted,
            "currency": currency,
            "percent": percent,
            "bar_percent": max(0, min(100, percent)) if percent is not None else None,
        },
        "milestones": [dict(m, state_label=_milestone_state(m), stage_label=labels.label("stage", m.get("stage")))
                       for m in summary.get("milestones") or []],
        "implementation_documents": [d for d in documents if d["stage"] == "implementation"],
        "history": history,
        "documents": documents,
        "withheld": {
            "paths": [{"path": p, "label": field_label(p)} for p in withheld_paths],
            "reason": withheld_reason or (settings.redact_reason() if withheld_paths else ""),
        },
    }


def _contract(row: dict) -> dict[str, Any]:
    value, original = row.get("value"), row.get("original_value")
    change = None
    if isinstance(value, (int, float)) and isinstance(original, (int, float)) and value != original:
        change = {"amount": value - original, "percent": round((value - original) * 100 / original) if original else None}
    return dict(row, status_label=labels.label("contractStatus", row.get("status")), change=change)


def from_dataset(pkg: dict, record: dict | None, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The process page's view model: the stored record if there is one, else the dataset's own fields."""
    withheld = pkg.get("withheld_paths")
    reason = pkg.get("withheld_reason") or None
    if record is not None:
        return build(record.get("compiledRelease") or {}, record.get("releases") or [], pkg=pkg,
                     withheld=withheld if withheld else record.get("withheld"), withheld_reason=reason, now=now)
    # a dataset typed in by hand (no releases): show what its fields say
    summary = {key: None for key in derive.SUMMARY_FIELDS}
    summary.update({key: pkg.get(key) for key in SCALAR_FIELDS if pkg.get(key) not in (None, "")})
    summary["description"] = pkg.get("notes")
    for key in REPEATING:
        summary[key] = [_decode_row(row) for row in _objs(pkg.get(key))]
    summary["suppliers"] = [{"name": n, "categories": [], "classifications": []} for n in _list(pkg.get("supplier_names"))]
    return _view_model(summary, {}, [], [], pkg=pkg, withheld=withheld, withheld_reason=reason)


def _decode_row(row: dict) -> dict:
    decoded = {}
    for key, value in row.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        decoded[key] = value
    for key in ("value", "original_value", "amount_paid"):
        try:
            decoded[key] = float(decoded[key]) if decoded.get(key) not in (None, "") else None
        except (TypeError, ValueError):
            decoded[key] = None
    if "suppliers" in decoded or "signatories" in decoded:
        for key in ("suppliers", "signatories"):
            if isinstance(decoded.get(key), str):
                decoded[key] = _list(decoded[key])
    return decoded


def from_releases(releases: list[dict], withheld: list[str] | None = None, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The resource view's view model: compile the releases of one process and build."""
    schema = settings.release_schema()
    compiled = ocds_compile.compile_releases(releases, schema)
    return build(compiled, releases, withheld=withheld, schema=schema, now=now)
