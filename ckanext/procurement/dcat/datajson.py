"""`/data.json`: the catalog in DCAT-US 1.1 (Project Open Data), which data.gov harvests.

ckanext-datajson, GSA's extension, pins jsonschema 2.4 (this project needs
jsonschema 4 for OCDS), so the portal serves the file itself. It lists the
same datasets as the DCAT catalog (see `ckanext.procurement.dcat`), page by
page from the search index, and is streamed: with
`ckanext.procurement.dcat.include_processes` on it may hold 100,000 entries.

Valid against the non-federal DCAT-US 1.1 schema (what data.gov checks a
city's or a state's catalog against); with `bureau_code` and `program_code`
set, and `contact_email`, against the federal one too.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from flask import Blueprint, Response, stream_with_context
from werkzeug.routing import BuildError

import ckan.plugins.toolkit as tk
from ckanext.dcat.utils import dataset_uri

from ckanext.procurement.dataset import BULK_DATASET_TYPE, DATASET_TYPE
from ckanext.procurement.dcat import OCDS_RELEASE_SCHEMA_URI, OCDS_STANDARD_URI, listing_catalog
from ckanext.procurement.dcat.formats import ISO_FREQUENCIES, media_type

POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
POD_CONTEXT = f"{POD_SCHEMA}/catalog.jsonld"
POD_CATALOG_SCHEMA = f"{POD_SCHEMA}/catalog.json"
PROCUREMENT_TYPES = {BULK_DATASET_TYPE, DATASET_TYPE}
PROCUREMENT_KEYWORDS = ["procurement", "contracts", "open contracting", "OCDS"]
PAGE_SIZE = 1000
# DCAT-US's own pattern for a contact's e-mail: anything else is left out, not published invalid
MAILTO = re.compile(r"^mailto:[\w\_\~\!\$\&\'\(\)\*\+\,\;\=\:.-]+@[\w.-]+\.[\w.-]+?$")

blueprint = Blueprint("procurement_datajson", __name__)


@blueprint.route("/data.json")
def data_json() -> Response:
    first_page = _search(0)  # before the first byte, so that a search failure is an error page
    return Response(stream_with_context(_catalog(first_page)), mimetype="application/json")


def _catalog(first_page: dict[str, Any]) -> Iterator[str]:
    header = {
        "@context": POD_CONTEXT,
        "@id": tk.url_for("procurement_datajson.data_json", _external=True),
        "@type": "dcat:Catalog",
        "conformsTo": POD_SCHEMA,
        "describedBy": POD_CATALOG_SCHEMA,
    }
    yield json.dumps(header)[:-1] + ', "dataset": ['
    separator = ""
    for pkg in _datasets(first_page):
        yield separator + json.dumps(dataset_entry(pkg))
        separator = ", "
    yield "]}"


def _datasets(page: dict[str, Any]) -> Iterator[dict[str, Any]]:
    start = 0
    while page["results"]:
        yield from page["results"]
        start += len(page["results"])
        if start >= page["count"]:
            return
        page = _search(start)


def _search(start: int) -> dict[str, Any]:
    # public datasets only, whoever asks: this is the catalog the public harvests
    with listing_catalog():
        return tk.get_action("package_search")(
            {}, {"q": "*:*", "rows": PAGE_SIZE, "start": start, "sort": "name asc", "include_private": False},
        )


def dataset_entry(pkg: dict[str, Any]) -> dict[str, Any]:
    """One dataset in DCAT-US 1.1."""
    procurement = pkg.get("type") in PROCUREMENT_TYPES
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": pkg.get("title") or pkg["name"],
        "description": pkg.get("notes") or pkg.get("title") or pkg["name"],
        "modified": _timestamp(pkg["metadata_modified"]),
        "issued": _timestamp(pkg["metadata_created"]),
        "publisher": {"@type": "org:Organization", "name": _publisher_name(pkg)},
        "contactPoint": _contact_point(pkg),
        "identifier": dataset_uri(pkg),
        "accessLevel": "public",
        "landingPage": _landing_page(pkg),
        "language": [_language()],
    }
    keywords = [tag["name"] for tag in pkg.get("tags") or []]
    if procurement:
        keywords += [word for word in PROCUREMENT_KEYWORDS if word not in keywords]
        entry["conformsTo"] = OCDS_STANDARD_URI
        entry["describedBy"] = OCDS_RELEASE_SCHEMA_URI
        entry["describedByType"] = "application/schema+json"
    federal = _federal_codes()
    if not keywords and federal:
        keywords = [entry["publisher"]["name"]]  # the federal schema requires one
    if keywords:
        entry["keyword"] = keywords
    if pkg.get("license_url"):
        entry["license"] = pkg["license_url"]
    if pkg.get("update_frequency") in ISO_FREQUENCIES:
        entry["accrualPeriodicity"] = ISO_FREQUENCIES[pkg["update_frequency"]]
    if pkg.get("coverage_start_date") and pkg.get("coverage_end_date"):
        entry["temporal"] = f"{pkg['coverage_start_date']}/{pkg['coverage_end_date']}"
    if pkg.get("publication_policy_url"):
        entry["references"] = [pkg["publication_policy_url"]]
    entry.update(federal)
    distributions = [_distribution(resource) for resource in pkg.get("resources") or [] if resource.get("url")]
    if distributions:
        entry["distribution"] = distributions
    return entry


def _federal_codes() -> dict[str, list[str]]:
    """A federal agency's bureau and program codes, given to every dataset."""
    codes = {
        "bureauCode": tk.config.get("ckanext.procurement.datajson.bureau_code"),
        "programCode": tk.config.get("ckanext.procurement.datajson.program_code"),
    }
    return {key: tk.aslist(value) for key, value in codes.items() if value}


def _distribution(resource: dict[str, Any]) -> dict[str, Any]:
    distribution: dict[str, Any] = {"@type": "dcat:Distribution"}
    mimetype = media_type(resource)
    if mimetype:
        distribution["downloadURL"] = resource["url"]
        distribution["mediaType"] = mimetype
    else:  # a page or an API rather than a file
        distribution["accessURL"] = resource["url"]
    for key, field in (("title", "name"), ("description", "description"), ("format", "format")):
        if resource.get(field):
            distribution[key] = resource[field]
    return distribution


def _landing_page(pkg: dict[str, Any]) -> str:
    try:
        return tk.url_for(f"{pkg['type']}.read", id=pkg["name"], _external=True)
    except BuildError:  # a type with no pages of its own
        return tk.url_for("dataset.read", id=pkg["name"], _external=True)


def _publisher_name(pkg: dict[str, Any]) -> str:
    organization = pkg.get("organization") or {}
    return organization.get("title") or organization.get("name") or tk.config.get("ckan.site_title") or "CKAN"


def _contact_point(pkg: dict[str, Any]) -> dict[str, Any]:
    contact = {
        "@type": "vcard:Contact",
        "fn": pkg.get("maintainer") or pkg.get("author") or _publisher_name(pkg),
    }
    email = pkg.get("maintainer_email") or pkg.get("author_email") or tk.config.get(
        "ckanext.procurement.datajson.contact_email")
    if email and MAILTO.match(f"mailto:{email}"):
        contact["hasEmail"] = f"mailto:{email}"
    return contact


def _timestamp(value: str) -> str:
    """CKAN's UTC timestamps (no zone) in ISO 8601 with their zone."""
    return value[:19] + "Z"


def _language() -> str:
    return str(tk.config.get("ckan.locale_default") or "en").replace("_", "-")
