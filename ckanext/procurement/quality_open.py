"""Open data principles of a publisher (or of the portal), for the publication quality figures.

An open license on every public process and on the bulk dataset, a publication policy, bulk
downloads and the OCDS API, and healthy harvest sources. Each is a few indexed queries (counts
grouped by license, each source's last job), answered when the figures are shown, so they are
never older than the page. Harvest sources are shown to whoever may see the source; what a
source sent back (rejected releases and their reasons, the link to the job report) only to
those ckanext-harvest shows its job reports to: the source's editors.
"""
from __future__ import annotations

from typing import Optional
from urllib.parse import urlparse

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.procurement import published
from ckanext.procurement.model import ProcurementRecord

# rejected releases listed per source (the job report has them all)
MAX_REJECTED = 10
MAX_SOURCES = 100
MAX_EXAMPLES = 20
WARNING = "Warning:"  # how the harvesters begin a problem they worked around (ocds.parse.Problem)


def _is_open(license_id: Optional[str]) -> bool:
    license = model.Package.get_license_register().get(license_id) if license_id else None
    return bool(license is not None and license.isopen())


def _license_title(license_id: Optional[str]) -> Optional[str]:
    license = model.Package.get_license_register().get(license_id) if license_id else None
    return license.title if license is not None else license_id


def licenses(organization_id: Optional[str]) -> dict:
    """The public processes by license; how many lack an open one, and some of them."""
    scope = [organization_id] if organization_id else None
    rows = (published.records(scope).order_by(None)
            .with_entities(model.Package.license_id, sa.func.count(ProcurementRecord.ocid))
            .group_by(model.Package.license_id).all())
    counts = [{"id": license_id, "title": _license_title(license_id), "open": _is_open(license_id),
               "processes": count} for license_id, count in sorted(rows, key=lambda row: (-row[1], row[0] or ""))]
    closed = [row["id"] for row in counts if not row["open"]]
    examples = []
    if closed:
        without = model.Package.license_id.in_([c for c in closed if c is not None])
        if None in closed:
            without = sa.or_(without, model.Package.license_id.is_(None))
        examples = [ocid for (ocid,) in published.records(scope).filter(without)
                    .with_entities(ProcurementRecord.ocid).order_by(ProcurementRecord.ocid).limit(MAX_EXAMPLES)]
    without_open = sum(row["processes"] for row in counts if not row["open"])
    return {"licenses": counts, "without_open_license": without_open, "examples": examples,
            "met": without_open == 0}


def bulk_dataset(organization_id: Optional[str]) -> dict:
    """The scope's bulk dataset (its files, license and publication policy), as a visitor sees it."""
    from ckanext.procurement.bulk import datasets, storage

    scope = organization_id or storage.PORTAL
    files = len((storage.read_manifest(scope) or {}).get("files") or [])
    package = model.Package.get(datasets.dataset_id(scope))
    shown = package is not None and package.state == "active" and not package.private
    return {
        "files": files,
        "met": files > 0,
        "dataset": {"name": package.name, "type": package.type, "license_id": package.license_id,
                    "license_title": _license_title(package.license_id), "open": _is_open(package.license_id)}
        if shown else None,
        "policy": (package.extras.get("publication_policy_url") if shown else None),
    }


def publication_policy(bulk: dict) -> dict:
    """The bulk dataset's publication policy, else the site's (``ckanext.procurement.publication_policy_url``)."""
    url = bulk.get("policy") or tk.config.get("ckanext.procurement.publication_policy_url") or None
    if url and urlparse(url).scheme not in ("http", "https"):  # linked on the page: never a javascript: URL
        url = None
    return {"url": url, "met": bool(url)}


def report(organization_id: Optional[str], context: dict) -> dict:
    bulk = bulk_dataset(organization_id)
    organization = model.Group.get(organization_id) if organization_id else None
    return {
        "licenses": licenses(organization_id),
        "bulk": {key: bulk[key] for key in ("files", "met", "dataset")},
        "bulk_license_open": bool(bulk["dataset"] and bulk["dataset"]["open"]),
        "publication_policy": publication_policy(bulk),
        # the OCDS API serves every public process, always
        "api": {"met": True, "path": "/api/ocds/releases",
                "publisher": organization.name if organization is not None else None},
        "harvest_sources": harvest_sources(organization_id, context),
    }


# --- Harvest sources -------------------------------------------------------------------------

def _allowed(action: str, context: dict, data_dict: dict) -> bool:
    try:
        tk.check_access(action, {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")},
                        data_dict)
        return True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False


def harvest_sources(organization_id: Optional[str], context: dict) -> list[dict]:
    """Each harvest source (of the organization) the viewer may see: its last job and how it went."""
    from ckanext.harvest.model import HarvestSource

    query = (model.Session.query(HarvestSource, model.Package)
             .join(model.Package, model.Package.id == HarvestSource.id)
             .filter(model.Package.state == "active"))
    if organization_id:
        query = query.filter(model.Package.owner_org == organization_id)
    found = []
    for source, package in query.order_by(model.Package.name).limit(MAX_SOURCES):
        if not _allowed("harvest_source_show", context, {"id": source.id}):
            continue
        found.append(_source_health(source, package, context))
    return found


def _source_health(source, package: model.Package, context: dict) -> dict:
    from ckanext.harvest.model import HarvestJob

    job = (model.Session.query(HarvestJob).filter(HarvestJob.source_id == source.id)
           .order_by(HarvestJob.created.desc()).first())
    health = {"name": package.name, "title": package.title or package.name, "type": source.type,
              "active": bool(source.active), "last_job": None}
    if job is None:
        return health
    editor = _allowed("harvest_job_show", context, {"id": job.id})
    counts = _job_errors(job.id)
    finished = job.finished or job.gather_finished
    health["last_job"] = {
        "id": job.id if editor else None,
        "status": job.status,
        "created": job.created.isoformat() if job.created else None,
        "finished": finished.isoformat() if finished else None,
        "errors": counts["errors"],
        "warnings": counts["warnings"],
        "rejected": counts["rejected"],
        # what the source sent, and why it was refused: for those who see the job report
        "rejected_releases": counts["first_rejected"] if editor else None,
        "healthy": job.status == "Finished" and not counts["errors"] and not counts["rejected"],
    }
    return health


def _split(query, message) -> tuple[int, int]:
    """(errors, warnings) of a query of messages: a problem the harvest used anyway is a "Warning: ..."."""
    warning = message.like(WARNING + "%")
    counts = dict(query.with_entities(warning, sa.func.count()).group_by(warning).all())
    return counts.get(False, 0), counts.get(True, 0)


def _job_errors(job_id: str) -> dict:
    """Counts of the job's errors and warnings, of the objects refused, and the first refused with their reasons."""
    from ckanext.harvest.model import HarvestGatherError, HarvestObject, HarvestObjectError

    session = model.Session
    gather = session.query(HarvestGatherError).filter(HarvestGatherError.harvest_job_id == job_id)
    objects = (session.query(HarvestObjectError)
               .join(HarvestObject, HarvestObject.id == HarvestObjectError.harvest_object_id)
               .filter(HarvestObject.harvest_job_id == job_id))
    refused = session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job_id, HarvestObject.state == "ERROR")
    first = refused.with_entities(HarvestObject.id, HarvestObject.guid).order_by(HarvestObject.guid).limit(MAX_REJECTED).all()
    reasons: dict[str, list[str]] = {object_id: [] for object_id, _guid in first}
    if reasons:
        for object_id, message in (session.query(HarvestObjectError.harvest_object_id, HarvestObjectError.message)
                                   .filter(HarvestObjectError.harvest_object_id.in_(list(reasons)))
                                   .order_by(HarvestObjectError.created)):
            reasons[object_id].append(message)
    gather_errors, gather_warnings = _split(gather, HarvestGatherError.message)
    object_errors, object_warnings = _split(objects, HarvestObjectError.message)
    return {"errors": gather_errors + object_errors, "warnings": gather_warnings + object_warnings,
            "rejected": refused.count(),
            "first_rejected": [{"ocid": guid, "reasons": reasons[object_id]} for object_id, guid in first]}
