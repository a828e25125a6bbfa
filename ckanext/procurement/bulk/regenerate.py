"""Regenerating a scope: its bulk files, then its dataset.

A scope is the whole portal (`storage.PORTAL`) or one organization (its id).
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.procurement import ocds_extensions, published
from ckanext.procurement.bulk import datasets, storage, writers
from ckanext.procurement.bulk.storage import PORTAL

log = logging.getLogger(__name__)


def limits() -> writers.Limits:
    return writers.Limits(
        max_bytes=int(tk.config.get("ckanext.procurement.bulk.max_package_bytes")),
        max_items=int(tk.config.get("ckanext.procurement.bulk.max_package_items")),
    )


def publishers() -> list[str]:
    """The ids of the organizations that publish at least one process, plus any with bulk files already."""
    ids = {owner for (owner,) in published.records().with_entities(model.Package.owner_org).distinct()}
    if storage.root().is_dir():
        ids.update(path.name for path in storage.root().iterdir()
                   if path.is_dir() and path.name != PORTAL and model.Group.get(path.name) is not None)
    return sorted(ids)


def download_url(organization: Optional[dict], name: str) -> str:
    """The absolute URL of a bulk file (views.py serves these paths)."""
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    if organization is None:
        return f"{site_url}/bulk/portal/{name}"
    return f"{site_url}/bulk/publisher/{organization['name']}/{name}"


def _organization(scope: str) -> Optional[dict]:
    group = model.Group.get(scope)
    if group is None or not group.is_organization or group.state != "active":
        return None
    return {"id": group.id, "name": group.name, "title": group.title}


def generate(scope: str, on_progress: Optional[Callable[[int], None]] = None) -> Optional[dict]:
    """Write the scope's files (swapped in when all are complete) and update its dataset;
    returns the manifest, or None for an organization that no longer exists.

    :raises ckan.plugins.toolkit.ObjectNotFound: for the portal, when
        `ckanext.procurement.bulk.portal_organization` names no active organization."""
    organization = None
    if scope == PORTAL:
        datasets.portal_owner()  # a misconfigured owner stops here, before any file is written
    else:
        organization = _organization(scope)
        if organization is None:
            log.info("Bulk files of %s not regenerated: no such active organization", scope)
            return None
    query = published.records(None if scope == PORTAL else [scope])
    package_settings = datasets.package_settings(scope)
    package_settings["extensions"] = ocds_extensions.for_records(query)

    def publication(name: str):
        return published.publication(download_url(organization, name), organization, **package_settings)

    swap = storage.Swap(scope)
    target = writers.Target(scope=scope, swap=swap, rows=lambda: published.stream(query), publication=publication,
                            limits=limits(), on_progress=on_progress)
    try:
        files = writers.write_files(target)
        manifest = swap.commit(files)
    finally:
        swap.discard()
    datasets.maintain(scope, organization, manifest, target.facts, lambda name: download_url(organization, name))
    log.info("Bulk files of %s regenerated: %d files", scope, len(manifest["files"]))
    return manifest


def generate_all(organization: Optional[str] = None, echo: Callable[[str], None] = log.info) -> list[str]:
    """Regenerate every publisher and the portal (or one organization, by name or id, and the portal)."""
    datasets.portal_owner()  # a misconfigured owner of the portal's dataset: say so before any work
    if organization is not None:
        group = model.Group.get(organization)
        if group is None or not group.is_organization:
            raise tk.ObjectNotFound(tk._("No organization {name!r}").format(name=organization))
        scopes = [group.id]
    else:
        scopes = publishers()
    scopes.append(PORTAL)
    for scope in scopes:
        label = "the whole portal" if scope == PORTAL else (model.Group.get(scope).name)
        echo(f"{label}: regenerating")
        manifest = generate(scope, on_progress=lambda count: echo(f"{label}: {count} processes"))
        if manifest is not None:
            total = next((f["processes"] for f in manifest["files"] if f["kind"] == "compiled-releases"), 0)
            echo(f"{label}: {total} processes in {len(manifest['files'])} files")
    return scopes
