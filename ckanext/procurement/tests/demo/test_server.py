"""The HTTP service: packages, paging, since, controls, exports, CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ckanext.procurement.demo import CONTRACT_COLUMNS, DemoServer, gaps
from ckanext.procurement.demo.generator import parse_datetime
from ckanext.procurement.demo.server import _is_loopback

from .conftest import START

REPO = Path(__file__).resolve().parents[4]


def _get(url, **params):
    response = requests.get(url, params=params, timeout=30)
    response.raise_for_status()
    return response.json()


def _walk_pages(url, **params) -> tuple[list[dict], int]:
    releases, pages = [], 0
    package = _get(url, **params)
    while True:
        pages += 1
        releases.extend(package["releases"])
        next_url = package.get("links", {}).get("next")
        if not next_url:
            return releases, pages
        package = _get(next_url)


def _expected(server, since=None) -> list[str]:
    system = server.system
    return [r["id"] for i in range(system.n) for r in system.releases(i, since=since)]


# ---------------------------------------------------------------- packages and paging

def test_release_package_shape(server):
    package = _get(server.releases_url, limit=5)
    assert package["version"] == "1.1"
    assert package["publisher"]["name"] == "City of Springfield"
    assert package["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert package["publicationPolicy"].startswith("https://")
    assert package["publishedDate"] == "2025-06-01T00:00:00Z"
    assert package["uri"].startswith(server.url + "/api/releases.json")
    assert any("ocds_bid_extension" in e for e in package["extensions"])
    assert len(package["releases"]) == 5
    assert package["links"]["next"].startswith(server.url + "/api/releases.json?")


def test_release_pages_are_streamed_as_made_and_are_the_systems_pages(server):
    response = requests.get(server.releases_url, params={"limit": 7}, timeout=30)
    assert response.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in response.headers
    page = server.system.page(7)
    package = response.json()
    assert package["releases"] == page.releases and len(page.releases) == 7
    assert package["links"]["next"].endswith("cursor=" + page.next_cursor)
    last = _get(server.releases_url, limit=1000)  # everything on one page: no link to a next one
    assert "links" not in last and len(last["releases"]) == len(_expected(server))


def test_release_package_validates(server, schema_dir):
    import jsonschema
    import referencing
    import referencing.jsonschema

    release_schema = json.loads((schema_dir / "release-schema.json").read_text())
    package_schema = json.loads((schema_dir / "release-package-schema.json").read_text())
    registry = referencing.Registry().with_resource(
        release_schema["id"], referencing.Resource.from_contents(release_schema, referencing.jsonschema.DRAFT4))
    validator = jsonschema.Draft4Validator(package_schema, registry=registry)
    package = _get(server.releases_url, limit=200)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(package)]
    assert not errors, errors[:5]


def test_paging_visits_every_release_exactly_once(server):
    releases, pages = _walk_pages(server.releases_url, limit=7)
    ids = [r["id"] for r in releases]
    assert len(ids) == len(set(ids))
    assert ids == _expected(server)
    assert pages == -(-len(ids) // 7)


def test_paging_is_stable_while_the_clock_moves(server):
    first = _get(server.releases_url, limit=50)
    server.advance(90)
    releases = list(first["releases"])
    next_url = first["links"]["next"]
    while next_url:
        package = _get(next_url)
        assert package["publishedDate"] == "2025-06-01T00:00:00Z"
        releases.extend(package["releases"])
        next_url = package.get("links", {}).get("next")
    assert all(parse_datetime(r["date"]) <= server.system.start for r in releases)
    server.reset()
    assert [r["id"] for r in releases] == _expected(server)


def test_limit_maximum_and_validation(server):
    assert len(_get(server.releases_url, limit=1000)["releases"]) == len(_expected(server))
    for bad in ("0", "1001", "ten"):
        response = requests.get(server.releases_url, params={"limit": bad}, timeout=10)
        assert response.status_code == 400
        assert "limit" in response.json()["error"]["message"]
    assert requests.get(server.releases_url, params={"since": "yesterday"}, timeout=10).status_code == 400
    assert requests.get(server.releases_url, params={"cursor": "garbage!"}, timeout=10).status_code == 400
    assert requests.get(server.url + "/api/nothing.json", timeout=10).status_code == 404
    assert requests.post(server.releases_url, timeout=10).status_code == 405


def test_since_returns_only_newer_releases(server):
    everything = _expected(server)
    dates = sorted(r["date"] for i in range(server.system.n) for r in server.system.releases(i))
    since = dates[len(dates) // 2]
    releases, _ = _walk_pages(server.releases_url, limit=25, since=since)
    assert releases
    assert all(r["date"] > since for r in releases)
    assert len(releases) == sum(d > since for d in dates)
    assert [r["id"] for r in releases] == [i for i in everything if i in {r["id"] for r in releases}]
    # Offsets and dates without a time are accepted.
    assert _get(server.releases_url, since=since.replace("Z", "+00:00"))["releases"]
    assert _get(server.releases_url, since=since[:10])["releases"]


def test_advance_publishes_new_releases(server):
    before, _ = _walk_pages(server.releases_url, limit=100)
    latest = max(r["date"] for r in before)
    response = requests.post(server.url + "/_control/advance", params={"days": 30}, timeout=10)
    assert response.json()["state"]["now"] == "2025-07-01T00:00:00Z"
    new, _ = _walk_pages(server.releases_url, limit=100, since=latest)
    assert new
    assert not {r["id"] for r in new} & {r["id"] for r in before}
    assert {r["tag"][0] for r in new} & {"award", "contract", "implementation", "tenderUpdate"}
    everything, _ = _walk_pages(server.releases_url, limit=100)
    assert len(everything) == len(before) + len(new)


def test_records(server):
    records = []
    package = _get(server.records_url, limit=9)
    assert package["version"] == "1.1" and "links" in package
    while True:
        records.extend(package["records"])
        if "links" not in package:
            break
        package = _get(package["links"]["next"])
    assert len(records) == server.system.n
    assert len({r["ocid"] for r in records}) == len(records)
    for record in records:
        compiled = record["compiledRelease"]
        assert compiled["tag"] == ["compiled"] and compiled["ocid"] == record["ocid"]
        assert compiled["date"] == record["releases"][-1]["date"]
        if "contracts" in record["releases"][-1]:
            assert compiled["contracts"][0]["value"] == record["releases"][-1]["contracts"][0]["value"]


def test_jsonl_streams_every_release(server):
    response = requests.get(server.url + "/api/releases.jsonl", stream=True, timeout=30)
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    assert response.headers.get("Transfer-Encoding") == "chunked"
    ids = [json.loads(line)["id"] for line in response.iter_lines() if line]
    assert ids == _expected(server)


def test_index(server):
    index = _get(server.url + "/")
    assert any(e["url"].startswith("/api/releases.json") for e in index["endpoints"])
    page = requests.get(server.url + "/", headers={"Accept": "text/html"}, timeout=10)
    assert page.headers["Content-Type"].startswith("text/html") and "<table>" in page.text


# ---------------------------------------------------------------- controls

def test_fail_control(server):
    requests.post(server.url + "/_control/fail", params={"times": 2, "status": 503}, timeout=10).raise_for_status()
    for _ in range(2):
        response = requests.get(server.releases_url, timeout=10)
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert requests.get(server.releases_url, timeout=10).status_code == 200
    server.fail(times=1, status=500)
    assert requests.get(server.csv_url, timeout=10).status_code == 500
    assert requests.get(server.csv_url, timeout=10).status_code == 200
    assert requests.post(server.url + "/_control/fail", params={"status": 200}, timeout=10).status_code == 400


def test_invalid_json_control(server):
    requests.post(server.url + "/_control/invalid-json", params={"times": 1}, timeout=10).raise_for_status()
    response = requests.get(server.releases_url, timeout=10)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.text)
    assert _get(server.releases_url)["releases"]
    server.invalid_json(1)
    with pytest.raises(ValueError):
        json.loads(requests.get(server.records_url, timeout=10).text)


def test_remove_and_restore_controls(server):
    ocid = server.system.ocid(5)
    response = requests.post(server.url + "/_control/remove", params={"ocid": ocid}, timeout=10)
    assert response.json()["state"]["removed"] == [ocid]
    releases, _ = _walk_pages(server.releases_url, limit=1000)
    assert ocid not in {r["ocid"] for r in releases}
    records = _get(server.records_url, limit=1000)["records"]
    assert ocid not in {r["ocid"] for r in records}
    assert ocid not in requests.get(server.url + "/api/releases.jsonl", timeout=10).text
    assert ocid not in requests.get(server.csv_url, timeout=30).text
    requests.post(server.url + "/_control/restore", data={"ocid": ocid}, timeout=10).raise_for_status()
    assert ocid in {r["ocid"] for r in _get(server.releases_url, limit=1000)["releases"]}
    missing = requests.post(server.url + "/_control/remove", params={"ocid": "ocds-demo01-2025-999999"}, timeout=10)
    assert missing.status_code == 404
    assert requests.post(server.url + "/_control/remove", timeout=10).status_code == 400


def test_change_control(server):
    everything, _ = _walk_pages(server.releases_url, limit=1000)
    latest = max(r["date"] for r in everything)
    ocid = everything[0]["ocid"]
    response = requests.post(server.url + "/_control/change", params={"ocid": ocid}, timeout=10)
    release = response.json()["release"]
    assert release["ocid"] == ocid and release["date"] > latest
    new = _get(server.releases_url, since=latest)["releases"]
    assert [r["id"] for r in new] == [release["id"]]
    assert response.json()["state"]["changed"] == {ocid: 1}


def test_state_and_reset(server):
    requests.post(server.url + "/_control/advance", params={"days": 3}, timeout=10)
    server.fail(times=5)
    state = _get(server.url + "/_control/state")
    assert state["state"]["now"] == "2025-06-04T00:00:00Z"
    assert state["state"]["faults"]["fail_times"] == 5
    assert state["state"]["requests"]["/_control/advance"] == 1
    requests.post(server.url + "/_control/reset", timeout=10).raise_for_status()
    state = server.state()
    assert state["now"] == "2025-06-01T00:00:00Z" and state["faults"]["fail_times"] == 0


def test_control_is_loopback_only():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("127.0.0.5")
    assert not _is_loopback("10.0.0.8") and not _is_loopback("192.168.1.2")


# ---------------------------------------------------------------- exports

def _csv_rows(server) -> tuple[list[str], list[dict]]:
    response = requests.get(server.csv_url, timeout=60)
    response.raise_for_status()
    assert response.headers["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    return reader.fieldnames, list(reader)


def test_contracts_csv():
    with DemoServer(processes=300, seed=42, start=START) as server:
        header, rows = _csv_rows(server)
        assert tuple(header) == CONTRACT_COLUMNS
        assert header == ("purchase_order_number,revision_number,specification_number,purchase_order_description,"
                          "department,vendor_name,vendor_id,address,city,state,zip,award_amount,procurement_type,"
                          "contract_type,start_date,end_date,approval_date,contract_pdf,business_size,"
                          "certifications").split(",")
        assert len(rows) > 100
        amounts = [float(r["award_amount"]) for r in rows]
        assert any(a < 0 for a, r in zip(amounts, rows) if r["revision_number"] != "0"), "negative modifications"
        assert all(a > 0 for a, r in zip(amounts, rows) if r["revision_number"] == "0")
        by_po: dict[str, list[int]] = {}
        # the demo's deliberate gap: some processes publish their contracts without the signed document
        undocumented = {r["tender"]["id"] for i in range(300) if gaps.without_contract_document(i)
                        for r in server.system.releases(i) if "tender" in r}
        assert any(r["specification_number"] in undocumented for r in rows)
        for row in rows:
            by_po.setdefault(row["purchase_order_number"], []).append(int(row["revision_number"]))
            for column in ("start_date", "end_date", "approval_date"):
                assert len(row[column]) == 10 and row[column][4] == "-"
            if row["specification_number"] in undocumented:
                assert row["contract_pdf"] == ""
            else:
                assert row["contract_pdf"].startswith("https://procurement.springfield.example/docs/")
            assert row["business_size"] in ("small", "sme", "large")
            assert all(c in ("MBE", "WBE", "LBE", "DBE") for c in filter(None, row["certifications"].split(";")))
            assert row["state"] and row["zip"] and row["vendor_id"].isdigit()
        assert all(revisions == list(range(len(revisions))) for revisions in by_po.values())
        assert any(len(revisions) > 1 for revisions in by_po.values())
        assert {r["contract_type"] for r in rows} >= {"Commodities", "Construction", "Services"}
        assert any(";" in r["certifications"] for r in rows)
        # Only processes with a published contract, and the current value adds up.
        contract_ocids = {i for i in range(300)
                          if any("contracts" in r for r in server.system.releases(i))}
        assert len({r["specification_number"] for r in rows}) == len(contract_ocids)
        total_by_po: dict[str, float] = {}
        for row in rows:
            total_by_po[row["purchase_order_number"]] = (total_by_po.get(row["purchase_order_number"], 0)
                                                         + float(row["award_amount"]))
        for index in list(contract_ocids)[:40]:
            for contract in next(r for r in reversed(server.system.releases(index)) if "contracts" in r)["contracts"]:
                assert total_by_po[contract["id"]] == pytest.approx(contract["value"]["amount"], abs=0.01)


def test_contracts_xlsx(server):
    import openpyxl

    header, rows = _csv_rows(server)
    for url in (server.csv_url + "?format=xlsx", server.url + "/exports/contracts.xlsx"):
        response = requests.get(url, timeout=60)
        response.raise_for_status()
        assert "spreadsheetml" in response.headers["Content-Type"]
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        sheet = workbook.active
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == header
        assert len(values) - 1 == len(rows)
        assert values[1][0] == rows[0]["purchase_order_number"]
        assert values[1][11] == pytest.approx(float(rows[0]["award_amount"]))
        workbook.close()
    assert requests.get(server.csv_url + "?format=pdf", timeout=10).status_code == 400


# ---------------------------------------------------------------- scale and CLI

def test_100k_processes_first_page_over_http():
    with DemoServer(processes=100_000, seed=42, start=START) as server:
        package = _get(server.releases_url, limit=100)
        assert len(package["releases"]) == 100
        assert server.system.render_count <= 40
        package = _get(package["links"]["next"])
        assert len(package["releases"]) == 100
        assert server.system.render_count <= 80


def test_hostile_server_serves_hostile_data():
    with DemoServer(processes=10, seed=42, start=START, hostile=True) as server:
        text = requests.get(server.releases_url, params={"limit": 1000}, timeout=10).text
        assert "<script>alert(1)</script>" in text and "javascript:alert(1)" in text


def test_command_line(tmp_path):
    ready = tmp_path / "ready"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen(
        [sys.executable, "-m", "ckanext.procurement.demo", "--port", "0", "--processes", "20", "--seed", "3",
         "--start", START, "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        line = process.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:"), (line, process.stderr.read() if process.poll() else "")
        url = line.split()[1]
        assert ready.read_text().strip() == url
        package = _get(url + "/api/releases.json", limit=1000)
        assert {r["ocid"] for r in package["releases"]} == {f"ocds-demo01-{y}-{i:06d}" for y, i in
                                                            {(r["ocid"][12:16], int(r["ocid"][-6:]))
                                                             for r in package["releases"]}}
        assert len({r["ocid"] for r in package["releases"]}) == 20
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert not ready.exists()
        assert "GET /api/releases.json" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_server_object_lifecycle():
    server = DemoServer(processes=5, seed=1, start=START)
    with pytest.raises(RuntimeError):
        server.url
    server.start()
    url = server.url
    assert _get(url + "/api/releases.json")["releases"]
    server.stop()
    time.sleep(0.1)
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/releases.json", timeout=2)
