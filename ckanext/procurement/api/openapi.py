"""The OpenAPI 3 description of the OCDS API, served at /api/ocds/openapi.json.

Built from the same names the views read (parameters, limits), so it can't
drift from what the API accepts. Descriptions are in English: OpenAPI tools
and crawlers read them, not residents."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.procurement.api import params

PACKAGE_SCHEMAS = "https://standard.open-contracting.org/schema/1__1__5/{kind}-package-schema.json"

DATE_HELP = {
    "since": "Releases dated at or after this time (the release's own `date`). On /records: records "
             "having such a release.",
    "until": "Releases dated before this time (the release's own `date`). On /records: records having such a release.",
    "modified_since": "Processes the portal changed at or after this time (a harvest or save changed their releases, "
                      "or they were published or restored). Use it to stay in sync: start each crawl with the "
                      "`publishedDate` of your previous crawl's first page, minus a few minutes.",
    "modified_until": "Processes the portal last changed before this time.",
}


def _parameter(name: str, description: str, schema: dict, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


def _list_parameters(kind: str) -> list[dict]:
    default, maximum = params.limits()
    dates = [_parameter(name, DATE_HELP[name] + " ISO 8601 date or date-time; without a time zone, UTC.",
                        {"type": "string", "format": "date-time"}) for name in params.DATE_PARAMETERS]
    return dates + [
        _parameter("publisher", "Only this publisher's processes: the organization's name (as in /organization/<name>).",
                   {"type": "string"}),
        _parameter("ocid", "Only this contracting process (404 if there is none you may see).", {"type": "string"}),
        _parameter("limit", f"{kind.capitalize()}s per page.",
                   {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}),
        _parameter("cursor", "Where a page starts. Opaque: take it from `links.next` or `links.prev`, never build it.",
                   {"type": "string"}),
    ]


def _package_response(kind: str, paged: bool) -> dict:
    description = f"An OCDS {kind} package (version 1.1)"
    if paged:
        description += (", with `links.next` (absent on the last page), `links.prev` (absent on the first page) and "
                        f"`count`, the number of {kind}s of the whole crawl (all pages) with these filters, as counted "
                        "on its first page")
    return {"description": description, "content": {"application/json": {"schema": {
        "$ref": f"#/components/schemas/{kind.capitalize()}Package"}}}}


def _package_schema(kind: str) -> dict:
    """The outline of a package; the OCDS package schema (linked, not fetched) says the rest."""
    return {
        "type": "object",
        "required": ["uri", "publisher", "publishedDate", "version", f"{kind}s"],
        "properties": {
            "uri": {"type": "string", "format": "uri"},
            "version": {"type": "string", "enum": ["1.1"]},
            "publishedDate": {"type": "string", "format": "date-time"},
            "publisher": {"type": "object"},
            "license": {"type": "string", "format": "uri"},
            "publicationPolicy": {"type": "string", "format": "uri"},
            f"{kind}s": {"type": "array", "items": {"type": "object"}},
            "links": {"type": "object", "properties": {"next": {"type": "string", "format": "uri"},
                                                       "prev": {"type": "string", "format": "uri"}}},
            "count": {"type": "integer", "minimum": 0},
        },
        "externalDocs": {"description": f"OCDS 1.1 {kind} package schema", "url": PACKAGE_SCHEMAS.format(kind=kind)},
    }


ERROR = {"description": "A bad parameter (400) or something that does not exist (404), named in `error.parameter`.",
         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def description() -> dict[str, Any]:
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"OCDS API of {tk.config.get('ckan.site_title')}",
            "version": "1.0",
            "description": (
                "Open Contracting Data Standard (OCDS 1.1) releases and records of the portal's public contracting "
                "processes, redacted as the portal publishes them. No authentication is needed; signed-in members "
                "(API token in the Authorization header) also get their organizations' private processes.\n\n"
                "Pages are keyset-paged: follow `links.next` from the first page to the end. Releases come in a "
                "stable order (ocid, release id), so a crawl gets every release that existed when it started "
                "exactly once, even while a harvest changes processes; releases added to processes the crawl had "
                "already passed are found by the next crawl with `modified_since`."),
        },
        "servers": [{"url": site_url + "/api/ocds"}],
        "paths": {
            "/releases": {"get": {
                "summary": "Release packages, every release of the processes that match",
                "operationId": "listReleases",
                "parameters": _list_parameters("release"),
                "responses": {"200": _package_response("release", True), "400": ERROR, "404": ERROR},
            }},
            "/records": {"get": {
                "summary": "Record packages: each process's releases and compiled release",
                "operationId": "listRecords",
                "parameters": _list_parameters("record"),
                "responses": {"200": _package_response("record", True), "400": ERROR, "404": ERROR},
            }},
            "/records/{ocid}": {"get": {
                "summary": "The record package of one contracting process",
                "operationId": "getRecord",
                "parameters": [_parameter("ocid", "The process's OCDS identifier.", {"type": "string"}, "path", True)],
                "responses": {"200": _package_response("record", False), "404": ERROR},
            }},
        },
        "components": {"schemas": {"ReleasePackage": _package_schema("release"), "RecordPackage": _package_schema("record"), "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "object", "properties": {
                "parameter": {"type": "string", "description": "The parameter that is wrong"},
                "message": {"type": "string"},
                "status": {"type": "integer"},
            }}},
        }}},
    }
