"""Input schemas of the procurement actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def _list_of_strings(value: Any, context: dict) -> list[str]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise tk.Invalid(tk._("Expected a list of OCDS paths"))
    return [item.strip() for item in value if item.strip()]


def releases_errors(value: Any) -> list[str]:
    """`releases` is checked apart: navl would flatten the nested OCDS objects."""
    if not isinstance(value, list) or not value:
        return [tk._("Expected a non-empty list of OCDS releases")]
    return [
        tk._("releases/{index}: a release must be a JSON object").format(index=index)
        for index, item in enumerate(value) if not isinstance(item, dict)
    ]


@tk.validator_args
def process_save_schema(not_empty, ignore_missing, boolean_validator, unicode_safe, uuid_validator):
    return {
        "id": [ignore_missing, unicode_safe, uuid_validator],
        "owner_org": [not_empty, unicode_safe],
        "private": [ignore_missing, boolean_validator],
        "redact_paths": [ignore_missing, _list_of_strings],
        "redaction_reason": [ignore_missing, unicode_safe],
        "withheld_paths": [ignore_missing, _list_of_strings],
        "harvest_source_id": [ignore_missing, unicode_safe],
        "force": [ignore_missing, boolean_validator],
    }


@tk.validator_args
def record_show_schema(not_empty, unicode_safe):
    return {"id": [not_empty, unicode_safe]}
