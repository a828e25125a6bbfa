"""Harvesting the demo purchasing system end to end: real job machinery
(Redis queues), real PostgreSQL and Solr, a real HTTP purchasing system."""
from __future__ import annotations

import pytest

from ckan.tests import helpers
from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.ocds import compile_releases, load_release_schema
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, feed_ocids, processes, run_job
from ckanext.procurement.tests.conftest import SCHEMA_PATH

N = 40


@pytest.fixture
def demo():
    with DemoServer(processes=N, seed=7) as server:
        yield server


pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")


def test_first_harvest_creates_one_dataset_per_process(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    report = run_job(source["id"], sysadmin["name"])
    expected = feed_ocids(demo.releases_url)
    assert report["gather_errors"] == []
    assert report["stats"].get("added") == len(expected)
    result = processes(**{"facet.field": '["stage","status"]'})
    assert result["count"] == len(expected)
    assert {d["ocid"] for d in result["results"]} == expected
    # each dataset is indexed with its harvest source (ckanext-harvest's clear and source pages rely on it)
    assert processes(fq=f'+harvest_source_id:"{source["id"]}"')["count"] == len(expected)
    stages = {item["name"] for item in result["search_facets"]["stage"]["items"]}
    assert {"planning", "tender", "contract"} <= stages


def test_record_show_equals_ocdsmerge_compiled_release(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    run_job(source["id"], sysadmin["name"])
    dataset = processes(fq="+stage:implementation")["results"][0]
    record = helpers.call_action("procurement_record_show", id=dataset["ocid"])
    import ocdsmerge

    merger = ocdsmerge.Merger(schema=load_release_schema(str(SCHEMA_PATH)))
    # site-wide redaction applies before compiling: ocdsmerge gets the stored (redacted) releases
    expected = merger.create_compiled_release(record["releases"])
    assert record["compiledRelease"] == expected
    assert record["compiledRelease"] == compile_releases(record["releases"], load_release_schema(str(SCHEMA_PATH)))
    # and the dataset's documents are resources with the document's URL
    shown = helpers.call_action("package_show", id=dataset["id"])
    urls = {r["url"] for r in shown["resources"]}
    documents = [d for c in record["compiledRelease"].get("contracts", []) for d in c.get("documents", [])]
    assert documents and {d["url"] for d in documents} <= urls


def test_second_run_imports_nothing(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    run_job(source["id"], sysadmin["name"])
    before = {d["id"]: d["metadata_modified"] for d in processes()["results"]}
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added", 0) == 0 and report["stats"].get("updated", 0) == 0
    assert report["stats"].get("not modified") == len(before)
    after = {d["id"]: d["metadata_modified"] for d in processes()["results"]}
    assert after == before


def test_changed_process_is_updated(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    run_job(source["id"], sysadmin["name"])
    ocid = sorted(feed_ocids(demo.releases_url))[3]
    releases_before = len(helpers.call_action("procurement_record_show", id=ocid)["releases"])
    demo.change(ocid)
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("updated") == 1
    assert len(helpers.call_action("procurement_record_show", id=ocid)["releases"]) == releases_before + 1


def test_vanished_process_is_withdrawn_then_restored_with_the_same_dataset(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    run_job(source["id"], sysadmin["name"])
    ocid = sorted(feed_ocids(demo.releases_url))[5]
    dataset = helpers.call_action("package_show", id=ProcurementRecord.get(ocid).package_id)

    demo.remove(ocid)
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("deleted") == 1
    withdrawn = helpers.call_action("package_show", id=dataset["id"])
    assert withdrawn["state"] == "deleted"  # withdrawn, never purged
    assert ocid not in {d["ocid"] for d in processes()["results"]}

    demo.restore(ocid)
    run_job(source["id"], sysadmin["name"])
    restored = helpers.call_action("package_show", id=dataset["id"])
    assert restored["state"] == "active"
    assert restored["name"] == dataset["name"] == withdrawn["name"]
    assert ocid in {d["ocid"] for d in processes()["results"]}


def test_failing_page_withdraws_nothing(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url + "?limit=10",
                           config={"retries": 0})
    run_job(source["id"], sysadmin["name"])
    before = {d["id"]: d["metadata_modified"] for d in processes()["results"]}
    demo.invalid_json(times=1000)
    report = run_job(source["id"], sysadmin["name"])
    assert report["gather_errors"], "an invalid page is a gather error"
    assert "nothing was changed or withdrawn" in report["gather_errors"][0]["message"]
    after = {d["id"]: d["metadata_modified"] for d in processes()["results"]}
    assert after == before
    demo.reset()
    demo.fail(times=1000, status=500)
    report = run_job(source["id"], sysadmin["name"])
    assert "HTTP 500" in report["gather_errors"][0]["message"]
    assert {d["id"]: d["metadata_modified"] for d in processes()["results"]} == before


def test_record_package_and_csv_export_give_the_same_processes(sysadmin, organization, demo):
    records = create_source(sysadmin["name"], organization["id"], demo.records_url, name="records")
    report = run_job(records["id"], sysadmin["name"])
    assert report["gather_errors"] == []
    assert processes()["count"] == len(feed_ocids(demo.releases_url))


def test_incremental_run_with_since(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url,
                           config={"since_parameter": "since", "full_harvest_every": 5})
    run_job(source["id"], sysadmin["name"])
    count = processes()["count"]
    demo.advance(days=30)
    report = run_job(source["id"], sysadmin["name"])
    assert report["gather_errors"] == []
    # only processes with new releases are listed by an incremental run
    touched = report["stats"].get("added", 0) + report["stats"].get("updated", 0)
    assert touched > 0
    assert sum(report["stats"].values()) < count + report["stats"].get("added", 0)
    assert report["stats"].get("deleted", 0) == 0


def test_incremental_source_withdraws_only_at_its_full_listing(sysadmin, organization, demo):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url,
                           config={"since_parameter": "since", "full_harvest_every": 2})
    run_job(source["id"], sysadmin["name"])  # run 1: the first run is always a full listing
    ocid = sorted(feed_ocids(demo.releases_url))[2]
    package_id = ProcurementRecord.get(ocid).package_id
    demo.remove(ocid)

    incremental = run_job(source["id"], sysadmin["name"])  # run 2: since the last run, so absence proves nothing
    assert incremental["gather_errors"] == []
    assert incremental["stats"].get("deleted", 0) == 0
    assert helpers.call_action("package_show", id=package_id)["state"] == "active"

    full = run_job(source["id"], sysadmin["name"])  # run 3: a full listing is due again
    assert full["gather_errors"] == []
    assert full["stats"].get("deleted") == 1
    assert helpers.call_action("package_show", id=package_id)["state"] == "deleted"
