"""Everything the portal shows and indexes about a contracting process, derived in one place.

:func:`summarize` turns a compiled release (plus, optionally, the releases it was compiled
from) into a flat dict of plain values. :data:`SUMMARY_FIELDS` documents every key; the
CKAN glue copies them into dataset fields and the search index, and nothing else in the
extension re-derives them.

Conventions: unknown values are ``None``; dates are the published ISO 8601 strings (with their
published timezone); amounts are ``int``/``float``; codes (statuses, methods) are kept as
published, even outside the OCDS codelists. Real feeds publish multilingual fields as
``title_en``/``title_fr``; those are used when the plain field is missing.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from operator import itemgetter
from typing import Any

from .compile import merge_order
from .dates import parse_date
from .diff import iter_release_changes, path_to_str
from .schema import get_merger

STAGES = ("planning", "tender", "award", "contract", "implementation")
STAGE_LABELS = {
    "planning": "Planning",
    "tender": "Tender",
    "award": "Award",
    "contract": "Contract",
    "implementation": "Implementation",
}
STATUS_LABELS = {
    "planned": "Planned",
    "open": "Open for bids",
    "evaluation": "Under evaluation",
    "awarded": "Awarded",
    "active": "Active",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "unsuccessful": "Unsuccessful",
}
STATUSES = tuple(STATUS_LABELS)

# (code, lower bound inclusive, upper bound exclusive), on the best known value.
VALUE_BANDS = (
    ("under-10k", 0, 10_000),
    ("10k-100k", 10_000, 100_000),
    ("100k-1m", 100_000, 1_000_000),
    ("1m-10m", 1_000_000, 10_000_000),
    ("10m-plus", 10_000_000, float("inf")),
)
VALUE_BAND_LABELS = {
    "under-10k": "Under 10,000",
    "10k-100k": "10,000 – 100,000",
    "100k-1m": "100,000 – 1 million",
    "1m-10m": "1 – 10 million",
    "10m-plus": "10 million or more",
}

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
    "status": "Plain-language status, one of STATUS_LABELS (see _status()).",
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
}

_TENDER_TAGS = frozenset(["tender", "tenderAmendment", "tenderUpdate", "tenderCancellation"])
_LANGUAGE_VARIANT = re.compile(r"^(?P<field>[A-Za-z]+)_(?P<lang>[a-z]{2}(?:[-_][A-Za-z0-9]+)?)$")


# --- Small accessors: tolerate any shape real feeds publish ----------------------------------

def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def _amount(value: Any) -> int | float | None:
    return _number(_obj(value).get("amount"))


def _currency(value: Any) -> str | None:
    return _str(_obj(value).get("currency"))


def _text(obj: dict, field: str, lang: str | None) -> str | None:
    """``obj[field]``, else its language variant (``field_en``), preferring the release language."""
    plain = _str(obj.get(field))
    if plain:
        return plain
    variants = {}
    for key, value in obj.items():
        match = _LANGUAGE_VARIANT.match(key)
        if match and match["field"] == field and _str(value):
            variants[match["lang"].lower()] = value
    if not variants:
        return None
    if lang and lang.lower() in variants:
        return variants[lang.lower()]
    return variants[sorted(variants)[0]]


def _sum(values) -> int | float | None:
    numbers = [v for v in values if v is not None]
    return sum(numbers) if numbers else None


def _dated(values) -> list[tuple[datetime, str]]:
    return [(parsed, value) for value in values if (parsed := parse_date(value)) is not None]


def _earliest(values) -> str | None:
    dated = _dated(values)
    return min(dated, key=itemgetter(0))[1] if dated else None


def _latest(values) -> str | None:
    dated = _dated(values)
    return max(dated, key=itemgetter(0))[1] if dated else None


def _unique_sorted(values) -> list:
    return sorted({v for v in values if v})


class _Parties:
    """Look up parties by id and by role."""

    def __init__(self, compiled: dict, lang: str | None):
        self.lang = lang
        self.parties = _objs(compiled.get("parties"))
        self.by_id = {str(p["id"]): p for p in self.parties if p.get("id") is not None}

    def get(self, reference: Any) -> dict:
        reference = _obj(reference)
        return self.by_id.get(str(reference.get("id")), {}) if reference.get("id") is not None else {}

    def name(self, reference: Any) -> str | None:
        reference = _obj(reference)
        return _text(reference, "name", self.lang) or _text(self.get(reference), "name", self.lang)

    def with_role(self, role: str) -> list[dict]:
        return [p for p in self.parties if isinstance(p.get("roles"), list) and role in p["roles"]]


# --- Stage and status ----------------------------------------------------------------------

def _has_implementation(contract: dict) -> bool:
    implementation = _obj(contract.get("implementation"))
    return any(implementation.get(key) for key in ("transactions", "milestones", "documents"))


def _stage(compiled: dict, releases: list[dict] | None) -> str:
    contracts = _objs(compiled.get("contracts"))
    if any(_has_implementation(c) for c in contracts):
        return "implementation"
    if contracts:
        return "contract"
    if _objs(compiled.get("awards")):
        return "award"
    tender = _obj(compiled.get("tender"))
    status = _str(tender.get("status"))
    if status in ("planning", "planned"):
        return "planning"
    if status:
        return "tender"
    tags = {tag for release in releases or () for tag in _tags(release)}
    if tender.get("tenderPeriod") or tags & _TENDER_TAGS:
        return "tender"
    return "planning"


def _tags(release: dict) -> list:
    tag = release.get("tag")
    return tag if isinstance(tag, list) else [tag]


def _implementation_done(contract: dict) -> bool:
    milestones = _objs(_obj(contract.get("implementation")).get("milestones"))
    return bool(milestones) and all(m.get("status") == "met" for m in milestones)


def _contract_state(contract: dict, now: datetime) -> str:
    """One contract's plain-language status: active, completed, awarded or cancelled."""
    status = contract.get("status")
    if status == "active":
        return "completed" if _implementation_done(contract) else "active"
    if status == "terminated":
        return "completed"
    if status == "cancelled":
        return "cancelled"
    if status == "pending":
        return "awarded"
    # No (or an unknown) status: go by the dates.
    period = _obj(contract.get("period"))
    end, start = parse_date(period.get("endDate")), parse_date(period.get("startDate"))
    if end is not None and end < now:
        return "completed"
    if (start is not None and start <= now) or parse_date(contract.get("dateSigned")) is not None:
        return "active"
    return "awarded"


def _tender_state(tender: dict, now: datetime) -> str:
    status = tender.get("status")
    period = _obj(tender.get("tenderPeriod"))
    start, end = parse_date(period.get("startDate")), parse_date(period.get("endDate"))
    if status in ("cancelled", "withdrawn"):
        return "cancelled"
    if status == "unsuccessful":
        return "unsuccessful"
    if status in ("planning", "planned"):
        return "planned"
    if status == "complete":
        return "evaluation"
    if status == "active" or (status is None and period):
        if start is not None and start > now:
            return "planned"  # announced, but bids aren't accepted yet
        if end is None or end > now:
            return "open"
        return "evaluation"
    return "planned"


def _status(compiled: dict, now: datetime) -> str:
    """The plain-language status: contracts decide if any, else awards, else the tender.

    - contracts: all cancelled → cancelled; any active → active (completed when all its
      implementation milestones are met); all terminated → completed; else awarded.
      Contracts without a status go by their period and dateSigned.
    - awards: any active or pending (or without status) → awarded; else unsuccessful if any
      is unsuccessful, else cancelled.
    - tender: cancelled/withdrawn → cancelled; unsuccessful; planning/planned → planned;
      complete → evaluation; active → open until tenderPeriod.endDate (planned before its
      startDate), evaluation after.
    """
    states = [_contract_state(c, now) for c in _objs(compiled.get("contracts"))]
    if states:
        live = [s for s in states if s != "cancelled"]
        if not live:
            return "cancelled"
        if "active" in live:
            return "active"
        if all(s == "completed" for s in live):
            return "completed"
        return "awarded"

    awards = _objs(compiled.get("awards"))
    if awards:
        statuses = [a.get("status") for a in awards]
        if any(s not in ("cancelled", "unsuccessful") for s in statuses):
            return "awarded"
        return "unsuccessful" if "unsuccessful" in statuses else "cancelled"

    return _tender_state(_obj(compiled.get("tender")), now)


def _relevant_status(objects: list[dict], date_of) -> str | None:
    for preferred in ("active", "pending"):
        if any(o.get("status") == preferred for o in objects):
            return preferred
    with_status = [o for o in objects if _str(o.get("status"))]
    if not with_status:
        return None
    # The latest by date; the last one published when undated or tied.
    latest = max(enumerate(with_status), key=lambda pair: (parse_date(date_of(pair[1])) or datetime.min.replace(
        tzinfo=timezone.utc), pair[0]))
    return with_status[latest[0]]["status"]


# --- Suppliers ------------------------------------------------------------------------------

def _categories(classifications: list[dict], mapping: dict) -> list[str]:
    found = []
    for label, rule in mapping.items():
        rule = _obj(rule)
        scheme = str(rule.get("scheme", "")).lower()
        ids = {str(i).lower() for i in rule.get("ids", [])}
        if any(str(c.get("scheme", "")).lower() == scheme and str(c.get("id", "")).lower() in ids
               for c in classifications):
            found.append(label)
    return found


def _suppliers(awards: list[dict], parties: _Parties, mapping: dict) -> list[dict]:
    active = [a for a in awards if a.get("status") == "active"]
    references = [s for a in active for s in _objs(a.get("suppliers"))]
    references = references or [s for a in awards for s in _objs(a.get("suppliers"))]
    # Some feeds name suppliers only in `parties` (e.g. contracts published without awards).
    references = references or [{"id": p.get("id"), "name": p.get("name")} for p in parties.with_role("supplier")]
    suppliers: dict[str, dict] = {}
    for reference in references:
        name = parties.name(reference)
        key = str(reference.get("id")) if reference.get("id") is not None else f"name:{name}"
        if key in suppliers or not (name or reference.get("id") is not None):
            continue
        details = _obj(parties.get(reference).get("details"))
        classifications = [
            {"scheme": c.get("scheme"), "id": c.get("id"), "description": c.get("description")}
            for c in _objs(details.get("classifications"))
        ]
        suppliers[key] = {
            "name": name,
            "id": _str(reference.get("id")),
            "scale": _str(details.get("scale")),
            "classifications": classifications,
            "categories": _categories(classifications, mapping),
        }
    return sorted(suppliers.values(), key=lambda s: (s["name"] or "", s["id"] or ""))


# --- Values and dates ----------------------------------------------------------------------

def _current_contracts(contracts: list[dict]) -> list[dict]:
    active = [c for c in contracts if c.get("status") == "active"]
    return active or [c for c in contracts if c.get("status") != "cancelled"]


def _original_contract_values(releases: list[dict] | None) -> dict[str, Any]:
    """Value of each contract (by id) in the first release, in merge order, that gives it one."""
    originals: dict[str, Any] = {}
    for release in merge_order(releases or []):
        for contract in _objs(release.get("contracts")):
            cid = contract.get("id")
            if cid is not None and str(cid) not in originals and _amount(contract.get("value")) is not None:
                originals[str(cid)] = contract["value"]
    return originals


def _award_value(awards: list[dict]) -> int | float | None:
    for status in ("active", "pending"):
        amounts = [_amount(a.get("value")) for a in awards if a.get("status") == status]
        if any(v is not None for v in amounts):
            return _sum(amounts)
    return None


def _transaction_amount(transaction: dict) -> int | float | None:
    # OCDS 1.1 `value`; OCDS 1.0 `amount` (a Value object; some feeds put a bare number there).
    amount = _amount(transaction.get("value"))
    if amount is None:
        legacy = transaction.get("amount")
        amount = _amount(legacy) if isinstance(legacy, dict) else _number(legacy)
    return amount


def _transaction_currency(transaction: dict) -> str | None:
    return _currency(transaction.get("value")) or _currency(transaction.get("amount"))


def fiscal_year(value: str | datetime | None, start_month: int = 7) -> int | None:
    """Return the fiscal year of a date: named by the calendar year in which it ends (US usage).

    With ``start_month=7`` (July–June), 2024-08-01 is in FY 2025 and 2024-06-30 in FY 2024.
    ``start_month=1`` gives the calendar year. The date's own (published) timezone is used.
    """
    parsed = value if isinstance(value, datetime) else parse_date(value)
    if parsed is None:
        return None
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1-12, got {start_month}")
    return parsed.year + 1 if start_month > 1 and parsed.month >= start_month else parsed.year


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


# --- Repeating lists -----------------------------------------------------------------------

def _award_rows(awards: list[dict], parties: _Parties, lang: str | None) -> list[dict]:
    return [{
        "id": _str(a.get("id")),
        "title": _text(a, "title", lang),
        "status": _str(a.get("status")),
        "date": _str(a.get("date")),
        "value": _amount(a.get("value")),
        "currency": _currency(a.get("value")),
        "suppliers": [n for n in (parties.name(s) for s in _objs(a.get("suppliers"))) if n],
    } for a in awards]


def _contract_rows(contracts, parties: _Parties, originals: dict, lang: str | None) -> list[dict]:
    rows = []
    for c in contracts:
        period = _obj(c.get("period"))
        transactions = _objs(_obj(c.get("implementation")).get("transactions"))
        signatories = [parties.name(s) for s in _objs(c.get("signatories"))]
        original = originals.get(str(c.get("id")))
        rows.append({
            "id": _str(c.get("id")),
            "award_id": _str(c.get("awardID")),
            "title": _text(c, "title", lang),
            "status": _str(c.get("status")),
            "start_date": _str(period.get("startDate")),
            "end_date": _str(period.get("endDate")),
            "date_signed": _str(c.get("dateSigned")),
            "value": _amount(c.get("value")),
            "currency": _currency(c.get("value")),
            "original_value": _amount(original) if original else None,
            "signatories": [n for n in signatories if n],
            "amount_paid": _sum(_transaction_amount(t) for t in transactions),
        })
    return rows


def _milestone_rows(compiled: dict) -> list[dict]:
    sources = [("planning", None, _obj(compiled.get("planning")).get("milestones")),
               ("tender", None, _obj(compiled.get("tender")).get("milestones"))]
    for c in _objs(compiled.get("contracts")):
        sources.append(("contract", c.get("id"), c.get("milestones")))
        sources.append(("implementation", c.get("id"), _obj(c.get("implementation")).get("milestones")))
    rows = []
    for stage, contract_id, milestones in sources:
        for m in _objs(milestones):
            status = _str(m.get("status"))
            if status == "met" or (status is None and m.get("dateMet")):
                met = True
            elif status in ("notMet", "partiallyMet"):
                met = False
            else:
                met = None
            rows.append({
                "id": _str(m.get("id")),
                "title": _str(m.get("title")),
                "type": _str(m.get("type")),
                "status": status,
                "due_date": _str(m.get("dueDate")),
                "date_met": _str(m.get("dateMet")),
                "met": met,
                "stage": stage,
                "contract_id": _str(contract_id),
            })
    return rows


def _transaction_rows(contracts: list[dict], parties: _Parties) -> list[dict]:
    rows = []
    for c in contracts:
        for t in _objs(_obj(c.get("implementation")).get("transactions")):
            # 1.0 feeds use providerOrganization/receiverOrganization (identifiers).
            payer = parties.name(t.get("payer")) or _str(_obj(t.get("providerOrganization")).get("legalName"))
            payee = parties.name(t.get("payee")) or _str(_obj(t.get("receiverOrganization")).get("legalName"))
            rows.append({
                "id": _str(t.get("id")),
                "date": _str(t.get("date")),
                "value": _transaction_amount(t),
                "currency": _transaction_currency(t),
                "payer": payer,
                "payee": payee,
                "contract_id": _str(c.get("id")),
            })
    return rows


def _document_rows(compiled: dict, lang: str | None) -> list[dict]:
    sources = [("planning", None, _obj(compiled.get("planning")).get("documents")),
               ("tender", _obj(compiled.get("tender")).get("id"), _obj(compiled.get("tender")).get("documents"))]
    sources += [("award", a.get("id"), a.get("documents")) for a in _objs(compiled.get("awards"))]
    for c in _objs(compiled.get("contracts")):
        sources.append(("contract", c.get("id"), c.get("documents")))
        sources.append(("implementation", c.get("id"), _obj(c.get("implementation")).get("documents")))
    return [{
        "id": _str(d.get("id")),
        "url": _str(d.get("url")),
        "title": _text(d, "title", lang),
        "description": _text(d, "description", lang),
        "document_type": _str(d.get("documentType")),
        "format": _str(d.get("format")),
        "language": _str(d.get("language")),
        "date_published": _str(d.get("datePublished")),
        "stage": stage,
        "related_id": _str(related_id),
    } for stage, related_id, documents in sources for d in _objs(documents)]


# --- Amendments ----------------------------------------------------------------------------

def _amendments_of(container: dict) -> list[dict]:
    # 1.1 `amendments`, plus a 1.0-style `amendment` some 1.1 feeds still publish.
    found = _objs(container.get("amendments"))
    if isinstance(container.get("amendment"), dict) and container["amendment"] not in found:
        found.append(container["amendment"])
    return found


def _amendable(data: dict):
    """Yield ``(scope, object id, object)`` for the tender, each award and each contract."""
    if isinstance(data.get("tender"), dict):
        yield "tender", None, data["tender"]
    for scope, field in (("award", "awards"), ("contract", "contracts")):
        for obj in _objs(data.get(field)):
            yield scope, obj.get("id"), obj


def _amendment_key(scope: str, object_id: Any, amendment: dict) -> tuple:
    identity = amendment.get("id")
    if identity is None:
        identity = json.dumps(amendment, sort_keys=True, default=str)
    return scope, str(object_id), str(identity)


def _relative(key: tuple, prefix: tuple) -> tuple | None:
    if len(key) < len(prefix):
        return None
    if any(str(part) != str(expected) for part, expected in zip(key, prefix)):
        return None
    return key[len(prefix):]


def _amendment_changes(releases: list[dict], merge_rules: dict | None) -> dict[tuple, tuple[Any, list[dict]]]:
    """Map each amendment (see _amendment_key) to ``(release id, changes)`` of the release carrying it."""
    history = []  # (release, raw changes, whether the tender existed before it)
    tender_seen = False
    for release, raw in iter_release_changes(releases, merge_rules):
        history.append((release, raw, tender_seen))
        tender_seen = tender_seen or any(key[0] == "tender" for key, _, _ in raw)

    carrier: dict[tuple, int] = {}
    release_index = {str(r.get("id")): i for i, (r, _, _) in enumerate(history) if r.get("id") is not None}
    for index, (release, _, _) in enumerate(history):
        for scope, object_id, obj in _amendable(release):
            for amendment in _amendments_of(obj):
                key = _amendment_key(scope, object_id, amendment)
                declared = release_index.get(str(amendment.get("releaseID")))
                if declared is not None:
                    carrier[key] = declared
                else:
                    carrier.setdefault(key, index)

    results = {}
    for key, index in carrier.items():
        release, raw, tender_existed = history[index]
        scope, object_id, _ = key
        prefix = ("tender",) if scope == "tender" else (f"{scope}s", object_id)
        changes, new_object = [], scope == "tender" and not tender_existed
        for change_key, before, after in raw:
            rest = _relative(change_key, prefix)
            if rest is None:
                continue
            if not rest:  # the object itself is new in this release: nothing to compare with
                new_object = True
                break
            if rest[0] in ("amendments", "amendment"):
                continue
            changes.append({"field": path_to_str(rest), "before": before, "after": after})
        results[key] = (release.get("id"), [] if new_object else changes)
    return results


def _amendment_rows(compiled: dict, releases: list[dict] | None, schema: dict | None) -> list[dict]:
    found = [(scope, object_id, amendment)
             for scope, object_id, obj in _amendable(compiled) for amendment in _amendments_of(obj)]
    if not found:
        return []
    changes = {}
    if releases:
        merge_rules = get_merger(schema).merge_rules if schema is not None else None
        changes = _amendment_changes(releases, merge_rules)
    rows = []
    for scope, object_id, amendment in found:
        release_id, amendment_changes = changes.get(_amendment_key(scope, object_id, amendment), (None, []))
        rows.append({
            "scope": scope,
            "contract_id": _str(object_id) if scope == "contract" else None,
            "award_id": _str(object_id) if scope == "award" else None,
            "id": _str(amendment.get("id")),
            "date": _str(amendment.get("date")),
            "rationale": _str(amendment.get("rationale")),
            "description": _str(amendment.get("description")),
            "release_id": _str(amendment.get("releaseID")) or _str(release_id),
            "changes": amendment_changes,
        })
    return rows


# --- The summary ---------------------------------------------------------------------------

def _first_currency(compiled: dict) -> str | None:
    planning, tender = _obj(compiled.get("planning")), _obj(compiled.get("tender"))
    candidates = [_obj(planning.get("budget")).get("amount"), tender.get("value")]
    candidates += [a.get("value") for a in _objs(compiled.get("awards"))]
    candidates += [c.get("value") for c in _objs(compiled.get("contracts"))]
    return next((c for c in map(_currency, candidates) if c), None)


def _number_of_tenderers(tender: dict) -> int | None:
    declared = tender.get("numberOfTenderers")
    if isinstance(declared, int) and not isinstance(declared, bool):
        return declared
    tenderers = {str(t.get("id") or t.get("name")) for t in _objs(tender.get("tenderers"))
                 if t.get("id") or t.get("name")}
    return len(tenderers) or None


def _item_classifications(compiled: dict) -> list[str]:
    items = _objs(_obj(compiled.get("tender")).get("items"))
    for field in ("awards", "contracts"):
        items += [i for o in _objs(compiled.get(field)) for i in _objs(o.get("items"))]
    codes = []
    for item in items:
        for c in [_obj(item.get("classification"))] + _objs(item.get("additionalClassifications")):
            if _str(c.get("scheme")) and _str(c.get("id")):
                codes.append(f"{_str(c['scheme'])}:{_str(c['id'])}")
    return _unique_sorted(codes)


def _title(compiled: dict, lang: str | None) -> str | None:
    planning = _obj(compiled.get("planning"))
    candidates = [
        _text(_obj(compiled.get("tender")), "title", lang),
        _text(_obj(planning.get("project")), "title", lang),  # the Project extension's planning.project
        _str(_obj(planning.get("budget")).get("project")),  # core: the budget's project name
    ]
    candidates += [_text(o, "title", lang) for o in _first_contract_and_award(compiled)]
    return next((title for title in candidates if title), None) or _str(compiled.get("ocid"))


def _description(compiled: dict, lang: str | None) -> str | None:
    candidates = [
        _text(_obj(compiled.get("tender")), "description", lang),
        _text(_obj(compiled.get("planning")), "rationale", lang),
    ]
    candidates += [_text(o, "description", lang) for o in _first_contract_and_award(compiled)]
    return next((description for description in candidates if description), None)


def _first_contract_and_award(compiled: dict) -> list[dict]:
    return _objs(compiled.get("contracts"))[:1] + _objs(compiled.get("awards"))[:1]


def summarize(
    compiled: dict,
    releases: list[dict] | None = None,
    *,
    now: datetime | None = None,
    fiscal_year_start_month: int = 7,
    classification_mapping: dict | None = None,
    schema: dict | None = None,
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
    """
    compiled = _obj(compiled)
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    mapping = DEFAULT_CLASSIFICATION_MAPPING if classification_mapping is None else classification_mapping
    lang = _str(compiled.get("language"))
    parties = _Parties(compiled, lang)

    planning, tender = _obj(compiled.get("planning")), _obj(compiled.get("tender"))
    awards, contracts = _objs(compiled.get("awards")), _objs(compiled.get("contracts"))
    current = _current_contracts(contracts)
    active_awards = [a for a in awards if a.get("status") == "active"]
    originals = _original_contract_values(releases) if releases else {}

    suppliers = _suppliers(awards, parties, mapping)
    status = _status(compiled, now)

    tender_period = _obj(tender.get("tenderPeriod"))
    award_date = _earliest(a.get("date") for a in active_awards) or _earliest(a.get("date") for a in awards)
    contract_start = _earliest(_obj(c.get("period")).get("startDate") for c in current)
    date_signed = _earliest(c.get("dateSigned") for c in current) or _earliest(c.get("dateSigned") for c in contracts)
    release_dates = [r.get("date") for r in releases or ()]
    last_release_date = _str(compiled.get("date")) if parse_date(compiled.get("date")) else _latest(release_dates)

    budget_amount = _amount(_obj(planning.get("budget")).get("amount"))
    tender_value = _amount(tender.get("value"))
    award_value = _award_value(awards)
    contract_value = _sum(_amount(c.get("value")) for c in current)
    contract_original_value = (
        _sum(_amount(originals.get(str(c.get("id")))) for c in current) if releases else None
    )
    transactions = [t for c in contracts for t in _objs(_obj(c.get("implementation")).get("transactions"))]

    value, value_source = None, None
    for candidate, source in ((contract_value, current), (award_value, active_awards or awards),
                              (tender_value, [tender]), (budget_amount, None)):
        if candidate is not None:
            value, value_source = candidate, source
            break
    if value_source is None:
        currency = _currency(_obj(planning.get("budget")).get("amount")) if value is not None else None
    else:
        currency = next((c for c in (_currency(o.get("value")) for o in value_source) if c), None)
    currency = currency or _first_currency(compiled)

    key_date = (date_signed or contract_start or award_date or _str(tender_period.get("startDate"))
                or _earliest(release_dates) or _str(compiled.get("date")))

    summary = {
        "ocid": _str(compiled.get("ocid")),
        "title": _title(compiled, lang),
        "description": _description(compiled, lang),
        "stage": _stage(compiled, releases),
        "status": status,
        "tender_status": _str(tender.get("status")),
        "award_status": _relevant_status(awards, lambda a: a.get("date")),
        "contract_status": _relevant_status(
            contracts, lambda c: c.get("dateSigned") or _obj(c.get("period")).get("startDate")),
        "buyer_name": parties.name(compiled.get("buyer"))
        or next((n for n in (_text(p, "name", lang) for p in parties.with_role("buyer")) if n), None),
        "procuring_entity_name": parties.name(tender.get("procuringEntity"))
        or next((n for n in (_text(p, "name", lang) for p in parties.with_role("procuringEntity")) if n), None),
        "supplier_names": _unique_sorted(s["name"] for s in suppliers),
        "suppliers": suppliers,
        "supplier_scales": _unique_sorted(s["scale"] for s in suppliers),
        "supplier_categories": _unique_sorted(c for s in suppliers for c in s["categories"]),
        "procurement_method": _str(tender.get("procurementMethod")),
        "procurement_method_details": _str(tender.get("procurementMethodDetails")),
        "main_category": _str(tender.get("mainProcurementCategory")),
        "item_classifications": _item_classifications(compiled),
        "tender_start_date": _str(tender_period.get("startDate")),
        "tender_end_date": _str(tender_period.get("endDate")),
        "award_date": award_date,
        "contract_start_date": contract_start,
        "contract_end_date": _latest(_obj(c.get("period")).get("endDate") for c in current),
        "date_signed": date_signed,
        "last_release_date": last_release_date,
        "currency": currency,
        "budget_amount": budget_amount,
        "tender_value": tender_value,
        "award_value": award_value,
        "contract_value": contract_value,
        "contract_original_value": contract_original_value,
        "amount_paid": _sum(_transaction_amount(t) for t in transactions),
        "number_of_tenderers": _number_of_tenderers(tender),
        "fiscal_year": fiscal_year(key_date, fiscal_year_start_month),
        "value_band": value_band(value),
        "value": float(value) if value is not None else None,
        "value_sort": value_sort_key(value),
        "open_for_bids": status == "open",
        "awards": _award_rows(awards, parties, lang),
        "contracts": _contract_rows(contracts, parties, originals, lang),
        "amendments": _amendment_rows(compiled, releases, schema),
        "milestones": _milestone_rows(compiled),
        "transactions": _transaction_rows(contracts, parties),
        "documents": _document_rows(compiled, lang),
    }
    return summary
