"""Everything the portal shows and indexes about a contracting process, derived in one place.

:func:`summarize` turns a compiled release (plus, optionally, the releases it was compiled
from) into a flat dict of plain values. :data:`SUMMARY_FIELDS` documents every key; the
CKAN glue copies them into dataset fields and the search index, and nothing else in the
extension re-derives them. The rules live in modules of their own, which the page and the index
also read: :mod:`.stages` (stage, status), :mod:`.amounts` (which value counts, bands, sort keys),
:mod:`.rows` (the repeating lists, suppliers) and :mod:`.amendments`.

Conventions: unknown values are ``None``; dates are the published ISO 8601 strings (with their
published timezone); amounts are ``int``/``float``; codes (statuses, methods) are kept as
published, even outside the OCDS codelists. Real feeds publish multilingual fields as
``title_en``/``title_fr``; those are used when the plain field is missing.
"""

from __future__ import annotations

from datetime import datetime, timezone

from . import rows
from .access import amount_of, currency_of, earliest, latest, localized, obj, objs, text, total, unique_sorted
from .amendments import amendment_rows
from .amounts import (
    award_value,
    best_value,
    current_contracts,
    original_contract_values,
    transaction_amount,
    value_band,
    value_sort_key,
)
from .dates import fiscal_year, parse_date
from .indicators import FLAGGED, NOT_ASSESSED, Thresholds, assess, codes_with, number_of_tenderers
from .stages import furthest_stage, plain_status, relevant_status
from .vocabulary import STAGE_LABELS, STAGES, STATUS_LABELS, STATUSES, VALUE_BAND_LABELS, VALUE_BANDS

# The codes and rules summarize() uses, importable from here as before (ocds.derive.STAGES, ...).
__all__ = [
    "DEFAULT_CLASSIFICATION_MAPPING", "STAGES", "STAGE_LABELS", "STATUSES", "STATUS_LABELS", "SUMMARY_FIELDS",
    "VALUE_BANDS", "VALUE_BAND_LABELS", "fiscal_year", "summarize", "value_band", "value_sort_key",
]

# How supplier certifications (organizationClassification extension: parties[].details.
# classifications) map to the categories a city reports on. The demo system publishes its
# certification program as scheme "CITY-CERT".
DEFAULT_CLASSIFICATION_MAPPING = {
    "minority-owned": {"scheme": "CITY-CERT", "ids": ["MBE"]},
    "women-owned": {"scheme": "CITY-CERT", "ids": ["WBE"]},
    "local": {"scheme": "CITY-CERT", "ids": ["LBE"]},
    "disadvantaged": {"scheme": "CITY-CERT", "ids": ["DBE"]},
}

# Every key summarize() returns, in order, with its meaning.
SUMMARY_FIELDS = {
    "ocid": "Open Contracting ID of the process.",
    "title": "tender.title, else planning.project.title or planning.budget.project, else the first contract's or "
             "award's title, else the ocid.",
    "description": "tender.description, else planning.rationale, else the first contract's or award's description.",
    "stage": "Furthest stage reached, one of STAGES.",
    "status": "Plain-language status, one of STATUS_LABELS (see stages.plain_status()).",
    "tender_status": "tender.status as published.",
    "award_status": "Status of the most relevant award: an active one, else a pending one, else the latest.",
    "contract_status": "Status of the most relevant contract: an active one, else a pending one, else the latest.",
    "buyer_name": "buyer.name, else the name of the party with role buyer.",
    "procuring_entity_name": "tender.procuringEntity.name, else the party with role procuringEntity.",
    "supplier_names": "Sorted unique supplier names of active awards (else of all awards, else parties with role "
                      "supplier).",
    "suppliers": "Those suppliers: [{name, id, scale, classifications: [{scheme, id, description}], categories}].",
    "supplier_scales": "Sorted unique parties[].details.scale of the suppliers (partyScale extension).",
    "supplier_categories": "Sorted unique categories of the suppliers (from classification_mapping).",
    "procurement_method": "tender.procurementMethod.",
    "procurement_method_details": "tender.procurementMethodDetails.",
    "main_category": "tender.mainProcurementCategory.",
    "item_classifications": "Sorted unique 'SCHEME:id' of the items' classification and additionalClassifications.",
    "tender_start_date": "tender.tenderPeriod.startDate.",
    "tender_end_date": "tender.tenderPeriod.endDate (the bid deadline).",
    "award_date": "Earliest date of the active awards, else of any award.",
    "contract_start_date": "Earliest period.startDate of the current contracts (active, else not cancelled).",
    "contract_end_date": "Latest period.endDate of the current contracts.",
    "date_signed": "Earliest dateSigned of the current contracts.",
    "last_release_date": "Date of the latest release (the compiled release's date).",
    "currency": "Currency of `value`, else the first currency seen (planning, tender, awards, contracts).",
    "budget_amount": "planning.budget.amount.amount.",
    "tender_value": "tender.value.amount.",
    "award_value": "Sum of the active awards' values, else of the pending ones.",
    "contract_value": "Sum of the current contracts' values (amendments overwrite value: this is the current value).",
    "contract_original_value": "Sum of the same contracts' values in the first release each appeared with one.",
    "amount_paid": "Sum of implementation.transactions[].value.amount (or 1.0 `amount`) of all contracts.",
    "number_of_tenderers": "tender.numberOfTenderers, else the number of unique tender.tenderers.",
    "fiscal_year": "Fiscal year (named by the year it ends) of the key date: date signed, contract start, award "
                   "date, tender start, first release date.",
    "value_band": "VALUE_BANDS code of `value`.",
    "value": "Best known value: contract > award > tender > budget.",
    "value_sort": "`value` as a string whose lexicographic order is the numeric order (see value_sort_key()).",
    "open_for_bids": "Whether status is 'open'.",
    "awards": "[{id, title, status, date, value, currency, suppliers (names)}].",
    "contracts": "[{id, award_id, title, status, start_date, end_date, date_signed, value, currency, "
                 "original_value, signatories (names), amount_paid}].",
    "amendments": "[{scope (tender|award|contract), contract_id, award_id, id, date, rationale, description, "
                  "release_id, changes: [{field, before, after}]}]; changes compare the amended object before and "
                  "after the release carrying the amendment (empty without releases).",
    "milestones": "[{id, title, type, status, due_date, date_met, met, stage, contract_id}].",
    "transactions": "[{id, date, value, currency, payer, payee, contract_id}].",
    "documents": "[{id, url, title, description, document_type, format, language, date_published, stage, "
                 "related_id}].",
    "indicators": "[{code, result (flagged|not_flagged|not_assessed), details}] of every indicator (see .indicators).",
    "indicator_flags": "Codes of the indicators flagged.",
    "indicators_not_assessed": "Codes of the indicators not assessed (a field they need is missing).",
}


# --- The summary ---------------------------------------------------------------------------

def _first_currency(compiled: dict) -> str | None:
    planning, tender = obj(compiled.get("planning")), obj(compiled.get("tender"))
    candidates = [obj(planning.get("budget")).get("amount"), tender.get("value")]
    candidates += [a.get("value") for a in objs(compiled.get("awards"))]
    candidates += [c.get("value") for c in objs(compiled.get("contracts"))]
    return next((c for c in map(currency_of, candidates) if c), None)


def _item_classifications(compiled: dict) -> list[str]:
    items = objs(obj(compiled.get("tender")).get("items"))
    for field in ("awards", "contracts"):
        items += [i for o in objs(compiled.get(field)) for i in objs(o.get("items"))]
    codes = []
    for item in items:
        for c in [obj(item.get("classification"))] + objs(item.get("additionalClassifications")):
            if text(c.get("scheme")) and text(c.get("id")):
                codes.append(f"{text(c['scheme'])}:{text(c['id'])}")
    return unique_sorted(codes)


def _title(compiled: dict, lang: str | None) -> str | None:
    planning = obj(compiled.get("planning"))
    candidates = [
        localized(obj(compiled.get("tender")), "title", lang),
        localized(obj(planning.get("project")), "title", lang),  # the Project extension's planning.project
        text(obj(planning.get("budget")).get("project")),  # core: the budget's project name
    ]
    candidates += [localized(o, "title", lang) for o in _first_contract_and_award(compiled)]
    return next((title for title in candidates if title), None) or text(compiled.get("ocid"))


def _description(compiled: dict, lang: str | None) -> str | None:
    candidates = [
        localized(obj(compiled.get("tender")), "description", lang),
        localized(obj(compiled.get("planning")), "rationale", lang),
    ]
    candidates += [localized(o, "description", lang) for o in _first_contract_and_award(compiled)]
    return next((description for description in candidates if description), None)


def _first_contract_and_award(compiled: dict) -> list[dict]:
    return objs(compiled.get("contracts"))[:1] + objs(compiled.get("awards"))[:1]


def summarize(
    compiled: dict,
    releases: list[dict] | None = None,
    *,
    now: datetime | None = None,
    fiscal_year_start_month: int = 7,
    classification_mapping: dict | None = None,
    schema: dict | None = None,
    indicator_thresholds: Thresholds | None = None,
) -> dict:
    """Return every derived field of a contracting process; see :data:`SUMMARY_FIELDS`.

    :param compiled: the compiled release (see :func:`~.compile.compile_releases`).
    :param releases: the releases it was compiled from; needed for ``contract_original_value``,
        amendment ``changes`` and tender-family tags. Without them those are ``None``/empty.
    :param now: the time "open" is judged against (default: the current UTC time).
    :param fiscal_year_start_month: first month of the fiscal year (7 = July–June).
    :param classification_mapping: supplier categories (default :data:`DEFAULT_CLASSIFICATION_MAPPING`).
    :param schema: the release schema dict, so amendment changes merge exactly as compiling did
        (without it, lists without ids such as ``additionalClassifications`` may compare oddly).
    :param indicator_thresholds: the indicators' settings (default :class:`~.indicators.Thresholds`).
    """
    compiled = obj(compiled)
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    mapping = DEFAULT_CLASSIFICATION_MAPPING if classification_mapping is None else classification_mapping
    lang = text(compiled.get("language"))
    parties = rows.Parties(compiled, lang)

    planning, tender = obj(compiled.get("planning")), obj(compiled.get("tender"))
    awards, contracts = objs(compiled.get("awards")), objs(compiled.get("contracts"))
    current = current_contracts(contracts)
    active_awards = [a for a in awards if a.get("status") == "active"]
    originals = original_contract_values(releases) if releases else {}

    suppliers = rows.suppliers(awards, parties, mapping)
    status = plain_status(compiled, now)

    tender_period = obj(tender.get("tenderPeriod"))
    award_date = earliest(a.get("date") for a in active_awards) or earliest(a.get("date") for a in awards)
    contract_start = earliest(obj(c.get("period")).get("startDate") for c in current)
    date_signed = earliest(c.get("dateSigned") for c in current) or earliest(c.get("dateSigned") for c in contracts)
    release_dates = [r.get("date") for r in releases or ()]
    last_release_date = text(compiled.get("date")) if parse_date(compiled.get("date")) else latest(release_dates)

    budget = obj(planning.get("budget")).get("amount")
    amounts = {
        "contract_value": total(amount_of(c.get("value")) for c in current),
        "award_value": award_value(awards),
        "tender_value": amount_of(tender.get("value")),
        "budget_amount": amount_of(budget),
    }
    # the Value objects each amount was read from: the value's currency is theirs
    sources = {
        "contract_value": [c.get("value") for c in current],
        "award_value": [a.get("value") for a in active_awards or awards],
        "tender_value": [tender.get("value")],
        "budget_amount": [budget],
    }
    value_key, value = best_value(amounts) or (None, None)
    currency = next((c for c in map(currency_of, sources.get(value_key, ())) if c), None) or _first_currency(compiled)
    contract_original_value = (
        total(amount_of(originals.get(str(c.get("id")))) for c in current) if releases else None
    )
    transactions = [t for c in contracts for t in objs(obj(c.get("implementation")).get("transactions"))]

    key_date = (date_signed or contract_start or award_date or text(tender_period.get("startDate"))
                or earliest(release_dates) or text(compiled.get("date")))

    summary = {
        "ocid": text(compiled.get("ocid")),
        "title": _title(compiled, lang),
        "description": _description(compiled, lang),
        "stage": furthest_stage(compiled, releases),
        "status": status,
        "tender_status": text(tender.get("status")),
        "award_status": relevant_status(awards, lambda a: a.get("date")),
        "contract_status": relevant_status(
            contracts, lambda c: c.get("dateSigned") or obj(c.get("period")).get("startDate")),
        "buyer_name": parties.name(compiled.get("buyer"))
        or next((n for n in (localized(p, "name", lang) for p in parties.with_role("buyer")) if n), None),
        "procuring_entity_name": parties.name(tender.get("procuringEntity"))
        or next((n for n in (localized(p, "name", lang) for p in parties.with_role("procuringEntity")) if n), None),
        "supplier_names": unique_sorted(s["name"] for s in suppliers),
        "suppliers": suppliers,
        "supplier_scales": unique_sorted(s["scale"] for s in suppliers),
        "supplier_categories": unique_sorted(c for s in suppliers for c in s["categories"]),
        "procurement_method": text(tender.get("procurementMethod")),
        "procurement_method_details": text(tender.get("procurementMethodDetails")),
        "main_category": text(tender.get("mainProcurementCategory")),
        "item_classifications": _item_classifications(compiled),
        "tender_start_date": text(tender_period.get("startDate")),
        "tender_end_date": text(tender_period.get("endDate")),
        "award_date": award_date,
        "contract_start_date": contract_start,
        "contract_end_date": latest(obj(c.get("period")).get("endDate") for c in current),
        "date_signed": date_signed,
        "last_release_date": last_release_date,
        "currency": currency,
        "budget_amount": amounts["budget_amount"],
        "tender_value": amounts["tender_value"],
        "award_value": amounts["award_value"],
        "contract_value": amounts["contract_value"],
        "contract_original_value": contract_original_value,
        "amount_paid": total(transaction_amount(t) for t in transactions),
        "number_of_tenderers": number_of_tenderers(tender),
        "fiscal_year": fiscal_year(key_date, fiscal_year_start_month),
        "value_band": value_band(value),
        "value": float(value) if value is not None else None,
        "value_sort": value_sort_key(value),
        "open_for_bids": status == "open",
        "awards": rows.award_rows(awards, parties, lang),
        "contracts": rows.contract_rows(contracts, parties, originals, lang),
        "amendments": amendment_rows(compiled, releases, schema),
        "milestones": rows.milestone_rows(compiled),
        "transactions": rows.transaction_rows(contracts, parties),
        "documents": rows.document_rows(compiled, lang),
    }
    indicators = assess(compiled, releases, indicator_thresholds)
    summary["indicators"] = indicators
    summary["indicator_flags"] = codes_with(indicators, FLAGGED)
    summary["indicators_not_assessed"] = codes_with(indicators, NOT_ASSESSED)
    return summary
