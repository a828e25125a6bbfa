"""Template helpers of the guided harvest source form."""
from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import g

from ckanext.procurement import settings
from ckanext.procurement.harvesters.config import PUBLISH_CHOICES
from ckanext.procurement.ocds.flat.mapping import ROWS_ARE
from ckanext.procurement.ocds.parse import FORMATS

from . import fields, ocds_fields

EXPORT_FORMATS = ("csv", "xlsx")


def _open_licenses() -> list[tuple[str, str]]:
    register = model.Package.get_license_register()
    return [(license.id, license.title) for license in register.values() if license.isopen()]


def procurement_source_form(data: dict) -> dict:
    """What the guided fields of the harvest source form show: values, choices, the preview."""
    preview = getattr(g, "procurement_preview", None)
    columns = [c["name"] for c in preview.columns] if preview is not None and preview.columns else None
    values = fields.form_values(data or {}, columns, preview.suggested if preview is not None else None)
    if preview is not None:
        # the suggestions fill empty fields only, and what a row is at the file's first preview only
        # (the select always posts a value)
        first_look = not any(str(row.get("column") or "").strip() for row in fields.map_rows(data or {}))
        for key, value in preview.suggested_roles.items():
            name = fields.FIELD_OF_MAPPING_KEY[key]
            if not values.get(name) or (key == "rows_are" and first_look):
                values[name] = value
    samples = {c["name"]: c["samples"] for c in (preview.columns if preview is not None else [])}
    stored_header = values.get("procurement_auth") == "keep"
    source_id = (data or {}).get("id")
    return {
        "values": values,
        "labels": fields.labels(),
        "preview": preview,
        "samples": samples,
        "preview_url": tk.h.url_for("procurement_source_form.preview_source", id=source_id) if source_id
        else tk.h.url_for("procurement_source_form.preview"),
        "formats": ("auto",) + FORMATS + EXPORT_FORMATS,
        "publish_choices": PUBLISH_CHOICES,
        "rows_are": ROWS_ARE,
        "licenses": _open_licenses(),
        "default_license": settings.default_license(),
        "env_allowed": settings.auth_env_allowlist(),
        "stored_header": stored_header,
        "ocds_fields": ocds_fields.ocds_fields(settings.release_schema()),
        "types": fields.SOURCE_TYPES,
    }


def procurement_source_config_shown(config: str | None) -> str:
    """The config as the form shows it: a header value typed but not yet stored never comes back."""
    return fields.without_secret(config) or ""


def get_helpers() -> dict:
    return {"procurement_source_form": procurement_source_form,
            "procurement_source_config_shown": procurement_source_config_shown}
