"""The generator: determinism, stages, realism, schema and codelists, clock, laziness."""

from __future__ import annotations

import collections
import json
import re
import tracemalloc
from datetime import timedelta

import pytest

from ckanext.procurement.demo import (
    OCID_PREFIX,
    STAGES,
    PurchasingSystem,
    generate,
    is_hostile_index,
)
from ckanext.procurement.demo.generator import parse_datetime

from .conftest import START

OCID_RE = re.compile(rf"^{OCID_PREFIX}-\d{{4}}-\d{{6}}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _walk(value, path=""):
    """Yield (path, value) for every leaf of a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, f"{path}[]")
    else:
        yield path, value


def _latest(releases, key):
    return next((r[key] for r in reversed(releases) if key in r), None)


# ---------------------------------------------------------------- determinism

def test_same_seed_same_data():
    first = list(generate(n=40, seed=3, start=START))
    second = list(generate(n=40, seed=3, start=START))
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert len(first) == 40


def test_different_seed_different_data():
    first = list(generate(n=20, seed=3, start=START))
    second = list(generate(n=20, seed=4, start=START))
    assert json.dumps(first) != json.dumps(second)


def test_process_regenerated_on_demand_is_identical():
    """Any process can be regenerated alone, in any order, with the same result."""
    a = PurchasingSystem(processes=300, seed=9, start=START, cache_size=1)
    b = PurchasingSystem(processes=300, seed=9, start=START, cache_size=1)
    for index in (299, 0, 150, 7):
        assert a.releases(index) == b.releases(index)
    assert a.releases(150) == b.releases(150)


def test_ocids_and_release_ids(all_releases500):
    ocids = set()
    release_ids = set()
    for index, releases in all_releases500.items():
        assert releases, f"process {index} has no published release"
        ocid = releases[0]["ocid"]
        assert OCID_RE.match(ocid)
        assert ocid.endswith(f"-{index + 1:06d}")
        assert ocid not in ocids
        ocids.add(ocid)
        dates = [r["date"] for r in releases]
        assert dates == sorted(dates) and len(set(dates)) == len(dates), "dates must increase"
        for release in releases:
            assert release["ocid"] == ocid
            assert release["id"] not in release_ids
            release_ids.add(release["id"])
            assert release["initiationType"] == "tender"
            assert isinstance(release["tag"], list) and len(release["tag"]) == 1
            assert DATETIME_RE.match(release["date"])
            assert release["buyer"]["name"].startswith("City of Springfield, ")


# ---------------------------------------------------------------- stages

def test_every_stage_present_with_plausible_shares(system500):
    counts = collections.Counter(system500.stage(index) for index in range(500))
    assert set(counts) == set(STAGES)
    for stage, share in STAGES.items():
        assert abs(counts[stage] / 500 - share) <= 0.02, (stage, counts[stage])


def test_stages_small_system_still_has_every_stage():
    system = PurchasingSystem(processes=60, seed=1, start=START)
    assert {system.stage(index) for index in range(60)} == set(STAGES)


def test_stages_as_seen_in_the_releases(system500, all_releases500):
    now = system500.now
    seen = collections.Counter()
    for index, releases in all_releases500.items():
        stage = system500.stage(index)
        tags = [r["tag"][0] for r in releases]
        tender = _latest(releases, "tender")
        if stage == "planning":
            assert tags == ["planning"]
            assert tender["status"] == "planned"
            assert _latest(releases, "planning")["budget"]["amount"]["amount"] > 0
        elif stage == "open":
            assert tender["status"] == "active"
            assert parse_datetime(tender["tenderPeriod"]["endDate"]) > now, "open bids must have future deadlines"
            assert "awards" not in releases[-1]
        elif stage == "evaluation":
            assert tags[-1] == "tenderUpdate"
            assert parse_datetime(tender["tenderPeriod"]["endDate"]) < now
            assert releases[-1]["bids"]["details"] is not None
            assert not any("awards" in r for r in releases)
        elif stage == "awarded":
            assert tags[-1] == "award"
            assert not any("contracts" in r for r in releases)
        elif stage in ("contract", "implementation", "amended", "completed"):
            contracts = _latest(releases, "contracts")
            assert contracts and all(c["awardID"] for c in contracts)
            if stage == "contract":
                assert "implementation" not in contracts[0]
            if stage == "implementation":
                assert contracts[0]["implementation"]["transactions"]
            if stage == "amended":
                assert "contractAmendment" in tags and contracts[0]["amendments"]
            if stage == "completed":
                assert tags[-1] == "contractTermination"
                assert contracts[0]["status"] == "terminated"
        elif stage == "cancelled":
            assert tags[-1] == "tenderCancellation" and tender["status"] == "cancelled"
        elif stage == "unsuccessful":
            assert tender["status"] == "unsuccessful"
        seen[stage] += 1
    assert set(seen) == set(STAGES)


def test_future_releases_are_hidden(system500):
    for index in range(0, 500, 7):
        process = system500.process(index)
        visible = system500.releases(index)
        assert all(parse_datetime(r["date"]) <= system500.now for r in visible)
        hidden = [r for r in process.releases if parse_datetime(r["date"]) > system500.now]
        assert len(visible) + len(hidden) == len(process.releases)


# ---------------------------------------------------------------- realism

def test_departments_methods_and_vendors(system500, all_releases500):
    departments = {r[-1]["buyer"]["name"] for r in all_releases500.values()}
    assert len(departments) == 15
    methods = collections.Counter(_latest(r, "tender")["procurementMethodDetails"] for r in all_releases500.values())
    assert set(methods) == {"Invitation for Bid", "Request for Proposals", "Request for Qualifications",
                            "Sole Source", "Emergency Procurement", "Small Purchase", "Cooperative Purchase"}
    assert len(system500.vendors) == 150
    assert len({v.name for v in system500.vendors}) == 150
    scales = collections.Counter(v.scale for v in system500.vendors)
    assert set(scales) == {"small", "sme", "large"}
    certifications = collections.Counter(c for v in system500.vendors for c in v.certifications)
    assert set(certifications) == {"MBE", "WBE", "LBE", "DBE"}
    assert all(v.local for v in system500.vendors if "LBE" in v.certifications)


def test_parties_and_roles(all_releases500):
    procuring = set()
    for releases in all_releases500.values():
        for release in releases:
            ids = [p["id"] for p in release["parties"]]
            assert len(ids) == len(set(ids))
            assert release["buyer"]["id"] in ids
            for party in release["parties"]:
                if "supplier" in party["roles"] or "tenderer" in party["roles"]:
                    assert party["details"]["scale"] in ("small", "sme", "large")
                    for classification in party["details"]["classifications"]:
                        assert classification["scheme"] == "CITY-CERT"
                        assert classification["id"] in ("MBE", "WBE", "LBE", "DBE")
                    assert party["identifier"]["scheme"] == "US-EIN"
                    assert party["address"]["countryName"] == "United States"
            tender = release.get("tender")
            if tender:
                procuring.add(tender["procuringEntity"]["name"])
    assert procuring == {"City of Springfield, Department of Procurement Services"}


def test_amounts_items_and_documents(all_releases500):
    values = []
    for releases in all_releases500.values():
        tender = _latest(releases, "tender")
        values.append(tender["value"]["amount"])
        assert tender["value"]["currency"] == "USD"
        for item in tender["items"]:
            assert item["classification"]["scheme"] == "UNSPSC"
            assert re.fullmatch(r"\d{8}", item["classification"]["id"])
            nigp = item["additionalClassifications"][0]
            assert nigp["scheme"] == "NIGP" and re.fullmatch(r"\d{5}", nigp["id"])
            assert item["quantity"] >= 1
        for path, value in _walk(releases):
            if path.endswith("documents[]/url"):
                assert value.startswith("https://procurement.springfield.example/docs/")
    assert min(values) >= 4_000
    assert max(values) <= 25_000_000
    assert sum(v < 75_000 for v in values) >= 10, "small purchases"
    assert sum(v > 5_000_000 for v in values) >= 5, "large works"


def test_payments_do_not_exceed_contract_value(all_releases500):
    checked = 0
    for releases in all_releases500.values():
        for contract in _latest(releases, "contracts") or ():
            transactions = contract.get("implementation", {}).get("transactions", [])
            if transactions:
                paid = sum(t["value"]["amount"] for t in transactions)
                assert paid <= contract["value"]["amount"] + 0.01
                assert all(t["payee"]["name"] and t["payer"]["id"] for t in transactions)
                checked += 1
    assert checked > 100


def test_milestones_met_and_not_met(all_releases500):
    statuses = collections.Counter()
    for releases in all_releases500.values():
        for contract in _latest(releases, "contracts") or ():
            for milestone in contract.get("implementation", {}).get("milestones", []):
                statuses[milestone["status"]] += 1
                if milestone["status"] == "met":
                    assert milestone["dateMet"]
    assert statuses["met"] and statuses["notMet"] and statuses["scheduled"]


def test_contract_amendments_carry_rationale_and_change(all_releases500):
    amended = 0
    for releases in all_releases500.values():
        previous = None
        for release in releases:
            if release["tag"] == ["contractAmendment"]:
                contract = release["contracts"][0]
                amendment = contract["amendments"][-1]
                assert amendment["rationale"] and amendment["date"] == release["date"]
                assert amendment["releaseID"] == release["id"]
                assert previous is not None
                before = previous["contracts"][0]
                assert (before["value"] != contract["value"] or before["period"] != contract["period"]
                        or "no change to the contract value" in amendment["description"])
                amended += 1
            if "contracts" in release:
                previous = release
    assert amended >= 40


def test_bids_and_awards(all_releases500):
    single_bid = 0
    for releases in all_releases500.values():
        award_release = next((r for r in releases if r["tag"] == ["award"]), None)
        if award_release is None:
            continue
        tender = award_release["tender"]
        assert tender["status"] == "complete"
        for award in award_release["awards"]:
            assert award["status"] == "active" and award["suppliers"] and award["value"]["amount"] > 0
        if "bids" in award_release:
            details = award_release["bids"]["details"]
            assert tender["numberOfTenderers"] == len(details)
            single_bid += len(details) == 1
            winners = {s["id"] for a in award_release["awards"] for s in a["suppliers"]}
            for bid in details:
                if bid["tenderers"][0]["id"] in winners:
                    assert bid["status"] == "valid"
    assert single_bid > 0  # red-flag material for the portal


# ---------------------------------------------------------------- OCDS schema and codelists

def test_releases_validate_against_release_schema(system500, schema_dir):
    import jsonschema

    schema = json.loads((schema_dir / "release-schema.json").read_text())
    validator = jsonschema.Draft4Validator(schema)
    sample = []
    by_stage = {}
    for index in range(500):
        by_stage.setdefault(system500.stage(index), []).append(index)
    for indexes in by_stage.values():
        for index in indexes[:3]:
            sample.extend(system500.process(index).releases)  # including future releases
    assert len(sample) > 100
    for release in sample:
        errors = sorted(validator.iter_errors(release), key=lambda e: list(e.path))
        assert not errors, f"{release['id']}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def test_hostile_releases_still_validate(schema_dir):
    import jsonschema

    validator = jsonschema.Draft4Validator(json.loads((schema_dir / "release-schema.json").read_text()))
    system = PurchasingSystem(processes=60, seed=42, start=START, hostile=True)
    for index in (3, 53):
        for release in system.process(index).releases:
            assert not list(validator.iter_errors(release))


CODELIST_FIELDS = {
    "tag[]": "releaseTag",
    "initiationType": "initiationType",
    "tender/status": "tenderStatus",
    "tender/procurementMethod": "method",
    "tender/mainProcurementCategory": "procurementCategory",
    "tender/additionalProcurementCategories[]": "extendedProcurementCategory",
    "tender/awardCriteria": "awardCriteria",
    "tender/submissionMethod[]": "submissionMethod",
    "awards[]/status": "awardStatus",
    "contracts[]/status": "contractStatus",
    "parties[]/roles[]": "partyRole",
    "contracts[]/implementation/milestones[]/type": "milestoneType",
    "contracts[]/implementation/milestones[]/status": "milestoneStatus",
}


def test_codes_come_from_codelists(all_releases500, codelists):
    used = collections.defaultdict(set)
    for releases in all_releases500.values():
        for path, value in _walk(releases):
            path = path.lstrip("[]").lstrip("/")
            if path.endswith("/documentType"):
                assert value in codelists["documentType"], value
            elif path.endswith("/currency"):
                assert value in codelists["currency"], value
            elif path.endswith("unit/scheme"):
                assert value in codelists["unitClassificationScheme"]
            elif path.endswith("classification/scheme"):
                assert value in codelists["itemClassificationScheme"]
            elif path in CODELIST_FIELDS:
                assert value in codelists[CODELIST_FIELDS[path]], (path, value)
                used[path].add(value)
    assert used["tender/status"] >= {"planned", "active", "complete", "cancelled", "unsuccessful"}
    assert used["tag[]"] >= {"planning", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation",
                             "award", "contract", "contractAmendment", "implementation", "contractTermination"}


# ---------------------------------------------------------------- clock

def test_advance_makes_processes_progress():
    system = PurchasingSystem(processes=200, seed=5, start=START)
    before = {i: system.releases(i) for i in range(200)}
    stages_before = collections.Counter(system.stage(i) for i in range(200))
    system.advance(60)
    after = {i: system.releases(i) for i in range(200)}
    new = [r for i in range(200) for r in after[i][len(before[i]):]]
    assert len(new) > 100
    assert all(parse_datetime(r["date"]) > system.start for r in new)
    for i in range(200):
        assert after[i][:len(before[i])] == before[i], "published releases never change"
    stages_after = collections.Counter(system.stage(i) for i in range(200))
    assert stages_after["open"] != stages_before["open"] or stages_after["awarded"] != stages_before["awarded"]
    assert {r["tag"][0] for r in new} >= {"tender", "award", "contract", "implementation"}
    # Deterministic: another system advanced the same way publishes the same.
    other = PurchasingSystem(processes=200, seed=5, start=START)
    other.advance(30)
    other.advance(30)
    assert all(other.releases(i) == after[i] for i in range(0, 200, 9))


def test_reset_restores_the_start():
    system = PurchasingSystem(processes=30, seed=5, start=START)
    first = system.releases(4)
    system.advance(400)
    system.remove(system.ocid(2))
    system.change(system.ocid(4))
    system.reset()
    assert system.now == system.start
    assert system.releases(4) == first
    assert system.releases(2)


def test_change_publishes_a_release_at_the_clock():
    system = PurchasingSystem(processes=80, seed=5, start=START)
    contract_index = next(i for i in range(80) if system.stage(i) == "implementation")
    open_index = next(i for i in range(80) if system.stage(i) == "open")
    for index, tags in ((contract_index, {"implementation", "contractUpdate"}), (open_index, {"tenderUpdate"})):
        before = system.releases(index)
        release = system.change(system.ocid(index))
        assert release["tag"][0] in tags
        after = system.releases(index)
        assert after[-1] == release and after[:-1] == before
        assert release["date"] > before[-1]["date"]
        # A second change on the same clock still gets a later date.
        second = system.change(system.ocid(index))
        assert second["date"] > release["date"] and second["id"] != release["id"]
    contract = system.releases(contract_index)[-1]["contracts"][0]
    paid = sum(t["value"]["amount"] for t in contract["implementation"]["transactions"])
    assert paid <= contract["value"]["amount"]


def test_remove_and_restore():
    system = PurchasingSystem(processes=30, seed=5, start=START)
    ocid = system.ocid(10)
    system.remove(ocid)
    assert system.releases(10) == []
    assert ocid not in {r["ocid"] for r in system.page(1000).releases}
    system.restore(ocid)
    assert system.releases(10)
    with pytest.raises(KeyError):
        system.remove("ocds-demo01-2025-999999")
    with pytest.raises(KeyError):
        system.remove("not-an-ocid")


# ---------------------------------------------------------------- hostile data

def test_hostile_data_is_off_by_default(all_releases500):
    text = json.dumps(all_releases500)
    assert "<script" not in text and "javascript:" not in text and "onerror" not in text


def test_hostile_switch():
    system = PurchasingSystem(processes=100, seed=42, start=START, hostile=True)
    hostile = [i for i in range(100) if is_hostile_index(i)]
    assert hostile
    texts = []
    for index in hostile:
        releases = system.process(index).releases
        text = json.dumps(releases)
        assert "<script>alert(1)</script>" in releases[0]["tender"]["title"]
        assert "javascript:alert(1)" in text
        texts.append(text)
    assert any('"><script>alert(1)</script>' in t for t in texts), "hostile supplier name"
    assert any("<b onmouseover=alert(1)>" in t for t in texts), "HTML in document titles"
    clean = json.dumps(system.process(0).releases)
    assert "<script" not in clean


# ---------------------------------------------------------------- scale

def test_100k_first_page_and_page_500_are_lazy():
    tracemalloc.start()
    try:
        system = PurchasingSystem(processes=100_000, seed=42, start=START)
        page = system.page(limit=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(page.releases) == 100
    assert system.render_count <= 40
    assert peak < 20 * 1024 * 1024
    cursor = page.next_cursor
    for _ in range(498):
        page = system.page(limit=10, cursor=cursor)
        assert len(page.releases) == 10
        cursor = page.next_cursor
    # ~5,000 releases visited: about a thousand processes rendered, not 100,000.
    assert system.render_count < 2_000
    assert int(page.releases[-1]["ocid"][-6:]) < 2_000

    # Page 500 from its cursor, on a fresh system: only that page's processes are made.
    fresh = PurchasingSystem(processes=100_000, seed=42, start=START)
    tracemalloc.start()
    try:
        page500 = fresh.page(limit=10, cursor=cursor)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(page500.releases) == 10
    assert fresh.render_count <= 10 and fresh.plan_count <= 10
    assert peak < 10 * 1024 * 1024
    assert page500.releases == system.page(limit=10, cursor=cursor).releases


def test_since_scans_plans_not_releases():
    system = PurchasingSystem(processes=1_500, seed=42, start=START)
    system.advance(2)
    since = system.start
    page = system.page(limit=1000, since=since)
    assert page.next_cursor is None
    assert page.releases and all(parse_datetime(r["date"]) > since for r in page.releases)
    expected = sum(len(system.releases(i, since=since)) for i in range(1_500))
    assert len(page.releases) == expected
    fresh = PurchasingSystem(processes=1_500, seed=42, start=START)
    fresh.advance(2)
    fresh.page(limit=1000, since=since)
    # Only processes with new releases were rendered.
    assert fresh.render_count == len({r["ocid"] for r in page.releases})


def test_generate_is_a_lazy_iterator():
    iterator = generate(n=100_000, seed=1, start=START)
    first = next(iterator)
    assert first[0]["ocid"].endswith("-000001")
    assert next(iterator)[0]["ocid"].endswith("-000002")


def test_start_accepts_dates_and_defaults_to_today():
    from datetime import date, datetime, timezone

    assert PurchasingSystem(5, start=date(2025, 6, 1)).now == datetime(2025, 6, 1, tzinfo=timezone.utc)
    assert PurchasingSystem(5, start="2025-06-01T00:00:00Z").now == datetime(2025, 6, 1, tzinfo=timezone.utc)
    today = PurchasingSystem(5).now
    assert abs(today - datetime.now(timezone.utc)) < timedelta(days=1)
