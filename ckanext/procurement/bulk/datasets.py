"""The `procurement-dataset` of each scope, created and kept up to date with its bulk files.

A regeneration owns the resources (the bulk files) and the generated fields
(coverage dates, lifecycle stages, and the OCID prefix while none is set).
Everything else (title, description, license, publication policy, update
frequency, tags...) is set once at creation and is the coordinator's from then
on: a regeneration never overwrites it. A dataset the coordinator deleted stays
deleted (its files are still served).

The dataset's id is derived from the site and the scope, so it is found again
whatever the coordinator renames. The portal's dataset belongs to
`ckanext.procurement.bulk.portal_organization`, else to the oldest
organization that publishes processes.
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Callable, Optional

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.procurement import published, settings as site_settings
from ckanext.procurement.bulk.storage import PORTAL
from ckanext.procurement.bulk.writers import UNDATED, Facts
from ckanext.procurement.dataset import BULK_DATASET_TYPE
from ckanext.procurement.labels import STAGES

log = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("5b0f3c3e-6a52-4d8e-9a51-0c1f6f3b2d7a")
GENERATING = "procurement_bulk_generating"  # in the context of the regeneration's own saves
OCID_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}$")
DEFAULT_UPDATE_FREQUENCY = "irregular"
PORTAL_ORGANIZATION = "ckanext.procurement.bulk.portal_organization"  # regenerated after each harvest that changed something


def dataset_id(scope: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{tk.config.get('ckan.site_id')}/{scope}"))


def scope_of(package: dict) -> Optional[str]:
    """The scope whose bulk dataset `package` is, if it is one."""
    for scope in (package.get("owner_org"), PORTAL):
        if scope and package.get("id") == dataset_id(scope):
            return scope
    return None


def _context() -> dict:
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": user, "ignore_auth": True, GENERATING: True}


def current(scope: str) -> Optional[dict]:
    package = model.Package.get(dataset_id(scope))
    if package is None or package.state == "deleted":
        return None
    return tk.get_action("package_show")(_context(), {"id": package.id})


def package_settings(scope: str) -> dict:
    """The coordinator's license and publication policy, for the files' package metadata."""
    dataset = current(scope) or {}
    return {"license_id": dataset.get("license_id"), "publication_policy": dataset.get("publication_policy_url")}


def portal_owner() -> Optional[str]:
    """The organization owning the portal's dataset: the configured one, else the oldest publisher.

    :raises ckan.plugins.toolkit.ObjectNotFound: the configured one is not an active organization
        (a typo would otherwise hand the portal's dataset to whoever published first)."""
    configured = tk.config.get(PORTAL_ORGANIZATION)
    if configured:
        group = model.Group.get(configured)
        if group is not None and group.is_organization and group.state == "active":
            return group.id
        raise tk.ObjectNotFound(tk._("{option} is {name!r}, which is not an active organization: "
                                     "set it to an organization's name or id, or leave it empty").format(
                                         option=PORTAL_ORGANIZATION, name=configured))
    publishers = published.records().with_entities(model.Package.owner_org).distinct().subquery()
    oldest = (model.Session.query(model.Group.id)
              .filter(model.Group.id.in_(model.Session.query(publishers.c.owner_org)), model.Group.state == "active")
              .order_by(model.Group.created, model.Group.id).first())
    return oldest[0] if oldest else None


def maintain(scope: str, organization: Optional[dict], manifest: dict, facts: Facts,
             url_for: Callable[[str], str]) -> Optional[dict]:
    """Create the scope's dataset, or rewrite its resources and generated fields."""
    package = model.Package.get(dataset_id(scope))
    if package is not None and package.state == "deleted":
        return None
    existing = current(scope) if package is not None else None
    data = dict(existing) if existing else _new(scope, organization, facts)
    if data is None:
        return None
    resources = (existing or {}).get("resources") or []
    data["resources"] = _resources(manifest, url_for, resources) + [_api_resource(organization, resources)]
    data.update(_generated(facts, existing))
    action = "package_update" if existing else "package_create"
    return tk.get_action(action)(_context(), data)


def _new(scope: str, organization: Optional[dict], facts: Facts) -> Optional[dict]:
    owner = organization["id"] if organization else portal_owner()
    if owner is None or not facts.stages:
        return None  # nothing published yet
    publisher = organization.get("title") or organization["name"] if organization else tk.config.get("ckan.site_title")
    base = f"{organization['name']}-ocds" if organization else "ocds-bulk-data"
    name = base[:90]
    if model.Package.get(name) is not None:
        name = f"{name}-{dataset_id(scope)[:8]}"
    return {
        "id": dataset_id(scope),
        "type": BULK_DATASET_TYPE,
        "name": name,
        "title": tk._("{publisher}: contracting processes (OCDS bulk data)").format(publisher=publisher),
        "notes": tk._("Every public contracting process of {publisher}, in OCDS: compiled releases (JSON Lines), "
                      "release packages by year and a record package. The files are regenerated after each "
                      "harvest that changes something.").format(publisher=publisher),
        "owner_org": owner,
        "license_id": site_settings.default_license(),
        "update_frequency": DEFAULT_UPDATE_FREQUENCY,
        "publication_policy_url": tk.config.get("ckanext.procurement.publication_policy_url") or None,
    }


def _generated(facts: Facts, existing: Optional[dict]) -> dict:
    fields = {}
    if facts.stages:
        fields["lifecycle_stages"] = [stage for stage in STAGES if stage in facts.stages]
    if facts.first_date and facts.last_date:
        fields["coverage_start_date"], fields["coverage_end_date"] = facts.first_date, facts.last_date
    prefixes = facts.ocid_prefixes
    if len(prefixes) == 1 and OCID_PREFIX.match(next(iter(prefixes))) and not (existing or {}).get("ocid_prefix"):
        fields["ocid_prefix"] = next(iter(prefixes))
    return {key: value for key, value in fields.items() if value is not None}


def _resources(manifest: dict, url_for: Callable[[str], str], existing: list[dict]) -> list[dict]:
    ids = {resource.get("url"): resource["id"] for resource in existing}
    parts: dict[tuple, int] = {}  # how many parts each package file has
    for entry in manifest["files"]:
        if entry["kind"] in ("release-package", "record-package"):
            key = (entry["kind"], entry.get("year"))
            parts[key] = parts.get(key, 0) + 1
    resources = []
    for entry in manifest["files"]:
        url = url_for(entry["name"])
        resource = {
            "url": url,
            "name": _title(entry, parts.get((entry["kind"], entry.get("year")), 1) > 1),
            "description": _description(entry),
            "format": entry["format"],
            "mimetype": entry["mimetype"],
            "size": entry["size"],
            "last_modified": entry["modified"].rstrip("Z"),
        }
        if url in ids:
            resource["id"] = ids[url]
        resources.append(resource)
    return resources


def _api_resource(organization: Optional[dict], existing: list[dict]) -> dict:
    """The OCDS API, by its OpenAPI description: the same data, paged, for crawlers and apps."""
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    releases = f"{site_url}/api/ocds/releases" + (f"?publisher={organization['name']}" if organization else "")
    resource = {
        "url": f"{site_url}/api/ocds/openapi.json",
        "name": tk._("OCDS API (OpenAPI description)"),
        "description": tk._("The same processes as release and record packages, paged for crawlers: "
                            "{releases} (follow links.next); records at /api/ocds/records.").format(releases=releases),
        "format": "OpenAPI",
        "mimetype": "application/vnd.oai.openapi+json",
    }
    known = next((r["id"] for r in existing if r.get("url") == resource["url"]), None)
    return dict(resource, id=known) if known else resource


def _title(entry: dict, split: bool) -> str:
    year = tk._("undated") if entry.get("year") == UNDATED else entry.get("year")
    kind = entry["kind"]
    if kind == "compiled-releases":
        if year:
            return tk._("Compiled releases, {year} (JSON Lines, gzip)").format(year=year)
        return tk._("Compiled releases, all years (JSON Lines, gzip)")
    if kind == "release-package":
        if split:
            return tk._("Release package, {year}, part {part} (gzip)").format(year=year, part=entry["part"])
        return tk._("Release package, {year} (gzip)").format(year=year)
    if kind == "record-package" and split:
        return tk._("Record package, all years, part {part} (gzip)").format(part=entry["part"])
    titles = {
        "record-package": tk._("Record package, all years (gzip)"),
        "flat-csv": tk._("Flattened tables (CSV files, zip)"),
        "flat-xlsx": tk._("Flattened tables (XLSX)"),
        "data-dictionary": tk._("Data dictionary (CSV)"),
    }
    return titles.get(kind, entry["name"])


def _description(entry: dict) -> str:
    count = entry.get("processes") or 0
    text = tk.ungettext("{count} contracting process.", "{count} contracting processes.", count).format(count=count)
    if entry.get("year") == UNDATED:
        text += " " + tk._("Without a release date.")
    elif entry.get("year") and entry["kind"] == "compiled-releases":
        text += " " + tk._("Processes whose first release is dated {year}.").format(year=entry["year"])
    elif entry.get("year") and entry["kind"] == "release-package":
        text += " " + tk._("Releases dated {year}.").format(year=entry["year"])
    return text
