"""The OCDS API (/api/ocds/...): what a crawler such as OCP's Kingfisher Collect does,
page after page through the real portal, while processes change underneath it."""
from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest

from ckan.tests import factories, helpers

from ckanext.procurement import published
from ckanext.procurement.ocds import packages
from ckanext.procurement.tests.ckan.test_schema import release, save

RELEASE_VALIDATOR = packages.validator("release")
RECORD_VALIDATOR = packages.validator("record")


def _releases(ocid: str, count: int, *, year: int = 2024, title: str = "Road salt") -> list[dict]:
    return [release(ocid, title=title, date=f"{year}-0{month}-15T10:00:00Z") for month in range(1, count + 1)]


@pytest.fixture
def portal(clean_db, clean_index, sysadmin, organization):
    """Eight public processes (1 to 3 releases each) of two publishers, one private, one withdrawn."""
    other = factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}], title="Water Board")
    for index in range(1, 7):
        save(sysadmin, organization, _releases(f"ocds-api-{index:02d}", 1 + index % 3, year=2020 + index))
    for index in (7, 8):
        save(sysadmin, other, _releases(f"ocds-api-{index:02d}", 2, year=2023))
    save(sysadmin, organization, _releases("ocds-api-private", 2), private=True)
    withdrawn = save(sysadmin, organization, _releases("ocds-api-withdrawn", 2))
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=withdrawn["package"]["id"])
    return {"organization": organization, "other": other}


def _public_releases() -> set[tuple[str, str]]:
    return {(record.ocid, r["id"]) for record, _ in published.stream(published.records()) for r in record.releases}


def _get(app, url: str, headers: dict | None = None, status: int = 200) -> dict:
    parts = urlsplit(url)
    response = app.get(parts.path + ("?" + parts.query if parts.query else ""), headers=headers or {})
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.get_json()


def _valid(package: dict, validator=RELEASE_VALIDATOR) -> dict:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]
    assert errors == []
    return package


def crawl(app, url: str, headers: dict | None = None, between_pages=None) -> tuple[list[tuple[str, str]], list[dict]]:
    """Follow links.next from `url` to the end; returns every (ocid, release id) in order, and the pages."""
    seen, pages = [], []
    while url:
        page = _valid(_get(app, url, headers))
        pages.append(page)
        seen.extend((r["ocid"], r["id"]) for r in page["releases"])
        url = (page.get("links") or {}).get("next")
        if url and between_pages:
            between_pages(len(pages))
    return seen, pages


def test_a_crawl_gets_every_public_release_once(app, portal):
    expected = _public_releases()
    assert len(expected) == 16 and not any("private" in o or "withdrawn" in o for o, _ in expected)
    seen, pages = crawl(app, "/api/ocds/releases?limit=4")
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    assert len(pages) == 4 and all(len(p["releases"]) <= 4 for p in pages)
    assert {p["count"] for p in pages} == {16}
    first = pages[0]
    assert "prev" not in first["links"] and "next" not in pages[-1].get("links", {})
    assert first["version"] == "1.1" and first["publisher"]["name"] and first["license"]
    assert first["uri"].startswith("http") and "/api/ocds/releases" in first["uri"]
    # default page size: everything on one page
    whole = _valid(_get(app, "/api/ocds/releases"))
    assert len(whole["releases"]) == 16 and "links" not in whole


def test_links_prev_walks_back_over_the_same_pages(app, portal):
    _, pages = crawl(app, "/api/ocds/releases?limit=5")
    back, url = [], pages[-1]["links"]["prev"]
    while url:
        page = _valid(_get(app, url))
        back.insert(0, [r["id"] for r in page["releases"]])
        url = page.get("links", {}).get("prev")
    assert back == [[r["id"] for r in p["releases"]] for p in pages[:-1]]


def test_a_crawl_while_processes_change_misses_and_repeats_nothing(app, portal, sysadmin):
    """After the first page (which ends inside ocds-api-02): the process the crawl is in is corrected
    (its first release replaced by a new copy, which moves to the end of its stored list), a passed
    process and one ahead get new releases, one ahead is withdrawn, and a new process appears. Every
    release that existed at the start and is still public comes exactly once; the later
    `modified_since` crawl finds what the crawl had passed."""
    organization = portal["organization"]
    at_start = _public_releases()
    started = _get(app, "/api/ocds/releases?limit=1")["publishedDate"]

    def harvest_changes(page_number):
        if page_number != 1:
            return
        current = _releases("ocds-api-02", 3, year=2022)
        corrected = dict(current[0], tender=dict(current[0]["tender"], title="Road salt, corrected"))
        save(sysadmin, organization, current[1:] + [corrected])
        passed = _releases("ocds-api-01", 2, year=2021)
        save(sysadmin, organization, passed + [release("ocds-api-01", title="Road salt", date="2025-01-01T00:00:00Z")])
        ahead = _releases("ocds-api-05", 3, year=2025)
        save(sysadmin, organization, ahead + [release("ocds-api-05", title="x", date="2026-01-01T00:00:00Z")])
        withdrawn = helpers.call_action("package_show", id="ocds-api-06")
        helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=withdrawn["id"])
        save(sysadmin, organization, _releases("ocds-api-99", 1))

    seen, pages = crawl(app, "/api/ocds/releases?limit=3", between_pages=harvest_changes)
    assert pages[0]["releases"][-1]["ocid"] == "ocds-api-02" and pages[1]["releases"][0]["ocid"] == "ocds-api-02"
    assert len(seen) == len(set(seen)), "a release came twice"
    still_public = {key for key in at_start if key[0] != "ocds-api-06"}
    assert still_public <= set(seen), f"skipped: {still_public - set(seen)}"
    assert ("ocds-api-05", "ocds-api-05-2026-01-01") in seen and ("ocds-api-99", "ocds-api-99-2024-01-15") in seen
    assert not any(ocid == "ocds-api-06" for ocid, _ in seen)
    assert ("ocds-api-01", "ocds-api-01-2025-01-01") not in seen  # the crawl had passed it
    assert {page["count"] for page in pages} == {16}  # as counted on the first page
    # the next crawl, since (a few minutes before) the first one started, finds it
    since = (datetime.datetime.fromisoformat(started.replace("Z", "+00:00")) - datetime.timedelta(minutes=5))
    changed, _ = crawl(app, "/api/ocds/releases?modified_since=" + since.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert ("ocds-api-01", "ocds-api-01-2025-01-01") in changed


def test_modified_since_after_a_harvest_returns_just_what_changed(app, clean_db, clean_index, purged_queues,
                                                                sysadmin, organization, feed):
    import json

    from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
    from ckanext.procurement.tests.feed_server import Reply

    feed_releases = [r for index in range(1, 6) for r in _releases(f"ocds-feed-{index}", 2)]
    url = feed.route("/feed.json", Reply(json.dumps({"releases": feed_releases}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    assert run_job(source["id"], sysadmin["name"])["status"] == "Finished"
    assert len(crawl(app, "/api/ocds/releases?limit=3")[0]) == 10
    before = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    changed = [dict(r, tender=dict(r["tender"], title="Road salt, more")) if r["ocid"] == "ocds-feed-2" else r
               for r in feed_releases]
    changed += _releases("ocds-feed-9", 1) + [release("ocds-feed-4", title="Road salt", date="2024-09-01T00:00:00Z")]
    feed.route("/feed.json", Reply(json.dumps({"releases": changed}).encode()))
    assert run_job(source["id"], sysadmin["name"])["status"] == "Finished"

    seen, pages = crawl(app, f"/api/ocds/releases?limit=2&modified_since={before}")
    assert {ocid for ocid, _ in seen} == {"ocds-feed-2", "ocds-feed-4", "ocds-feed-9"}
    assert len(seen) == len(set(seen)) == 2 + 3 + 1 and pages[0]["count"] == 6
    records = _valid(_get(app, f"/api/ocds/records?modified_since={before}"), RECORD_VALIDATOR)
    assert [r["ocid"] for r in records["records"]] == ["ocds-feed-2", "ocds-feed-4", "ocds-feed-9"]
    until = _get(app, f"/api/ocds/releases?modified_until={before}")
    assert {r["ocid"] for r in until["releases"]} == {"ocds-feed-1", "ocds-feed-3", "ocds-feed-5"}


def test_release_date_and_publisher_filters(app, portal):
    in_2023 = _valid(_get(app, "/api/ocds/releases?since=2023-01-01&until=2024-01-01"))
    assert {r["date"][:4] for r in in_2023["releases"]} == {"2023"} and in_2023["count"] == len(in_2023["releases"]) == 5
    water = _valid(_get(app, "/api/ocds/releases?publisher=" + portal["other"]["name"]))
    assert {r["ocid"] for r in water["releases"]} == {"ocds-api-07", "ocds-api-08"}
    assert water["publisher"]["name"] == "Water Board"
    one = _valid(_get(app, "/api/ocds/releases?ocid=ocds-api-02&since=2022-02-01T00:00:00%2B00:00"))
    assert [r["id"] for r in one["releases"]] == ["ocds-api-02-2022-02-15", "ocds-api-02-2022-03-15"]
    records = _valid(_get(app, "/api/ocds/records?since=2025-01-01"), RECORD_VALIDATOR)
    assert [r["ocid"] for r in records["records"]] == ["ocds-api-05", "ocds-api-06"] and records["count"] == 2
    # the ends of the calendar, in a time zone that takes them past Python's range in UTC: no 500
    everything = _get(app, "/api/ocds/releases?since=0001-01-01T00:00:00%2B01:00&until=9999-12-31T23:00:00-05:00")
    assert everything["count"] == 16


def test_records_and_one_record(app, portal, sysadmin):
    seen, url = [], "/api/ocds/records?limit=3"
    while url:
        page = _valid(_get(app, url), RECORD_VALIDATOR)
        assert page["count"] == 8
        seen += [r["ocid"] for r in page["records"]]
        assert all(r["compiledRelease"]["ocid"] == r["ocid"] and r["releases"] for r in page["records"])
        url = page.get("links", {}).get("next")
    assert seen == [f"ocds-api-{index:02d}" for index in range(1, 9)]
    one = _valid(_get(app, "/api/ocds/records/ocds-api-07"), RECORD_VALIDATOR)
    assert [r["ocid"] for r in one["records"]] == ["ocds-api-07"] and one["publisher"]["name"] == "Water Board"
    for ocid in ("ocds-nobody-1", "ocds-api-private", "ocds-api-withdrawn"):
        error = _get(app, f"/api/ocds/records/{ocid}", status=404)["error"]
        assert error["parameter"] == "ocid" and ocid in error["message"]
    staff = {"Authorization": sysadmin["token"]}
    assert _get(app, "/api/ocds/records/ocds-api-private", staff)["records"][0]["ocid"] == "ocds-api-private"
    _get(app, "/api/ocds/records/ocds-api-withdrawn", staff, status=404)


BAD_PARAMETERS = [  # (query, the parameter named, status)
    ("colour=blue", "colour", 400),
    ("page=2", "page", 400),
    ("limit=0", "limit", 400),
    ("limit=1001", "limit", 400),
    ("limit=ten", "limit", 400),
    ("limit=-5", "limit", 400),
    ("limit=1&limit=2", "limit", 400),
    ("since=yesterday", "since", 400),
    ("until=2024-13-01", "until", 400),
    ("modified_since=2024-02-30T00:00:00Z", "modified_since", 400),
    ("modified_since=2024-05-01&modified_until=2024-01-01", "modified_until", 400),
    ("since=%00", "since", 400),
    ("cursor=not-a-cursor", "cursor", 400),
    ("cursor=WyJvY2RzIl0", "cursor", 400),  # valid base64 JSON, not a cursor of this endpoint
    ("publisher=no-such-publisher", "publisher", 404),
    ("ocid=ocds-nobody-1", "ocid", 404),
    ("ocid=ocds-api-private", "ocid", 404),
    ("ocid=a%00b", "ocid", 400),
]


def test_bad_parameters_are_named(app, portal):
    """One portal for every case (setting it up is the slow part)."""
    for endpoint in ("releases", "records"):
        for query, parameter, status in BAD_PARAMETERS:
            body = _get(app, f"/api/ocds/{endpoint}?{query}", status=status)
            assert body["error"]["parameter"] == parameter and body["error"]["status"] == status, (endpoint, query)
            assert parameter in body["error"]["message"] or status == 404 or parameter == "cursor", (endpoint, query)


def test_a_single_record_takes_no_parameters(app, portal):
    assert _get(app, "/api/ocds/records/ocds-api-01?limit=3", status=400)["error"]["parameter"] == "limit"


@pytest.mark.ckan_config("ckanext.procurement.api.max_page_size", "5")
def test_the_limit_is_a_setting(app, portal):
    assert "from 1 to 5" in _get(app, "/api/ocds/releases?limit=6", status=400)["error"]["message"]
    assert len(_get(app, "/api/ocds/releases")["releases"]) == 5  # the default never exceeds the maximum


def test_members_see_their_organizations_private_processes(app, portal, sysadmin):
    organization = portal["organization"]
    member = factories.UserWithToken()
    helpers.call_action("organization_member_create", context={"user": sysadmin["name"]},
                        id=organization["id"], username=member["name"], role="member")
    stranger = factories.UserWithToken()  # an editor of another organization
    factories.Organization(users=[{"name": stranger["name"], "capacity": "editor"}])

    def ocids(headers, endpoint="releases"):
        page = _get(app, f"/api/ocds/{endpoint}", headers)
        return {item["ocid"] for item in page[endpoint]}, page["count"]

    assert "ocds-api-private" in ocids({"Authorization": member["token"]})[0]
    assert ocids({"Authorization": member["token"]}, "records") == (ocids({}, "records")[0] | {"ocds-api-private"}, 9)
    for headers in ({}, {"Authorization": stranger["token"]}):
        seen, count = ocids(headers)
        assert "ocds-api-private" not in seen and "ocds-api-withdrawn" not in seen and count == 16
    _get(app, "/api/ocds/releases?ocid=ocds-api-private", {"Authorization": stranger["token"]}, status=404)


def test_published_after_review_counts_as_modified(app, portal, sysadmin):
    """A coordinator publishing a reviewed process makes its releases new to a `modified_since` crawl."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert _get(app, f"/api/ocds/releases?modified_since={now}")["releases"] == []
    helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id="ocds-api-private", private=False)
    page = _valid(_get(app, f"/api/ocds/releases?modified_since={now}"))
    assert {r["ocid"] for r in page["releases"]} == {"ocds-api-private"}


def test_made_public_in_bulk_counts_as_modified(app, portal, sysadmin):
    """The organization page's bulk "Make public" (bulk_update_public) too."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    private = helpers.call_action("package_show", id="ocds-api-private")
    helpers.call_action("bulk_update_public", context={"user": sysadmin["name"]},
                        datasets=[private["id"]], org_id=portal["organization"]["id"])
    page = _valid(_get(app, f"/api/ocds/releases?modified_since={now}"))
    assert {r["ocid"] for r in page["releases"]} == {"ocds-api-private"}


def test_the_openapi_description(app, portal):
    from openapi_spec_validator import validate

    response = app.get("/api/ocds/openapi.json")
    assert response.status_code == 200
    description = response.get_json()
    validate(description)
    assert set(description["paths"]) == {"/releases", "/records", "/records/{ocid}"}
    names = {p["name"] for p in description["paths"]["/releases"]["get"]["parameters"]}
    assert names == {"since", "until", "modified_since", "modified_until", "publisher", "ocid", "limit", "cursor"}
    limit = next(p for p in description["paths"]["/releases"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 1000 and limit["schema"]["default"] == 100


def test_the_migration_fills_the_release_dates_of_records_stored_before_it(app, portal):
    """Records saved by an earlier version (no release_dates) are counted and filtered by date after migration 04."""
    import sqlalchemy as sa
    from ckan import model
    from ckan.cli.db import _run_migrations

    model.Session.commit()
    model.Session.remove()
    _run_migrations("procurement", "e5f1a7c3d942", forward=False)  # before 04
    with model.meta.engine.begin() as connection:
        columns = [c["name"] for c in sa.inspect(connection).get_columns("procurement_record")]
    assert "release_dates" not in columns
    _run_migrations("procurement", "head", forward=True)

    from ckanext.procurement.model import ProcurementRecord

    assert ProcurementRecord.get("ocds-api-02").release_dates == [
        datetime.datetime(2022, month, 15, 10) for month in (1, 2, 3)]
    assert _get(app, "/api/ocds/releases")["count"] == 16
    assert len(_get(app, "/api/ocds/releases?since=2023-01-01&until=2024-01-01")["releases"]) == 5
