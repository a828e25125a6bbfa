"""A flat-file mapping: which column goes to which OCDS field, checked before any row is read.

The shape of the config (keys, their types, codes) is a JSON Schema, ``mapping-schema.json``,
validated with jsonschema; its errors are worded here so that each names the config key at
fault (``columns.tender/title``), as :class:`MappingError` does. What a schema can't say is
checked in :meth:`FlatMapping.from_config`: OCDS paths and their types, templates, time zones
and the columns the modification mode needs.
"""

from __future__ import annotations

import itertools
import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator, ValidationError

from .errors import MappingError
from .fields import field_type, parse_path, path_str

MAPPING_SCHEMA: dict = json.loads(Path(__file__).with_name("mapping-schema.json").read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(MAPPING_SCHEMA)
_UTC = timezone.utc

ROWS_ARE = tuple(MAPPING_SCHEMA["properties"]["rows_are"]["enum"])
PARTY_SCALES = tuple(MAPPING_SCHEMA["$defs"]["scale"]["enum"])
DEFAULT_SCALE_VALUES = {
    "micro": "micro", "micro business": "micro", "microenterprise": "micro",
    "sme": "sme", "small and medium": "sme", "small and medium enterprise": "sme",
    "small": "small", "small business": "small", "small business enterprise": "small", "sbe": "small",
    "medium": "medium", "medium business": "medium",
    "large": "large", "large business": "large",
    "self-employed": "selfEmployed", "self employed": "selfEmployed", "selfemployed": "selfEmployed",
}
DEFAULT_CERTIFICATION_SCHEME = "CITY-CERT"
_RESERVED_PATHS = {
    "ocid": "the ocid is built from the 'ocid' template",
    "id": "the release id is built from the 'release_id' template",
    "date": "the release date comes from the 'date' column",
    "tag": "tags follow from 'rows_are'",
    "parties": "parties are built from buyer/, tender/procuringEntity/ and awards/0/suppliers/0/ fields",
}
# The order in which config keys are reported when several are wrong.
_CHECK_ORDER = ("columns", "constants", "value_maps", "rows_are", "revision", "amount", "currency", "scale_values",
                "certification_labels", "certification_scheme", "timezone", "date_order", "sheet", "ocid",
                "release_id", "date", "supplier_scale", "supplier_certifications")


def check_shape(config: object) -> None:
    """Validate ``config`` against ``mapping-schema.json``; raise :class:`MappingError` for the first error."""
    errors = list(_VALIDATOR.iter_errors(config))
    if errors:
        raise _mapping_error(min(errors, key=_report_order))


def _is_required_error(error: ValidationError) -> bool:
    return error.validator == "required" or (
        error.validator == "not" and error.validator_value == {"$ref": "#/$defs/empty"})


def _report_order(error: ValidationError) -> tuple:
    if error.validator == "additionalProperties" and not error.path:
        return (0,)  # an unknown key first: the rest may be a typo of it
    key = str(error.path[0]) if error.path else ""
    return (1 if _is_required_error(error) else 2, _CHECK_ORDER.index(key) if key in _CHECK_ORDER else -1,
            len(error.path))


def _mapping_error(error: ValidationError) -> MappingError:
    """Word a jsonschema error for the person fixing the mapping: the config key, then what is wrong with it."""
    key = ".".join(str(part) for part in error.path)
    if error.validator == "additionalProperties" and not error.path:
        unknown = next(k for k in error.instance if k not in MAPPING_SCHEMA["properties"])
        return MappingError(str(unknown), f"unknown key; expected one of: {', '.join(FlatMapping.CONFIG_KEYS)}")
    if error.validator == "required":
        missing = next(k for k in MAPPING_SCHEMA["required"] if k not in error.instance)
        return MappingError(missing, "is required")
    if _is_required_error(error):
        return MappingError(key, "is required")
    message = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if message:
        return MappingError(key, message.replace("{value}", repr(error.instance)))
    if error.validator == "enum":
        return MappingError(key, f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}")
    return MappingError(key, error.message)


@dataclass(frozen=True)
class Template:
    """A ``{column}`` template like ``ocds-demo01-{purchase_order_number}``."""

    text: str
    fields: tuple[str, ...]
    pieces: tuple[tuple[str, str | None], ...]  # (literal, field or None)

    @classmethod
    def parse(cls, text: str, key: str) -> Template:
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


def normal_text(text: str) -> str:
    """A published value as value maps match it: ignoring case and spacing."""
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


    CONFIG_KEYS = tuple(MAPPING_SCHEMA["properties"])
    REQUIRED_KEYS = tuple(MAPPING_SCHEMA["required"])

    columns: dict[tuple, str]
    ocid: Template
    release_id: Template
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
    certification_labels: dict[str, str] = field(default_factory=dict)  # keys normalized (see normal_text)
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
        check_shape(config)
        columns, types = _columns(config["columns"], schema)
        constants = _constants(config.get("constants") or {}, columns)
        _check_overlaps(columns, constants)
        value_maps = _value_maps(config.get("value_maps") or {}, columns)
        rows_are = config.get("rows_are", "award")
        revision, amount = _modification_columns(config, rows_are, columns)
        scale_values = dict(DEFAULT_SCALE_VALUES)
        scale_values.update((normal_text(raw), code) for raw, code in (config.get("scale_values") or {}).items())
        labels = config.get("certification_labels") or {}
        tz_name = config.get("timezone", "UTC")
        ocid = _ocid_template(config["ocid"])
        return cls(
            columns=columns, ocid=ocid, release_id=Template.parse(config.get("release_id", "{ocid}-{row}"), "release_id"),
            date=config["date"].strip(), rows_are=rows_are, revision=revision, amount=amount, constants=constants,
            value_maps=value_maps, currency=config.get("currency", "USD"),
            supplier_scale=_optional_column(config, "supplier_scale"), scale_values=scale_values,
            supplier_certifications=_optional_column(config, "supplier_certifications"),
            certification_scheme=config.get("certification_scheme", DEFAULT_CERTIFICATION_SCHEME).strip(),
            certification_labels={normal_text(code): label for code, label in labels.items()},
            timezone=tz_name, tz=_parse_timezone(tz_name), date_order=config.get("date_order", "MDY"),
            sheet=config.get("sheet"), types=types,
        )

    def required_columns(self) -> list[tuple[str, str]]:
        """Return ``(config key, column)`` for every column the mapping reads, in config order."""
        needed = [(f"columns.{path_str(path)}", name) for path, name in self.columns.items()]
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




def _columns(raw: dict, schema: dict | None) -> tuple[dict[tuple, str], dict[tuple, str]]:
    """The mapped columns by parsed OCDS path, and the type of each path's field."""
    columns: dict[tuple, str] = {}
    types: dict[tuple, str] = {}
    for path, name in raw.items():
        key = f"columns.{path}"
        segments = parse_path(path, key)
        if segments[0] in _RESERVED_PATHS:
            raise MappingError(key, f"can't be mapped: {_RESERVED_PATHS[segments[0]]}")
        kind = field_type(segments, schema)
        if kind in ("object", "array"):
            raise MappingError(key, f"{path} is an {kind} in OCDS: map columns to its fields, such as {path}/0/id"
                               if kind == "array" else
                               f"{path} is an object in OCDS: map columns to its fields, such as {path}/name")
        columns[segments] = name.strip()
        types[segments] = kind
    return columns, types


def _constants(raw: dict, columns: dict[tuple, str]) -> dict[tuple, Any]:
    constants: dict[tuple, Any] = {}
    for path, value in raw.items():
        key = f"constants.{path}"
        segments = parse_path(path, key)
        if segments[0] in _RESERVED_PATHS and segments[0] != "initiationType":
            raise MappingError(key, f"can't be set: {_RESERVED_PATHS[segments[0]]}")
        if segments in columns:
            raise MappingError(key, "is also in columns: a field comes from a column or a constant, not both")
        constants[segments] = value
    return constants


def _check_overlaps(columns: dict[tuple, str], constants: dict[tuple, Any]) -> None:
    """A path can't be both a value and the parent of another mapped path."""
    for a, b in itertools.combinations(list(columns) + list(constants), 2):
        short, long = (a, b) if len(a) <= len(b) else (b, a)
        if long[:len(short)] == short:
            where = "columns" if short in columns else "constants"
            raise MappingError(f"{where}.{path_str(short)}",
                               f"conflicts with {path_str(long)}: a field can't be both a value and an object")


def _value_maps(raw: dict, columns: dict[tuple, str]) -> dict[tuple, dict[str, Any]]:
    value_maps: dict[tuple, dict[str, Any]] = {}
    for path, table in raw.items():
        key = f"value_maps.{path}"
        segments = parse_path(path, key)
        if segments not in columns:
            raise MappingError(key, "isn't in columns: value maps apply to values read from a column")
        value_maps[segments] = {normal_text(published): code for published, code in table.items()}
    return value_maps


def _optional_column(config: dict, key: str) -> str | None:
    return config[key].strip() if config.get(key) is not None else None


def _modification_columns(config: dict, rows_are: str, columns: dict[tuple, str]) -> tuple[str | None, str | None]:
    """The revision and amount columns, which the modification mode needs and the others refuse."""
    revision = _optional_column(config, "revision")
    amount = _optional_column(config, "amount")
    if rows_are != "modification":
        for key, value in (("revision", revision), ("amount", amount)):
            if value is not None:
                raise MappingError(key, "is only used when rows_are is 'modification'")
        return revision, amount
    if revision is None:
        raise MappingError("revision", "is required when rows_are is 'modification': the column of revision numbers")
    if amount is None:
        amount = columns.get(("contracts", 0, "value", "amount"))
        if amount is None:
            raise MappingError("amount", "is required when rows_are is 'modification' and no column is mapped "
                               "to contracts/0/value/amount: the column of each modification's amount")
    return revision, amount


def _ocid_template(text: str) -> Template:
    ocid = Template.parse(text, "ocid")
    for reserved in ("ocid", "row"):
        if reserved in ocid.fields:
            raise MappingError("ocid", f"{{{reserved}}} can't be used in the ocid: use columns that identify the process")
    if ocid.text.startswith("{"):
        raise MappingError("ocid", "must start with your ocid prefix, e.g. 'ocds-demo01-{po_number}'")
    return ocid


def _parse_timezone(name: str) -> tzinfo:
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
