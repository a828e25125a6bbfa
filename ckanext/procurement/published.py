"""What the portal publishes: the contracting processes anyone may take.

One definition, read by every way data leaves the portal (bulk files, the OCDS
API, downloads): a process is public when its dataset is active (not withdrawn,
not deleted) and not private (private covers processes waiting for a
coordinator's review). What a record holds is already redacted: withheld paths
never reach `procurement_record`.
"""
from __future__ import annotations

import datetime
from typing import Iterator, Optional

import sqlalchemy as sa

from ckan import model
import ckan.plugins.toolkit as tk

from ckanext.procurement import settings
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.ocds import packages


def records(
    organization_ids: Optional[list[str]] = None,
    visible_private_organizations: Optional[list[str]] = None,
):
    """A query of (ProcurementRecord, owner organization id) for the processes published.

    `organization_ids` narrows to those publishers; `visible_private_organizations`
    adds the private processes of organizations the caller may see (a signed-in
    member), never anyone else's."""
    Package = model.Package
    visible = Package.private.is_(False)
    if visible_private_organizations:
        visible = sa.or_(visible, Package.owner_org.in_(visible_private_organizations))
    query = (
        model.Session.query(ProcurementRecord, Package.owner_org)
        .join(Package, Package.id == ProcurementRecord.package_id)
        .filter(Package.state == "active", Package.type == DATASET_TYPE, visible)
    )
    if organization_ids is not None:
        query = query.filter(Package.owner_org.in_(organization_ids))
    return query


def count(organization_ids: Optional[list[str]] = None) -> int:
    return records(organization_ids).order_by(None).count()


def stream(query, batch_size: int = 200) -> Iterator[tuple[ProcurementRecord, str]]:
    """Rows of a `records()` query in a stable order (ocid), fetched in batches by keyset so
    that memory stays flat however many processes there are, and rows are detached as they go."""
    last_ocid = None
    while True:
        page = query.order_by(ProcurementRecord.ocid)
        if last_ocid is not None:
            page = page.filter(ProcurementRecord.ocid > last_ocid)
        rows = page.limit(batch_size).all()
        if not rows:
            return
        for row in rows:
            yield row
        last_ocid = rows[-1][0].ocid
        for record, _ in rows:
            model.Session.expunge(record)


def touch(pkg_dict: dict) -> None:
    """A process's dataset changed (published after review, restored, edited): its record
    counts as modified, so that a crawl with `modified_since` finds its releases."""
    if pkg_dict.get("type") == DATASET_TYPE and pkg_dict.get("id"):
        _mark_modified([pkg_dict["id"]])


def touch_datasets(package_ids: list[str]) -> None:
    """An organization's bulk "Make public" writes the datasets without the package actions (no
    after_dataset_update): the records of the processes it publishes count as modified too."""
    if package_ids:
        _mark_modified(package_ids)
        model.Session.commit()


def _mark_modified(package_ids: list[str]) -> None:
    model.Session.query(ProcurementRecord).filter(ProcurementRecord.package_id.in_(package_ids)).update(
        {"modified": datetime.datetime.utcnow()}, synchronize_session=False)


def publication(uri: str, organization: Optional[dict] = None, license_id: Optional[str] = None,
                publication_policy: Optional[str] = None, extensions: tuple[str, ...] = ()) -> packages.Publication:
    """Package metadata for what `organization` publishes (None: the whole portal).

    The license is the bulk dataset's (`license_id`), else the site's default for processes;
    the publication policy is the bulk dataset's, else `ckanext.procurement.publication_policy_url`;
    `extensions` are the OCDS extensions the packaged processes' sources declare (ocds_extensions.py)."""
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    if organization:
        name = organization.get("title") or organization["name"]
        publisher_uri = f"{site_url}/organization/{organization['name']}"
    else:
        name = tk.config.get("ckan.site_title")
        publisher_uri = site_url
    license = model.Package.get_license_register().get(license_id or settings.default_license())
    return packages.Publication(
        uri=uri,
        publisher_name=name,
        publisher_uri=publisher_uri,
        published_date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        license=(license.url or None) if license is not None else None,
        publication_policy=publication_policy or tk.config.get("ckanext.procurement.publication_policy_url") or None,
        extensions=tuple(extensions),
    )
