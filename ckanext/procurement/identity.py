"""One ocid, one dataset: which dataset is a contracting process's, and the name a new one gets.

A process is always found by its exact ocid, never by the name derived from
it (`ocds-abc123-X` and `OCDS-ABC123-x` derive the same name). The
procurement_record table is the ocid -> dataset map; a withdrawn (deleted)
dataset keeps its record, so a restored process gets its old dataset and
name back. A process dataset created without a record (package_create) is
found by its `ocid` field.
"""
from __future__ import annotations

import re

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.procurement import naming
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.model import ProcurementRecord

MAX_NAME_ATTEMPTS = 20
OCID_PREFIX_RE = re.compile(r"^ocds-[a-z0-9]{6}$")
PREFIX_OWNERS_OPTION = "ckanext.procurement.ocid_prefixes"


def package_for_ocid(ocid: str) -> model.Package | None:
    """The dataset of `ocid` (in any state), or None."""
    if not isinstance(ocid, str) or not ocid:
        return None
    record = ProcurementRecord.get(ocid)
    if record is not None:
        package = model.Package.get(record.package_id)
        if package is not None:
            return package
    return _packages_with_ocid(ocid).order_by(model.Package.state != "active", model.Package.metadata_created).first()


def other_package_with_ocid(ocid: str, own_id: str | None) -> model.Package | None:
    """A dataset other than `own_id`, not deleted, whose ocid is exactly `ocid`."""
    query = _packages_with_ocid(ocid).filter(model.Package.state != "deleted")
    if own_id:
        query = query.filter(model.Package.id != own_id)
    return query.first()


def record_ocid(package_id: str | None) -> str | None:
    """The ocid whose releases a dataset holds (its record's), which is that dataset's for good."""
    record = ProcurementRecord.by_package(package_id) if package_id else None
    return record.ocid if record is not None else None


def held_by_another_record(ocid: str, own_id: str | None) -> bool:
    """Whether the releases of `ocid` belong to a dataset other than `own_id`, withdrawn ones included
    (a withdrawn process comes back as its own dataset when it is published again)."""
    record = ProcurementRecord.get(ocid)
    return record is not None and record.package_id != own_id and model.Package.get(record.package_id) is not None


def name_for_process(ocid: str, own_id: str | None = None) -> str:
    """The derived name, or, when another dataset (of any type or state) holds it,
    the derived name with a short hash of the exact ocid."""
    candidates = [naming.name_from_ocid(ocid)] + [naming.disambiguated_name(ocid, n) for n in range(MAX_NAME_ATTEMPTS)]
    for name in candidates:
        holder = model.Package.by_name(name)
        if holder is None or holder.id == own_id:
            return name
    return candidates[-1]  # package_name_validator then says the name is taken


def _packages_with_ocid(ocid: str):
    return (
        model.Session.query(model.Package)
        .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
        .filter(model.PackageExtra.key == "ocid", model.PackageExtra.value == ocid, model.Package.type == DATASET_TYPE)
    )


def prefix_owners() -> dict[str, str]:
    """`ckanext.procurement.ocid_prefixes`: each ocid prefix the site's sysadmin registered to an
    organization (`ocds-abc123=organization-name`), as OCP registers prefixes to publishers."""
    owners = {}
    for entry in tk.aslist(tk.config.get(PREFIX_OWNERS_OPTION)):
        prefix, separator, organization = entry.partition("=")
        if not separator or not OCID_PREFIX_RE.match(prefix) or not organization:
            raise tk.ValidationError({PREFIX_OWNERS_OPTION: [
                tk._("{entry!r} is not an ocid prefix and an organization name, as in ocds-abc123=city-of-springfield").format(entry=entry)]})
        owners[prefix] = organization
    return owners


def registered_prefix(ocid: str) -> tuple[str, str] | None:
    """(prefix, organization name) when `ocid`'s prefix is registered to an organization."""
    for prefix, organization in prefix_owners().items():
        if isinstance(ocid, str) and ocid.startswith(prefix + "-"):
            return prefix, organization
    return None


def registered_to(ocid: str, organization_id: str | None) -> bool:
    """Whether `ocid`'s prefix is registered to this organization (given by id or name)."""
    registered = registered_prefix(ocid)
    if registered is None or not organization_id:
        return False
    group = model.Group.get(registered[1])
    return group is not None and organization_id in (group.id, group.name)


def unregistered_owner_problem(ocid: str, organization_id: str | None) -> str | None:
    """Why this organization may not hold `ocid` (its prefix is another's); None if it may."""
    registered = registered_prefix(ocid)
    if registered is None or registered_to(ocid, organization_id):
        return None
    prefix, organization = registered
    return tk._("ocid prefix {prefix} is registered to organization {organization}: only it may publish "
                "this process").format(prefix=prefix, organization=organization)
