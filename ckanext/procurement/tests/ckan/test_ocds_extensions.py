"""The OCDS extensions a publisher's packages declare are kept by the harvest and declared again by
every package the portal writes of its processes (bulk files, the OCDS API); only http(s) URLs, like
any link taken from harvested data."""
from __future__ import annotations

import gzip
import json

import pytest

from ckan.tests import factories, helpers

from ckanext.procurement.bulk import regenerate, storage
from ckanext.procurement.bulk.storage import PORTAL
from ckanext.procurement.ocds import packages
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.ckan.test_schema import release, save
from ckanext.procurement.tests.feed_server import Reply

BID = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
SCALE = "https://extensions.example/partyScale/extension.json"
HOSTILE = ["javascript:alert(1)//extension.json", "file:///etc/passwd", "https://evil.example/\nx", 42,
           "/relative/extension.json"]


def _package(extensions) -> bytes:
    return json.dumps({
        "uri": "https://purchasing.example/feed.json", "version": "1.1", "publishedDate": "2026-01-01T00:00:00Z",
        "publisher": {"name": "City purchasing"}, "extensions": extensions,
        "releases": [release("ocds-ext001-1", title="Road salt"), release("ocds-ext001-2", title="Grit")],
    }).encode()


def _bulk_package(scope: str, name: str) -> dict:
    return json.loads(gzip.decompress((storage.scope_directory(scope) / name).read_bytes()))


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues", "bulk_dir")
def test_declared_extensions_reach_the_bulk_files_and_the_api(app, feed, sysadmin, organization):
    url = feed.route("/feed.json", Reply(_package([BID] + HOSTILE + [SCALE, BID])))
    source = create_source(sysadmin["name"], organization["id"], url)
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 2
    # each refused URL is reported to the source's editors, by its place in the package
    errors = " ".join(error["message"] for error in report["gather_error_summary"] or []) + json.dumps(report)
    assert errors.count("is not an http(s) URL: not published") >= len(HOSTILE)

    other = factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}])
    save(sysadmin, other, [release("ocds-ext002-1", title="Saved by hand")])  # no source: no extensions

    for scope in (organization["id"], PORTAL):
        regenerate.generate(scope)
        for name in ("record-package.json.gz", "release-package-2024.json.gz"):
            package = _bulk_package(scope, name)
            assert package["extensions"] == sorted([BID, SCALE]), (scope, name)
            kind = "record" if name.startswith("record") else "release"
            assert list(packages.validator(kind).iter_errors(package)) == []
    regenerate.generate(other["id"])
    assert "extensions" not in _bulk_package(other["id"], "record-package.json.gz")

    assert app.get("/api/ocds/releases").json["extensions"] == sorted([BID, SCALE])
    assert app.get("/api/ocds/records/ocds-ext001-1").json["extensions"] == sorted([BID, SCALE])
    assert "extensions" not in app.get("/api/ocds/records/ocds-ext002-1").json
    assert "extensions" not in app.get(f"/api/ocds/releases?publisher={other['name']}").json
    everything = json.dumps([_bulk_package(PORTAL, "record-package.json.gz"), app.get("/api/ocds/releases").json])
    assert "javascript:" not in everything and "/etc/passwd" not in everything and "evil.example" not in everything

    # a full listing says what the source declares now: an extension it dropped goes
    feed.route("/feed.json", Reply(_package([SCALE])))
    run_job(source["id"], sysadmin["name"])
    regenerate.generate(PORTAL)
    assert _bulk_package(PORTAL, "record-package.json.gz")["extensions"] == [SCALE]
    assert app.get("/api/ocds/releases").json["extensions"] == [SCALE]
