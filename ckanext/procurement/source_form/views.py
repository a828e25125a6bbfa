"""The Preview button of the harvest source form (`POST /harvest/preview[/<id>]`).

The form is shown again, as posted, with what the source's first page gives (see
`preview.py`); nothing is saved. Its Save button posts to the same address and is handed
to CKAN's own dataset views, which save the source as the form's usual address would.
Only a user who may create sources in the chosen organization (or edit the source) may
preview: a preview makes the server fetch an address, with the source's credentials.
"""
from __future__ import annotations

from typing import Any

import ckan.lib.navl.dictization_functions as dict_fns
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import g
from ckan.logic import clean_dict, parse_params, tuplize_dict
from flask import Blueprint

from ckanext.procurement.fetch import origin
from ckanext.procurement.harvesters.config import secret_id

from . import fields, preview as previewing

blueprint = Blueprint("procurement_source_form", __name__)
HARVEST = "harvest"


def _context() -> dict[str, Any]:
    return {"model": model, "session": model.Session, "user": tk.current_user.name, "auth_user_obj": tk.current_user}


def _posted_form() -> dict:
    try:
        return clean_dict(dict_fns.unflatten(tuplize_dict(parse_params(tk.request.form))))
    except dict_fns.DataError:
        return tk.abort(400, tk._("Integrity Error"))


def _authorize(form: dict, source_id: str | None) -> dict | None:
    """403 unless the user may edit the source (or create one) in the organization posted; the stored source."""
    if not tk.current_user.is_authenticated:
        return tk.abort(403, tk._("Log in to preview a harvest source"))
    owner_org = form.get("owner_org")
    if owner_org is not None and (not isinstance(owner_org, str) or "\x00" in owner_org):
        return tk.abort(400, tk._("Choose one organization for the source"))
    try:
        stored = None
        if source_id:
            stored = tk.get_action("harvest_source_show")(_context(), {"id": source_id})
            tk.check_access("harvest_source_update", _context(), {"id": stored["id"]})
            owner_org = owner_org or stored.get("owner_org")
        if not owner_org:
            return tk.abort(403, tk._("Choose the organization the source belongs to"))
        if not stored or owner_org != stored.get("owner_org"):
            tk.check_access("harvest_source_create", _context(), {"owner_org": owner_org, "type": HARVEST})
        return stored
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(403, tk._("You may not preview harvest sources of this organization"))


def _stored_secret_check(config_text: str, url: str, stored: dict | None) -> str | None:
    """A stored secret goes to the site it was entered for only, in a preview as in a harvest."""
    if not secret_id(config_text):
        return None
    if stored is None or origin(url) != origin(stored.get("url") or ""):
        return tk._("The stored authentication header is only sent to the site it was entered for: "
                    "enter the header value again to preview another address.")
    return None


def _error_summary(errors: dict[str, list[str]]) -> dict[str, str]:
    return {key: " ".join(messages) for key, messages in errors.items()}


def preview(id: str | None = None):
    if "save" in tk.request.form:  # the form's Save button, on the preview page
        from ckan.views.dataset import CreateView, EditView
        return EditView().post(HARVEST, id) if id else CreateView().post(HARVEST)
    form = _posted_form()
    stored = _authorize(form, id)
    source_type = form.get("source_type")
    url = str(form.get("url") or "").strip()
    errors: dict[str, list[str]] = {}
    result = None
    config = form.get(fields.CONFIG) or ""
    if source_type not in fields.SOURCE_TYPES:
        errors["source_type"] = [tk._("Source type: the preview works for OCDS feeds and purchasing system exports")]
    else:
        form[fields.MARKER] = "1"
        try:
            config = fields.build_config(form, source_type)
        except fields.FormErrors as error:
            errors.update(error.errors)
    if not url:
        errors["url"] = [tk._("URL: enter the address of the source's first page")]
    if not errors:
        refused = _stored_secret_check(config, url, stored)
        if refused:
            errors["procurement_auth"] = [f"{fields.labels()['procurement_auth']}: {refused}"]
    if not errors:
        result = previewing.run(source_type, url, config, source_id=stored["id"] if stored else None)
    data = dict(form, config=fields.without_secret(config))
    data.pop("procurement_auth_secret", None)  # never shown back
    g.procurement_preview = result
    g.dataset_type = HARVEST
    summary = _error_summary(errors)
    if id:
        from ckan.views.dataset import EditView
        return EditView().get(HARVEST, id, data=data, errors=errors, error_summary=summary)
    from ckan.views.dataset import CreateView
    return CreateView().get(HARVEST, data=data, errors=errors, error_summary=summary)


blueprint.add_url_rule("/harvest/preview", view_func=preview, methods=["POST"], endpoint="preview")
blueprint.add_url_rule("/harvest/preview/<id>", view_func=preview, methods=["POST"], endpoint="preview_source")


def get_blueprints():
    return [blueprint]
