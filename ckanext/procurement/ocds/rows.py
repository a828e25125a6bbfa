"""The repeating lists of a process's summary (awards, contracts, milestones, payments, documents)
and its suppliers, as rows of plain values."""

from __future__ import annotations

from typing import Any

from .access import amount_of, currency_of, localized, obj, objs, text, total, unique_sorted
from .amounts import transaction_amount, transaction_currency


class Parties:
    """Look up parties by id and by role."""

    def __init__(self, compiled: dict, lang: str | None):
        self.lang = lang
        self.parties = objs(compiled.get("parties"))
        self.by_id = {str(p["id"]): p for p in self.parties if p.get("id") is not None}

    def get(self, reference: Any) -> dict:
        reference = obj(reference)
        return self.by_id.get(str(reference.get("id")), {}) if reference.get("id") is not None else {}

    def name(self, reference: Any) -> str | None:
        reference = obj(reference)
        return localized(reference, "name", self.lang) or localized(self.get(reference), "name", self.lang)

    def with_role(self, role: str) -> list[dict]:
        return [p for p in self.parties if isinstance(p.get("roles"), list) and role in p["roles"]]


# --- Suppliers ------------------------------------------------------------------------------

def _categories(classifications: list[dict], mapping: dict) -> list[str]:
    found = []
    for label, rule in mapping.items():
        rule = obj(rule)
        scheme = str(rule.get("scheme", "")).lower()
        ids = {str(i).lower() for i in rule.get("ids", [])}
        if any(str(c.get("scheme", "")).lower() == scheme and str(c.get("id", "")).lower() in ids
               for c in classifications):
            found.append(label)
    return found


def suppliers(awards: list[dict], parties: Parties, mapping: dict) -> list[dict]:
    active = [a for a in awards if a.get("status") == "active"]
    references = [s for a in active for s in objs(a.get("suppliers"))]
    references = references or [s for a in awards for s in objs(a.get("suppliers"))]
    # Some feeds name suppliers only in `parties` (e.g. contracts published without awards).
    references = references or [{"id": p.get("id"), "name": p.get("name")} for p in parties.with_role("supplier")]
    found: dict[str, dict] = {}
    for reference in references:
        name = parties.name(reference)
        key = str(reference.get("id")) if reference.get("id") is not None else f"name:{name}"
        if key in found or not (name or reference.get("id") is not None):
            continue
        details = obj(parties.get(reference).get("details"))
        classifications = [
            {"scheme": c.get("scheme"), "id": c.get("id"), "description": c.get("description")}
            for c in objs(details.get("classifications"))
        ]
        found[key] = {
            "name": name,
            "id": text(reference.get("id")),
            "scale": text(details.get("scale")),
            "classifications": classifications,
            "categories": _categories(classifications, mapping),
        }
    return sorted(found.values(), key=lambda s: (s["name"] or "", s["id"] or ""))


# --- Repeating lists -----------------------------------------------------------------------

def award_rows(awards: list[dict], parties: Parties, lang: str | None) -> list[dict]:
    return [{
        "id": text(a.get("id")),
        "title": localized(a, "title", lang),
        "status": text(a.get("status")),
        "date": text(a.get("date")),
        "value": amount_of(a.get("value")),
        "currency": currency_of(a.get("value")),
        "suppliers": [n for n in (parties.name(s) for s in objs(a.get("suppliers"))) if n],
    } for a in awards]


def contract_rows(contracts, parties: Parties, originals: dict, lang: str | None) -> list[dict]:
    rows = []
    for c in contracts:
        period = obj(c.get("period"))
        transactions = objs(obj(c.get("implementation")).get("transactions"))
        signatories = [parties.name(s) for s in objs(c.get("signatories"))]
        original = originals.get(str(c.get("id")))
        rows.append({
            "id": text(c.get("id")),
            "award_id": text(c.get("awardID")),
            "title": localized(c, "title", lang),
            "status": text(c.get("status")),
            "start_date": text(period.get("startDate")),
            "end_date": text(period.get("endDate")),
            "date_signed": text(c.get("dateSigned")),
            "value": amount_of(c.get("value")),
            "currency": currency_of(c.get("value")),
            "original_value": amount_of(original) if original else None,
            "signatories": [n for n in signatories if n],
            "amount_paid": total(transaction_amount(t) for t in transactions),
        })
    return rows


def milestone_rows(compiled: dict) -> list[dict]:
    sources = [("planning", None, obj(compiled.get("planning")).get("milestones")),
               ("tender", None, obj(compiled.get("tender")).get("milestones"))]
    for c in objs(compiled.get("contracts")):
        sources.append(("contract", c.get("id"), c.get("milestones")))
        sources.append(("implementation", c.get("id"), obj(c.get("implementation")).get("milestones")))
    rows = []
    for stage, contract_id, milestones in sources:
        for m in objs(milestones):
            status = text(m.get("status"))
            if status == "met" or (status is None and m.get("dateMet")):
                met = True
            elif status in ("notMet", "partiallyMet"):
                met = False
            else:
                met = None
            rows.append({
                "id": text(m.get("id")),
                "title": text(m.get("title")),
                "type": text(m.get("type")),
                "status": status,
                "due_date": text(m.get("dueDate")),
                "date_met": text(m.get("dateMet")),
                "met": met,
                "stage": stage,
                "contract_id": text(contract_id),
            })
    return rows


def transaction_rows(contracts: list[dict], parties: Parties) -> list[dict]:
    rows = []
    for c in contracts:
        for t in objs(obj(c.get("implementation")).get("transactions")):
            # 1.0 feeds use providerOrganization/receiverOrganization (identifiers).
            payer = parties.name(t.get("payer")) or text(obj(t.get("providerOrganization")).get("legalName"))
            payee = parties.name(t.get("payee")) or text(obj(t.get("receiverOrganization")).get("legalName"))
            rows.append({
                "id": text(t.get("id")),
                "date": text(t.get("date")),
                "value": transaction_amount(t),
                "currency": transaction_currency(t),
                "payer": payer,
                "payee": payee,
                "contract_id": text(c.get("id")),
            })
    return rows


def document_rows(compiled: dict, lang: str | None) -> list[dict]:
    sources = [("planning", None, obj(compiled.get("planning")).get("documents")),
               ("tender", obj(compiled.get("tender")).get("id"), obj(compiled.get("tender")).get("documents"))]
    sources += [("award", a.get("id"), a.get("documents")) for a in objs(compiled.get("awards"))]
    for c in objs(compiled.get("contracts")):
        sources.append(("contract", c.get("id"), c.get("documents")))
        sources.append(("implementation", c.get("id"), obj(c.get("implementation")).get("documents")))
    return [{
        "id": text(d.get("id")),
        "url": text(d.get("url")),
        "title": localized(d, "title", lang),
        "description": localized(d, "description", lang),
        "document_type": text(d.get("documentType")),
        "format": text(d.get("format")),
        "language": text(d.get("language")),
        "date_published": text(d.get("datePublished")),
        "stage": stage,
        "related_id": text(related_id),
    } for stage, related_id, documents in sources for d in objs(documents)]
