"""The extension's settings, read from CKAN's config (declared in config_declaration.yaml)."""
from __future__ import annotations

import json
import os
import tempfile

import ckan.plugins.toolkit as tk

from ckanext.procurement.ocds import derive, schema as ocds_schema
from ckanext.procurement.ocds.indicators import Thresholds
from ckanext.procurement.ocds.redact import identifying_paths


def cache_dir() -> str:
    folder = tk.config.get("ckanext.procurement.cache_dir")
    if not folder:
        storage = tk.config.get("ckan.storage_path")
        folder = os.path.join(storage, "procurement") if storage else os.path.join(tempfile.gettempdir(), "ckanext-procurement")
    os.makedirs(folder, exist_ok=True)
    return folder


def release_schema_location() -> str:
    """The configured schema's path or URL; by default the OCDS 1.1.5 schema shipped with the package."""
    return tk.config.get("ckanext.procurement.ocds_schema") or ocds_schema.PACKAGED_SCHEMA


def release_schema() -> dict:
    """The OCDS release schema: the packaged copy, or the site's file or URL (downloaded once, cached)."""
    return ocds_schema.load_release_schema(release_schema_location(), cache_dir=cache_dir())


def default_license() -> str:
    """The license of contracting processes saved without one (an id from CKAN's license register)."""
    return tk.config.get("ckanext.procurement.default_license")


def redact_paths() -> list[str]:
    """The site-wide redaction policy; a policy that would withhold what identifies
    a release (ocid, id) is a configuration error, named, never applied."""
    paths = list(tk.config.get("ckanext.procurement.redact_paths") or [])
    forbidden = identifying_paths(paths)
    if forbidden:
        raise tk.ValidationError({"ckanext.procurement.redact_paths": [
            tk._("{path!r} can't be withheld: ocid and id identify a release; fix the site setting").format(path=forbidden[0])]})
    return paths


def redact_reason() -> str:
    return tk.config.get("ckanext.procurement.redact_reason")


def fiscal_year_start_month() -> int:
    return int(tk.config.get("ckanext.procurement.fiscal_year_start_month"))


def classification_mapping() -> dict:
    raw = tk.config.get("ckanext.procurement.classification_mapping")
    if not raw:
        return derive.DEFAULT_CLASSIFICATION_MAPPING
    try:
        mapping = json.loads(raw)
    except ValueError as error:
        raise tk.ValidationError({"ckanext.procurement.classification_mapping": [f"not valid JSON: {error}"]})
    return mapping


def auth_env_allowlist() -> list[str]:
    """Environment variables a harvest source's auth_header may read (`env:NAME`)."""
    names = tk.config.get("ckanext.procurement.harvest.auth_env_allowlist") or []
    return names.split() if isinstance(names, str) else list(names)


def allow_private_addresses() -> bool:
    return tk.asbool(tk.config.get("ckanext.procurement.allow_private_addresses"))


# the indicators' settings: Thresholds field -> (config key, type)
INDICATOR_SETTINGS = {
    "short_submission_days": ("ckanext.procurement.indicators.short_submission_days", int),
    "non_competitive_amount": ("ckanext.procurement.indicators.non_competitive_threshold", float),
    "non_competitive_currency": ("ckanext.procurement.currency", str),
    "amendment_increase_share": ("ckanext.procurement.indicators.amendment_increase_share", float),
    "award_above_estimate_share": ("ckanext.procurement.indicators.award_above_estimate_share", float),
    "payments_over_contract_share": ("ckanext.procurement.indicators.payments_over_contract_share", float),
}


def indicator_thresholds() -> Thresholds:
    """The indicators' thresholds; a value that isn't a non-negative number is a configuration error, named."""
    values = {}
    for field, (key, kind) in INDICATOR_SETTINGS.items():
        raw = tk.config.get(key)
        try:
            value = kind(str(raw).strip())
        except (TypeError, ValueError):
            value = None
        if value is None or (kind is not str and value < 0) or (kind is str and not value):
            raise tk.ValidationError({key: [tk._("{value!r} is not a valid setting; fix the site setting").format(value=raw)]})
        values[field] = value.upper() if kind is str else value
    return Thresholds(**values)


def preview_timeout() -> int:
    return int(tk.config.get("ckanext.procurement.preview.timeout"))
