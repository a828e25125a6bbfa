"""OCDS release and record packages: the envelope every publication wraps its data in.

Built here once, for the bulk files and the API alike. Knows nothing of CKAN:
the caller says who publishes (`Publication`) and hands over releases or records.
Writers stream: a package of 100,000 records never sits in memory.
"""
from __future__ import annotations

import dataclasses
import json
from typing import IO, Any, Iterable, Optional

import jsonschema
import referencing
import referencing.jsonschema

from . import schema

OCDS_VERSION = "1.1"


@dataclasses.dataclass(frozen=True)
class Publication:
    """What a package says about itself and its publisher (OCDS package metadata)."""

    uri: str
    publisher_name: str
    published_date: str  # ISO 8601, e.g. "2026-11-30T17:00:00Z"
    publisher_uri: Optional[str] = None
    license: Optional[str] = None  # the license's URL
    publication_policy: Optional[str] = None  # URL of the publication policy
    extensions: tuple[str, ...] = ()  # URLs of extension.json files the data uses

    def metadata(self) -> dict[str, Any]:
        publisher = {"name": self.publisher_name}
        if self.publisher_uri:
            publisher["uri"] = self.publisher_uri
        fields = {
            "uri": self.uri,
            "version": OCDS_VERSION,
            "publishedDate": self.published_date,
            "publisher": publisher,
            "license": self.license,
            "publicationPolicy": self.publication_policy,
            "extensions": list(self.extensions) or None,
        }
        return {key: value for key, value in fields.items() if value is not None}


def record(ocid: str, releases: list[dict], compiled_release: dict) -> dict[str, Any]:
    """A record with its releases embedded (they are what the portal holds) and its compiled release."""
    return {"ocid": ocid, "releases": releases, "compiledRelease": compiled_release}


def release_package(releases: list[dict], publication: Publication, links: Optional[dict] = None) -> dict[str, Any]:
    package = dict(publication.metadata(), releases=releases)
    if links:
        package["links"] = links
    return package


def record_package(records: list[dict], publication: Publication, links: Optional[dict] = None) -> dict[str, Any]:
    package = dict(publication.metadata(), records=records)
    if links:
        package["links"] = links
    return package


def write_release_package(out: IO[str], releases: Iterable[dict], publication: Publication) -> int:
    """Write a release package to `out` one release at a time; returns how many."""
    return _write(out, publication.metadata(), "releases", releases)


def write_record_package(out: IO[str], records: Iterable[dict], publication: Publication) -> int:
    """Write a record package to `out` one record at a time; returns how many."""
    return _write(out, publication.metadata(), "records", records)


def _write(out: IO[str], metadata: dict, key: str, items: Iterable[dict]) -> int:
    head = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    out.write(head[:-1] + f',"{key}":[')
    count = 0
    for item in items:
        if count:
            out.write(",")
        out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        count += 1
    out.write("]}")
    return count


def validator(kind: str) -> jsonschema.Draft4Validator:
    """A validator of the OCDS 1.1.5 `release` or `record` package schema shipped with the package
    (the release schema it refers to is resolved locally: nothing is downloaded)."""
    directory = schema.PACKAGED_SCHEMA_DIR
    release_schema = json.loads((directory / "release-schema.json").read_text())
    package_schema = json.loads((directory / f"{kind}-package-schema.json").read_text())
    registry = referencing.Registry().with_resource(
        release_schema["id"], referencing.Resource.from_contents(release_schema, referencing.jsonschema.DRAFT4))
    return jsonschema.Draft4Validator(package_schema, registry=registry, format_checker=jsonschema.FormatChecker())
