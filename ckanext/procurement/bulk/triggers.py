"""What asks for a regeneration: saves, withdrawals and visibility changes of
contracting processes (after their transaction commits, so the job reads
them), the end of each harvest job, and a coordinator's edit of a bulk dataset
(its license and publication policy go into the files)."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from redis.exceptions import RedisError

import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.procurement.bulk import datasets, queue
from ckanext.procurement.bulk.storage import PORTAL
from ckanext.procurement.dataset import BULK_DATASET_TYPE, DATASET_TYPE
from ckanext.procurement import published

log = logging.getLogger(__name__)

_CHANGED = "procurement_bulk_changed"  # Session.info: scopes changed in the open transaction


def after_dataset_change(context: dict, pkg_dict: dict) -> None:
    """IPackageController after_dataset_create/update/delete."""
    package = model.Package.get(pkg_dict.get("id")) if pkg_dict.get("id") else None
    kind = pkg_dict.get("type") or (package.type if package else None)
    owner = pkg_dict.get("owner_org") or (package.owner_org if package else None)
    if kind == DATASET_TYPE and owner:
        _changed_on_commit([owner, PORTAL])
    elif kind == BULK_DATASET_TYPE and not context.get(datasets.GENERATING):
        scope = datasets.scope_of({"id": pkg_dict.get("id"), "owner_org": owner})
        if scope:
            _changed_on_commit([scope])


def processes_changed(organization_ids) -> None:
    """Processes of these organizations changed without the package actions (a review
    decision): their bulk files and the portal's are regenerated once the transaction commits."""
    _changed_on_commit([*organization_ids, PORTAL])


def _changed_on_commit(scopes: list[str]) -> None:
    model.Session.info.setdefault(_CHANGED, set()).update(scopes)


@sa.event.listens_for(model.Session, "after_commit")
def _after_commit(session) -> None:
    scopes = session.info.pop(_CHANGED, None)
    if not scopes:
        return
    try:
        queue.mark_dirty(scopes)
        queue.request(sorted(scopes))
    except RedisError:
        # the change is committed: a failed save would be a lie; the next change or the CLI regenerates
        log.exception("Bulk files of %s not queued for regeneration", ", ".join(sorted(scopes)))


@sa.event.listens_for(model.Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_CHANGED, None)


@tk.chained_action
def harvest_source_reindex(next_action, context, data_dict):
    """ckanext-harvest reindexes a source when one of its jobs finishes: the harvest's
    changes are all in, the scopes it made dirty are regenerated now."""
    result = next_action(context, data_dict)
    queue.request(queue.dirty_scopes(), harvest_finished=True)
    return result


harvest_source_reindex.auth_audit_exempt = True  # like ckanext-harvest's own: it leaves the check to package actions


def _bulk_update(name: str):
    """CKAN's bulk visibility and delete actions change datasets without the package hooks."""

    @tk.chained_action
    def chained(next_action, context, data_dict):
        result = next_action(context, data_dict)
        if name == "bulk_update_public":  # newly public processes count as modified for API crawls
            published.touch_datasets(list(data_dict.get("datasets") or []))
        organization = data_dict.get("org_id")
        if organization:
            scopes = [organization, PORTAL]
            queue.mark_dirty(scopes)
            queue.request(scopes)
        return result

    chained.__name__ = name
    chained.__doc__ = f"{name}, then the organization's bulk files are regenerated."
    return chained


def get_chained_actions() -> dict:
    actions = {name: _bulk_update(name) for name in ("bulk_update_private", "bulk_update_public", "bulk_update_delete")}
    if plugins.plugin_loaded("harvest"):
        actions["harvest_source_reindex"] = harvest_source_reindex
    return actions
