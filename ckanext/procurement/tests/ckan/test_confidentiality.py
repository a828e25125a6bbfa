"""Confidentiality of harvests: what a source sends and the secrets it uses.

Raw harvest objects are only for the source's editors and only ever hold
redacted releases; a redacted value is in no table and at no endpoint; a
source's secret is encrypted, works only for that source, is never logged
and its reference is shown only to the source's editors; `env:` reads only
allowed variables; header values can't smuggle in headers of their own.
"""
from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

import ckan.model as model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestObject

from ckanext.procurement.tests.ckan.forms import form_fields
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.ckan.test_bad_input import _set
from ckanext.procurement.tests.ckan.test_redaction import ADDRESSES, EMAILS, KEPT, _tables_containing
from ckanext.procurement.tests.conftest import EXAMPLES_DIR
from ckanext.procurement.tests.feed_server import FeedServer, Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
FICTIONAL = "ocds-213czf-000-00001"
STAGES = ["01-planning", "02-tender", "03-tenderAmendment", "04-award", "05-contract", "06-implementation"]
TOKEN = "Bearer s3cr3t-of-city-purchasing"
EMAIL_PATH = "parties/contactPoint/email"


@pytest.fixture
def city(sysadmin):
    """The city's organization, its harvest editor, and an editor of another organization."""
    editor = factories.UserWithToken()
    outsider = factories.UserWithToken()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}], title="City of Springfield")
    other = factories.Organization(users=[{"name": outsider["name"], "capacity": "editor"}], title="Shelbyville")
    return {"org": org, "editor": editor, "other_org": other, "outsider": outsider}


def _releases() -> list[dict]:
    packages = [json.loads((EXAMPLES_DIR / "fictional" / f"{FICTIONAL}-{stage}.json").read_text()) for stage in STAGES]
    return [release for package in packages for release in package["releases"]]


def _serve(server: FeedServer, releases: list[dict], path: str = "/feed.json") -> str:
    return server.route(path, Reply(json.dumps({"releases": releases}).encode("utf-8")))


def _headers(user: dict | None) -> dict:
    return {"Authorization": user["token"]} if user else {}


def _auth_headers_received(server: FeedServer) -> list[str]:
    return [headers.get("Authorization") for _, headers in server.requests if headers.get("Authorization")]


# --- harvest objects ----------------------------------------------------------------------------------

def test_harvest_objects_are_only_for_those_who_may_edit_the_source(app, sysadmin, city, feed):
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, _releases()))
    report = run_job(source["id"], city["editor"]["name"])
    assert report["stats"].get("added") == 1, report
    harvest_object = model.Session.query(HarvestObject).filter(HarvestObject.package_id.isnot(None)).one()
    urls = [
        f"/harvest/object/{harvest_object.id}",
        f"/dataset/harvest_object/{harvest_object.package_id}",
        f"/api/3/action/harvest_object_show?id={harvest_object.id}",
        f"/api/3/action/harvest_object_show?dataset_id={harvest_object.package_id}",
        f"/api/3/action/harvest_object_list?source_id={source['id']}",
    ]
    for user in (None, city["outsider"]):
        for url in urls:
            response = app.get(url, headers=_headers(user))
            assert response.status_code == 403, (user and user["name"], url, response.status_code)
            assert FICTIONAL not in response.get_data(as_text=True)
    # every source's objects at once: sysadmins only
    assert app.get("/api/3/action/harvest_object_list", headers=_headers(city["editor"])).status_code == 403
    for user in (city["editor"], sysadmin):
        for url in urls:
            response = app.get(url, headers=_headers(user))
            assert response.status_code == 200, (user["name"], url, response.status_code)
        assert FICTIONAL in app.get(urls[0], headers=_headers(user)).get_data(as_text=True)


# --- redaction --------------------------------------------------------------------------------------------

def _endpoints_showing(app, sysadmin, source_id: str, job: dict, value: str) -> list[str]:
    """The endpoints (read by a sysadmin, who sees everything) whose answer contains `value`."""
    headers = _headers(sysadmin)
    objects = model.Session.query(HarvestObject.id, HarvestObject.package_id).all()
    urls = [f"/harvest/object/{object_id}" for object_id, _ in objects]
    urls += [f"/dataset/harvest_object/{package_id}" for _, package_id in objects if package_id]
    urls += [f"/api/3/action/harvest_object_show?id={object_id}" for object_id, _ in objects]
    urls += [
        f"/api/3/action/harvest_job_report?id={job['id']}",
        f"/api/3/action/harvest_source_show?id={source_id}",
        f"/api/3/action/package_show?id={FICTIONAL}",
        f"/api/3/action/procurement_record_show?id={FICTIONAL}",
        f"/api/3/action/package_activity_list?id={FICTIONAL}",
        f"/contracting-process/{FICTIONAL}",
        f"/contracting-process/{FICTIONAL}/record.json",
        f"/dataset/activity/{FICTIONAL}",
        f"/harvest/{source_id}/job/{job['id']}",
    ]
    found = []
    for url in urls:
        response = app.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        if value in response.get_data(as_text=True):
            found.append(url)
    return found


@pytest.mark.ckan_config("ckanext.procurement.redact_paths", [EMAIL_PATH])
def test_a_redacted_value_is_in_no_table_and_at_no_endpoint_after_a_harvest(app, sysadmin, organization, feed):
    """Site-wide policy (emails) plus the source's own (addresses), for a new process and then a changed one."""
    releases = _releases()
    assert all(value in json.dumps(releases) for value in EMAILS + ADDRESSES)
    url = _serve(feed, releases)
    source = create_source(sysadmin["name"], organization["id"], url, config={"redact_paths": ["parties/address"]})
    job = run_job(source["id"], sysadmin["name"])
    assert job["stats"].get("added") == 1 and job["gather_errors"] == [], job
    shown = helpers.call_action("package_show", id=FICTIONAL)
    assert shown["withheld_paths"] == ["parties/address", EMAIL_PATH]  # what gather withheld is still said

    # the process changes: the new release goes through gather's change detection
    changed = json.loads(json.dumps(releases))
    changed[-1]["date"] = "2011-01-01T00:00:00Z"
    changed[-1]["tender"] = dict(changed[-1].get("tender") or {}, title="Cycle lanes, amended")
    _serve(feed, changed)
    job = run_job(source["id"], sysadmin["name"])
    assert job["stats"].get("updated") == 1 and job["gather_errors"] == [], job
    assert helpers.call_action("package_show", id=FICTIONAL)["withheld_paths"] == ["parties/address", EMAIL_PATH]

    for value in EMAILS + ADDRESSES:
        assert _tables_containing(value) == [], value
        assert _endpoints_showing(app, sysadmin, source["id"], job, value) == [], value
    # the same checks do see what was published, harvest objects included: they are not blind
    assert {"harvest_object", "procurement_record"} <= set(_tables_containing(KEPT[0]))
    assert "/harvest/object/" in " ".join(_endpoints_showing(app, sysadmin, source["id"], job, KEPT[0]))


def test_the_job_report_does_not_quote_a_withheld_value(sysadmin, organization, feed):
    """Gather's warnings quote odd values: not those of withheld fields."""
    releases = _releases()
    award = next(release for release in releases if release.get("awards"))
    award["awards"][0]["value"]["amount"] = "CONFIDENTIAL-4711 (negotiated)"
    award["parties"][0].setdefault("contactPoint", {})["email"] = "secret.person@example.org"
    url = _serve(feed, releases)
    source = create_source(sysadmin["name"], organization["id"], url, config={"redact_paths": ["awards/value", EMAIL_PATH]})
    job = run_job(source["id"], sysadmin["name"])
    assert job["stats"].get("added") == 1
    report = json.dumps(job)
    assert "awards/0/value/amount" in report  # the problem is reported, without its value
    assert "CONFIDENTIAL-4711" not in report
    assert _tables_containing("CONFIDENTIAL-4711") == []
    assert _tables_containing("secret.person@example.org") == []

    # a feed that breaks next to a withheld value: the error says where, without quoting it
    broken = feed.route("/broken.json", Reply(b'{"releases": [{"ocid": "ocds-213czf-000-00002", "parties": '
                                              b'[{"contactPoint": {"email": "leaked.person@example.org" !!}}]}]}'))
    broken_source = create_source(sysadmin["name"], organization["id"], broken, name="broken-feed",
                                  config={"redact_paths": [EMAIL_PATH]})
    job = run_job(broken_source["id"], sysadmin["name"])
    assert job["gather_errors"] and "not valid JSON" in json.dumps(job)
    assert "leaked.person" not in json.dumps(job)
    assert _tables_containing("leaked.person") == []


def test_a_sources_error_messages_are_only_for_those_who_may_edit_it(app, sysadmin, organization, feed):
    """The last job's errors name processes waiting for review, private: ckanext-harvest showed them
    with the source to anyone (package_show, harvest_source_show, its index entry)."""
    releases = _releases()
    ocid = releases[0]["ocid"]
    for release in releases:
        if (release.get("tender") or {}).get("value"):
            release["tender"]["value"]["currency"] = "mdl"  # kept, and reported as a warning naming the process
    url = _serve(feed, releases)
    source = create_source(sysadmin["name"], organization["id"], url, config={"publish": "after_review"})
    job = run_job(source["id"], sysadmin["name"])
    assert ocid in json.dumps(job)  # the job report names it, for the source's editors
    assert helpers.call_action("package_show", id=helpers.call_action(
        "package_search", fq="+dataset_type:contracting-process", include_private=True)["results"][0]["id"])["private"]

    editor_view = helpers.call_action("harvest_source_show", context={"user": sysadmin["name"]}, id=source["id"])
    assert ocid in json.dumps(editor_view["status"]["last_job"]["object_error_summary"])
    anonymous = [
        helpers.call_action("harvest_source_show", context={"user": ""}, id=source["id"]),
        helpers.call_action("package_show", context={"user": ""}, id=source["id"]),
        helpers.call_action("harvest_source_show_status", context={"user": ""}, id=source["id"]),
        app.get(f"/api/3/action/harvest_source_show?id={source['id']}").json["result"],
        helpers.call_action("package_search", context={"user": ""}, fq="+dataset_type:harvest",
                            fl="id,status,data_dict,validated_data_dict"),
    ]
    for shown in anonymous:
        assert ocid not in json.dumps(shown), shown
    status = anonymous[2]
    assert status["last_job"]["stats"]["added"] == job["stats"]["added"]  # the counts stay public


# --- secrets --------------------------------------------------------------------------------------------

def _stored_reference(source_id: str, user: dict) -> str:
    shown = helpers.call_action("package_show", context={"user": user["name"]}, id=source_id)
    return json.loads(shown["config"])["auth_header"]


def test_a_secret_is_encrypted_at_rest_and_still_works(sysadmin, organization, feed):
    url = _serve(feed, _releases())
    source = create_source(sysadmin["name"], organization["id"], url, config={"auth_header": TOKEN})
    assert _tables_containing("s3cr3t-of-city-purchasing") == []
    assert "procurement_secret" in _tables_containing(_stored_reference(source["id"], sysadmin)[len("secret:"):])
    job = run_job(source["id"], sysadmin["name"])
    assert job["stats"].get("added") == 1, job
    assert _auth_headers_received(feed) == [TOKEN]


@pytest.mark.ckan_config("ckanext.procurement.secret_key", "XUm0c3Hz3qz1nQyqmq8N6Pp6b7VYwYbqkHjVt8i0i8s=")
def test_a_secret_works_with_the_sites_own_key(sysadmin, organization, feed):
    from cryptography.fernet import Fernet

    from ckanext.procurement.model import ProcurementSecret

    source = create_source(sysadmin["name"], organization["id"], _serve(feed, _releases()), config={"auth_header": TOKEN})
    stored = ProcurementSecret.get(_stored_reference(source["id"], sysadmin)[len("secret:"):])
    assert Fernet(b"XUm0c3Hz3qz1nQyqmq8N6Pp6b7VYwYbqkHjVt8i0i8s=").decrypt(stored.value.encode()).decode() == TOKEN
    assert run_job(source["id"], sysadmin["name"])["stats"].get("added") == 1
    assert _auth_headers_received(feed) == [TOKEN]


def test_another_sources_secret_is_never_sent(app, sysadmin, city, feed, attacker):
    """An editor of another organization puts the city's `secret:<id>` in a source of their own."""
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, _releases()), config={"auth_header": TOKEN})
    reference = _stored_reference(source["id"], city["editor"])
    assert reference.startswith("secret:") and reference != "secret:(hidden)"

    stolen = create_source(city["outsider"]["name"], city["other_org"]["id"], _serve(attacker, _releases()),
                           name="shelbyville", config={"auth_header": reference})
    job = run_job(stolen["id"], city["outsider"]["name"])
    assert _auth_headers_received(attacker) == []
    assert attacker.requests == []  # gather stopped before the first request
    messages = json.dumps(job["gather_errors"])
    assert "belongs to another harvest source" in messages and "nothing was sent" in messages
    assert job["stats"].get("added", 0) == 0

    # nor can a secret stored earlier and never bound be claimed (migration 03 leaves none, but a script might)
    from ckanext.procurement import secrets

    model.Session.execute(sa.text("INSERT INTO procurement_secret (id, value) VALUES ('loose', :value)"),
                          {"value": secrets.encrypt(TOKEN)})
    model.Session.commit()
    helpers.call_action("harvest_source_patch", context={"user": city["outsider"]["name"]}, id=stolen["id"],
                        config=json.dumps({"auth_header": "secret:loose"}))
    job = run_job(stolen["id"], city["outsider"]["name"])
    assert attacker.requests == [] and "belongs to another harvest source" in json.dumps(job["gather_errors"])

    # the city's own source still uses it
    assert run_job(source["id"], city["editor"]["name"])["stats"].get("added") == 1
    assert _auth_headers_received(feed) == [TOKEN]


def test_the_secret_reference_is_shown_only_to_the_sources_editors(app, sysadmin, city, feed):
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, _releases()),
                           config={"auth_header": TOKEN, "publish": "after_review"})
    secret_id = _stored_reference(source["id"], city["editor"])[len("secret:"):]
    urls = [
        f"/api/3/action/package_show?id={source['id']}",
        f"/api/3/action/harvest_source_show?id={source['id']}",
        "/api/3/action/harvest_source_list",
        "/api/3/action/package_search?fq=dataset_type:harvest",
        f"/harvest/{source['name']}",
        f"/harvest/about/{source['name']}",
        "/harvest",
        f"/api/3/action/package_activity_list?id={source['id']}",
        f"/dataset/activity/{source['name']}",
    ]
    for user in (None, city["outsider"]):
        for url in urls:
            response = app.get(url, headers=_headers(user))
            assert response.status_code == 200, (url, response.status_code)
            body = response.get_data(as_text=True)
            assert secret_id not in body and "s3cr3t" not in body, (user and user["name"], url)
    assert json.loads(helpers.call_action("package_show", id=source["id"], context={"user": "", "ignore_auth": False})["config"]) == {
        "auth_header": "secret:(hidden)", "publish": "after_review"}
    # its editors see it (the edit form keeps it)
    for user in (city["editor"], sysadmin):
        body = app.get(f"/api/3/action/package_show?id={source['id']}", headers=_headers(user)).get_data(as_text=True)
        assert secret_id in body and "s3cr3t" not in body
    assert secret_id in app.get(f"/harvest/edit/{source['name']}", headers=_headers(city["editor"])).get_data(as_text=True)


def test_env_reads_only_allowed_variables(sysadmin, organization, feed, monkeypatch):
    monkeypatch.setenv("PURCHASING_API_TOKEN", "Bearer from-the-environment")
    for name in ("HOME", "CKAN_SQLALCHEMY_URL", "PURCHASING_API_TOKEN"):
        with pytest.raises(helpers.logic.ValidationError) as error:
            create_source(sysadmin["name"], organization["id"], _serve(feed, _releases()), name=f"env-{name.lower().replace('_', '-')}",
                          config={"auth_header": f"env:{name}"})
        assert "auth_header" in str(error.value.error_dict["config"])
        assert "auth_env_allowlist" in str(error.value.error_dict["config"])


@pytest.mark.ckan_config("ckanext.procurement.harvest.auth_env_allowlist", "PURCHASING_API_TOKEN")
def test_env_allowlist_lets_a_variable_through(sysadmin, organization, feed, attacker, monkeypatch):
    from ckan.plugins import toolkit as tk

    monkeypatch.setenv("PURCHASING_API_TOKEN", "Bearer from-the-environment")
    source = create_source(sysadmin["name"], organization["id"], _serve(feed, _releases()),
                           config={"auth_header": "env:PURCHASING_API_TOKEN"})
    assert run_job(source["id"], sysadmin["name"])["stats"].get("added") == 1
    assert _auth_headers_received(feed) == ["Bearer from-the-environment"]
    with pytest.raises(helpers.logic.ValidationError):
        create_source(sysadmin["name"], organization["id"], _serve(attacker, _releases()), name="home",
                      config={"auth_header": "env:HOME"})

    # the site withdraws the variable: sources saved before stop using it, and say why
    monkeypatch.setitem(tk.config, "ckanext.procurement.harvest.auth_env_allowlist", [])
    job = run_job(source["id"], sysadmin["name"])
    assert "auth_env_allowlist" in json.dumps(job["gather_errors"])
    assert len(feed.requests) == 1


def test_a_password_in_a_source_url_is_refused_as_everyone_would_read_it(app, sysadmin, organization, feed):
    """A harvest source's URL is public (its page, harvest_source_show, package_search): credentials go in auth_header."""
    with_password = _serve(feed, _releases()).replace("http://", "http://buyer:pw-zq-5519@")
    with pytest.raises(helpers.logic.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], with_password)
    assert "auth_header" in str(error.value.error_dict["url"]) and "pw-zq-5519" not in str(error.value.error_dict)
    source = create_source(sysadmin["name"], organization["id"], _serve(feed, _releases()))
    for action in ("harvest_source_patch", "package_patch"):
        with pytest.raises(helpers.logic.ValidationError) as error:
            helpers.call_action(action, context={"user": sysadmin["name"]}, id=source["id"], url=with_password)
        assert "url" in error.value.error_dict
    form = _source_form_fields(app.get(f"/harvest/edit/{source['name']}", headers=_headers(sysadmin)).get_data(as_text=True))
    _set(form, url=with_password, save="")
    response = app.post(f"/harvest/edit/{source['name']}", data=form, headers=_headers(sysadmin), follow_redirects=False)
    assert response.status_code == 200 and "must not hold a user name or password" in response.get_data(as_text=True)
    for path in (f"/api/3/action/harvest_source_show?id={source['id']}", "/api/3/action/harvest_source_list",
                 f"/harvest/about/{source['name']}", "/api/3/action/package_search?fq=dataset_type:harvest"):
        assert "pw-zq-5519" not in app.get(path).get_data(as_text=True), path

    # a source saved with one before this rule stops at gather, sends nothing and says what to do
    for table in ("harvest_source", "package"):
        model.Session.execute(sa.text(f"UPDATE {table} SET url = :url WHERE id = :id"), {"url": with_password, "id": source["id"]})
    model.Session.commit()
    job = run_job(source["id"], sysadmin["name"])
    assert "auth_header" in json.dumps(job["gather_errors"]) and "pw-zq-5519" not in json.dumps(job)
    assert feed.requests == []


@pytest.mark.parametrize("header", ["Bearer x\r\nX-Forwarded-For: 10.0.0.1", "Bearer x\nHost: evil.example", "Bearer x\r"])
def test_a_header_value_with_a_line_break_is_rejected(sysadmin, organization, header):
    with pytest.raises(helpers.logic.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], "http://127.0.0.1:9/feed.json", config={"auth_header": header})
    message = str(error.value.error_dict["config"])
    assert "auth_header" in message and "line breaks" in message
    assert "Bearer x" not in message


@pytest.mark.ckan_config("ckanext.procurement.harvest.auth_env_allowlist", "PURCHASING_API_TOKEN")
@pytest.mark.parametrize("lead", [" ", "\t"])
def test_a_header_value_that_cannot_be_sent_is_never_quoted(sysadmin, organization, feed, monkeypatch, all_logs, lead):
    """requests refuses a header value beginning with a space or tab, and its error quotes the value:
    a pasted token with a blank before it must not end up in the job report or the log."""
    with pytest.raises(helpers.logic.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], _serve(feed, _releases()), name="typed",
                      config={"auth_header": lead + "Bearer s3cr3t-typed"})
    message = str(error.value.error_dict["config"])
    assert "auth_header" in message and "s3cr3t" not in message

    # from the environment: the value is only read when the harvest runs
    monkeypatch.setenv("PURCHASING_API_TOKEN", lead + "Bearer s3cr3t-of-the-environment")
    source = create_source(sysadmin["name"], organization["id"], _serve(feed, _releases()),
                           config={"auth_header": "env:PURCHASING_API_TOKEN"})
    job = run_job(source["id"], sysadmin["name"])
    assert "auth_header" in json.dumps(job["gather_errors"]) and "s3cr3t" not in json.dumps(job)
    assert feed.requests == []  # nothing was sent
    assert _logged_with(all_logs, "s3cr3t") == []


# --- logs -----------------------------------------------------------------------------------------------

@pytest.fixture
def all_logs(caplog, monkeypatch):
    """Every logger at DEBUG, SQLAlchemy's at INFO (statements and their parameters).
    CKAN's own are at WARNING in test.ini, and loading test.ini's logging disabled
    the loggers that existed before."""
    for name in [""] + list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "disabled", False)
        caplog.set_level(logging.INFO if name.startswith("sqlalchemy") else logging.DEBUG, logger=name)
    return caplog


# At DEBUG, CKAN's own views log the request they received (the API its JSON body,
# the dataset form its fields) before any action or validator of an extension runs:
# the one place left, and only at DEBUG (production logs at INFO, where this test
# finds nothing at all).
CKAN_REQUEST_LOGS = ("ckan.views.api: Request data extracted", "ckan.views.dataset: Package save request")


def _logged_with(caplog, text: str) -> list[str]:
    return [line for line in (f"{record.name}: {record.getMessage()[:300]}" for record in caplog.records
                              if text in record.getMessage())
            if not line.startswith(CKAN_REQUEST_LOGS)]


def _logged_at_info_with(caplog, text: str) -> list[str]:
    return [f"{record.name}: {record.getMessage()[:300]}" for record in caplog.records
            if record.levelno >= logging.INFO and text in record.getMessage()]


def _source_form_fields(body: str) -> MultiDict:
    """The fields of the harvest source form, as the browser would send them."""
    from bs4 import BeautifulSoup

    return form_fields(BeautifulSoup(body, "html.parser").find("textarea", attrs={"name": "config"}).find_parent("form"))


def test_no_secret_in_any_log_when_a_source_is_saved_through_the_api(app, sysadmin, organization, all_logs):
    headers = _headers(sysadmin)
    created = app.post("/api/3/action/harvest_source_create", headers=headers, json={
        "name": "city-purchasing", "title": "City purchasing system", "url": "http://127.0.0.1:9/feed.json",
        "source_type": "ocds", "owner_org": organization["id"], "config": json.dumps({"auth_header": TOKEN})})
    assert created.status_code == 200, created.get_data(as_text=True)
    source = created.json["result"]
    assert "Creating harvest source" in all_logs.text  # ckanext-harvest's log of what it received was captured
    updated = app.post("/api/3/action/harvest_source_update", headers=headers, json=dict(
        source, config=json.dumps({"auth_header": TOKEN + "-updated"})))
    assert updated.status_code == 200, updated.get_data(as_text=True)
    patched = app.post("/api/3/action/harvest_source_patch", headers=headers, json={
        "id": source["id"], "config": json.dumps({"auth_header": TOKEN + "-patched"})})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert "Patch harvest source" in all_logs.text
    assert _logged_with(all_logs, "s3cr3t") == [] and _logged_at_info_with(all_logs, "s3cr3t") == []
    # a wrong config (unknown key) with a literal: refused, and not logged either
    refused = app.post("/api/3/action/harvest_source_patch", headers=headers, json={
        "id": source["id"], "config": json.dumps({"auth_header": TOKEN + "-refused", "colour": "red"})})
    assert refused.status_code == 409
    assert _logged_with(all_logs, "s3cr3t") == [] and _logged_at_info_with(all_logs, "s3cr3t") == []
    assert "s3cr3t" not in refused.get_data(as_text=True)
    # only the last secret is kept, bound to the source
    from ckanext.procurement.model import ProcurementSecret

    secrets = model.Session.query(ProcurementSecret).all()
    assert [(s.harvest_source_id, s.plaintext()) for s in secrets] == [(source["id"], TOKEN + "-patched")]


def test_no_secret_in_any_log_when_a_source_is_saved_through_the_form(app, sysadmin, organization, all_logs):
    headers = _headers(sysadmin)
    fields = _source_form_fields(app.get("/harvest/new", headers=headers).get_data(as_text=True))
    _set(fields, name="city-purchasing", title="City purchasing system", url="http://127.0.0.1:9/feed.json",
         source_type="ocds", owner_org=organization["id"], config=json.dumps({"auth_header": TOKEN}), save="")
    response = app.post("/harvest/new", data=fields, headers=headers, follow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert "Creating harvest source" in all_logs.text
    assert _logged_with(all_logs, "s3cr3t") == [] and _logged_at_info_with(all_logs, "s3cr3t") == []

    fields = _source_form_fields(app.get("/harvest/edit/city-purchasing", headers=headers).get_data(as_text=True))
    _set(fields, owner_org=organization["id"], config=json.dumps({"auth_header": TOKEN + "-updated"}), save="")
    response = app.post("/harvest/edit/city-purchasing", data=fields, headers=headers, follow_redirects=False)
    body = response.get_data(as_text=True)
    assert response.status_code == 302, body[body.find("error"):][:3000]
    assert _logged_with(all_logs, "s3cr3t") == [] and _logged_at_info_with(all_logs, "s3cr3t") == []
    source = helpers.call_action("package_show", id="city-purchasing")
    from ckanext.procurement.model import ProcurementSecret

    stored = ProcurementSecret.get(json.loads(source["config"])["auth_header"][len("secret:"):])
    assert (stored.harvest_source_id, stored.plaintext()) == (source["id"], TOKEN + "-updated")


# --- upgrading ------------------------------------------------------------------------------------------

def test_the_migration_encrypts_and_binds_the_secrets_already_stored(sysadmin, organization, feed):
    """Secrets stored in plain text by an earlier version keep working for their source after migration 03."""
    from ckan.cli.db import _run_migrations

    from ckanext.procurement.model import ProcurementSecret

    source = create_source(sysadmin["name"], organization["id"], _serve(feed, _releases()))
    model.Session.commit()
    model.Session.remove()
    _run_migrations("procurement", "b3e9a4c2d810", forward=False)  # before 03
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO procurement_secret (id, value) VALUES ('legacy', :token), ('orphan', 'x')"),
                           {"token": TOKEN})
        connection.execute(sa.text("UPDATE harvest_source SET config = :config WHERE id = :id"),
                           {"config": json.dumps({"auth_header": "secret:legacy"}), "id": source["id"]})
    _run_migrations("procurement", "head", forward=True)

    assert _tables_containing("s3cr3t-of-city-purchasing") == []
    legacy, orphan = ProcurementSecret.get("legacy"), ProcurementSecret.get("orphan")
    assert (legacy.harvest_source_id, legacy.plaintext()) == (source["id"], TOKEN)
    assert orphan is None  # used by no source, its id once public: nobody may claim it
    assert run_job(source["id"], sysadmin["name"])["stats"].get("added") == 1
    assert _auth_headers_received(feed) == [TOKEN]
