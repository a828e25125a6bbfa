"""The harvest source form's fields and the source's JSON config, both ways.

The form posts one field per config key (`procurement_*`); `build_config`
makes the config JSON from them on the server, starting from the "advanced"
JSON text so keys without a field (timeout, retries, the mapping's supplier
keys...) are kept. A JSON edited by hand (it differs from the one the page
showed, which JavaScript keeps in step with the fields) is used as typed, and
so is it with "use the JSON as typed" ticked.
`form_values` goes the other way, to fill the fields from a stored config.
Errors are keyed by the field at fault, and say its label.
"""
from __future__ import annotations

import json
import re
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.procurement import licenses
from ckanext.procurement.harvesters.config import (
    ENV_PREFIX, PUBLISH_CHOICES, SECRET_PREFIX, ConfigError, parse_config,
)
from ckanext.procurement.ocds.flat import FlatMapping, MappingError

from . import ocds_fields

MARKER = "procurement_form"  # posted by the guided form only: API callers' data is never touched
USE_JSON = "procurement_use_json"
SHOWN = "procurement_config_shown"  # the JSON as the page showed it: a JSON edited since then was typed by hand
CONFIG = "config"
AUTH_MODES = ("none", "env", "secret", "keep")
DEFAULT_FULL_EVERY = 7
BLANK_MAP_ROWS = 3  # empty column rows offered after the known ones (one column may feed several fields)

# config key -> form field (errors of a key go to its field)
FIELD_OF_KEY = {
    "format": "procurement_format", "since_parameter": "procurement_since_parameter",
    "full_harvest_every": "procurement_full_harvest_every", "auth_header": "procurement_auth",
    "auth_header_name": "procurement_auth_header_name", "ocid_prefixes": "procurement_ocid_prefixes",
    "redact_paths": "procurement_redact_paths", "redaction_reason": "procurement_redaction_reason",
    "publish": "procurement_publish", "license": "procurement_license",
}
# mapping key -> form field
FIELD_OF_MAPPING_KEY = {
    "rows_are": "procurement_rows_are", "ocid": "procurement_ocid_template",
    "release_id": "procurement_release_id_template", "date": "procurement_date_column",
    "revision": "procurement_revision_column", "amount": "procurement_amount_column",
    "currency": "procurement_currency", "timezone": "procurement_timezone", "date_order": "procurement_date_order",
    "columns": "procurement_map", "value_maps": "procurement_value_maps", "constants": "procurement_constants",
}
SOURCE_TYPES = ("ocds", "procurement_csv")


def labels() -> dict[str, str]:
    """Each field's label, as the form shows it (errors begin with it)."""
    return {
        "procurement_format": tk._("Format"),
        "procurement_since_parameter": tk._("Incremental parameter"),
        "procurement_full_harvest_every": tk._("Full listing every N harvests"),
        "procurement_auth": tk._("Authentication"),
        "procurement_auth_env": tk._("Environment variable"),
        "procurement_auth_secret": tk._("Header value (secret)"),
        "procurement_auth_header_name": tk._("Header name"),
        "procurement_ocid_prefixes": tk._("Accepted OCID prefixes"),
        "procurement_redact_paths": tk._("Fields to withhold"),
        "procurement_redaction_reason": tk._("Reason shown for withheld values"),
        "procurement_publish": tk._("Publish new processes"),
        "procurement_license": tk._("License"),
        "procurement_rows_are": tk._("Each row is"),
        "procurement_ocid_template": tk._("OCID template"),
        "procurement_release_id_template": tk._("Release id template"),
        "procurement_date_column": tk._("Release date column"),
        "procurement_revision_column": tk._("Revision column"),
        "procurement_amount_column": tk._("Amount column"),
        "procurement_currency": tk._("Currency"),
        "procurement_timezone": tk._("Time zone"),
        "procurement_date_order": tk._("Order of day and month"),
        "procurement_map": tk._("Columns"),
        "procurement_value_maps": tk._("Value maps for codelists"),
        "procurement_constants": tk._("Fixed values"),
        CONFIG: tk._("Configuration (JSON, advanced)"),
    }


class FormErrors(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _error(field: str, message: str) -> FormErrors:
    return FormErrors({field: [f"{labels()[field]}: {message}"]})


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _lines(form: dict, name: str) -> list[str]:
    return [line.strip() for line in str(form.get(name) or "").splitlines() if line.strip()]


def _set(target: dict, key: str, value: Any) -> None:
    """Set `key`, or drop it for an empty value (the default applies)."""
    if value in (None, "", [], {}):
        target.pop(key, None)
    else:
        target[key] = value


def _base_config(form: dict) -> dict:
    text = form.get(CONFIG) or ""
    if not str(text).strip():
        return {}
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise _error(CONFIG, tk._("not valid JSON ({error}); correct it or empty it").format(error=error))
    if not isinstance(raw, dict):
        raise _error(CONFIG, tk._("must be a JSON object"))
    return raw


def _auth(form: dict, config: dict) -> None:
    mode = _text(form, "procurement_auth") or "none"
    if mode not in AUTH_MODES:
        raise _error("procurement_auth", tk._("choose one of the options"))
    current = config.get("auth_header")
    if mode == "none":
        config.pop("auth_header", None)
        config.pop("auth_header_name", None)
        return
    if mode == "env":
        name = _text(form, "procurement_auth_env")
        if not name:
            raise _error("procurement_auth_env", tk._("enter the name of the environment variable"))
        config["auth_header"] = ENV_PREFIX + name
    elif mode == "secret":
        secret = form.get("procurement_auth_secret") or ""
        if secret.strip():
            config["auth_header"] = secret  # sealed in the secret store before anything keeps or logs it
        elif not (isinstance(current, str) and current.startswith(SECRET_PREFIX) and current != SECRET_PREFIX + "(hidden)"):
            raise _error("procurement_auth_secret", tk._("enter the header value (it is stored encrypted and never shown again)"))
    elif mode == "keep" and not current:
        raise _error("procurement_auth", tk._("there is no stored header to keep"))
    _set(config, "auth_header_name", None if _text(form, "procurement_auth_header_name") in ("", "Authorization")
         else _text(form, "procurement_auth_header_name"))


def _whole_number(form: dict, field: str) -> int | None:
    text = _text(form, field)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise _error(field, tk._("must be a whole number, got {value!r}").format(value=text))


def map_rows(form: dict) -> list[dict]:
    rows = form.get("procurement_map") or []
    if isinstance(rows, dict):
        rows = [rows[k] for k in sorted(rows, key=lambda k: int(k) if str(k).isdigit() else 0)]
    return [row for row in rows if isinstance(row, dict)]


def _columns(form: dict) -> dict[str, str]:
    columns: dict[str, str] = {}
    for row in map_rows(form):
        column, path = str(row.get("column") or "").strip(), str(row.get("field") or "").strip().strip("/")
        if column and path:
            if path in columns and columns[path] != column:
                raise _error("procurement_map", tk._("{path} is given two columns ({first} and {second}): keep one")
                             .format(path=path, first=columns[path], second=column))
            columns[path] = column
    return columns


def _pairs(form: dict, field: str, separator: str) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(_lines(form, field), start=1):
        left, found, right = line.rpartition(separator)
        if not found or not left.strip() or not right.strip():
            raise _error(field, tk._("line {number} ({line!r}) must look like 'left {sep} right'")
                         .format(number=number, line=line, sep=separator))
        pairs.append((left.strip(), right.strip()))
    return pairs


def _value_maps(form: dict) -> dict[str, dict[str, str]]:
    """Lines like `tender/procurementMethod: Sole Source = direct`."""
    maps: dict[str, dict[str, str]] = {}
    for left, code in _pairs(form, "procurement_value_maps", "="):
        path, found, value = left.partition(":")
        if not found or not path.strip() or not value.strip():
            raise _error("procurement_value_maps", tk._("{line!r} must look like 'tender/procurementMethod: Sole Source = direct'")
                         .format(line=f"{left} = {code}"))
        maps.setdefault(path.strip().strip("/"), {})[value.strip()] = code
    return maps


def _mapping(form: dict, mapping: dict) -> dict:
    mapping = dict(mapping)
    for key in ("rows_are", "ocid", "release_id", "date", "revision", "amount", "currency", "timezone", "date_order"):
        _set(mapping, key, _text(form, FIELD_OF_MAPPING_KEY[key]))
    _set(mapping, "columns", _columns(form))
    _set(mapping, "value_maps", _value_maps(form))
    _set(mapping, "constants", {path.strip("/"): value for path, value in _pairs(form, "procurement_constants", "=")})
    return mapping


def _same_json(text: str | None, other: str | None) -> bool:
    def normal(value):
        try:
            return json.loads(value) if value and str(value).strip() else None
        except ValueError:
            return str(value).strip()
    return normal(text) == normal(other)


def json_typed(form: dict) -> bool:
    """Whether the advanced JSON is to be used as typed (ticked, or edited by hand)."""
    return bool(form.get(USE_JSON)) or not _same_json(form.get(CONFIG), form.get(SHOWN))


def build_config(form: dict, source_type: str | None) -> str:
    """The config JSON the fields (and the advanced JSON) describe; FormErrors names the fields at fault."""
    if json_typed(form) or source_type not in SOURCE_TYPES:
        return form.get(CONFIG) or ""
    config = _base_config(form)
    fmt = _text(form, "procurement_format")
    _set(config, "format", None if fmt in ("", "auto") else fmt)
    since = _text(form, "procurement_since_parameter")
    _set(config, "since_parameter", since)
    every = _whole_number(form, "procurement_full_harvest_every")
    _set(config, "full_harvest_every", every if since and every != DEFAULT_FULL_EVERY else None)
    _auth(form, config)
    _set(config, "ocid_prefixes", _lines(form, "procurement_ocid_prefixes"))
    _set(config, "redact_paths", _lines(form, "procurement_redact_paths"))
    _set(config, "redaction_reason", _text(form, "procurement_redaction_reason"))
    publish = _text(form, "procurement_publish") or "immediately"
    if publish not in PUBLISH_CHOICES:
        raise _error("procurement_publish", tk._("choose one of the options"))
    _set(config, "publish", None if publish == "immediately" else publish)
    _set(config, "license", _text(form, "procurement_license"))
    if source_type == "procurement_csv":
        _set(config, "mapping", _mapping(form, config.get("mapping") if isinstance(config.get("mapping"), dict) else {}))
    else:
        config.pop("mapping", None)
    return json.dumps(config, indent=2) if config else ""


def unknown_field_message(column: str, path: str) -> str:
    return tk._("column {column!r} is mapped to {path!r}, which is not a field of the OCDS release schema: "
                "choose one from the list").format(column=column, path=path)


def field_of(key: str) -> str:
    """The form field a config key's error belongs to (`mapping.columns.x` -> the columns table)."""
    if key.startswith("mapping"):
        sub = key[len("mapping"):].lstrip(".").split(".")[0]
        return FIELD_OF_MAPPING_KEY.get(sub, CONFIG)
    return FIELD_OF_KEY.get(key, CONFIG)


def check_config(text: str, source_type: str, keys: dict, formats: tuple, schema: dict | None) -> None:
    """The harvester's own checks, with errors keyed by field (the harvester checks again on save)."""
    try:
        config = parse_config(text, keys, formats)
        if source_type == "procurement_csv":
            if not config.mapping:
                raise ConfigError("mapping.columns", tk._("map at least one column (and give the ocid template and date column)"))
            FlatMapping.from_config(config.mapping, schema=schema)
            unknown = ocds_fields.unknown_paths(config.mapping.get("columns"), schema) if schema else []
            if unknown:  # the form offers the schema's fields; an extension's can be given in the JSON
                raise _error("procurement_map", unknown_field_message(*unknown[0]))
        problem = licenses.open_license_problem(config.license) if config.license else None
        if problem:
            raise ConfigError("license", problem)
    except ConfigError as error:
        field = field_of(error.key)
        message = str(error).split(": ", 1)[1] if ": " in str(error) else str(error)
        raise _error(field, f"{error.key}: {message}" if field in (CONFIG, "procurement_map") else message)
    except MappingError as error:
        field = field_of(f"mapping.{error.key}")
        raise _error(field, f"{error.key}: {error.message}" if field in (CONFIG, "procurement_map") else error.message)


def without_secret(config_text: str | None) -> str | None:
    """The config as a page may show it: a literal header value (typed but not yet stored) never comes back."""
    try:
        raw = json.loads(config_text) if config_text else None
    except ValueError:
        return _scrubbed(config_text)
    header = raw.get("auth_header") if isinstance(raw, dict) else None
    if isinstance(header, str) and not header.startswith((SECRET_PREFIX, ENV_PREFIX)):
        raw.pop("auth_header")
        return json.dumps(raw, indent=2)
    return config_text


# an auth_header's literal value in text that is not valid JSON (a reference stays: it is no secret)
_TYPED_HEADER = re.compile(r'("auth_header"\s*:\s*)"(?!(?:%s|%s))(?:[^"\\]|\\.)*"' % (SECRET_PREFIX, ENV_PREFIX))
_HEADER_LEFT = re.compile(r'"auth_header_name"|"auth_header"\s*:\s*""|"auth_header"\s*:\s*"(?:%s|%s)[^"\\]*"' % (SECRET_PREFIX, ENV_PREFIX))


def _scrubbed(config_text: str) -> str:
    """Invalid JSON as a page may show it: typed header values blanked. Text where a value
    might still hide (an unterminated string, an escaped key) is not shown at all."""
    scrubbed = _TYPED_HEADER.sub(r'\1""', config_text)
    if re.search(r"auth|\\u", _HEADER_LEFT.sub("", scrubbed), re.IGNORECASE):
        return ""
    return scrubbed


# --- config -> fields ----------------------------------------------------------------------------

def _map_rows_of(pairs: list[tuple[str, str]], columns: list[str] | None, suggested: dict[str, str]) -> list[dict]:
    """One row per (column, field) pair: the file's columns first (as given, else suggested), then blanks.
    A column given with no field stays so: the coordinator chose to leave it out."""
    by_column: dict[str, list[str]] = {}
    for column, path in pairs:
        by_column.setdefault(column, []).append(path)
    rows: list[dict] = []
    for column in columns or []:
        if column in by_column:
            given = [path for path in by_column.pop(column) if path] or [""]
        else:
            given = [suggested.get(column, "")]
        for path in given:
            rows.append({"column": column, "field": path, "suggested": suggested.get(column, "")})
    for column, paths in by_column.items():
        rows.extend({"column": column, "field": path, "suggested": ""} for path in paths)
    return rows + [{"column": "", "field": "", "suggested": ""} for _ in range(BLANK_MAP_ROWS)]


def _lines_of(pairs: list[str]) -> str:
    return "\n".join(pairs)


def form_values(data: dict, columns: list[str] | None = None, suggested: dict[str, str] | None = None) -> dict:
    """The fields' values: as posted (a form shown again), else from the stored config."""
    if data.get(MARKER):
        values = {k: v for k, v in data.items() if k.startswith("procurement_")}
        values["procurement_auth_secret"] = ""  # never shown back
        pairs = [(str(row.get("column") or "").strip(), str(row.get("field") or "").strip()) for row in map_rows(data)]
        values["procurement_map"] = _map_rows_of([(c, p) for c, p in pairs if c], columns, suggested or {})
        values.setdefault("procurement_auth", "none")
        return values
    try:
        config = json.loads(data.get(CONFIG) or "{}")
    except ValueError:
        config = {}
    config = config if isinstance(config, dict) else {}
    mapping = config.get("mapping") if isinstance(config.get("mapping"), dict) else {}
    header = config.get("auth_header")
    auth = "none"
    if isinstance(header, str) and header.startswith(ENV_PREFIX):
        auth = "env"
    elif header:
        auth = "keep"
    values = {
        "procurement_format": config.get("format", "auto"),
        "procurement_since_parameter": config.get("since_parameter", ""),
        "procurement_full_harvest_every": config.get("full_harvest_every", DEFAULT_FULL_EVERY),
        "procurement_auth": auth,
        "procurement_auth_env": header[len(ENV_PREFIX):] if auth == "env" else "",
        "procurement_auth_secret": "",
        "procurement_auth_header_name": config.get("auth_header_name", "Authorization"),
        "procurement_ocid_prefixes": _lines_of(config.get("ocid_prefixes") or []),
        "procurement_redact_paths": _lines_of(config.get("redact_paths") or []),
        "procurement_redaction_reason": config.get("redaction_reason", ""),
        "procurement_publish": config.get("publish", "immediately"),
        "procurement_license": config.get("license", ""),
        "procurement_value_maps": _lines_of([f"{path}: {value} = {code}" for path, codes in (mapping.get("value_maps") or {}).items()
                                             for value, code in codes.items()]),
        "procurement_constants": _lines_of([f"{path} = {value}" for path, value in (mapping.get("constants") or {}).items()]),
        "procurement_map": _map_rows_of([(str(column), path) for path, column in (mapping.get("columns") or {}).items()],
                                        columns, suggested or {}),
    }
    for key in ("rows_are", "ocid", "release_id", "date", "revision", "amount", "currency", "timezone", "date_order"):
        values[FIELD_OF_MAPPING_KEY[key]] = mapping.get(key) or ""
    return values


def apply_to_action(data_dict: dict, source_type: str | None, keys: dict, formats: tuple, schema: dict | None) -> dict:
    """A harvest source action's data from the guided form: the config built from the fields
    (tk.ValidationError naming the field), the fields removed."""
    if not isinstance(data_dict, dict) or not data_dict.get(MARKER):
        return data_dict
    form = dict(data_dict)
    cleaned = {k: v for k, v in data_dict.items() if not k.startswith("procurement_")}
    if source_type not in SOURCE_TYPES:
        return cleaned
    try:
        config = build_config(form, source_type)
        if not json_typed(form):
            check_config(config, source_type, keys, formats, schema)
    except FormErrors as error:
        raise tk.ValidationError(error.errors)
    cleaned[CONFIG] = config
    return cleaned
