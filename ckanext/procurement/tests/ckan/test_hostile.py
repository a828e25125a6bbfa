"""Hostile tests of the merged "Trust" work: an anonymous visitor, an editor of
another organization and a hostile harvest source (a loopback server) try to
read what is withheld or private, take over what is not theirs, carry a
source's secret to their own host, or make a page fail with a 500."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as tk

from ckan.tests import factories, helpers

from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.ckan.test_schema import release
from ckanext.procurement.tests.ckan.web_session import sign_in
from ckanext.procurement.tests.feed_server import FeedServer, Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
TOKEN = "Bearer s3cr3t-of-city-purchasing"
OCID = "ocds-213czf-hostile-1"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def city():
    """The city's organization with its editor, and another organization with a hostile editor."""
    editor, outsider = factories.UserWithToken(), factories.UserWithToken()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    other = factories.Organization(users=[{"name": outsider["name"], "capacity": "editor"}])
    return {"org": org, "editor": editor, "other_org": other, "outsider": outsider}


def _serve(server: FeedServer, releases: list[dict], path: str = "/feed.json") -> str:
    return server.route(path, Reply(json.dumps({"releases": releases}).encode("utf-8")))


def _auth_headers_received(server: FeedServer) -> list[str]:
    return [headers.get("Authorization") for _, headers in server.requests if headers.get("Authorization")]


def _save(user: dict, owner_org: str, releases: list[dict], **params) -> dict:
    return helpers.call_action("procurement_process_save", context={"user": user["name"], "ignore_auth": False},
                               releases=releases, owner_org=owner_org, **params)


# --- a source's secret follows its URL to another host ------------------------------------------

def test_moving_a_source_to_another_site_does_not_take_its_secret_along(city, feed, attacker):
    """An editor of the source's organization points the source (whose secret an
    admin entered) at a host of their own: the stored header must not go there."""
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, [release(OCID, title="Park")]),
                           config={"auth_header": TOKEN})
    evil_url = _serve(attacker, [release(OCID, title="Park")])
    stored = helpers.call_action("package_show", context={"user": city["editor"]["name"]}, id=source["id"])
    for action, params in (("harvest_source_patch", {"id": source["id"], "url": evil_url}),
                           ("harvest_source_update", dict(stored, url=evil_url, source_type="ocds"))):
        with pytest.raises(tk.ValidationError) as refused:
            helpers.call_action(action, context={"user": city["editor"]["name"]}, **params)
        assert "auth_header" in json.dumps(refused.value.error_dict)
    run_job(source["id"], city["editor"]["name"])
    assert attacker.requests == []
    assert _auth_headers_received(feed) == [TOKEN]

    # another path of the same site keeps the secret; another site with a header entered again works
    helpers.call_action("harvest_source_patch", context={"user": city["editor"]["name"]}, id=source["id"],
                        url=_serve(feed, [release(OCID, title="Park")], "/other.json"))
    helpers.call_action("harvest_source_patch", context={"user": city["editor"]["name"]}, id=source["id"],
                        url=evil_url, config=json.dumps({"auth_header": "Bearer for-the-new-site"}))
    run_job(source["id"], city["editor"]["name"])
    assert _auth_headers_received(attacker) == ["Bearer for-the-new-site"]


# --- procurement_process_save: what an editor of another organization sends ---------------------

def test_an_editor_cannot_act_as_a_harvest_source_they_may_not_edit(city, feed):
    """`harvest_source_id` is what the harvester passes; sent by an editor it would tag
    their process as another organization's source's (whose full harvest then owns it)."""
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, []))
    with pytest.raises(tk.NotAuthorized):
        _save(city["outsider"], city["other_org"]["id"], [release(OCID, title="Decoy")], harvest_source_id=source["id"])
    from ckanext.procurement.model import ProcurementRecord
    assert ProcurementRecord.get(OCID) is None
    # the source's own editors may (a script re-publishing what the source harvested)
    assert _save(city["editor"], city["org"]["id"], [release(OCID, title="Park")],
                 harvest_source_id=source["id"])["status"] == "created"


ODD_PARAMS = [
    {"id": ["a", "b"]}, {"id": {"x": 1}}, {"id": ""}, {"id": 12},
]


@pytest.mark.parametrize("params", ODD_PARAMS)
def test_odd_record_show_params_are_400s(app, params):
    response = app.post("/api/3/action/procurement_record_show", data=json.dumps(params),
                        content_type="application/json")
    assert response.status_code in (400, 404, 409), (params, response.status_code, response.get_data(as_text=True)[:300])


ODD_SAVE_PARAMS = [
    {"owner_org": {"x": 1}}, {"owner_org": ["a"]}, {"releases": "x"}, {"releases": {"ocid": OCID}},
    {"redact_paths": 5}, {"redact_paths": {"a": 1}}, {"private": "maybe"}, {"license_id": ["cc-by"]},
    {"force": "sure"}, {"id": 5}, {"id": "not-a-uuid"}, {"withheld_paths": {"a": 1}}, {"redaction_reason": {"a": 1}},
    {"harvest_source_id": ["x"]}, {"releases": [{"ocid": OCID, "id": {"x": 1}, "date": "2024-01-01T00:00:00Z"}]},
    {"releases": [{"ocid": OCID, "id": "r1", "date": 5}]}, {"releases": [{"ocid": OCID, "id": "r1", "tag": "x"}]},
    {"releases": [{"ocid": OCID, "id": "r1", "tender": []}]}, {"releases": [{"ocid": OCID, "id": "r1", "parties": {}}]},
    {"releases": [{"ocid": OCID, "id": "r1", "tender": {"value": {"amount": "1e999"}}}]},
    {"releases": [{"ocid": OCID, "id": "r1", "tender": {"value": {"amount": 1e308, "currency": "USD"}}}]},
    {"releases": [{"ocid": OCID, "id": "r1", "awards": [{"id": "a", "value": {"amount": -1e308}}, {"id": "b", "value": {"amount": -1e308}}]}]},
    {"releases": [{"ocid": OCID + "\u0000", "id": "r1"}]}, {"releases": [{"ocid": "x" * 5000, "id": "r1"}]},
    {"releases": [{"ocid": OCID, "id": "r1", "tender": {"tenderPeriod": {"endDate": "9999-12-31T23:59:59Z"}}}]},
    {"releases": [{"ocid": OCID, "id": "r1", "tender": {"tenderPeriod": {"endDate": "0001-01-01T00:00:00-12:00"}}}]},
]


@pytest.mark.parametrize("params", ODD_SAVE_PARAMS, ids=[json.dumps(p)[:60] for p in ODD_SAVE_PARAMS])
def test_odd_save_params_are_never_500s(app, city, params):
    body = dict({"owner_org": city["org"]["id"], "releases": [release(OCID, title="Park")]}, **params)
    response = app.post("/api/3/action/procurement_process_save", data=json.dumps(body),
                        content_type="application/json", headers={"Authorization": city["editor"]["token"]})
    assert response.status_code < 500, (params, response.status_code, response.get_data(as_text=True)[-500:])


# --- pages with odd query parameters ----------------------------------------------------------------

ODD_URLS = [
    "/opportunities?page=0", "/opportunities?page=-3", "/opportunities?page=abc", "/opportunities?page=1e9",
    "/opportunities?main_category=%00", "/opportunities?main_category=\\", "/opportunities?main_category=%22",
    "/opportunities?buyer_name=*:*", "/opportunities?buyer_name=" + "a" * 5000,
    "/opportunities.atom?main_category=%00", "/opportunities.atom?buyer_name=%ff%fe", "/opportunities.atom?page=x",
    "/opportunities.atom?main_category=%EF%BF%BF", "/opportunities.atom?buyer_name=%01%02",
    "/contracting-process/?q=ocds-:(", "/contracting-process/?q=%22", "/contracting-process/?q={!lucene}*:*",
    "/contracting-process/?sort=foo", "/contracting-process/?ext_open=maybe",
    "/contracting-process/?page=99999999999", "/contracting-process/?status=%00", "/contracting-process/?q=a/b/c",
    "/contracting-process/?q=ocds-a/b:c", "/contracting-process/?vocab_supplier_names=%22", "/contracting-process/?q=[",
    "/contracting-process/?q=ocds-1/[x", "/contracting-process/?q=a-b-c-%5C",
    "/contracting-process/nope/record.json", "/contracting-process/%00/record.json", "/contracting-process/" + "x" * 3000,
    "/api/3/action/procurement_record_show", "/api/3/action/procurement_record_show?id=%00",
    "/api/3/action/package_search?fq=%2Bdataset_type:contracting-process&q=ocds-1-(",
    "/api/3/action/package_search?fq=%2Bdataset_type:contracting-process&sort=deadline,x",
    "/api/3/action/package_search?fq=%2Bdataset_type:contracting-process&ext_open=1&q=%22",
    "/api/2/util/dataset/autocomplete?incomplete=ocds",
]


@pytest.mark.parametrize("url", ODD_URLS)
def test_odd_query_parameters_are_never_500s(app, url):
    response = app.get(url)
    assert response.status_code < 500, (url, response.status_code)


def test_a_hostile_feed_with_nul_characters_stops_only_its_own_releases(city, feed):
    """PostgreSQL stores no NUL: a release holding one is reported, the others are imported."""
    releases = [release(OCID + "\u0000x", title="Nul ocid"), release("ocds-213czf-hostile-2", title="Nul \u0000 title"),
                release("ocds-213czf-hostile-3", title="Fine")]
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, releases))
    job = run_job(source["id"], city["editor"]["name"])
    assert job["status"] == "Finished", job
    assert job["stats"].get("added") == 1, job
    assert "NUL character" in json.dumps(job)
    assert helpers.call_action("package_show", id="ocds-213czf-hostile-3")["title"]


# --- private and pending-review processes ------------------------------------------------------------

SECRET_TITLE = "Undisclosed-zeppelin-acquisition"


def test_a_private_process_is_found_nowhere_by_outsiders(app, city):
    _save(city["editor"], city["org"]["id"], [release(OCID, title=SECRET_TITLE, tender={
        "tenderPeriod": {"endDate": "2999-01-01T00:00:00Z"}, "mainProcurementCategory": "works"})], private=True)
    for headers in ({}, {"Authorization": city["outsider"]["token"]}):
        urls = [
            "/contracting-process/", "/contracting-process/?q=zeppelin", "/opportunities", "/opportunities.atom",
            "/opportunities?main_category=works", f"/api/3/action/package_search?q={SECRET_TITLE}",
            "/api/3/action/package_search?fq=%2Bdataset_type:contracting-process&include_private=true&facet.field=[%22buyer_name%22,%22main_category%22]",
            "/api/3/action/package_search?q=zeppelin&include_private=true&fl=title,notes",
            "/api/2/util/dataset/autocomplete?incomplete=Undisclosed", "/api/3/action/package_autocomplete?q=Undisclosed",
            f"/api/3/action/procurement_record_show?id={OCID}", f"/contracting-process/{OCID}/record.json",
            f"/contracting-process/{OCID}", f"/dataset/activity/{OCID}", f"/api/3/action/package_activity_list?id={OCID}",
            f"/organization/{city['org']['name']}", "/api/3/action/recently_changed_packages_activity_list",
            f"/api/3/action/organization_activity_list?id={city['org']['name']}", "/api/3/action/package_list",
            "/api/3/action/current_package_list_with_resources", "/dataset/",
            f"/api/3/action/package_search?fq=%2Bdataset_type:contracting-process&include_private=true&q=ocid:{OCID}",
        ]
        for url in urls:
            response = app.get(url, headers=headers)
            body = response.get_data(as_text=True)
            assert SECRET_TITLE not in body, (url, headers, response.status_code)
        counts = app.get("/api/3/action/package_search?q=title:zeppelin&include_private=true", headers=headers).json
        assert counts["result"]["count"] == 0
    # the checks are not blind: the city's editor sees it
    body = app.get(f"/api/3/action/package_search?q={SECRET_TITLE}&include_private=true",
                   headers={"Authorization": city["editor"]["token"]}).get_data(as_text=True)
    assert SECRET_TITLE in body


# --- CSRF on the action API with a signed-in browser --------------------------------------------------

def test_a_cross_site_post_with_the_session_cookie_saves_nothing(app, city):
    user = factories.User(password=PASSWORD)
    helpers.call_action("member_create", id=city["org"]["id"], object=user["name"], object_type="user", capacity="editor")
    browser = sign_in(app, user["name"], PASSWORD)
    body = {"owner_org": city["org"]["id"], "releases": [release(OCID, title="Forged")]}
    response = browser.post("/api/3/action/procurement_process_save", data=json.dumps(body), content_type="application/json",
                            headers={"Origin": "http://attacker.example", "Referer": "http://attacker.example/x.html"})
    assert response.status_code in (400, 403), response.status_code
    from ckanext.procurement.model import ProcurementRecord
    assert ProcurementRecord.get(OCID) is None


# --- a value withheld later stays withheld --------------------------------------------------------

EMAIL = "jane.doe.private@example.org"


def test_a_value_withheld_later_leaves_no_trace_in_the_history(app, city):
    """A coordinator notices a personal e-mail was published and withholds it: the
    next save removes it from the process, and from its public history too."""
    published = release(OCID, title="Park", parties=[{"id": "p1", "name": "Jane", "contactPoint": {"email": EMAIL}}],
                        tender={"description": f"Questions to {EMAIL}"})
    _save(city["editor"], city["org"]["id"], [published])
    _save(city["editor"], city["org"]["id"], [published], redact_paths=["parties/contactPoint/email", "tender/description"])
    assert EMAIL not in json.dumps(helpers.call_action("package_show", id=OCID))
    leaks = [url for url in (f"/dataset/activity/{OCID}", f"/api/3/action/package_activity_list?id={OCID}",
                             f"/api/3/action/procurement_record_show?id={OCID}", f"/contracting-process/{OCID}")
             if EMAIL in app.get(url).get_data(as_text=True)]
    assert leaks == []


# --- a source's secret reference in search results with `fl` -------------------------------------

@pytest.mark.parametrize("fl", ["config", "validated_data_dict", "data_dict", "config,type,id", "*"])
def test_search_fields_never_show_a_secret_reference(app, city, feed, fl):
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, []), config={"auth_header": TOKEN})
    reference = json.loads(helpers.call_action("package_show", context={"user": city["editor"]["name"]},
                                               id=source["id"])["config"])["auth_header"]
    assert reference.startswith("secret:") and reference != "secret:(hidden)"
    for headers in ({}, {"Authorization": city["outsider"]["token"]}):
        response = app.get(f"/api/3/action/package_search?fq=dataset_type:harvest&fl={fl}", headers=headers)
        assert response.status_code < 500, (fl, response.status_code)
        assert reference[len("secret:"):] not in response.get_data(as_text=True), fl


# --- a hostile source's configuration -------------------------------------------------------------

@pytest.mark.parametrize("config", [{"timeout": 1e300}, {"timeout": 10**400 // 10**399 * 10**20}, {"max_response_bytes": 10**40}])
def test_huge_numbers_in_a_source_config_are_refused_or_harmless(city, feed, config):
    url = _serve(feed, [release(OCID, title="Park")])
    try:
        source = create_source(city["editor"]["name"], city["org"]["id"], url, config=config)
    except tk.ValidationError as error:
        assert list(config)[0] in json.dumps(error.error_dict)
        return
    job = run_job(source["id"], city["editor"]["name"])
    assert job["status"] == "Finished"
    assert job["stats"].get("added") == 1 or list(config)[0] in json.dumps(job), job


# --- a hostile source's values on the public pages and feeds -----------------------------------------

SCRIPT = "<script>alert('x')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


def _open_tender(ocid: str, title: str, description: str, buyer: str) -> dict:
    return release(ocid, title=title, buyer_name=buyer, tender={
        "description": description, "tenderPeriod": {"endDate": "2999-01-01T00:00:00Z"}, "mainProcurementCategory": "works"})


def test_hostile_values_are_escaped_on_every_public_page(app, city, feed):
    releases = [_open_tender(OCID, SCRIPT + ATTRIBUTE, SCRIPT, ATTRIBUTE)]
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, releases))
    assert run_job(source["id"], city["editor"]["name"])["stats"].get("added") == 1
    for url in (f"/contracting-process/{OCID}", "/contracting-process/", "/opportunities", "/opportunities?buyer_name=" + ATTRIBUTE,
                f"/dataset/activity/{OCID}", "/opportunities.atom"):
        body = app.get(url).get_data(as_text=True)
        assert SCRIPT not in body and "<img src=x" not in body, url


def test_control_characters_from_a_source_keep_the_atom_feed_well_formed(app, city, feed):
    """XML 1.0 allows no control character but tab and line breaks: one in a
    harvested description must not make every reader reject the city's feed."""
    from xml.etree import ElementTree as ET

    releases = [_open_tender(OCID, "Bell\x07 tower", "Repairs\x01\x0b\x1b[31m of the bell\ufffe tower", "Parks\x0c")]
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, releases))
    assert run_job(source["id"], city["editor"]["name"])["stats"].get("added") == 1
    feed_xml = app.get("/opportunities.atom").get_data()
    root = ET.fromstring(feed_xml)
    assert "Repairs" in ET.tostring(root, encoding="unicode")


# --- an ocid taken first by another organization -----------------------------------------------------

@pytest.fixture
def registered(city, ckan_config, monkeypatch):
    """The site's sysadmin registered the city's ocid prefix to the city's organization."""
    monkeypatch.setitem(ckan_config, "ckanext.procurement.ocid_prefixes", f"ocds-c1ty00={city['org']['name']}")
    return "ocds-c1ty00-2026-0001"


def test_an_ocid_of_another_publisher_cannot_be_squatted(city, feed, registered):
    """Before the prefix was registered, an editor of another organization took the city's ocid;
    the city's harvest takes it back, and the outsider can no longer publish under that prefix."""
    with pytest.MonkeyPatch.context() as unregistered:
        unregistered.setitem(tk.config, "ckanext.procurement.ocid_prefixes", "")
        _save(city["outsider"], city["other_org"]["id"], [release(registered, title="Squatted: pay to 123-456")])
    source = create_source(city["editor"]["name"], city["org"]["id"],
                           _serve(feed, [release(registered, title="Park benches")]), config={"ocid_prefixes": ["ocds-c1ty00"]})
    run_job(source["id"], city["editor"]["name"])
    shown = helpers.call_action("package_show", id=registered)
    assert (shown["owner_org"], shown["title"]) == (city["org"]["id"], "Park benches")

    with pytest.raises(tk.NotAuthorized):  # the process is the city's again
        _save(city["outsider"], city["other_org"]["id"], [release(registered, title="Squatted again")])
    with pytest.raises(tk.ValidationError) as refused:  # and no new process under the city's prefix
        _save(city["outsider"], city["other_org"]["id"], [release("ocds-c1ty00-new-1", title="Squatted again")])
    assert "ocds-c1ty00 is registered to organization " + city["org"]["name"] in str(refused.value.error_dict)
    with pytest.raises((tk.ValidationError, tk.NotAuthorized)):
        helpers.call_action("package_create", context={"user": city["outsider"]["name"], "ignore_auth": False},
                            type="contracting-process", ocid="ocds-c1ty00-new-2", owner_org=city["other_org"]["id"])
    assert helpers.call_action("package_show", id=registered)["title"] == "Park benches"


def test_the_registered_organization_takes_its_process_back_through_the_api(city, registered):
    with pytest.MonkeyPatch.context() as unregistered:
        unregistered.setitem(tk.config, "ckanext.procurement.ocid_prefixes", "")
        _save(city["outsider"], city["other_org"]["id"], [release(registered, title="Squatted")])
    saved = _save(city["editor"], city["org"]["id"], [release(registered, title="Park benches")])
    assert (saved["package"]["owner_org"], saved["package"]["title"]) == (city["org"]["id"], "Park benches")


def test_a_malformed_registry_is_a_clear_error(city, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.procurement.ocid_prefixes", "ocds-c1ty00:city")
    with pytest.raises(tk.ValidationError) as refused:
        _save(city["editor"], city["org"]["id"], [release("ocds-c1ty00-1", title="Park")])
    assert "'ocds-c1ty00:city' is not an ocid prefix and an organization name" in str(refused.value.error_dict)


def test_a_withheld_label_alone_does_not_erase_the_history(app, city):
    """`withheld_paths` sent by a caller only labels the process: it removes nothing,
    so the activity stream (the audit trail of the process) stays."""
    _save(city["editor"], city["org"]["id"], [release(OCID, title="Park")])
    _save(city["editor"], city["org"]["id"], [release(OCID, title="Park benches")])
    before = helpers.call_action("package_activity_list", id=OCID)
    _save(city["editor"], city["org"]["id"], [release(OCID, title="Park benches")], withheld_paths=["planning"], force=True)
    after = helpers.call_action("package_activity_list", id=OCID)
    assert {a["id"] for a in before} <= {a["id"] for a in after}
