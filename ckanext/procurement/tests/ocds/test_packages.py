"""Release and record packages, whole and streamed, validate against the OCDS 1.1.5 package schemas."""
from __future__ import annotations

import io
import json

import pytest

from ckanext.procurement.ocds import packages

PUBLICATION = packages.Publication(
    uri="https://portal.example/api/ocds/releases", publisher_name="City of Springfield",
    publisher_uri="https://portal.example", published_date="2026-11-30T17:00:00Z",
    license="https://creativecommons.org/licenses/by/4.0/", publication_policy="https://portal.example/policy",
)
RELEASE = {"ocid": "ocds-213czf-1", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"],
           "initiationType": "tender"}


def _errors(kind: str, package: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in packages.validator(kind).iter_errors(package)]


def test_release_package_is_valid_ocds():
    package = packages.release_package([RELEASE], PUBLICATION, links={"next": "https://portal.example/next"})
    assert _errors("release", package) == []
    assert package["publisher"] == {"name": "City of Springfield", "uri": "https://portal.example"}
    assert package["version"] == "1.1" and package["links"]["next"].endswith("/next")


def test_record_package_is_valid_ocds():
    record = packages.record(RELEASE["ocid"], [RELEASE], dict(RELEASE, id="compiled"))
    assert _errors("record", packages.record_package([record], PUBLICATION)) == []


def test_the_validator_finds_what_is_wrong():
    broken = packages.release_package([{k: v for k, v in RELEASE.items() if k != "tag"}], PUBLICATION)
    del broken["publishedDate"]
    errors = _errors("release", broken)
    assert any("'publishedDate' is a required" in e for e in errors), errors
    assert any(e.startswith("['releases', 0]") and "'tag' is a required" in e for e in errors), errors


@pytest.mark.parametrize("kind, write", [("release", packages.write_release_package),
                                         ("record", packages.write_record_package)])
def test_streamed_packages_equal_whole_ones(kind, write):
    items = [RELEASE, dict(RELEASE, id="2", title="Ünïcode")] if kind == "release" else [
        packages.record(RELEASE["ocid"], [RELEASE], RELEASE)]
    out = io.StringIO()
    assert write(out, iter(items), PUBLICATION) == len(items)
    streamed = json.loads(out.getvalue())
    whole = (packages.release_package if kind == "release" else packages.record_package)(items, PUBLICATION)
    assert streamed == whole and _errors(kind, streamed) == []
    empty = io.StringIO()
    write(empty, iter(()), PUBLICATION)
    assert json.loads(empty.getvalue())[f"{kind}s"] == []
