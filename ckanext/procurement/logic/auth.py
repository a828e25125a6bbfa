"""Who may call the procurement actions: the same people who may write or read the dataset."""
from __future__ import annotations

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.procurement import identity
from ckanext.procurement.logic.schema import releases_ocids


def procurement_process_save(context, data_dict):
    """Checked against what is stored: the dataset of every ocid sent (found by its
    exact ocid) must be one the user may update, and the organization asked for one
    the user may publish in, so a process is neither changed nor moved by an outsider."""
    source_id = data_dict.get("harvest_source_id")
    if source_id and not isinstance(source_id, str):
        return {"success": False, "msg": tk._("harvest_source_id must be the id of a harvest source")}
    if source_id:
        # set by the harvester (which runs unchecked); anyone else must be an editor of that source
        allowed = _check("harvest_source_update", context, {"id": source_id})
        if not allowed["success"]:
            return {"success": False, "msg": tk._("Not authorized to publish for harvest source {id}").format(id=source_id)}
    owner_org = data_dict.get("owner_org")
    target = model.Group.get(owner_org) if isinstance(owner_org, str) and owner_org else None
    stays = True  # every process sent exists and stays in its organization
    ocids = releases_ocids(data_dict.get("releases"))
    for ocid in ocids:
        existing = identity.package_for_ocid(ocid)
        if existing is None or (target is not None and existing.owner_org != target.id
                                and identity.registered_to(ocid, target.id)):
            stays = False  # new, or taken back by the organization its prefix is registered to
            continue
        allowed = _check("package_update", context, {"id": existing.id})
        if not allowed["success"]:
            return allowed
        stays = stays and target is not None and existing.owner_org == target.id
    if ocids and stays:
        return {"success": True}
    # a new process, or one moving to another organization: the user must publish there
    return _check("package_create", context, {"owner_org": target.id if target else None, "type": "contracting-process"})


@tk.auth_allow_anonymous_access
def procurement_record_show(context, data_dict):
    # the action resolves the dataset and checks package_show itself
    return {"success": True}


@tk.auth_allow_anonymous_access
def procurement_quality_show(context, data_dict):
    """Public by default (transparency); with ckanext.procurement.quality.public off, an
    organization's figures are for its members and the portal's for sysadmins."""
    if tk.asbool(tk.config.get("ckanext.procurement.quality.public")):
        return {"success": True}
    organization_id, user = data_dict.get("owner_org"), context.get("user")
    if organization_id and user and authz.has_user_permission_for_group_or_org(organization_id, user, "read"):
        return {"success": True}
    return {"success": False, "msg": tk._("Only members of the organization may see its publication quality")}


# ckanext-harvest lets anyone read harvest objects, which hold what a source
# sent (the view /harvest/object/<id> and /dataset/harvest_object/<id> call
# harvest_object_show): only those who may edit the source may read them.

@tk.chained_auth_function
@tk.auth_allow_anonymous_access  # anonymous visitors get the same answer as everyone who can't edit the source
def harvest_object_show(next_auth, context, data_dict):
    harvest_object = _harvest_object(context, data_dict)
    return _may_edit_source(context, harvest_object.harvest_source_id)


@tk.chained_auth_function
def harvest_object_list(next_auth, context, data_dict):
    source_id = data_dict.get("source_id")
    if not source_id:  # every source's objects: sysadmins only (they never reach auth functions)
        return {"success": False, "msg": tk._("Only sysadmins may list the harvest objects of every source")}
    return _may_edit_source(context, source_id)


def _harvest_object(context, data_dict):
    from ckanext.harvest.model import HarvestObject

    if data_dict.get("id"):
        harvest_object = HarvestObject.get(data_dict["id"])
    elif data_dict.get("dataset_id"):
        package = model.Package.get(data_dict["dataset_id"])
        harvest_object = package and model.Session.query(HarvestObject).filter(
            HarvestObject.package_id == package.id, HarvestObject.current == True,  # noqa: E712
        ).first()
    else:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    if not harvest_object:
        raise tk.ObjectNotFound(tk._("Harvest object not found"))
    return harvest_object


def user_may(action: str, context: dict, data_dict: dict) -> bool:
    """Whether the context's user may run ``action`` on ``data_dict``, asked in a context of its own
    (so the caller's ``ignore_auth`` or cached objects don't answer for the user)."""
    try:
        tk.check_access(action, {"model": model, "user": context.get("user"),
                                 "auth_user_obj": context.get("auth_user_obj")}, data_dict)
        return True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False


def _may_edit_source(context, source_id):
    try:
        tk.check_access("harvest_source_update", dict(context, ignore_auth=False), {"id": source_id})
        return {"success": True}
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Only those who may edit the harvest source may read its harvest objects")}


def _check(action, context, data_dict):
    try:
        tk.check_access(action, dict(context, ignore_auth=False), data_dict)
        return {"success": True}
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Not authorized to publish contracting processes for this organization")}


def get_auth_functions():
    return {
        "procurement_process_save": procurement_process_save,
        "procurement_record_show": procurement_record_show,
        "procurement_quality_show": procurement_quality_show,
        "harvest_object_show": harvest_object_show,
        "harvest_object_list": harvest_object_list,
    }
