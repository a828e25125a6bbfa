"""Hostile tests of what was built for 100,000 processes: the /contracting-process/ search page
read from stored index fields (`fl`, `search_listed_fields`), the gather that writes its objects in
batches and hands them to ckanext-harvest when it ends, the chained
`package_create_default_resource_views`, and the one-walk storability check of a release
(`plainly_storable`, the inlined feed reader).

An anonymous visitor, an editor of another organization and a hostile harvest source (a loopback
server) attack them through CKAN's real action API, Solr, PostgreSQL and Redis."""
from __future__ import annotations

import json
import re
import threading

import pytest

from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

from ckanext.procurement.tests.ckan.harvest_helpers import create_source, drain, processes, run_job
from ckanext.procurement.tests.ckan.test_schema import release, save
from ckanext.procurement.tests.feed_server import Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")

HOSTILE = '<script>alert("x")</script>'
SECRET_TITLE = "Undisclosed-zeppelin-acquisition"
DRAFT_TITLE = "Draft-dirigible-purchase"
DELETED_TITLE = "Deleted-blimp-contract"
REASON = "Police investigation 4471"


@pytest.fixture
def city():
    """A city with an editor; another organization with a hostile editor. The city has a public
    process with hostile values, a private one, a draft one, a deleted one, one withheld in review
    and one published by a reviewer."""
    editor, outsider = factories.UserWithToken(), factories.UserWithToken()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    other = factories.Organization(users=[{"name": outsider["name"], "capacity": "editor"}])
    as_editor = {"user": editor["name"], "ignore_auth": False}
    public = save(editor, org, [release(
        "ocds-213czf-hr-public", title=f"Public {HOSTILE}", buyer_name=f"Dept {HOSTILE}",
        tender={"status": "active", "tenderPeriod": {"endDate": "2999-01-01T00:00:00Z"},
                "value": {"amount": 1234, "currency": "USD"}},
        awards=[{"id": "a1", "status": "active", "suppliers": [{"id": "s1", "name": f"Supplier {HOSTILE}"}],
                 "value": {"amount": 1200, "currency": "USD"}}])])["package"]
    private = save(editor, org, [release("ocds-213czf-hr-private", title=SECRET_TITLE)], private=True)["package"]
    deleted = save(editor, org, [release("ocds-213czf-hr-deleted", title=DELETED_TITLE)])["package"]
    helpers.call_action("package_delete", context=dict(as_editor), id=deleted["id"])
    draft = helpers.call_action("package_create", context=dict(as_editor), type="contracting-process",
                                name="ocds-213czf-hr-draft", title=DRAFT_TITLE, ocid="ocds-213czf-hr-draft",
                                owner_org=org["id"], state="draft")
    withheld = save(editor, org, [release("ocds-213czf-hr-withheld", title="Withheld tender")], private=True)["package"]
    helpers.call_action("procurement_review_withhold", context=dict(as_editor), ids=[withheld["id"]], reason=REASON)
    reviewed = save(editor, org, [release("ocds-213czf-hr-reviewed", title="Reviewed tender")], private=True)["package"]
    helpers.call_action("procurement_review_withhold", context=dict(as_editor), ids=[reviewed["id"]], reason=REASON)
    helpers.call_action("procurement_review_publish", context=dict(as_editor), ids=[reviewed["id"]])
    model.Session.remove()
    return {"editor": editor, "outsider": outsider, "org": org, "other": other, "public": public, "private": private,
            "deleted": deleted, "draft": draft, "withheld": withheld, "reviewed": reviewed}


def _visitors(city: dict) -> list[dict]:
    return [{}, {"Authorization": city["outsider"]["token"]}]


# --- 1. the search page reads stored index fields ---------------------------------------------------

PAGE_PARAMS = [
    {}, {"q": "*:*"}, {"q": "zeppelin"}, {"fl": "validated_data_dict"}, {"fl": "*"}, {"fl": "extras_review_reason"},
    {"sort": "deadline"}, {"sort": "value_desc"}, {"sort": "title_string asc"}, {"sort": "extras_review_reason desc"},
    {"sort": "metadata_modified desc", "fl": "*"}, {"ext_open": "1"}, {"ext_open": "maybe"}, {"ext_fl": "*"},
    {"capacity": "private"}, {"state": "draft"}, {"dataset_type": "harvest"}, {"q": "capacity:private"},
    {"q": "state:draft OR state:deleted"}, {"page": "2"}, {"page": "-1"}, {"q": "\x00"}, {"status": '") OR *:* OR ("'},
]


@pytest.mark.parametrize("params", PAGE_PARAMS)
def test_the_search_page_shows_outsiders_nothing_private_draft_deleted_or_decided(app, city, params):
    """Anonymous visitors and another organization's editor, with hostile query parameters: the page is never a
    500 and never lists the private, draft, deleted or withheld processes, nor who reviewed or why."""
    for headers in _visitors(city):
        response = app.get("/contracting-process/", query_string=params, headers=headers)
        assert response.status_code < 500, (params, response.status_code)
        body = response.get_data(as_text=True)
        for leaked in (SECRET_TITLE, DRAFT_TITLE, DELETED_TITLE, "Withheld tender", REASON, city["editor"]["name"]):
            assert leaked not in body, (params, headers, leaked)


def test_the_search_page_escapes_harvested_values_read_from_the_index(app, city):
    body = app.get("/contracting-process/", query_string={"sort": "deadline"}).get_data(as_text=True)
    items = re.findall(r'<li class="dataset-item procurement-item".*?</li>', body, re.S)
    assert any("Public" in item for item in items), items
    assert "<script>" not in "".join(items)
    assert "&lt;script&gt;" in "".join(items)  # the title, the department and the supplier, escaped


@pytest.mark.ckan_config("ckanext.procurement.search_listed_fields",
                         "reviewed_by reviewed_at review_reason private type validated_data_dict x:validated_data_dict *")
def test_listed_field_names_never_bring_the_review_decision_or_the_whole_dataset(app, city, monkeypatch):
    """A site names more fields, some of them the review queue's private ones, a field alias and a glob:
    the items of the page still hold neither who decided nor the stored dataset."""
    from ckanext.procurement import search

    listed = []
    listing = search._listed
    monkeypatch.setattr(search, "_listed", lambda doc, names: listed.append(listing(doc, names)) or listed[-1])
    for headers in _visitors(city):
        response = app.get("/contracting-process/", headers=headers)
        assert response.status_code == 200
    assert listed, "the page did not list from the index"
    text = json.dumps(listed)
    assert city["editor"]["name"] not in text and REASON not in text and "validated_data_dict" not in text
    assert all(item["private"] is False and item["type"] == "contracting-process" for item in listed), listed


@pytest.mark.parametrize("fl", ["", "id name title dataset_type capacity extras_status", "*", "validated_data_dict"])
def test_the_api_with_the_listing_fields_shows_outsiders_nothing_private(app, city, fl):
    for headers in _visitors(city):
        response = app.get("/api/3/action/package_search", headers=headers, query_string={
            "fq": "+dataset_type:contracting-process", "include_private": "true", "include_drafts": "true",
            "include_deleted": "true", "rows": 100, **({"fl": fl} if fl else {})})
        assert response.status_code < 500, fl
        body = response.get_data(as_text=True)
        for leaked in (SECRET_TITLE, DRAFT_TITLE, "Withheld tender", REASON):
            assert leaked not in body, (fl, headers, leaked)


def test_the_api_does_not_tell_outsiders_who_reviewed_a_process_or_why(app, city):
    """The review queue's fields (reviewed_by, reviewed_at, review_reason) are for the organization's editors
    (review/logic.py PRIVATE_FIELDS). CKAN's index stores every extra as `extras_<key>` too: neither
    `fl=extras_reviewed_by` nor `fq=extras_reviewed_by:<name>` may tell anyone who decided."""
    editor = city["editor"]["name"]
    for headers in _visitors(city):
        response = app.get("/api/3/action/package_search", headers=headers, query_string={
            "fq": "+dataset_type:contracting-process", "rows": 100,
            "fl": "name,extras_reviewed_by,extras_reviewed_at,extras_review_reason,extras_review_status"})
        results = response.json["result"]["results"]
        assert any(r.get("name") == city["reviewed"]["name"] for r in results), results
        for result in results:
            assert not {"reviewed_by", "reviewed_at", "review_reason"} & set(result), result
        found = app.get("/api/3/action/package_search", headers=headers,
                        query_string={"fq": f"extras_reviewed_by:{editor}"}).json["result"]
        assert found["count"] == 0


# --- 2. the gather writes its objects in batches ----------------------------------------------------

def _feed_of(feed, count: int, prefix: str = "ocds-213czf-g") -> str:
    return feed.route("/feed.json", Reply(json.dumps({"releases": [
        release(f"{prefix}-{n}", title=f"Process {n}") for n in range(count)]}).encode()))


def test_ckanext_harvests_run_test_imports_what_the_gather_found(sysadmin, organization, feed):
    """`ckan harvester run-test <source>` (ckanext-harvest's utils.run_test_harvester, through its
    tests.lib.run_harvest_job) runs a job in one process: it takes the ids gather_stage returns and
    fetches and imports them itself (a gather that queued them itself would leave it nothing to import,
    and the job Running)."""
    from ckanext.harvest.tests import lib

    source = create_source(sysadmin["name"], organization["id"], _feed_of(feed, 2))
    job = helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"])
    results = lib.run_harvest_job(HarvestJob.get(job["id"]), queue.get_harvester("ocds"))
    assert len(results) == 2 and all(r["state"] == "COMPLETE" for r in results.values()), results
    assert processes()["count"] == 2
    assert helpers.call_action("harvest_job_show", id=job["id"])["status"] == "Finished"


def _fetch_consumer_in_its_own_thread() -> int:
    """A fetch consumer as production runs it: another process (here a thread, its own DB session)
    taking what is on the fetch queue while the gather goes on."""
    handled = []
    error = []

    def consume():
        try:
            handled.append(drain(queue.get_fetch_consumer(), queue.fetch_callback))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            error.append(exc)
        finally:
            model.Session.remove()

    thread = threading.Thread(target=consume)
    thread.start()
    thread.join(120)
    assert not error, error
    return handled[0] if handled else 0


def test_a_gather_failing_halfway_leaves_no_imported_process_without_its_harvest_object(
        sysadmin, organization, feed, monkeypatch):
    """The gather fails after its second batch (the database or Redis goes away): ckanext-harvest's
    gather_stage then deletes every object of the job. Had a batch reached the fetch queue, a running
    fetch consumer would have imported it: processes changed by a run whose gather failed, with no object
    linking them to their source (the source would no longer list them, `harvest_source_clear` would
    leave them behind). Nothing is imported until the gather ends, and the next run imports everything."""
    from ckanext.procurement.harvesters import base

    source = create_source(sysadmin["name"], organization["id"], _feed_of(feed, 7))
    monkeypatch.setitem(helpers.config, "ckanext.procurement.harvest.batch_size", 3)
    original_step = base.Progress.step
    batches = [0]

    def step_then_fail(self, n=1):
        original_step(self, n)
        if self.what == "processes gathered":
            batches[0] += 1
            _fetch_consumer_in_its_own_thread()  # the consumer takes the batch just queued
            if batches[0] == 2:
                raise RuntimeError("the database went away in the middle of the gather")

    monkeypatch.setattr(base.Progress, "step", step_then_fail)
    helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=True)
    with pytest.raises(RuntimeError):
        drain(queue.get_gather_consumer(), queue.gather_callback)
    monkeypatch.setattr(base.Progress, "step", original_step)
    drain(queue.get_fetch_consumer(), queue.fetch_callback)
    model.Session.remove()

    # read from the database: the imports' Solr commit is left to the end of the job (import_indexing)
    imported = dict(model.Session.query(model.Package.id, model.Package.name).filter(
        model.Package.type == "contracting-process", model.Package.state == "active"))
    linked = {package_id for (package_id,) in model.Session.query(HarvestObject.package_id).filter(
        HarvestObject.harvest_source_id == source["id"], HarvestObject.current == True)}  # noqa: E712
    orphans = sorted(name for package_id, name in imported.items() if package_id not in linked)
    assert not orphans, f"imported by a failed gather, linked to no harvest object: {orphans}"
    assert not imported
    helpers.call_action("harvest_jobs_run", context={"user": sysadmin["name"]}, source_id=source["id"])
    job = run_job(source["id"], sysadmin["name"])
    assert job["status"] == "Finished" and job["stats"].get("added") == 7, job["stats"]


def test_a_harvest_run_by_the_extensions_own_command_still_imports_everything(sysadmin, organization, feed):
    """`ckan procurement harvest` runs a job in one process: it takes the ids back, nothing is left on the queue."""
    from ckanext.procurement.harvesters.inline import run_job as inline_run

    source = create_source(sysadmin["name"], organization["id"], _feed_of(feed, 5))
    inline_run(source["id"], sysadmin["name"])
    assert processes()["count"] == 5
    assert queue.get_connection().llen(queue.get_fetch_routing_key()) == 0


def test_a_production_run_queues_each_object_once_and_imports_everything(sysadmin, organization, feed, monkeypatch):
    monkeypatch.setitem(helpers.config, "ckanext.procurement.harvest.batch_size", 2)
    source = create_source(sysadmin["name"], organization["id"], _feed_of(feed, 5))
    job = run_job(source["id"], sysadmin["name"])
    assert job["status"] == "Finished" and job["stats"].get("added") == 5, job["stats"]


# --- 3. default resource views ---------------------------------------------------------------------

def test_default_views_without_a_package_are_a_validation_error_not_a_500(app, city):
    """CKAN's auth function reads data_dict['package']: the chained action, like CKAN's, asks for it first,
    so a call without it is a 409 naming it (a KeyError, a 500, otherwise) for anyone."""
    for headers in _visitors(city) + [{"Authorization": city["editor"]["token"]}]:
        response = app.post("/api/3/action/package_create_default_resource_views", json={}, headers=headers)
        assert response.status_code in (400, 403, 409), (headers, response.status_code)


def test_default_views_of_another_organizations_process_are_refused(app, city):
    private = helpers.call_action("package_show", id=city["private"]["id"])
    for headers in _visitors(city):
        response = app.post("/api/3/action/package_create_default_resource_views", json={"package": private},
                            headers=headers)
        assert response.status_code in (403, 404), response.status_code
        assert SECRET_TITLE not in response.get_data(as_text=True)


def test_default_views_are_created_for_every_resource_a_default_view_shows(city):
    """Only the resources some default view can show are asked for their views: an OCDS JSON document among
    PDFs still gets its view, once, and calling the action again adds none."""
    package = helpers.call_action("package_show", id=city["public"]["id"])
    resources = [{"url": "https://example.org/a.pdf", "format": "PDF", "name": "a"},
                 {"url": "https://example.org/release.json", "format": "", "name": "b"},
                 {"url": "https://example.org/c.docx", "format": "DOCX", "name": "c"}]
    editor = {"user": city["editor"]["name"]}
    created = helpers.call_action("package_patch", context=dict(editor), id=package["id"], resources=resources)
    first = helpers.call_action("package_create_default_resource_views", context=dict(editor), package=created)
    views = {r["name"]: helpers.call_action("resource_view_list", id=r["id"]) for r in created["resources"]}
    assert [v["view_type"] for v in views["b"]] == ["ocds_lifecycle"] and not views["a"] and not views["c"], views
    assert [v["view_type"] for v in first] == ["ocds_lifecycle"]
    again = helpers.call_action("package_create_default_resource_views", context=dict(editor),
                                package=helpers.call_action("package_show", id=package["id"]))
    assert again == []


# --- 4. a hostile feed --------------------------------------------------------------------------------

def _nested(levels: int) -> bytes:
    return b'{"n": ' * levels + b'{"leaf": 1}' + b"}" * levels


HOSTILE_FEED = (
    b'{"releases": ['
    b'{"ocid": "ocds-213czf-f-deep", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "parties": [],'
    b' "tender": {"id": "t", "title": "Deep"}, "x": ' + _nested(5000) + b'},'
    b'{"ocid": "ocds-213czf-f-nulkey", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "parties": [],'
    b' "tender": {"id": "t", "title": "Nul key", "items": [{"id": "i", "desc\\u0000ription": "x"}]}},'
    b'{"ocid": "ocds-213czf-f-dup", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "parties": [],'
    b' "tender": {"id": "t", "title": "First title", "title": "Duplicate keys, the last one wins"}},'
    b'{"ocid": "ocds-213czf-f-surrogate", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "parties": [],'
    b' "tender": {"id": "t", "title": "Lone \\ud800 surrogate"}},'
    b'{"ocid": "ocds-213czf-f-amount", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "parties": [],'
    b' "awards": [{"id": "a", "value": {"amount": "12", "currency": "usd"}}], "tender": {"id": "t", "title": "Typed"}},'
    b'{"ocid": "ocds-213czf-f-good", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "parties": [],'
    b' "tender": {"id": "t", "title": "Good"}}'
    b']}'
)


def test_a_hostile_feed_stops_only_its_own_releases_and_says_where(sysadmin, organization, feed):
    url = feed.route("/feed.json", Reply(HOSTILE_FEED))
    source = create_source(sysadmin["name"], organization["id"], url)
    job = run_job(source["id"], sysadmin["name"])
    report = json.dumps(job)
    assert job["status"] == "Finished", report[:2000]
    names = {r["name"]: r for r in processes()["results"]}
    assert {"ocds-213czf-f-good", "ocds-213czf-f-dup", "ocds-213czf-f-surrogate", "ocds-213czf-f-amount"} <= set(names)
    assert "ocds-213czf-f-deep" not in names and "ocds-213czf-f-nulkey" not in names
    assert names["ocds-213czf-f-dup"]["title"] == "Duplicate keys, the last one wins"
    assert "nested more than" in report and "NUL character" in report
    assert "releases/1/tender/items/0" in report  # where the NUL key is
    assert "releases/4/awards/0/value/amount" in report and "releases/4/awards/0/value/currency" in report


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"NaN", b"Infinity"])
def test_a_number_json_cannot_carry_stops_the_feed_with_a_message_not_a_crash(sysadmin, organization, feed, number):
    body = (b'{"releases": [{"ocid": "ocds-213czf-n-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],'
            b' "parties": [], "tender": {"id": "t", "title": "N", "value": {"amount": ' + number + b'}}}]}')
    source = create_source(sysadmin["name"], organization["id"], feed.route("/feed.json", Reply(body)))
    job = run_job(source["id"], sysadmin["name"])
    assert job["status"] == "Finished"
    assert processes()["count"] == 0 and "Gather stopped" in json.dumps(job)


def test_an_integer_of_41_digits_is_read_exactly_and_used_nowhere_it_cannot_be(sysadmin, organization, feed):
    """Beyond 64 bits (yajl stops there) the page is read again with ijson's own parser; within a float,
    the amount is kept in the record exactly and the process is published."""
    number = 10 ** 40
    body = (b'{"releases": [{"ocid": "ocds-213czf-n-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],'
            b' "parties": [], "tender": {"id": "t", "title": "N", "value": {"amount": ' + str(number).encode() + b'}}}]}')
    source = create_source(sysadmin["name"], organization["id"], feed.route("/feed.json", Reply(body)))
    job = run_job(source["id"], sysadmin["name"])
    assert job["status"] == "Finished" and processes()["count"] == 1
    assert "read again" in json.dumps(job)
    record = helpers.call_action("procurement_record_show", id="ocds-213czf-n-1")
    assert record["releases"][0]["tender"]["value"]["amount"] == number


def test_an_ocds_10_release_whose_tender_is_not_an_object_does_not_crash_the_gather(sysadmin, organization, feed):
    """A release without `parties` is read as OCDS 1.0 and upgraded (ocdskit), whose upgrade raises TypeError
    on a `tender` that is a number: that release is an error the job report names, the others go on."""
    releases = [dict(release("ocds-213czf-u-1", title="Bad"), tender=5), release("ocds-213czf-u-2", title="Good")]
    url = feed.route("/feed.json", Reply(json.dumps({"releases": releases}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    job = run_job(source["id"], sysadmin["name"])
    assert job["status"] == "Finished" and processes()["count"] == 1
    assert "can't be upgraded to OCDS 1.1" in json.dumps(job)


@pytest.mark.parametrize("where, value", [("tender/description", '"Lone \\ud800 surrogate"'),
                                         ("tender/value/amount", "1" + "0" * 400)])
def test_a_value_postgresql_cannot_hold_sent_to_the_save_action_is_a_409_not_a_500(app, city, where, value):
    """procurement_process_save reads its JSON with Python's parser, which keeps a lone surrogate (not text in
    UTF-8) and a 400-digit integer (beyond any float): each is a validation error naming where, not a 500.
    (A harvested feed's parser replaces the surrogate; the integer is a validation error of its release.)"""
    tender = {"id": "t", "title": "T", "value": {"amount": 1, "currency": "USD"}, "description": "D"}
    text = json.dumps(tender).replace('"description": "D"', '"description": ' + value if where == "tender/description"
                                      else '"description": "D"')
    if where == "tender/value/amount":
        text = text.replace('"amount": 1', '"amount": ' + value)
    body = ('{"owner_org": "%s", "releases": [{"ocid": "ocds-213czf-api-1", "id": "1", "date": "2024-01-01T00:00:00Z",'
            ' "tag": ["tender"], "parties": [], "tender": %s}]}') % (city["org"]["id"], text)
    response = app.post("/api/3/action/procurement_process_save", data=body, content_type="application/json",
                        headers={"Authorization": city["editor"]["token"]})
    assert response.status_code == 409, response.status_code
    assert f"releases/0/{where}" in response.get_data(as_text=True)
