"""Who may call the procurement actions: the same people who may write or read the dataset."""
from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.procurement import naming


def procurement_process_save(context, data_dict):
    ocid = _first_ocid(data_dict)
    if ocid:
        existing = model.Package.by_name(naming.name_from_ocid(ocid))
        if existing:
            return _check("package_update", context, {"id": existing.id})
    return _check("package_create", context, {"owner_org": data_dict.get("owner_org"), "type": "contracting-process"})


@tk.auth_allow_anonymous_access
def procurement_record_show(context, data_dict):
    # the action resolves the dataset and checks package_show itself
    return {"success": True}


def _check(action, context, data_dict):
    try:
        tk.check_access(action, dict(context, ignore_auth=False), data_dict)
        return {"success": True}
    except tk.NotAuthorized:
        return {"success": False, "msg": tk._("Not authorized to publish contracting processes for this organization")}


def _first_ocid(data_dict):
    releases = data_dict.get("releases")
    if isinstance(releases, list) and releases and isinstance(releases[0], dict):
        return releases[0].get("ocid")
    return None


def get_auth_functions():
    return {
        "procurement_process_save": procurement_process_save,
        "procurement_record_show": procurement_record_show,
    }
