"""Input schemas of the procurement actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.procurement.ocds.depth import MAX_DEPTH, deeper_than
from ckanext.procurement.ocds.redact import identifying_paths


def _list_of_strings(value: Any, context: dict) -> list[str]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise tk.Invalid(tk._("Expected a list of OCDS paths"))
    return [item.strip() for item in value if item.strip()]


def _redact_paths(value: Any, context: dict) -> list[str]:
    paths = _list_of_strings(value, context)
    forbidden = identifying_paths(paths)
    if forbidden:
        raise tk.Invalid(identifying_paths_message(forbidden[0]))
    return paths


def identifying_paths_message(path: str) -> str:
    return tk._("{path!r} can't be withheld: ocid and id identify a release").format(path=path)


def releases_errors(value: Any) -> list[str]:
    """`releases` is checked apart: navl would flatten the nested OCDS objects."""
    if not isinstance(value, list) or not value:
        return [tk._("Expected a non-empty list of OCDS releases")]
    return [
        tk._("releases/{index}: a release must be a JSON object").format(index=index)
        for index, item in enumerate(value) if not isinstance(item, dict)
    ]


def too_deep_errors(data_dict: dict) -> dict[str, list[str]]:
    """Values nested deeper than any OCDS data is, which the recursive steps after
    this (validation, compiling, hashing, storing) can't take: by key, and by release."""
    message = tk._("nested more than {limit} levels deep").format(limit=MAX_DEPTH)
    errors = {key: [message] for key, value in data_dict.items() if key != "releases" and deeper_than(value, MAX_DEPTH)}
    releases = data_dict.get("releases")
    if isinstance(releases, list):
        deep = [f"releases/{index}: {message}" for index, item in enumerate(releases) if deeper_than(item, MAX_DEPTH)]
        if deep:
            errors["releases"] = deep
    elif deeper_than(releases, MAX_DEPTH):
        errors["releases"] = [message]
    return errors


def nul_errors(data_dict: dict) -> dict[str, list[str]]:
    """Parameters and ocids holding a NUL character, which PostgreSQL can't store or look up
    (a release with one elsewhere is refused when it is normalized)."""
    message = tk._("must not contain a NUL character (\\u0000)")
    errors = {key: [message] for key, value in data_dict.items()
              if key != "releases" and isinstance(value, str) and "\x00" in value}
    if any("\x00" in ocid for ocid in releases_ocids(data_dict.get("releases"))):
        errors["releases"] = ["ocid: " + message]
    return errors


def _no_nul(value: Any, context: dict) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise tk.Invalid(tk._("must not contain a NUL character (\\u0000)"))
    return value


def releases_ocids(releases: Any) -> list[str]:
    """Every distinct ocid of the releases as sent (before any de-duplication), in order."""
    ocids: list[str] = []
    for item in releases if isinstance(releases, list) else []:
        ocid = item.get("ocid") if isinstance(item, dict) else None
        if isinstance(ocid, str) and ocid.strip() and ocid.strip() not in ocids:
            ocids.append(ocid.strip())
    return ocids


@tk.validator_args
def process_save_schema(not_empty, ignore_missing, boolean_validator, unicode_safe, uuid_validator, procurement_open_license):
    return {
        "id": [ignore_missing, unicode_safe, uuid_validator],
        "owner_org": [not_empty, unicode_safe],
        "private": [ignore_missing, boolean_validator],
        "redact_paths": [ignore_missing, _redact_paths],
        "redaction_reason": [ignore_missing, unicode_safe],
        "withheld_paths": [ignore_missing, _list_of_strings],
        "harvest_source_id": [ignore_missing, unicode_safe],
        "force": [ignore_missing, boolean_validator],
        "license_id": [ignore_missing, unicode_safe, procurement_open_license],
    }


@tk.validator_args
def record_show_schema(not_empty, unicode_safe):
    return {"id": [not_empty, unicode_safe, _no_nul]}


@tk.validator_args
def quality_show_schema(ignore_missing, unicode_safe):
    return {"owner_org": [ignore_missing, unicode_safe, _no_nul]}
