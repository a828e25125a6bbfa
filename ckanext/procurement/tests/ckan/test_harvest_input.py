"""Harvesting real OCDS data of every shape, and every kind of bad input:
each gets a clear error and loses nothing that was already there."""
from __future__ import annotations

import gzip
import json
import logging

import pytest

import ckan.plugins.toolkit as tk

from ckan.tests import helpers
from ckanext.procurement.demo.mapping import CHICAGO_MAPPING
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes, run_job
from ckanext.procurement.tests.conftest import EXAMPLES_DIR
from ckanext.procurement.tests.feed_server import FeedServer, Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
FICTIONAL = "ocds-213czf-000-00001"
STAGES = ["01-planning", "02-tender", "03-tenderAmendment", "04-award", "05-contract", "06-implementation"]


def _json(data) -> bytes:
    return json.dumps(data).encode("utf-8")


def _fictional_packages():
    return [json.loads((EXAMPLES_DIR / "fictional" / f"{FICTIONAL}-{stage}.json").read_text()) for stage in STAGES]


def _paged(feed: FeedServer, packages: list[dict], prefix: str = "/feed") -> str:
    """Serve packages as pages chained by links.next."""
    for index, package in enumerate(packages):
        page = dict(package)
        if index + 1 < len(packages):
            page["links"] = {"next": f"{feed.url}{prefix}/{index + 1}.json"}
        feed.route(f"{prefix}/{index}.json", Reply(_json(page)))
    return f"{feed.url}{prefix}/0.json"


def test_fictional_releases_as_a_paged_feed(sysadmin, organization, feed):
    source = create_source(sysadmin["name"], organization["id"], _paged(feed, _fictional_packages()))
    report = run_job(source["id"], sysadmin["name"])
    assert report["gather_errors"] == []
    assert report["stats"].get("added") == 1
    dataset = processes()["results"][0]
    assert dataset["ocid"] == FICTIONAL
    assert dataset["stage"] == "implementation"
    record = helpers.call_action("procurement_record_show", id=FICTIONAL)
    assert len(record["releases"]) == 6
    shipped = json.loads((EXAMPLES_DIR / "fictional" / f"{FICTIONAL}.json").read_text())["records"][0]["compiledRelease"]
    assert record["compiledRelease"]["contracts"] == shipped["contracts"]
    assert record["compiledRelease"]["tender"] == shipped["tender"]


@pytest.mark.parametrize("filename", [f"{FICTIONAL}.json", f"{FICTIONAL}-withversions.json"])
def test_fictional_record_packages(sysadmin, organization, feed, filename):
    body = (EXAMPLES_DIR / "fictional" / filename).read_bytes()
    source = create_source(sysadmin["name"], organization["id"], feed.route("/records.json", Reply(body)))
    report = run_job(source["id"], sysadmin["name"])
    # these records only link to their releases: the compiled release is used, and that is said
    messages = [e["message"] for e in report["gather_errors"]]
    assert len(messages) == 1 and messages[0].startswith("Warning: ocds-213czf-000-00001 at records/0/compiledRelease")
    assert "only links to its releases" in messages[0]
    record = helpers.call_action("procurement_record_show", id=FICTIONAL)
    shipped = json.loads(body)["records"][0]
    assert len(record["releases"]) == 1
    for block in ("tender", "awards", "contracts", "planning", "parties"):
        assert record["compiledRelease"][block] == shipped["compiledRelease"][block]
    assert helpers.call_action("package_show", id=FICTIONAL)["stage"] == "implementation"


@pytest.mark.parametrize("publisher", ["colombia", "canada-buyandsell"])
def test_every_real_record_and_release_file(sysadmin, organization, feed, publisher):
    folder = EXAMPLES_DIR / publisher
    records = [json.loads(p.read_text()) for p in sorted((folder / "records").glob("*.json"))]
    releases = [json.loads(p.read_text()) for p in sorted((folder / "releases").glob("*.json"))]
    # records as record packages, five per page; bare releases as JSON Lines
    pages = [{"uri": "x", "publisher": {"name": publisher}, "publishedDate": "2017-01-01T00:00:00Z", "version": "1.1",
              "records": records[i:i + 5]} for i in range(0, len(records), 5)]
    records_source = create_source(sysadmin["name"], organization["id"], _paged(feed, pages, "/records"), name="records")
    report = run_job(records_source["id"], sysadmin["name"])
    assert [e["message"] for e in report["gather_errors"] if not e["message"].startswith("Warning")] == []
    record_ocids = {r.get("ocid") or r["compiledRelease"]["ocid"] for r in records}
    assert {d["ocid"] for d in processes()["results"]} == record_ocids

    lines = b"\n".join(_json(r) for r in releases)
    url = feed.route("/releases.jsonl", Reply(lines, content_type="application/x-ndjson"))
    releases_source = create_source(sysadmin["name"], organization["id"], url, name="releases")
    report = run_job(releases_source["id"], sysadmin["name"])
    errors = [e["message"] for e in report["gather_errors"] if not e["message"].startswith("Warning")]
    release_ocids = {r["ocid"] for r in releases}
    taken = release_ocids & record_ocids  # published by the first source: reported, not stolen
    assert report["stats"].get("added", 0) == len(release_ocids - record_ocids)
    object_errors = " ".join(e["message"] for o in report["object_errors"].values() for e in o["errors"])
    for ocid in taken:
        assert f"{ocid!r} is already published by another harvest source" in object_errors
    assert errors == []


def test_gzip_and_bare_release_and_array(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    url = feed.route("/feed.json.gz", Reply(gzip.compress(_json(releases)), content_type="application/gzip"))
    source = create_source(sysadmin["name"], organization["id"], url)
    report = run_job(source["id"], sysadmin["name"])
    assert report["gather_errors"] == []
    assert len(helpers.call_action("procurement_record_show", id=FICTIONAL)["releases"]) == 6


def test_messy_feed_is_accepted_and_reported(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    messy = [dict(r) for r in releases]
    messy[0]["tag"] = "planning"  # a string, not an array
    messy[1] = {k: v for k, v in messy[1].items() if k != "ocid"}  # unusable: no ocid
    other = dict(releases[2], ocid="unregistered-123", id="x-1")  # no registered prefix
    package = {"packageInfo": {"note": "extra key"}, "releases": messy + [other]}  # no version, extra keys
    url = feed.route("/messy.json", Reply(_json(package)))
    source = create_source(sysadmin["name"], organization["id"], url)
    report = run_job(source["id"], sysadmin["name"])
    messages = " | ".join(e["message"] for e in report["gather_errors"])
    assert "releases/1" in messages and "ocid" in messages  # the bad release is named by its path
    ocids = {d["ocid"] for d in processes()["results"]}
    assert ocids == {FICTIONAL, "unregistered-123"}
    assert len(helpers.call_action("procurement_record_show", id=FICTIONAL)["releases"]) == 5


def test_accepted_ocid_prefixes(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    other = dict(releases[2], ocid="ocds-zzzzzz-1", id="x-1")
    url = feed.route("/feed.json", Reply(_json({"releases": releases + [other]})))
    source = create_source(sysadmin["name"], organization["id"], url, config={"ocid_prefixes": ["ocds-213czf"]})
    report = run_job(source["id"], sysadmin["name"])
    assert {d["ocid"] for d in processes()["results"]} == {FICTIONAL}
    assert any("ocds-zzzzzz-1" in e["message"] and "accepted prefixes" in e["message"] for e in report["gather_errors"])


def _harvest_fictional_then(sysadmin, organization, feed, *replies, config=None):
    """Harvest the fictional process, then make the source misbehave; return the second job's report."""
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    good = Reply(_json({"releases": releases}))
    url = feed.route("/feed.json", good, *replies)
    source = create_source(sysadmin["name"], organization["id"], url, config=dict({"retries": 0, "timeout": 2}, **(config or {})))
    first = run_job(source["id"], sysadmin["name"])
    assert first["stats"].get("added") == 1
    before = helpers.call_action("package_show", id=FICTIONAL)
    report = run_job(source["id"], sysadmin["name"])
    after = helpers.call_action("package_show", id=FICTIONAL)
    assert after["state"] == "active" and after["metadata_modified"] == before["metadata_modified"], "nothing was lost"
    return report


def _gather_error(report) -> str:
    assert report["gather_errors"], "expected a gather error"
    return report["gather_errors"][0]["message"]


def test_invalid_json(sysadmin, organization, feed):
    report = _harvest_fictional_then(sysadmin, organization, feed, Reply(b'{"releases": [{"ocid": "x",'))
    assert "not valid JSON" in _gather_error(report) or "JSON" in _gather_error(report)


def test_an_integer_beyond_64_bits_is_read_and_kept_and_the_page_said(sysadmin, organization, feed):
    """Valid JSON the fast parser can't read (yajl stops at an integer beyond 64 bits) used to stop
    the whole gather; the page is read again with ijson's own parser: every process of every page
    is harvested once, the integer is kept exactly, and the report names the page."""
    packages = _fictional_packages()
    huge = 123456789012345678901234567890
    other = dict(packages[1]["releases"][0], ocid="ocds-213czf-000-00002", id="big-1",
                 tender={"id": "t-2", "title": "Huge", "value": {"amount": huge, "currency": "USD"}})
    packages[1] = dict(packages[1], releases=packages[1]["releases"] + [other])
    url = _paged(feed, packages)
    source = create_source(sysadmin["name"], organization["id"], url)
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 2
    # the fictional data's own warnings only (a document without a URL)
    assert all(error["message"].startswith("Warning:") for found in report["object_errors"].values()
               for error in found["errors"]), report["object_errors"]
    said = [error["message"] for error in report["gather_errors"]]
    assert any("page 2" in message and "64 bits" in message and "read again" in message for message in said), said
    assert len(helpers.call_action("procurement_record_show", id=FICTIONAL)["releases"]) == 6  # none twice
    record = helpers.call_action("procurement_record_show", id="ocds-213czf-000-00002")
    assert record["releases"][0]["tender"]["value"]["amount"] == huge
    assert feed.hits["/feed/1.json"] == 2 and feed.hits["/feed/0.json"] == 1


def test_wrong_content_type(sysadmin, organization, feed):
    report = _harvest_fictional_then(sysadmin, organization, feed, Reply(b"<html>Maintenance</html>", content_type="text/html"))
    assert "text/html" in _gather_error(report)


def test_http_500_then_success_is_retried(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    url = feed.route("/feed.json", Reply(b"oops", status=500, content_type="text/plain"), Reply(b"oops", status=503, content_type="text/plain"),
                     Reply(_json({"releases": releases})))
    source = create_source(sysadmin["name"], organization["id"], url, config={"retries": 3})
    from ckanext.procurement import fetch as http

    original = http.Fetcher.backoff
    http.Fetcher.backoff = 0.01  # keep the test fast; the schedule is still exponential
    try:
        report = run_job(source["id"], sysadmin["name"])
    finally:
        http.Fetcher.backoff = original
    assert report["gather_errors"] == []
    assert report["stats"].get("added") == 1
    assert feed.hits["/feed.json"] == 3


def test_the_password_of_a_source_url_never_reaches_the_log_or_the_report(sysadmin, organization, feed, caplog, monkeypatch):
    from ckanext.procurement import fetch as http

    # a source's own URL can't hold a password (test_confidentiality); a redirect's can
    busy = feed.route("/busy.json", Reply(b"busy", status=503, content_type="text/plain"))
    url = feed.route("/feed.json", Reply(b"", status=302, headers={"Location": busy.replace("http://", "http://buyer:pw-zq-5519@")}))
    source = create_source(sysadmin["name"], organization["id"], url, config={"retries": 1})
    from ckanext.procurement.harvesters import base

    logger = logging.getLogger("ckanext.procurement")  # test.ini's logging config hides these from caplog
    logger.addHandler(caplog.handler)
    monkeypatch.setattr(logger, "level", logging.INFO)
    for module_logger in (http.log, base.log):
        monkeypatch.setattr(module_logger, "disabled", False)
    try:
        report = run_job(source["id"], sysadmin["name"])
    finally:
        logger.removeHandler(caplog.handler)
    assert feed.hits["/busy.json"] == 2 and "retrying" in caplog.text  # the retry warning was logged
    assert "pw-zq-5519" not in caplog.text
    assert "pw-zq-5519" not in _gather_error(report) and "HTTP 503" in _gather_error(report)


def test_http_500_for_good(sysadmin, organization, feed):
    report = _harvest_fictional_then(sysadmin, organization, feed, Reply(b"oops", status=500, content_type="text/plain"))
    assert "HTTP 500" in _gather_error(report)


def test_timeout(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    report = _harvest_fictional_then(sysadmin, organization, feed, Reply(_json({"releases": releases}), delay=3), config={"timeout": 1})
    assert "Timeout" in _gather_error(report) or "timed out" in _gather_error(report)


def test_oversized_response(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    big = _json({"releases": releases, "padding": "x" * 200_000})
    report = _harvest_fictional_then(sysadmin, organization, feed, Reply(big), config={"max_response_bytes": 100_000})
    assert "larger than the 100,000-byte limit" in _gather_error(report)


SITE_LIMIT = "ckanext.procurement.harvest.max_response_bytes"


def test_a_source_cannot_raise_the_sites_size_limit(sysadmin, organization, feed, ckan_config, monkeypatch):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    url = feed.route("/feed.json", Reply(_json({"releases": releases, "padding": "x" * 200_000})))
    monkeypatch.setitem(ckan_config, SITE_LIMIT, 150_000)
    with pytest.raises(tk.ValidationError) as refused:  # saving above the site's limit: refused, naming the key
        create_source(sysadmin["name"], organization["id"], url, config={"max_response_bytes": 10 ** 9}, name="greedy")
    assert "max_response_bytes" in str(refused.value.error_dict) and "150,000" in str(refused.value.error_dict)
    # saved while the site allowed more, then the site lowered its limit: the site's limit holds
    monkeypatch.setitem(ckan_config, SITE_LIMIT, 10 ** 9)
    source = create_source(sysadmin["name"], organization["id"], url, config={"max_response_bytes": 10 ** 8, "retries": 0})
    monkeypatch.setitem(ckan_config, SITE_LIMIT, 100_000)
    report = run_job(source["id"], sysadmin["name"])
    assert "larger than the 100,000-byte limit" in _gather_error(report)


def test_redirect_to_a_metadata_address_is_refused(sysadmin, organization, feed):
    redirect = Reply(b"", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    report = _harvest_fictional_then(sysadmin, organization, feed, redirect)
    assert "169.254.169.254" in _gather_error(report) and "never harvested" in _gather_error(report)


@pytest.mark.ckan_config("ckanext.procurement.allow_private_addresses", "false")
def test_private_addresses_refused_unless_allowed(sysadmin, organization, feed):
    url = feed.route("/feed.json", Reply(_json({"releases": []})))
    source = create_source(sysadmin["name"], organization["id"], url)
    report = run_job(source["id"], sysadmin["name"])
    message = _gather_error(report)
    assert "loopback or private address" in message and "allow_private_addresses" in message
    assert feed.hits.get("/feed.json") is None, "no request was sent"


def test_next_link_to_another_site_is_refused(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    url = feed.route("/feed.json", Reply(_json({"releases": releases, "links": {"next": "http://localhost:1/elsewhere.json"}})))
    source = create_source(sysadmin["name"], organization["id"], url)
    report = run_job(source["id"], sysadmin["name"])
    assert "outside the source's site" in _gather_error(report)
    assert processes()["count"] == 0, "an aborted gather creates nothing"


@pytest.mark.parametrize("config, key", [
    ({"colour": "blue"}, "colour"),
    ({"timeout": -1}, "timeout"),
    ({"publish": "sometimes"}, "publish"),
    ({"ocid_prefixes": "ocds-213czf"}, "ocid_prefixes"),
    ({"format": "xml"}, "format"),
    ({"since_parameter": "since date"}, "since_parameter"),
    # a final line break is no part of a name either (a header name with one breaks every request)
    ({"since_parameter": "since\n"}, "since_parameter"),
    ({"auth_header_name": "X-Api-Key\n"}, "auth_header_name"),
])
def test_config_errors_name_the_key(sysadmin, organization, config, key):
    with pytest.raises(helpers.logic.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], "http://127.0.0.1:9/feed.json", config=config)
    assert key in str(error.value.error_dict["config"])


def test_auth_header_is_stored_as_a_secret(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]

    url = feed.route("/feed.json", Reply(_json({"releases": releases})))
    source = create_source(sysadmin["name"], organization["id"], url, config={"auth_header": "Bearer s3cr3t-token"})
    shown = helpers.call_action("harvest_source_show", id=source["id"])
    assert "s3cr3t-token" not in json.dumps(shown)
    assert json.loads(shown["config"])["auth_header"].startswith("secret:")
    from ckanext.procurement.harvesters.config import SourceConfig, resolve_auth_header
    from ckanext.procurement.model import ProcurementSecret

    # the secret resolves for its own source (and only for it: tests/ckan/test_confidentiality.py)
    config = SourceConfig(auth_header=json.loads(shown["config"])["auth_header"], source_id=source["id"])
    assert resolve_auth_header(config, ProcurementSecret, []) == "Bearer s3cr3t-token"


def test_publish_after_review_keeps_new_processes_private(sysadmin, organization, feed):
    releases = [r for p in _fictional_packages() for r in p["releases"]]
    url = feed.route("/feed.json", Reply(_json({"releases": releases})))
    source = create_source(sysadmin["name"], organization["id"], url, config={"publish": "after_review"})
    run_job(source["id"], sysadmin["name"])
    dataset = helpers.call_action("package_show", id=FICTIONAL)
    assert dataset["private"] is True
    assert helpers.call_action("package_search", fq="+dataset_type:contracting-process")["count"] == 0  # anonymous


def test_csv_export_of_the_demo_system(sysadmin, organization):
    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=30, seed=3) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.csv_url, source_type="procurement_csv",
                               config={"mapping": CHICAGO_MAPPING})
        report = run_job(source["id"], sysadmin["name"])
        assert [e for e in report["gather_errors"] if not e["message"].startswith("Warning")] == []
        found = processes()["results"]
        assert found and report["stats"].get("added") == len(found)
        # a contract with modifications: its current value is the running total of the rows
        import csv
        import io

        import requests

        rows = list(csv.DictReader(io.StringIO(requests.get(demo.csv_url, timeout=30).text)))
        totals: dict[str, float] = {}
        for row in rows:
            totals[row["purchase_order_number"]] = totals.get(row["purchase_order_number"], 0) + float(row["award_amount"])
        by_ocid = {d["ocid"]: d for d in found}
        for number, total in totals.items():
            dataset = by_ocid[f"ocds-demo01-{number}"]
            assert dataset["contract_value"] == pytest.approx(total)
        second = run_job(source["id"], sysadmin["name"])
        assert second["stats"].get("not modified") == len(found)


def test_xlsx_export_gives_the_same_processes_as_the_csv(sysadmin, organization):
    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=30, seed=3) as demo:
        from_csv = create_source(sysadmin["name"], organization["id"], demo.csv_url, source_type="procurement_csv", name="csv",
                                 config={"mapping": CHICAGO_MAPPING})
        run_job(from_csv["id"], sysadmin["name"])
        by_csv = {d["ocid"]: (d["contract_value"], d["stage"]) for d in processes()["results"]}
        helpers.call_action("harvest_source_clear", context={"user": sysadmin["name"]}, id=from_csv["id"])
        assert processes()["count"] == 0

        from_xlsx = create_source(sysadmin["name"], organization["id"], demo.url + "/exports/contracts.xlsx",
                                  source_type="procurement_csv", name="xlsx", config={"mapping": CHICAGO_MAPPING})
        report = run_job(from_xlsx["id"], sysadmin["name"])
        assert [e for e in report["gather_errors"] if not e["message"].startswith("Warning")] == []
        by_xlsx = {d["ocid"]: (d["contract_value"], d["stage"]) for d in processes()["results"]}
        assert by_xlsx and by_xlsx == by_csv
        assert report["stats"].get("added") == len(by_xlsx)


def test_csv_mapping_errors_name_the_key(sysadmin, organization):
    with pytest.raises(helpers.logic.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], "http://127.0.0.1:9/x.csv", source_type="procurement_csv",
                      config={"mapping": {"rows_are": "lines", "ocid": "x-{a}", "date": "d", "columns": {"tender/title": "t"}}})
    assert "rows_are" in str(error.value.error_dict["config"])


@pytest.mark.parametrize("config", [None, {"since_parameter": "since"}, {"mapping": {}}])
def test_csv_source_without_a_mapping_is_refused_when_saved(sysadmin, organization, config):
    with pytest.raises(helpers.logic.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], "http://127.0.0.1:9/x.csv", source_type="procurement_csv",
                      config=config)
    assert "mapping: is required for procurement_csv sources" in str(error.value.error_dict["config"])


def test_csv_source_saved_without_a_mapping_stops_at_gather(sysadmin, organization):
    from ckan import model
    from ckanext.harvest.model import HarvestSource
    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=5, seed=3) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.csv_url, source_type="procurement_csv",
                               config={"mapping": CHICAGO_MAPPING})
        # a source saved before the mapping was required (or through the API without a config)
        model.Session.query(HarvestSource).filter_by(id=source["id"]).update({"config": None})
        model.Session.commit()
        report = run_job(source["id"], sysadmin["name"])
    messages = [e["message"] for e in report["gather_errors"]]
    assert len(messages) == 1 and messages[0].startswith("Invalid source configuration: mapping: is required")
    assert processes()["count"] == 0


def test_demo_setup_gives_its_csv_source_the_demo_mapping(cli, sysadmin):
    from ckan.cli.cli import ckan
    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=8, seed=5) as demo:
        result = cli.invoke(ckan, ["procurement", "demo-setup", "--url", demo.url, "--admin", sysadmin["name"]])
        assert result.exit_code == 0, result.output
        source = helpers.call_action("harvest_source_show", id="springfield-contracts-export")
        assert json.loads(source["config"])["mapping"] == CHICAGO_MAPPING
        report = run_job(source["id"], sysadmin["name"])
        assert [e for e in report["gather_errors"] if not e["message"].startswith("Warning")] == []
        assert report["stats"].get("added") == processes()["count"] > 0
