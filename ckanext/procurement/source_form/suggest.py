"""The OCDS field suggested for each column of a CSV or XLSX export, from its name and values.

The rules, in order (the first that fits wins, and a field goes to one column only):

1. the column is named by an OCDS path (`tender/title`, `tender.title`);
2. a rule of `NAME_RULES` matches the name and the values are of the rule's kind
   (a column of dates named "Award Date" -> `awards/0/date`);
3. the name is the title of exactly one OCDS field in the release schema.

The coordinator accepts or changes each suggestion; nothing here is applied unasked.
"""
from __future__ import annotations

import datetime
import re

from .ocds_fields import OcdsField

# (words the normalized column name contains, the kind its values must be, the field)
NAME_RULES: list[tuple[str, str | None, str]] = [
    (r"\b(award|approval|approved) date\b", "date", "awards/0/date"),
    (r"\b(signed|signature|execution) date\b|\bdate signed\b", "date", "contracts/0/dateSigned"),
    (r"\bstart date\b|\bbegin", "date", "contracts/0/period/startDate"),
    (r"\bend date\b|\bexpir", "date", "contracts/0/period/endDate"),
    (r"\b(due|closing|bid) date\b", "date", "tender/tenderPeriod/endDate"),
    (r"\b(amount|value|price|cost|total)\b", "number", "awards/0/value/amount"),
    (r"\b(vendor|supplier|contractor|payee) (id|number|no)\b", None, "awards/0/suppliers/0/id"),
    (r"\b(vendor|supplier|contractor|payee)( name)?\b", "text", "awards/0/suppliers/0/name"),
    (r"\b(street|address)\b", "text", "awards/0/suppliers/0/address/streetAddress"),
    (r"^(city|town|locality)$", "text", "awards/0/suppliers/0/address/locality"),
    (r"^(state|region|province)$", "text", "awards/0/suppliers/0/address/region"),
    (r"\b(zip|postal|postcode)\b", None, "awards/0/suppliers/0/address/postalCode"),
    (r"^country", "text", "awards/0/suppliers/0/address/countryName"),
    (r"\b(department|buyer|agency)\b", "text", "buyer/name"),
    (r"\b(specification|solicitation|tender|bid) (id|number|no)\b", None, "tender/id"),
    (r"\b(purchase order|po|contract) (id|number|no)\b", None, "contracts/0/id"),
    (r"\b(procurement|purchase|solicitation) (type|method)\b|^method$", "text", "tender/procurementMethod"),
    (r"\b(contract type|category)\b", "text", "tender/mainProcurementCategory"),
    (r"\b(description|title|subject)\b", "text", "tender/title"),
    (r"\b(pdf|document|link|url)\b", "url", "contracts/0/documents/0/url"),
]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$|^\d{1,2}/\d{1,2}/\d{2,4}$")
_NUMBER = re.compile(r"^\(?-?\$?\s?[\d,]+(\.\d+)?\)?$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def normal_name(name: str) -> str:
    """"Award_Date " -> "award date"."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", spaced).split())


def value_kind(values: list) -> str | None:
    """"date", "number", "url" or "text" when every non-empty sample is one; None without samples."""
    samples = [v for v in values if v not in (None, "")]
    if not samples:
        return None
    if all(isinstance(v, (datetime.date, datetime.datetime)) or _DATE.match(str(v).strip()) for v in samples):
        return "date"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) or _NUMBER.match(str(v).strip()) for v in samples):
        return "number"
    if all(_URL.match(str(v).strip()) for v in samples):
        return "url"
    return "text"


def _fits(expected: str | None, kind: str | None) -> bool:
    if expected is None or kind is None:
        return True
    return expected == kind or (expected == "text" and kind not in ("date", "number"))


def suggest_field(name: str, values: list, fields: dict[str, OcdsField], unique_titles: dict[str, str]) -> str:
    """The suggested OCDS path for one column, or "" when no rule fits."""
    as_path = str(name).strip().replace(".", "/")
    if as_path in fields:
        return as_path
    normal, kind = normal_name(name), value_kind(values)
    for pattern, expected, path in NAME_RULES:
        if re.search(pattern, normal) and _fits(expected, kind) and path in fields:
            return path
    return unique_titles.get(normal, "")


def suggest(columns: dict[str, list], fields: list[OcdsField]) -> dict[str, str]:
    """{column: suggested path} for the columns of a file ({column: sample values}), each field used once."""
    by_path = {f.path: f for f in fields}
    titles: dict[str, list[str]] = {}
    for f in fields:
        titles.setdefault(normal_name(f.title), []).append(f.path)
    unique_titles = {title: paths[0] for title, paths in titles.items() if len(paths) == 1}
    taken: set[str] = set()
    suggested = {}
    for column, values in columns.items():
        path = suggest_field(column, values, by_path, unique_titles)
        if path and path not in taken:
            taken.add(path)
            suggested[column] = path
        else:
            suggested[column] = ""
    return suggested


def suggest_roles(columns: dict[str, list], suggested: dict[str, str]) -> dict[str, str]:
    """Suggested mapping keys that are not fields: the ocid template, the release date column,
    the revision column (then rows are modifications) and the amount column."""
    names = {normal_name(c): c for c in columns}
    roles: dict[str, str] = {}
    key = next((c for c, path in suggested.items() if path in ("contracts/0/id", "tender/id")), None)
    if key:
        roles["ocid"] = "ocds-XXXXXX-{" + key + "}"
    date = next((c for c, path in suggested.items() if path in ("awards/0/date", "contracts/0/dateSigned")), None)
    if date:
        roles["date"] = date
    revision = next((names[n] for n in names if re.search(r"\b(revision|modification|amendment)( number| no)?\b", n)), None)
    amount = next((c for c, path in suggested.items() if path == "awards/0/value/amount"), None)
    if revision:
        roles["revision"], roles["rows_are"] = revision, "modification"
        if amount:
            roles["amount"] = amount
    else:
        roles["rows_are"] = "award"
    return roles
