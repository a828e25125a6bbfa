"""Downloading the bulk files: public (they hold only public processes), streamed by
flask's `send_file` with Last-Modified, ETag, Content-Length, conditional and
range requests. Only a name the scope's manifest lists is served."""
from __future__ import annotations

from flask import Blueprint, send_file

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.procurement.bulk import storage
from ckanext.procurement.bulk.storage import PORTAL

bulk = Blueprint("procurement_bulk", __name__)


def _send(scope: str, label: str, name: str):
    found = storage.find(scope, name)
    if found is None:
        return tk.abort(404, tk._("Bulk file not found"))
    path, entry = found
    return send_file(path, mimetype=entry["mimetype"], as_attachment=True, download_name=f"{label}-{name}",
                     conditional=True, etag=True, max_age=300)


def portal_file(name: str):
    return _send(PORTAL, tk.config.get("ckan.site_id"), name)


def publisher_file(organization: str, name: str):
    group = model.Group.get(organization) if "\x00" not in organization else None
    if group is None or not group.is_organization or group.state != "active":
        return tk.abort(404, tk._("Bulk file not found"))
    return _send(group.id, group.name, name)


bulk.add_url_rule("/bulk/portal/<name>", view_func=portal_file)
bulk.add_url_rule("/bulk/publisher/<organization>/<name>", view_func=publisher_file)


def get_blueprints():
    return [bulk]
