"""Turning flat purchasing-system exports (CSV or XLSX) into OCDS releases.

Cities' ERP and financial systems export one row per purchase order, award, solicitation or
contract modification. A :class:`FlatMapping`, built from a JSON-able config (part of a
harvest source's config), says which column goes to which OCDS field, in the spirit of
flatten-tool and the OCDS mapping templates::

    mapping = FlatMapping.from_config(source_config["mapping"])
    with open("contracts.csv", "rb") as f:
        for release, problems in iter_releases(f, mapping, filename="contracts.csv"):
            ...  # release is None when the row was skipped; problems say why

Reading (:func:`read_rows`) streams the file: CSV in UTF-8 (with or without BOM), UTF-16
(with BOM) or cp1252, delimited by ``,``, ``;``, tab or ``|``; XLSX through openpyxl's
read-only mode. Row numbers are those a spreadsheet shows: the header is row 1 (or the first
non-empty row).

Converting (:class:`FlatConverter`, :func:`rows_to_releases`) builds one release per row,
except in ``"modification"`` mode where each contract's rows are replayed in revision order
(see below). A value that can't be converted is dropped from its release with a warning
naming the row, the column and the OCDS path; a row without an ocid or a date is skipped with
an error (yielded as ``(None, problems)``).

Memory: rows of every mode but ``"modification"`` are converted and yielded one at a time.
Modification rows may come in any order, and a contract's current value is the running total
of its rows' amounts, so they are converted as they come (problems are found in one pass)
and spilled to a temporary on-disk SQLite database, then replayed per ocid by revision in
:meth:`FlatConverter.finish`. Memory stays bounded by SQLite's page cache whatever the file
size, at the cost of disk space about the size of the releases, and of yielding the releases
only once the whole file is read. The same spill gives releases grouped by ocid in any mode
with ``group_by_ocid=True``.

Nothing here imports CKAN.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import os
import re
import sqlite3
import string
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .dates import parse_date
from .errors import OcdsError
from .parse import Problem, _Prepended, _read_head

__all__ = [
    "FlatConverter",
    "FlatFileError",
    "FlatMapping",
    "MappingError",
    "field_type",
    "iter_releases",
    "open_table",
    "read_rows",
    "rows_to_releases",
]


class MappingError(OcdsError, ValueError):
    """A flat mapping config is wrong. ``key`` says where (e.g. ``columns.tender/title``)."""

    def __init__(self, key: str, message: str):
        super().__init__(f"mapping.{key}: {message}")
        self.key = key
        self.message = message


class FlatFileError(OcdsError):
    """A file can't be read as a CSV or XLSX table (the message says why)."""


# --- Configuration ----------------------------------------------------------------------------

_UTC = timezone.utc
ROWS_ARE = ("award", "contract", "modification", "tender")
PARTY_SCALES = ("micro", "sme", "small", "medium", "large", "selfEmployed")
DEFAULT_SCALE_VALUES = {
    "micro": "micro", "micro business": "micro", "microenterprise": "micro",
    "sme": "sme", "small and medium": "sme", "small and medium enterprise": "sme",
    "small": "small", "small business": "small", "small business enterprise": "small", "sbe": "small",
    "medium": "medium", "medium business": "medium",
    "large": "large", "large business": "large",
    "self-employed": "selfEmployed", "self employed": "selfEmployed", "selfemployed": "selfEmployed",
}
DEFAULT_CERTIFICATION_SCHEME = "CITY-CERT"

# Field types, by field name, for paths the schema doesn't describe (no schema given, or an
# extension field). Derived from the OCDS 1.1.5 release schema; a test checks they agree.
_NUMBER_FIELDS = frozenset(["amount", "quantity"])
_INTEGER_FIELDS = frozenset(["numberOfTenderers", "durationInDays"])
_BOOLEAN_FIELDS = frozenset(["hasEnquiries"])
_DATE_FIELDS = frozenset(["date", "dateMet", "dateModified", "datePublished", "dateSigned", "dueDate",
                          "endDate", "maxExtentDate", "startDate"])
_STRING_LIST_FIELDS = frozenset(["submissionMethod", "additionalProcurementCategories", "roles", "relationship", "tag"])
_OBJECT_FIELDS = frozenset([
    "address", "amendment", "awardPeriod", "budget", "buyer", "classification", "contactPoint", "contractPeriod",
    "details", "enquiryPeriod", "implementation", "minValue", "payee", "payer", "period", "planning",
    "procuringEntity", "providerOrganization", "receiverOrganization", "tender", "tenderPeriod", "unit", "value",
])
_ARRAY_FIELDS = frozenset([
    "additionalClassifications", "additionalIdentifiers", "amendments", "awards", "changes", "contracts",
    "documents", "items", "milestones", "parties", "relatedProcesses", "suppliers", "tenderers",
    "transactions",
])

# Organization references: (path pattern, party role). "*" is any array index.
_ORGANIZATION_REFERENCES = (
    (("buyer",), "buyer"),
    (("tender", "procuringEntity"), "procuringEntity"),
    (("tender", "tenderers", "*"), "tenderer"),
    (("awards", "*", "suppliers", "*"), "supplier"),
    (("contracts", "*", "implementation", "transactions", "*", "payer"), "payer"),
    (("contracts", "*", "implementation", "transactions", "*", "payee"), "payee"),
)
# Documents and their default documentType, by the block they are in.
_DOCUMENT_LISTS = (
    (("planning", "documents"), "procurementPlan"),
    (("tender", "documents"), "tenderNotice"),
    (("awards", "*", "documents"), "awardNotice"),
    (("contracts", "*", "documents"), "contractSigned"),
    (("contracts", "*", "implementation", "documents"), None),
)
# Other arrays whose objects need an id; a missing one becomes the 1-based position.
_ID_LISTS = (
    ("tender", "items"), ("tender", "milestones"), ("awards", "*", "items"), ("contracts", "*", "items"),
    ("contracts", "*", "milestones"), ("contracts", "*", "implementation", "milestones"),
    ("contracts", "*", "implementation", "transactions"), ("planning", "milestones"),
)
_FORMATS = {
    ".pdf": "application/pdf", ".htm": "text/html", ".html": "text/html", ".txt": "text/plain",
    ".csv": "text/csv", ".json": "application/json", ".xml": "application/xml", ".zip": "application/zip",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".tif": "image/tiff", ".tiff": "image/tiff",
}
_RELEASE_ORDER = ("ocid", "id", "date", "tag", "initiationType", "language", "parties", "buyer", "planning",
                  "tender", "awards", "contracts", "relatedProcesses")
_RESERVED_PATHS = {
    "ocid": "the ocid is built from the 'ocid' template",
    "id": "the release id is built from the 'release_id' template",
    "date": "the release date comes from the 'date' column",
    "tag": "tags follow from 'rows_are'",
    "parties": "parties are built from buyer/, tender/procuringEntity/ and awards/0/suppliers/0/ fields",
}


def _parse_path(path: object, key: str) -> tuple:
    if not isinstance(path, str) or not path.strip():
        raise MappingError(key, "an OCDS path must be a non-empty string like tender/title")
    segments = path.strip().strip("/").split("/")
    parsed: list[str | int] = []
    for segment in segments:
        if not segment:
            raise MappingError(key, f"{path!r} has an empty segment")
        if segment.isdigit():
            if not parsed or isinstance(parsed[-1], int):
                raise MappingError(key, f"{path!r}: an array index must follow a field name")
            parsed.append(int(segment))
        elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", segment):
            raise MappingError(key, f"{path!r}: {segment!r} is not a field name")
        else:
            parsed.append(segment)
    if isinstance(parsed[-1], int):
        raise MappingError(key, f"{path!r} ends with an array index: map a field of the array's objects")
    return tuple(parsed)


def _path_str(segments: tuple) -> str:
    return "/".join(str(s) for s in segments)


def _deref(schema: dict, node: dict) -> dict:
    for _ in range(10):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not ref or not ref.startswith("#/definitions/"):
            break
        node = schema.get("definitions", {}).get(ref[len("#/definitions/"):], {})
    return node if isinstance(node, dict) else {}


def _classify(node: dict) -> str:
    if node.get("format") == "date-time":
        return "date"
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    if types == ["array"]:
        items = node.get("items", {})
        return "strings" if isinstance(items, dict) and items.get("type") in ("string", ["string"]) else "array"
    if types == ["object"] or (not types and ("properties" in node or "$ref" in node)):
        return "object"
    if len(types) == 1 and types[0] in ("number", "integer", "boolean"):
        return types[0]
    return "string"


def _schema_field_type(schema: dict, segments: tuple) -> str | None:
    node: dict = schema
    for segment in segments:
        node = _deref(schema, node)
        if isinstance(segment, int):
            if "items" not in node:
                return None
            node = node["items"]
        else:
            properties = node.get("properties")
            if not isinstance(properties, dict) or segment not in properties:
                return None
            node = properties[segment]
    return _classify(_deref(schema, node))


def field_type(segments: tuple, schema: dict | None = None) -> str:
    """Return the type of the OCDS field at ``segments`` (a parsed path like ``("awards", 0, "date")``).

    One of ``"string"``, ``"number"``, ``"integer"``, ``"boolean"``, ``"date"`` (a date-time),
    ``"strings"`` (an array of strings), ``"object"`` or ``"array"`` (of objects). Read from
    ``schema`` (a release schema dict, possibly patched with extensions) when it describes the
    path, else from the field's name.
    """
    if schema is not None:
        found = _schema_field_type(schema, segments)
        if found is not None:
            return found
    name, parent, grandparent = segments[-1], segments[-2:-1], segments[-3:-2]
    if name == "amount" and (parent == ("budget",) or grandparent == ("transactions",)):
        return "object"  # the deprecated Budget.amount and Transaction.amount are Values
    if name == "identifier":  # an organization's Identifier, but a related process's string
        return "string" if grandparent == ("relatedProcesses",) else "object"
    for names, kind in ((_NUMBER_FIELDS, "number"), (_INTEGER_FIELDS, "integer"), (_BOOLEAN_FIELDS, "boolean"),
                        (_DATE_FIELDS, "date"), (_STRING_LIST_FIELDS, "strings"), (_OBJECT_FIELDS, "object"),
                        (_ARRAY_FIELDS, "array")):
        if name in names:
            return kind
    return "string"


@dataclass(frozen=True)
class _Template:
    """A ``{column}`` template like ``ocds-demo01-{purchase_order_number}``."""

    text: str
    fields: tuple[str, ...]
    pieces: tuple[tuple[str, str | None], ...]  # (literal, field or None)

    @classmethod
    def parse(cls, text: object, key: str) -> _Template:
        if not isinstance(text, str) or not text.strip():
            raise MappingError(key, "must be a non-empty template string such as 'ocds-demo01-{po_number}'")
        fields, pieces = [], []
        try:
            for literal, name, spec, conversion in string.Formatter().parse(text):
                pieces.append((literal, name))
                if name is None:
                    continue
                if not name.strip():
                    raise MappingError(key, f"{text!r} has an empty {{}} placeholder: put a column name in it")
                if spec or conversion:
                    raise MappingError(key, f"{text!r}: write placeholders as {{column}}, without ':' or '!'")
                fields.append(name)
        except ValueError as e:  # unbalanced braces
            raise MappingError(key, f"{text!r} is not a valid template: {e}") from None
        if not fields:
            raise MappingError(key, f"{text!r} has no {{column}} placeholder, so every row would get the same value")
        return cls(text, tuple(fields), tuple(pieces))

    def columns(self, reserved: tuple[str, ...]) -> list[str]:
        return [name for name in self.fields if name not in reserved]

    def render(self, values: dict[str, str]) -> str:
        return "".join(literal + (values[name] if name is not None else "") for literal, name in self.pieces)


def _normal(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _header_key(text: str) -> str:
    return re.sub(r"[\s_]+", "_", str(text).strip()).casefold()


@dataclass
class FlatMapping:
    """A validated flat-file mapping. Build it with :meth:`from_config`; treat it as read-only.

    Config keys (``CONFIG_KEYS``; unknown keys are rejected):

    ``columns`` (required)
        ``{OCDS path: column}``. Paths are flatten-tool style (``awards/0/suppliers/0/name``).
        Values are converted by the field's type: numbers (``$1,234.50``, ``(12.00)``), dates
        (``YYYY-MM-DD``, ``MM/DD/YYYY``, ISO date-times, Excel date cells), integers, booleans,
        ``;``-separated lists (``tender/submissionMethod``). Organization fields other than
        ``id``/``name`` under ``buyer/``, ``tender/procuringEntity/``, ``tender/tenderers/N/``
        or ``awards/N/suppliers/M/`` (e.g. ``awards/0/suppliers/0/address/locality``) go to
        the organization's entry in ``parties``; ``url``/``uri`` fields must be http(s).
        One column may feed several paths.
    ``ocid`` (required)
        Template such as ``"ocds-demo01-{purchase_order_number}"``: a literal prefix and one or
        more ``{column}`` placeholders. Values are stripped and made URL-safe (spaces and other
        characters than letters, digits, ``.``, ``_`` and ``-`` become ``-``).
    ``release_id``
        Template, default ``"{ocid}-{row}"``; ``{ocid}`` and ``{row}`` (spreadsheet row number)
        are available besides columns.
    ``date`` (required)
        Column of the release date. Rows without a valid date are skipped with an error.
    ``rows_are``
        ``"award"`` (default: each row an award and its contract, tags award+contract),
        ``"contract"``, ``"tender"``, or ``"modification"`` (see :class:`FlatConverter`).
    ``revision``, ``amount``
        Modification mode only: the revision column (required), and the column of the amount
        each row adds to the contract's value (default: the column of
        ``contracts/0/value/amount``).
    ``constants``
        ``{OCDS path: value}`` set on every release (a path can't be in both ``columns`` and
        ``constants``).
    ``value_maps``
        ``{OCDS path: {published value: code}}``, matched ignoring case and spacing. Unknown
        values are kept as published and reported once each as a warning.
    ``currency``
        ISO 4217 code given to every value with an amount and no currency; default ``"USD"``.
    ``supplier_scale``, ``scale_values``
        Column of the suppliers' size -> ``parties[].details.scale``; ``scale_values`` maps
        published values to micro/sme/small/medium/large/selfEmployed, over common defaults.
    ``supplier_certifications``, ``certification_scheme``, ``certification_labels``
        Column of ``;``- or ``,``-separated certifications (``MBE;WBE``) ->
        ``parties[].details.classifications`` with scheme ``certification_scheme`` (default
        ``"CITY-CERT"``) and a description from ``certification_labels`` (``{code: label}``).
    ``timezone``
        Of date and date-time values without one: ``"UTC"`` (default), an IANA name such as
        ``"America/Chicago"`` or an offset such as ``"-05:00"``.
    ``date_order``
        How to read ``NN/NN/YYYY``: ``"MDY"`` (default, US) or ``"DMY"``.
    ``sheet``
        XLSX worksheet name (default: the first).
    """

    CONFIG_KEYS = (
        "columns", "ocid", "release_id", "date", "rows_are", "revision", "amount", "constants", "value_maps",
        "currency", "supplier_scale", "scale_values", "supplier_certifications", "certification_scheme",
        "certification_labels", "timezone", "date_order", "sheet",
    )
    REQUIRED_KEYS = ("columns", "ocid", "date")

    columns: dict[tuple, str]
    ocid: _Template
    release_id: _Template
    date: str
    rows_are: str = "award"
    revision: str | None = None
    amount: str | None = None
    constants: dict[tuple, Any] = field(default_factory=dict)
    value_maps: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    currency: str = "USD"
    supplier_scale: str | None = None
    scale_values: dict[str, str] = field(default_factory=dict)
    supplier_certifications: str | None = None
    certification_scheme: str = DEFAULT_CERTIFICATION_SCHEME
    certification_labels: dict[str, str] = field(default_factory=dict)  # keys normalized (see _normal)
    timezone: str = "UTC"
    tz: tzinfo = _UTC
    date_order: str = "MDY"
    sheet: str | None = None
    types: dict[tuple, str] = field(default_factory=dict)  # of the columns' paths, from field_type()

    @classmethod
    def from_config(cls, config: dict, schema: dict | None = None) -> FlatMapping:
        """Validate ``config`` and return a mapping; raise :class:`MappingError` naming the wrong key.

        ``schema`` (a release schema dict) refines the type of each mapped field; without it,
        types come from field names (``amount`` is a number, ``*Date`` a date, …). Column names
        are checked against the file's header later, by :meth:`check_header`.
        """
        if not isinstance(config, dict):
            raise MappingError("", "the mapping must be a JSON object")
        for key in config:
            if key not in cls.CONFIG_KEYS:
                raise MappingError(str(key), f"unknown key; expected one of: {', '.join(cls.CONFIG_KEYS)}")
        for key in cls.REQUIRED_KEYS:
            if config.get(key) in (None, "", {}):
                raise MappingError(key, "is required")

        def column(key: str, value: object) -> str:
            if not isinstance(value, str) or not value.strip():
                raise MappingError(key, "must be a column name (a non-empty string)")
            return value.strip()

        def optional_column(key: str) -> str | None:
            return column(key, config[key]) if config.get(key) is not None else None

        def mapping_of_strings(key: str) -> dict:
            value = config.get(key) or {}
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise MappingError(key, "must be an object of strings")
            return value

        raw_columns = config["columns"]
        if not isinstance(raw_columns, dict):
            raise MappingError("columns", 'must be an object like {"tender/title": "description"}')
        columns: dict[tuple, str] = {}
        types: dict[tuple, str] = {}
        for path, name in raw_columns.items():
            key = f"columns.{path}"
            segments = _parse_path(path, key)
            if segments[0] in _RESERVED_PATHS:
                raise MappingError(key, f"can't be mapped: {_RESERVED_PATHS[segments[0]]}")
            kind = field_type(segments, schema)
            if kind in ("object", "array"):
                raise MappingError(key, f"{path} is an {kind} in OCDS: map columns to its fields, such as {path}/0/id"
                                   if kind == "array" else
                                   f"{path} is an object in OCDS: map columns to its fields, such as {path}/name")
            columns[segments] = column(key, name)
            types[segments] = kind

        constants: dict[tuple, Any] = {}
        raw_constants = config.get("constants") or {}
        if not isinstance(raw_constants, dict):
            raise MappingError("constants", 'must be an object like {"tender/mainProcurementCategory": "goods"}')
        for path, value in raw_constants.items():
            key = f"constants.{path}"
            segments = _parse_path(path, key)
            if segments[0] in _RESERVED_PATHS and segments[0] != "initiationType":
                raise MappingError(key, f"can't be set: {_RESERVED_PATHS[segments[0]]}")
            if segments in columns:
                raise MappingError(key, "is also in columns: a field comes from a column or a constant, not both")
            if value is None or value == "":
                raise MappingError(key, "must not be empty")
            constants[segments] = value

        every = list(columns) + list(constants)
        for a, b in itertools.combinations(every, 2):
            short, long = (a, b) if len(a) <= len(b) else (b, a)
            if long[:len(short)] == short:
                where = "columns" if short in columns else "constants"
                raise MappingError(f"{where}.{_path_str(short)}",
                                   f"conflicts with {_path_str(long)}: a field can't be both a value and an object")

        value_maps: dict[tuple, dict[str, Any]] = {}
        raw_maps = config.get("value_maps") or {}
        if not isinstance(raw_maps, dict):
            raise MappingError("value_maps", 'must be an object like {"tender/procurementMethod": {"Bid": "open"}}')
        for path, table in raw_maps.items():
            key = f"value_maps.{path}"
            segments = _parse_path(path, key)
            if segments not in columns:
                raise MappingError(key, "isn't in columns: value maps apply to values read from a column")
            if not isinstance(table, dict) or not table:
                raise MappingError(key, 'must be a non-empty object like {"Sole Source": "direct"}')
            for raw, code in table.items():
                if not isinstance(code, (str, int, float, bool)) or code == "":
                    raise MappingError(f"{key}.{raw}", "must map to a non-empty code")
            value_maps[segments] = {_normal(raw): code for raw, code in table.items()}

        rows_are = config.get("rows_are", "award")
        if rows_are not in ROWS_ARE:
            raise MappingError("rows_are", f"{rows_are!r} is not one of {', '.join(ROWS_ARE)}")
        revision = optional_column("revision")
        amount = optional_column("amount")
        if rows_are == "modification":
            if revision is None:
                raise MappingError("revision", "is required when rows_are is 'modification': "
                                   "the column of revision numbers")
            if amount is None:
                amount = columns.get(("contracts", 0, "value", "amount"))
                if amount is None:
                    raise MappingError("amount", "is required when rows_are is 'modification' and no column is mapped "
                                       "to contracts/0/value/amount: the column of each modification's amount")
        else:
            for key, value in (("revision", revision), ("amount", amount)):
                if value is not None:
                    raise MappingError(key, "is only used when rows_are is 'modification'")

        currency = config.get("currency", "USD")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
            raise MappingError("currency", f"{currency!r} is not an ISO 4217 code like USD")

        scale_values = dict(DEFAULT_SCALE_VALUES)
        for raw, code in mapping_of_strings("scale_values").items():
            if code not in PARTY_SCALES:
                raise MappingError(f"scale_values.{raw}", f"{code!r} is not one of {', '.join(PARTY_SCALES)}")
            scale_values[_normal(raw)] = code

        labels = mapping_of_strings("certification_labels")
        scheme = config.get("certification_scheme", DEFAULT_CERTIFICATION_SCHEME)
        if not isinstance(scheme, str) or not scheme.strip():
            raise MappingError("certification_scheme", "must be a non-empty string")

        tz_name = config.get("timezone", "UTC")
        tz = _parse_timezone(tz_name)

        date_order = config.get("date_order", "MDY")
        if date_order not in ("MDY", "DMY"):
            raise MappingError("date_order", f"{date_order!r} is not MDY or DMY")

        sheet = config.get("sheet")
        if sheet is not None and (not isinstance(sheet, str) or not sheet):
            raise MappingError("sheet", "must be a worksheet name")

        ocid = _Template.parse(config["ocid"], "ocid")
        for reserved in ("ocid", "row"):
            if reserved in ocid.fields:
                raise MappingError("ocid", f"{{{reserved}}} can't be used in the ocid: "
                                   "use columns that identify the process")
        if ocid.text.startswith("{"):
            raise MappingError("ocid", "must start with your ocid prefix, e.g. 'ocds-demo01-{po_number}'")
        release_id = _Template.parse(config.get("release_id", "{ocid}-{row}"), "release_id")

        return cls(
            columns=columns, ocid=ocid, release_id=release_id, date=column("date", config["date"]),
            rows_are=rows_are, revision=revision, amount=amount, constants=constants, value_maps=value_maps,
            currency=currency, supplier_scale=optional_column("supplier_scale"), scale_values=scale_values,
            supplier_certifications=optional_column("supplier_certifications"),
            certification_scheme=scheme.strip(),
            certification_labels={_normal(code): label for code, label in labels.items()},
            timezone=tz_name, tz=tz, date_order=date_order, sheet=sheet, types=types,
        )

    def required_columns(self) -> list[tuple[str, str]]:
        """Return ``(config key, column)`` for every column the mapping reads, in config order."""
        needed = [(f"columns.{_path_str(path)}", name) for path, name in self.columns.items()]
        needed += [("ocid", name) for name in self.ocid.columns(())]
        needed += [("release_id", name) for name in self.release_id.columns(("ocid", "row"))]
        needed += [(key, getattr(self, key)) for key in ("date", "revision", "amount", "supplier_scale",
                                                         "supplier_certifications") if getattr(self, key)]
        return needed

    def check_header(self, header: Iterable[object]) -> dict[str, str]:
        """Check that every mapped column is in ``header``; return ``{mapped name: header name}``.

        A column matches exactly, or else ignoring case and treating spaces and underscores
        alike (``Vendor Name`` matches ``vendor_name``) when that is unambiguous.

        :raises MappingError: naming the first missing column's config key (and the others).
        """
        names = [str(h) for h in header if h not in (None, "")]
        exact = set(names)
        loose: dict[str, list[str]] = {}
        for name in names:
            loose.setdefault(_header_key(name), []).append(name)
        resolved: dict[str, str] = {}
        missing: list[tuple[str, str]] = []
        for key, name in self.required_columns():
            if name in resolved:
                continue
            if name in exact:
                resolved[name] = name
            elif len(loose.get(_header_key(name), [])) == 1:
                resolved[name] = loose[_header_key(name)][0]
            else:
                missing.append((key, name))
        if missing:
            key, name = missing[0]
            message = f'column "{name}" not found in the file header'
            others = sorted({n for _, n in missing[1:] if n != name})
            if others:
                message += f" (nor {', '.join(repr(n) for n in others)})"
            shown = ", ".join(names[:30]) + (", …" if len(names) > 30 else "")
            raise MappingError(key, f"{message}; the header has: {shown}")
        return resolved


def _parse_timezone(name: object) -> tzinfo:
    if not isinstance(name, str) or not name.strip():
        raise MappingError("timezone", "must be 'UTC', an IANA name like 'America/Chicago' or an offset like '-05:00'")
    name = name.strip()
    if name.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        if offset >= timedelta(hours=24):
            raise MappingError("timezone", f"{name!r} is not a valid UTC offset")
        return timezone(sign * offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError("timezone", f"{name!r} is not a known time zone (install the tzdata package?) "
                           "nor an offset like '-05:00'") from None


# --- Reading CSV and XLSX -----------------------------------------------------------------------

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # XLS (Excel 97-2003)
_FALLBACK_ERRORS = "ckanext-procurement-cp1252"
_HEAD_SIZE = 65536
_SPOOL_SIZE = 16 * 1024 * 1024


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode bytes that aren't valid UTF-8 as cp1252 (or Latin-1, for cp1252's 5 unused bytes)."""
    bad = error.object[error.start:error.end]
    try:
        return bad.decode("cp1252"), error.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), error.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


def _guess_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3 or len(head) < _HEAD_SIZE:  # not just a character cut at the sample's end
            return "cp1252"
    return "utf-8"


def _sniff_delimiter(text: str) -> str:
    line = next((line for line in text.splitlines() if line.strip()), "")
    best, best_count = ",", 1
    for delimiter in (",", ";", "\t", "|"):
        count = len(next(csv.reader([line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class FlatTable:
    """An open CSV or XLSX table: ``header`` (list of column names) and ``rows()``.

    Use :func:`open_table` to make one; close it (or use ``with``) when done.
    """

    def __init__(self, header: list[str], header_row: int, rows: Iterator[tuple[int, list]], close=None,
                 kind: str = "csv", encoding: str | None = None, delimiter: str | None = None):
        self.header = header
        self.header_row = header_row
        self.kind = kind
        self.encoding = encoding
        self.delimiter = delimiter
        self._rows = rows
        self._close = close

    def rows(self) -> Iterator[tuple[int, dict]]:
        """Yield ``(row number, {column: value})`` for each non-empty row after the header.

        CSV values are strings; XLSX values are what openpyxl reads (str, int, float, datetime,
        bool or None). Cells beyond the header are ignored; a repeated column name keeps its
        first column.
        """
        width = len(self.header)
        positions = {}
        for i, name in enumerate(self.header):
            if name and name not in positions:
                positions[name] = i
        for number, cells in self._rows:
            if all(_blank(c) for c in cells):
                continue
            cells = list(cells[:width]) + [None] * (width - len(cells))
            yield number, {name: cells[i] for name, i in positions.items()}

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> FlatTable:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _header_from(rows: Iterator[tuple[int, list]], what: str) -> tuple[list[str], int]:
    for number, cells in rows:
        if not all(_blank(c) for c in cells):
            header = ["" if _blank(c) else str(c).strip() for c in cells]
            while header and not header[-1]:
                header.pop()
            return header, number
    raise FlatFileError(f"The {what} has no header row: it is empty")


def _open_csv(stream: BinaryIO, head: bytes) -> FlatTable:
    encoding = _guess_encoding(head)
    errors = "strict" if encoding == "utf-16" else _FALLBACK_ERRORS
    delimiter = _sniff_delimiter(head.decode(encoding, errors="replace"))
    text = io.TextIOWrapper(io.BufferedReader(_Prepended(head, stream)), encoding=encoding, errors=errors, newline="")
    reader = csv.reader(text, delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, cells
        except csv.Error as e:
            raise FlatFileError(f"CSV row {number + 1} can't be read: {e}") from None
        except UnicodeDecodeError as e:
            raise FlatFileError(f"CSV row {number + 1} isn't valid {encoding}: {e}") from None

    rows = numbered()
    header, header_row = _header_from(rows, "CSV file")
    return FlatTable(header, header_row, rows, kind="csv", encoding=encoding, delimiter=delimiter)


def _open_xlsx(stream: BinaryIO, head: bytes, sheet: str | None) -> FlatTable:
    import openpyxl  # only needed for XLSX

    seekable = False
    try:
        seekable = stream.seekable()
    except (AttributeError, OSError):
        pass
    if seekable:
        stream.seek(stream.tell() - len(head))
        source = stream
    else:  # openpyxl needs to seek (a zip's directory is at its end)
        source = tempfile.SpooledTemporaryFile(max_size=_SPOOL_SIZE)
        source.write(head)
        while chunk := stream.read(1024 * 1024):
            source.write(chunk)
        source.seek(0)
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a broken zip or workbook
        raise FlatFileError(f"The file looks like XLSX but can't be opened: {e}") from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                sheets = ", ".join(workbook.sheetnames)
                raise FlatFileError(f"The workbook has no sheet {sheet!r}; its sheets are: {sheets}")
            worksheet = workbook[sheet]
        elif workbook.worksheets:
            worksheet = workbook.worksheets[0]
        else:
            raise FlatFileError("The workbook has no worksheet")
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()  # some writers store wrong dimensions
        rows = enumerate((list(r) for r in worksheet.iter_rows(min_row=1, values_only=True)), start=1)
        header, header_row = _header_from(rows, "worksheet")
    except BaseException:
        workbook.close()
        raise
    return FlatTable(header, header_row, rows, close=workbook.close, kind="xlsx")


def open_table(fileobj: BinaryIO | str | os.PathLike, filename: str | None = None, content_type: str | None = None,
               sheet: str | None = None) -> FlatTable:
    """Open a CSV or XLSX table from a binary file object (or a path) and read its header.

    XLSX is recognised by its zip magic bytes; anything else is read as CSV. ``filename`` and
    ``content_type`` only improve error messages (an ``.xls`` file gets a clear one).

    :raises FlatFileError: if the file is empty, an XLS or a broken XLSX.
    """
    if isinstance(fileobj, (str, os.PathLike)):
        handle = open(fileobj, "rb")  # noqa: SIM115 - closed with the table
        table = open_table(handle, filename or os.fspath(fileobj), content_type, sheet)
        inner_close = table._close

        def close() -> None:
            try:
                if inner_close is not None:
                    inner_close()
            finally:
                handle.close()
        table._close = close
        return table
    head = _read_head(fileobj, _HEAD_SIZE)
    name = (filename or "").lower()
    if head.startswith(_XLSX_MAGIC):
        return _open_xlsx(fileobj, head, sheet)
    if head.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise FlatFileError("XLS files (Excel 97-2003) aren't supported: save the sheet as XLSX or CSV")
    if name.endswith(".xlsx") or "spreadsheetml" in (content_type or ""):
        raise FlatFileError(f"{filename or 'The file'} is said to be XLSX but isn't a zip file")
    if not head.strip():
        raise FlatFileError("The file is empty")
    return _open_csv(fileobj, head)


def read_rows(fileobj: BinaryIO | str | os.PathLike, filename: str | None = None, content_type: str | None = None,
              sheet: str | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(row number, {column: value})`` for each non-empty data row of a CSV or XLSX file.

    See :func:`open_table`. The header row is the first non-empty row; row numbers count it
    (as a spreadsheet does), so the first data row is usually 2.
    """
    with open_table(fileobj, filename, content_type, sheet) as table:
        yield from table.rows()


# --- Converting values ----------------------------------------------------------------------------

_NUMBER = re.compile(r"\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"\+?\d{1,3}(,\d{3})+(\.\d*)?")
_SLASH_DATE = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?)?"
)
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NAMED_MONTH_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y",
                        "%d %B %Y")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_TRUE = frozenset(["true", "yes", "y", "1", "t"])
_FALSE = frozenset(["false", "no", "n", "0", "f"])


class _ConversionError(ValueError):
    pass


def _text(value: object) -> str | None:
    """A cell as text: stripped; integral floats without ``.0``; dates as ISO dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise _ConversionError("is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _ConversionError("is not a number")
        return Decimal(repr(value))
    text = str(value).strip()
    negative = text.startswith("(") and text.endswith(")")  # accounting notation
    if negative:
        text = text[1:-1]
    text = re.sub(r"[\s$€£]|USD", "", text)
    if text.startswith("-") != text.endswith("-"):  # -5, or 5- as some ERPs print it
        negative = not negative
        text = text[1:] if text.startswith("-") else text[:-1]
    if "," in text:  # only as a thousands separator: "1.000,00" must not become 1
        if not _GROUPED_NUMBER.fullmatch(text):
            raise _ConversionError("is not a number")
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise _ConversionError("is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _ConversionError("is not a number") from None
    return -number if negative else number


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _format_datetime(moment: datetime, tz: tzinfo) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    offset = moment.utcoffset() or timedelta(0)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if not offset:
        return text + "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _datetime(value: object, tz: tzinfo, date_order: str) -> str:
    if isinstance(value, datetime):
        return _format_datetime(value, tz)
    if isinstance(value, date):
        return _format_datetime(datetime.combine(value, time()), tz)
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # an Excel serial date
        if 1 <= value < 2958466:
            return _format_datetime(_EXCEL_EPOCH + timedelta(days=value), tz)
        raise _ConversionError("is not a date")
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            year, month, day = (int(p) for p in text.split("-"))
            return _format_datetime(datetime(year, month, day), tz)
        if re.match(r"\d{4}-\d{2}-\d{2}[T ]\d", text):
            return _format_datetime(datetime.fromisoformat(text.replace("z", "Z")), tz)
        match = _SLASH_DATE.fullmatch(text)
        if match:
            first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
            month, day = (first, second) if date_order == "MDY" else (second, first)
            year = int(year) if len(year) == 4 else (2000 + int(year) if int(year) < 70 else 1900 + int(year))
            hour, minute, second_ = (int(match.group(i) or 0) for i in (4, 5, 6))
            meridiem = (match.group(7) or "").replace(".", "").lower()
            if meridiem:
                if not 1 <= hour <= 12:
                    raise ValueError("hour")
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
            return _format_datetime(datetime(year, month, day, hour, minute, second_), tz)
        match = _YMD_SLASH.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
        if match:
            parts = [int(p or 0) for p in match.groups()]
            return _format_datetime(datetime(*parts), tz)
        for pattern in _NAMED_MONTH_FORMATS:
            try:
                return _format_datetime(datetime.strptime(text, pattern), tz)
            except ValueError:
                continue
    except (ValueError, OverflowError):
        pass
    raise _ConversionError("is not a date")


def _convert(value: object, kind: str, mapping: FlatMapping) -> Any:
    """Convert a cell to an OCDS field's ``kind`` (see :func:`field_type`); raise _ConversionError."""
    if kind == "number":
        return _json_number(_decimal(value))
    if kind == "integer":
        number = _decimal(value)
        if number != number.to_integral_value():
            raise _ConversionError("is not a whole number")
        return int(number)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = (_text(value) or "").casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _ConversionError("is not yes/no or true/false")
    if kind == "date":
        return _datetime(value, mapping.tz, mapping.date_order)
    if kind == "strings":
        return _split(_text(value) or "")
    return _text(value)


def _split(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in re.split(r"[;,]", text):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def _slug(value: str, lower: bool = False) -> str:
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", value.strip()).strip("-")
    text = re.sub(r"-{2,}", "-", text)
    return text.lower() if lower else text


def _safe_url(text: str) -> bool:
    if any(c.isspace() or ord(c) < 32 for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _money(amount: Decimal, currency: str) -> str:
    sign = "-" if amount < 0 else "+"
    if currency == "USD":
        return f"{sign}${abs(amount):,.2f}"
    return f"{sign}{abs(amount):,.2f} {currency}"


# --- Building releases -----------------------------------------------------------------------------

def _set(target: dict, segments: tuple, value: Any) -> None:
    node: Any = target
    for segment, following in zip(segments, segments[1:]):
        container: Any = [] if isinstance(following, int) else {}
        if isinstance(segment, int):
            while len(node) <= segment:
                node.append(None)
            if node[segment] is None:
                node[segment] = container
            node = node[segment]
        else:
            node = node.setdefault(segment, container)
    node[segments[-1]] = value


def _compact(value: Any) -> Any:
    """Drop the holes (``None``) and empty objects and arrays left by unmapped or empty cells."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                item = _compact(item)
            if item is not None and item != {} and item != []:
                out[key] = item
        return out
    if isinstance(value, list):
        items = [_compact(item) if isinstance(item, (dict, list)) else item for item in value if item is not None]
        return [item for item in items if item != {} and item != []]
    return value


def _find(node: Any, pattern: tuple) -> Iterator[tuple[Any, Any, Any]]:
    """Yield ``(parent, key, value)`` for each value at ``pattern`` ("*" = every array item)."""
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                if rest:
                    yield from _find(item, rest)
                else:
                    yield node, i, item
        return
    if isinstance(node, dict) and head in node:
        if rest:
            yield from _find(node[head], rest)
        else:
            yield node, head, node[head]


def _add_currency(node: Any, currency: str) -> None:
    """Give every value object with a numeric ``amount`` and no ``currency`` the ``currency``."""
    items = node.values() if isinstance(node, dict) else node
    if isinstance(node, dict):
        amount = node.get("amount")
        if isinstance(amount, (int, float)) and not isinstance(amount, bool):
            node.setdefault("currency", currency)
    for item in items:
        if isinstance(item, (dict, list)):
            _add_currency(item, currency)


def _ordered(release: dict) -> dict:
    out = {key: release[key] for key in _RELEASE_ORDER if key in release}
    out.update((key, value) for key, value in release.items() if key not in out)
    return out


@dataclass
class _Row:
    """One converted row: its release so far, and what modification mode needs to replay it."""

    number: int
    ocid: str
    release_id: str
    release: dict
    problems: list[Problem]
    revision: str | None = None
    delta: str | None = None  # a Decimal as text (JSON has no decimals)

    def dumps(self) -> str:
        return json.dumps({"number": self.number, "ocid": self.ocid, "release_id": self.release_id,
                           "release": self.release, "problems": [asdict(p) for p in self.problems],
                           "revision": self.revision, "delta": self.delta})

    @classmethod
    def loads(cls, text: str) -> _Row:
        data = json.loads(text)
        data["problems"] = [Problem(**p) for p in data["problems"]]
        return cls(**data)


class FlatConverter:
    """Converts rows to releases, streaming: call :meth:`feed` for each row, then :meth:`finish`.

    Both return lists/iterators of ``(release, problems)``; ``release`` is ``None`` when the row
    was skipped (no ocid or no valid date), and ``problems`` says why. Problems name the row,
    column and OCDS path in their message, and carry the OCDS path, ocid and release id.

    ``rows_are`` modes:

    - ``"award"``: each row is an award and its contract (tags ``award``, ``contract``).
      Default ids: award = release id; contract = award id; ``awardID`` = award id.
    - ``"contract"``: each row is a contract (tag ``contract``), id defaulting to the release id.
    - ``"tender"``: each row is a solicitation (tag ``tender``).
    - ``"modification"``: rows are grouped by ocid and replayed by revision (numerically when
      revisions are numbers), whatever their order in the file. The first revision (normally 0)
      is the original award and contract (tags ``award``, ``contract``), valued at its amount.
      Each later row is a ``contractAmendment`` release whose amount is a *delta* (negative
      allowed): it carries the contract (``id``, ``awardID``, its mapped ``contracts/0/…``
      fields but ``dateSigned``) with ``value.amount`` = the running total and every
      ``amendments`` entry so far (``id`` = revision, ``date``, ``description`` like
      ``"Modification 2: -$1,200.00"``, ``amendsReleaseID``, ``releaseID``). Award and
      contract ids default to the ocid. A release dated before the release it amends is
      re-dated to it (with a warning; ``amendment.date`` keeps the row's date), so compiling
      by date replays the revisions in order.

    In every mode a tender gets ``id`` = ocid by default, organizations become ``parties``
    (ids from the mapped ``id`` field, else a slug of the name) and every amount gets
    ``currency``.

    ``group_by_ocid`` (default: only in modification mode) spills rows to disk and yields
    releases grouped by ocid (in first-row order of the spill's sort: by ocid, then revision
    or row) from :meth:`finish`.
    """

    def __init__(self, mapping: FlatMapping, *, group_by_ocid: bool | None = None):
        self.mapping = mapping
        self.group_by_ocid = mapping.rows_are == "modification" if group_by_ocid is None else group_by_ocid
        if mapping.rows_are == "modification" and not self.group_by_ocid:
            raise ValueError("modification rows must be grouped by ocid")
        self._columns: dict[str, str] | None = None
        self._reported: set[tuple] = set()
        self._release_ids: set[str] = set()
        self._spill: sqlite3.Connection | None = None
        self._amount_paths = {path for path, name in mapping.columns.items()
                              if mapping.rows_are == "modification" and name == mapping.amount}

    # Header and rows -------------------------------------------------------------------------

    def set_header(self, header: Iterable[object]) -> None:
        """Check the header against the mapping (see :meth:`FlatMapping.check_header`)."""
        self._columns = self.mapping.check_header(header)

    def feed(self, number: int, row: dict) -> list[tuple[dict | None, list[Problem]]]:
        """Convert one row; return the releases ready now (none while grouping, but skipped rows)."""
        if self._columns is None:
            self.set_header(row.keys())
        converted = self._convert_row(number, row)
        if converted.release is None:
            return [(None, converted.problems)]
        if self.group_by_ocid:
            self._store(converted)
            return []
        self._dedupe_id(converted, self._release_ids)
        return [(self._finish_release(converted), converted.problems)]

    def finish(self) -> Iterator[tuple[dict | None, list[Problem]]]:
        """Yield the releases held back for grouping, then free the spill."""
        if self._spill is None:
            return
        try:
            cursor = self._spill.execute(
                "SELECT ocid, data FROM rows ORDER BY ocid, revision_missing, revision_number, revision_text, number")
            for _ocid, group in itertools.groupby(cursor, key=lambda r: r[0]):
                rows = (_Row.loads(data) for _, data in group)
                if self.mapping.rows_are == "modification":
                    yield from self._replay(rows)
                else:
                    seen: set[str] = set()
                    for converted in rows:
                        self._dedupe_id(converted, seen)
                        yield self._finish_release(converted), converted.problems
        finally:
            self._spill.close()
            self._spill = None

    def close(self) -> None:
        """Drop the spill without yielding what it holds (if the caller stops early)."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    # Internals ------------------------------------------------------------------------------

    def _problem(self, problems: list[Problem], severity: str, message: str, path: tuple | str = "",
                 ocid: str | None = None, release_id: str | None = None) -> None:
        if isinstance(path, tuple):
            path = _path_str(path)
        problems.append(Problem(severity=severity, message=message, path=path, ocid=ocid, release_id=release_id))

    def _header(self, name: str) -> str:
        """The file's name for a mapped column (they may differ in case or spacing)."""
        return self._columns.get(name, name) if self._columns else name

    def _cell(self, row: dict, name: str) -> object:
        return row.get(self._header(name))

    def _render(self, template: _Template, row: dict, extra: dict[str, str]) -> tuple[str | None, list[str]]:
        values, empty = dict(extra), []
        for name in template.columns(tuple(extra)):
            text = _text(self._cell(row, name))
            slug = _slug(text) if text else ""
            if not slug:
                empty.append(name)
            values[name] = slug
        return (None, empty) if empty else (template.render(values), [])

    def _convert_row(self, number: int, row: dict) -> _Row:
        mapping = self.mapping
        problems: list[Problem] = []
        where = f"row {number}"

        ocid, empty = self._render(mapping.ocid, row, {})
        if ocid is None:
            columns = ", ".join(repr(self._header(n)) for n in empty)
            self._problem(problems, "error", f"{where}: no ocid, because column(s) {columns} are empty; "
                          "the row is skipped", "ocid")
            return _Row(number, "", "", None, problems)
        release_id, empty = self._render(mapping.release_id, row, {"ocid": ocid, "row": str(number)})
        if release_id is None:
            columns = ", ".join(repr(self._header(n)) for n in empty)
            self._problem(problems, "error", f"{where}: no release id, because column(s) {columns} are empty; "
                          "the row is skipped", "id", ocid)
            return _Row(number, ocid, "", None, problems)

        def report(severity: str, message: str, path: tuple | str = "") -> None:
            self._problem(problems, severity, message, path, ocid, release_id)

        date_column = self._header(mapping.date)
        raw_date = self._cell(row, mapping.date)
        if _blank(raw_date):
            report("error", f'{where}, column "{date_column}" (date): the release date is empty; the row is skipped',
                   "date")
            return _Row(number, ocid, release_id, None, problems)
        try:
            release_date = _datetime(raw_date, mapping.tz, mapping.date_order)
        except _ConversionError:
            report("error", f'{where}, column "{date_column}" (date): "{_text(raw_date)}" is not a date; '
                   "the row is skipped", "date")
            return _Row(number, ocid, release_id, None, problems)

        revision = None
        if mapping.rows_are == "modification":
            revision = _text(self._cell(row, mapping.revision))
            if revision is None:
                report("error", f'{where}, column "{self._header(mapping.revision)}" (revision): the revision is '
                       "empty; the row is skipped")
                return _Row(number, ocid, release_id, None, problems)

        release: dict = {}
        for path, value in mapping.constants.items():
            _set(release, path, value)

        delta = None
        if mapping.rows_are == "modification":
            raw = self._cell(row, mapping.amount)
            if not _blank(raw):
                try:
                    delta = _decimal(raw)
                except _ConversionError as e:
                    contract_amount = ("contracts", 0, "value", "amount")
                    target = _path_str(contract_amount if contract_amount in self._amount_paths
                                       else min(self._amount_paths, default=("amount",)))
                    report("warning", f'{where}, column "{self._header(mapping.amount)}" ({target}): '
                           f'"{_text(raw)}" {e}', target)

        for path, name in mapping.columns.items():
            raw = self._cell(row, name)
            if _blank(raw):
                continue
            if path in self._amount_paths:
                if delta is not None:
                    _set(release, path, _json_number(delta))
                continue
            kind = mapping.types[path]
            try:
                value = _convert(raw, kind, mapping)
            except _ConversionError as e:
                report("warning", f'{where}, column "{self._header(name)}" ({_path_str(path)}): "{_text(raw)}" {e}',
                       path)
                continue
            if value in (None, [], ""):
                continue
            if path in mapping.value_maps:
                value = self._map_value(value, path, name, number, report)
            if path[-1] in ("url", "uri") and not _safe_url(str(value)):
                report("warning", f'{where}, column "{self._header(name)}" ({_path_str(path)}): '
                       f'"{str(value)[:200]}" is not an http(s) URL; it is dropped', path)
                continue
            _set(release, path, value)

        parties = self._build_parties(release, row, number, report)
        release = _compact(release)
        if parties:
            release["parties"] = parties

        release = {"ocid": ocid, "id": release_id, "date": release_date,
                   "initiationType": release.pop("initiationType", "tender"), **release}
        return _Row(number, ocid, release_id, release, problems, revision,
                    None if delta is None else str(delta))

    def _map_value(self, value: Any, path: tuple, column: str, number: int, report) -> Any:
        table = self.mapping.value_maps[path]

        def one(item: Any) -> Any:
            key = _normal(str(item))
            if key in table:
                return table[key]
            if (path, key) not in self._reported:
                self._reported.add((path, key))
                report("warning", f'row {number}, column "{self._header(column)}" ({_path_str(path)}): "{item}" is '
                       "not in value_maps; kept as published (later rows with this value aren't reported)", path)
            return item

        return [one(item) for item in value] if isinstance(value, list) else one(value)

    def _build_parties(self, release: dict, row: dict, number: int, report) -> list[dict]:
        """Replace organization references by ``{id, name}`` and return their ``parties`` entries."""
        parties: dict[str, dict] = {}
        for pattern, role in _ORGANIZATION_REFERENCES:
            for parent, key, reference in list(_find(release, pattern)):
                if not isinstance(reference, dict):
                    continue
                name, party_id = reference.get("name"), reference.get("id")
                party_id = str(party_id) if party_id not in (None, "") else (_slug(name, lower=True) if name else "")
                if not party_id:
                    parent[key] = None  # details without a name or id can't become a party
                    continue
                parent[key] = {"id": party_id, **({"name": name} if name else {})}
                party = parties.setdefault(party_id, {"id": party_id, "roles": []})
                for field_name, value in reference.items():
                    if field_name != "id":
                        party.setdefault(field_name, value)
                if role not in party["roles"]:
                    party["roles"].append(role)
                if role == "supplier":
                    self._supplier_details(party, row, number, report)
        return [{"id": p["id"], **({"name": p["name"]} if "name" in p else {}),
                 **{k: v for k, v in p.items() if k not in ("id", "name")}}
                for p in parties.values()]

    def _supplier_details(self, party: dict, row: dict, number: int, report) -> None:
        mapping = self.mapping
        details: dict = {}
        if mapping.supplier_scale:
            raw = _text(self._cell(row, mapping.supplier_scale))
            if raw:
                key = _normal(raw)
                scale = mapping.scale_values.get(key)
                if scale is None:
                    scale = raw
                    if ("scale", key) not in self._reported:
                        self._reported.add(("scale", key))
                        column = self._header(mapping.supplier_scale)
                        report("warning", f'row {number}, column "{column}" (parties/details/scale): '
                               f'"{raw}" is not in scale_values; kept as published (later rows with this value '
                               "aren't reported)", "parties/details/scale")
                details["scale"] = scale
        if mapping.supplier_certifications:
            raw = _text(self._cell(row, mapping.supplier_certifications))
            codes = _split(raw) if raw else []
            if codes:
                labels = mapping.certification_labels
                details["classifications"] = [
                    {"scheme": mapping.certification_scheme, "id": code,
                     **({"description": labels[_normal(code)]} if _normal(code) in labels else {})}
                    for code in codes
                ]
        if details:
            party.setdefault("details", {}).update(details)

    def _dedupe_id(self, converted: _Row, seen: set[str]) -> None:
        if converted.release_id in seen:
            new_id = f"{converted.release_id}-{converted.number}"
            self._problem(converted.problems, "warning",
                          f"row {converted.number}: release id {converted.release_id!r} is already used by an earlier "
                          f"row (is the release_id template unique?); this row's release is {new_id!r}",
                          "id", converted.ocid, new_id)
            converted.release_id = new_id
            converted.release["id"] = new_id
        seen.add(converted.release_id)

    def _defaults(self, release: dict, base_id: str) -> None:
        """Fill the ids OCDS requires, document types and formats, and currencies."""
        ocid = release["ocid"]
        if "tender" in release:
            release["tender"].setdefault("id", ocid)
        # awards/N and contracts/N come from the same row, so they pair up: a missing id is
        # the other's id, else derived from base_id.
        awards, contracts = release.get("awards", []), release.get("contracts", [])
        for i in range(max(len(awards), len(contracts))):
            award = awards[i] if i < len(awards) else None
            contract = contracts[i] if i < len(contracts) else None
            default = base_id if i == 0 else f"{base_id}-{i + 1}"
            if award is not None:
                award.setdefault("id", (contract or {}).get("id") or default)
            if contract is not None:
                contract.setdefault("id", award["id"] if award else default)
                contract.setdefault("awardID", award["id"] if award else contract["id"])
        for pattern, document_type in _DOCUMENT_LISTS:
            for parent, key, documents in list(_find(release, pattern)):
                kept = []
                for document in documents:
                    url = document.get("url")
                    # A URL's hash keeps the id stable across releases and harvests.
                    document = {"id": "doc-" + hashlib.sha1(url.encode()).hexdigest()[:12] if url
                                else f"doc-{len(kept) + 1}", **document}
                    if document_type and url:
                        document.setdefault("documentType", document_type)
                    if url:
                        extension = os.path.splitext(urlsplit(url).path)[1].lower()
                        if extension in _FORMATS:
                            document.setdefault("format", _FORMATS[extension])
                    if set(document) - {"id", "documentType"}:
                        kept.append(document)
                if kept:
                    parent[key] = kept
                else:
                    del parent[key]
        for pattern in _ID_LISTS:
            for _parent, _key, items in _find(release, pattern):
                for i, item in enumerate(items):
                    if isinstance(item, dict):
                        item.setdefault("id", str(i + 1))
        _add_currency(release, self.mapping.currency)

    def _finish_release(self, converted: _Row) -> dict:
        release = converted.release
        mode = self.mapping.rows_are
        if mode == "award":
            release.setdefault("awards", [{}])
            release.setdefault("contracts", [{}])
            release["tag"] = ["award", "contract"]
        elif mode == "contract":
            release.setdefault("contracts", [{}])
            release["tag"] = ["contract"]
        else:
            release.setdefault("tender", {})
            release["tag"] = ["tender"]
        self._defaults(release, converted.release_id)
        for name in ("buyer", "tender", "awards", "contracts"):  # drop blocks left empty
            if release.get(name) in ({}, []):
                del release[name]
        return _ordered(release)

    def _store(self, converted: _Row) -> None:
        if self._spill is None:
            self._spill = sqlite3.connect("")  # a private temporary database on disk
            self._spill.execute("CREATE TABLE rows (ocid TEXT, revision_missing INTEGER, revision_number REAL, "
                                "revision_text TEXT, number INTEGER, data TEXT)")
        number = None
        if converted.revision is not None:
            try:
                number = float(_decimal(converted.revision))
            except _ConversionError:
                number = None
        self._spill.execute("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)",
                            (converted.ocid, int(number is None), number, converted.revision or "",
                             converted.number, converted.dumps()))

    def _replay(self, rows: Iterable[_Row]) -> Iterator[tuple[dict | None, list[Problem]]]:
        """Yield one ocid's modification rows as an award+contract release, then amendments."""
        currency = self.mapping.currency
        original: dict | None = None
        total: Decimal | None = None
        amendments: list[dict] = []
        previous_id = previous_date = None
        revisions: set[str] = set()
        release_ids: set[str] = set()
        for converted in rows:
            problems = converted.problems

            def report(severity: str, message: str, path: str = "") -> None:
                self._problem(problems, severity, message, path, converted.ocid, converted.release_id)

            revision_key = _normal(converted.revision)
            try:
                revision_key = str(_decimal(converted.revision).normalize())
            except _ConversionError:
                pass
            if revision_key in revisions:
                report("error", f"row {converted.number}: revision {converted.revision} of {converted.ocid} appears "
                       "more than once; this row is skipped")
                yield None, problems
                continue
            revisions.add(revision_key)
            self._dedupe_id(converted, release_ids)
            delta = None if converted.delta is None else Decimal(converted.delta)
            release = converted.release

            if original is None:
                if revision_key != "0":
                    report("warning", f"row {converted.number}: the first revision of {converted.ocid} in the file is "
                           f"{converted.revision}, not 0: its amount is taken as the contract's original value",
                           "contracts/0/value")
                total = delta
                release.setdefault("awards", [{}])
                release.setdefault("contracts", [{}])
                release["tag"] = ["award", "contract"]
                self._defaults(release, converted.ocid)
                contract = release["contracts"][0]
                if total is not None:
                    contract["value"] = {**contract.get("value", {}), "amount": _json_number(total)}
                    contract["value"].setdefault("currency", currency)
                original = {"id": contract["id"], "awardID": contract["awardID"]}
                out = _ordered(release)
            else:
                moment, before = parse_date(release["date"]), parse_date(previous_date)
                amendment_date = release["date"]
                if moment and before and moment < before:
                    report("warning", f"row {converted.number}: revision {converted.revision} is dated "
                           f"{release['date']}, before the release it amends ({previous_date}); its release is "
                           f"dated {previous_date} so that revisions are compiled in order", "date")
                    release["date"] = previous_date
                if delta is not None:
                    total = delta if total is None else total + delta
                contract = {key: value for key, value in (release.get("contracts") or [{}])[0].items()
                            if key not in ("id", "awardID", "dateSigned", "value", "amendments")}
                description = f"Modification {converted.revision}: " + (
                    _money(delta, currency) if delta is not None else "no amount given")
                amendments.append({"id": converted.revision, "date": amendment_date, "description": description,
                                   "amendsReleaseID": previous_id, "releaseID": converted.release_id})
                contract = {"id": original["id"], "awardID": original["awardID"], **contract}
                if total is not None:
                    contract["value"] = {"amount": _json_number(total), "currency": currency}
                contract["amendments"] = [dict(a) for a in amendments]
                amendment = {"ocid": release["ocid"], "id": release["id"], "date": release["date"],
                             "tag": ["contractAmendment"], "initiationType": release["initiationType"],
                             "contracts": [contract]}
                # Top-level scalars (e.g. a constant "language") go in every release.
                amendment.update((key, value) for key, value in release.items()
                                 if key not in amendment and not isinstance(value, (dict, list)))
                self._defaults(amendment, converted.ocid)
                out = _ordered(amendment)
            previous_id, previous_date = out["id"], out["date"]
            yield out, problems


def rows_to_releases(rows: Iterable[tuple[int, dict]], mapping: FlatMapping, *, header: Iterable[str] | None = None,
                     group_by_ocid: bool | None = None) -> Iterator[tuple[dict | None, list[Problem]]]:
    """Yield ``(release, problems)`` for ``(row number, row)`` pairs, e.g. from :func:`read_rows`.

    The header is checked against the mapping first (``header``, else the first row's keys):
    :class:`MappingError` is raised on the first ``next()``. See :class:`FlatConverter`.
    """
    converter = FlatConverter(mapping, group_by_ocid=group_by_ocid)
    if header is not None:
        converter.set_header(header)
    try:
        for number, row in rows:
            yield from converter.feed(number, row)
        yield from converter.finish()
    finally:
        converter.close()


def iter_releases(fileobj: BinaryIO | str | os.PathLike, mapping: FlatMapping, filename: str | None = None,
                  content_type: str | None = None, *, group_by_ocid: bool | None = None,
                  ) -> Iterator[tuple[dict | None, list[Problem]]]:
    """Read a CSV or XLSX file and yield ``(release, problems)``: :func:`open_table` then :func:`rows_to_releases`.

    Raises :class:`FlatFileError` (unreadable file) or :class:`MappingError` (a mapped column
    isn't in the header) on the first ``next()``, before any release is yielded.
    """
    with open_table(fileobj, filename, content_type, mapping.sheet) as table:
        yield from rows_to_releases(table.rows(), mapping, header=table.header, group_by_ocid=group_by_ocid)
