"""From a process's OCDS summary to the fields of its `contracting-process` dataset.

`ocds.derive.summarize()` computes every value; this module only shapes them
for CKAN: flat fields, repeating lists whose items hold plain values, and one
resource per OCDS document.
"""
from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit

from ckanext.procurement import naming
from ckanext.procurement.labels import humanize_code
from ckanext.procurement.ocds.urls import is_web_url

DATASET_TYPE = "contracting-process"
BULK_DATASET_TYPE = "procurement-dataset"

# summary keys copied as they are
SCALAR_FIELDS = (
    "ocid", "title", "stage", "status", "tender_status", "award_status", "contract_status",
    "buyer_name", "procuring_entity_name", "procurement_method", "procurement_method_details",
    "main_category", "tender_start_date", "tender_end_date", "award_date", "contract_start_date",
    "contract_end_date", "last_release_date", "fiscal_year", "currency", "budget_amount", "tender_value",
    "award_value", "contract_value", "contract_original_value", "amount_paid", "number_of_tenderers",
    "value_band",
)
LIST_FIELDS = ("supplier_names", "supplier_scales", "supplier_categories", "item_classifications", "indicator_flags",
               "indicators_not_assessed")

# repeating lists: the subfields the schema declares
REPEATING = {
    "awards": ("id", "title", "status", "date", "value", "currency", "suppliers"),
    "contracts": ("id", "award_id", "title", "status", "start_date", "end_date", "date_signed", "value",
                  "original_value", "currency", "amount_paid", "signatories"),
    "amendments": ("id", "contract_id", "date", "rationale", "description", "changes"),
    "milestones": ("id", "title", "type", "status", "due_date", "date_met", "met", "stage", "contract_id"),
    "transactions": ("id", "date", "value", "currency", "payer", "payee", "contract_id"),
}

FORMATS = {
    ".pdf": "PDF", ".doc": "DOC", ".docx": "DOCX", ".xls": "XLS", ".xlsx": "XLSX", ".csv": "CSV",
    ".json": "JSON", ".zip": "ZIP", ".html": "HTML", ".htm": "HTML", ".xml": "XML", ".txt": "TXT",
}
MIME_FORMATS = {
    "application/pdf": "PDF", "text/html": "HTML", "application/json": "JSON", "text/csv": "CSV",
    "application/msword": "DOC", "application/zip": "ZIP", "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/xml": "XML", "text/xml": "XML", "text/plain": "TXT",
    "application/x-zip-compressed": "ZIP", "image/jpeg": "JPEG", "image/png": "PNG",
}


def _plain(value: Any) -> Any:
    """Repeating subfields hold strings and numbers: lists become text, objects JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(isinstance(item, (str, int, float)) for item in value):
            return "; ".join(str(item) for item in value)
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def json_or_value(value: Any) -> Any:
    """Extras hold JSON text for lists: the decoded value, or the value as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def dataset_fields(summary: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": DATASET_TYPE, "name": naming.name_from_ocid(summary["ocid"])}
    for key in SCALAR_FIELDS:
        value = summary.get(key)
        if value is not None:
            fields[key] = value
    fields["title"] = summary.get("title") or summary["ocid"]
    fields["notes"] = summary.get("description") or ""
    for key in LIST_FIELDS:
        fields[key] = list(summary.get(key) or [])
    for key, subfields in REPEATING.items():
        fields[key] = [{sub: _plain(item.get(sub)) for sub in subfields} for item in summary.get(key) or []]
    return fields


# Only absolute http(s) links reach the page: never javascript:, data: or relative paths.
is_safe_url = is_web_url


def guess_format(document: dict[str, Any]) -> str:
    """The format shown for a document: its declared media type, else the
    extension of its URL path (or of a file name in the query string, as in
    `VerDocumentoPublic?ruta=.../file.pdf`), else the declared type's subtype."""
    declared = str(document.get("format") or "").strip().lower()
    if declared in MIME_FORMATS:
        return MIME_FORMATS[declared]
    parts = urlsplit(str(document.get("url") or ""))
    for candidate in (parts.path, parts.query, str(document.get("title") or "")):
        extension = os.path.splitext(candidate)[1].lower()
        if extension in FORMATS:
            return FORMATS[extension]
    return declared.split("/")[-1].upper() if declared else ""


def resources(documents: list[dict[str, Any]], existing: list[dict[str, Any]] | None = None) -> tuple[list[dict], list[dict]]:
    """One resource per OCDS document with a safe URL, reusing existing resource ids.

    Returns (resources, skipped documents).
    """
    by_document = {r.get("ocds_document_id"): r["id"] for r in existing or [] if r.get("ocds_document_id")}
    result, skipped = [], []
    seen = set()
    for document in documents:
        url = (document.get("url") or "").strip()
        if not is_safe_url(url):
            skipped.append(document)
            continue
        key = f"{document.get('stage')}/{document.get('id')}"
        if key in seen:
            continue
        seen.add(key)
        title = document.get("title") or humanize_code(document.get("document_type") or "document")
        resource = {
            "url": url,
            "name": title,
            "description": document.get("description") or "",
            "format": guess_format(document),
            "document_type": document.get("document_type") or "",
            "ocds_document_id": key,
            "lifecycle_stage": document.get("stage") or "",
            "date_published": document.get("date_published") or "",
        }
        if key in by_document:
            resource["id"] = by_document[key]
        result.append(resource)
    return result, skipped
