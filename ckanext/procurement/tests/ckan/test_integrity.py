"""One ocid, one dataset, one owner: attacks on a process's identity and ownership,
input no step can take (too deep, redacting what identifies a release), and real
publishers' odd values, through the action API, HTTP and the harvest job machinery."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.procurement import naming
from ckanext.procurement.ocds.depth import MAX_DEPTH
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes, run_job
from ckanext.procurement.tests.ckan.test_schema import release
from ckanext.procurement.tests.feed_server import Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")

# four processes whose ocids derive only two names
SLASH, DOT = "ocds-abc123-1/2", "ocds-abc123-1.2"
UPPER_X, LOWER_X = "ocds-abc123-X", "OCDS-ABC123-x"


@pytest.fixture
def people():
    """Two organizations, each with its own editor."""
    editor_a, editor_b = factories.UserWithToken(), factories.UserWithToken()
    org_a = factories.Organization(users=[{"name": editor_a["name"], "capacity": "editor"}])
    org_b = factories.Organization(users=[{"name": editor_b["name"], "capacity": "editor"}])
    return {"a": editor_a, "b": editor_b, "org_a": org_a, "org_b": org_b}


def _save(user: dict, owner_org: str, releases: list[dict], **params) -> dict:
    """procurement_process_save as `user`, with authorization checked."""
    return helpers.call_action("procurement_process_save", context={"user": user["name"], "ignore_auth": False},
                               releases=releases, owner_org=owner_org, **params)


def _deep(levels: int) -> dict:
    """An object nested `levels` levels deep (the outermost one included)."""
    value: dict = {}
    for _ in range(levels - 1):
        value = {"x": value}
    return value


def _api(app, user: dict, action: str, body: bytes | dict):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return app.post(f"/api/3/action/{action}", data=data, headers={"Authorization": user["token"]},
                    content_type="application/json")


# --- one ocid per call, and the stored owner decides ---------------------------------------------

def test_releases_of_two_ocids_are_refused_naming_them(people):
    a = people["a"]
    one, two = release("ocds-abc123-1", title="One"), release("ocds-abc123-2", title="Two")
    for releases in ([one, two], [one, dict(two, id=one["id"])]):  # even when one release would replace the other
        with pytest.raises(tk.ValidationError) as error:
            _save(a, people["org_a"]["id"], releases)
        text = json.dumps(error.value.error_dict)
        assert "ocds-abc123-1" in text and "ocds-abc123-2" in text
    assert processes()["count"] == 0


def test_decoy_first_release_does_not_move_another_organizations_process(people):
    a, b = people["a"], people["b"]
    saved = _save(a, people["org_a"]["id"], [release("ocds-abc123-7", title="Snow clearing")])["package"]
    # B's editor leads with a release of a fresh ocid (authorized for B), then A's process
    # under the same release id, so that de-duplication would keep only A's
    victim = release("ocds-abc123-7", title="Hijacked", date="2025-01-01T00:00:00Z")
    decoy = dict(release("ocds-abc123-decoy", title="Decoy"), id=victim["id"])
    with pytest.raises((tk.ValidationError, tk.NotAuthorized)):
        _save(b, people["org_b"]["id"], [decoy, victim])
    with pytest.raises(tk.NotAuthorized):
        _save(b, people["org_b"]["id"], [victim])
    after = helpers.call_action("package_show", id=saved["id"])
    assert after["owner_org"] == people["org_a"]["id"] and after["title"] == "Snow clearing"
    assert len(helpers.call_action("procurement_record_show", id="ocds-abc123-7")["releases"]) == 1


def test_an_editor_cannot_move_a_process_to_an_organization_they_dont_publish_for(people):
    a = people["a"]
    saved = _save(a, people["org_a"]["id"], [release("ocds-abc123-8", title="Street lights")])["package"]
    with pytest.raises(tk.NotAuthorized):
        _save(a, people["org_b"]["id"], [release("ocds-abc123-8", title="Street lights", date="2025-02-01T00:00:00Z")])
    assert helpers.call_action("package_show", id=saved["id"])["owner_org"] == people["org_a"]["id"]
    # in their own organization, they update it
    updated = _save(a, people["org_a"]["id"], [release("ocds-abc123-8", title="Street lights", date="2025-02-01T00:00:00Z")])
    assert updated["status"] == "updated" and updated["package"]["id"] == saved["id"]


def test_over_http_the_refusals_are_clear_errors(app, people):
    a, b = people["a"], people["b"]
    _save(a, people["org_a"]["id"], [release("ocds-abc123-7", title="Snow clearing")])
    theirs = release("ocds-abc123-7", title="Theirs", date="2025-01-01T00:00:00Z")
    two = {"owner_org": people["org_b"]["id"], "releases": [dict(release("ocds-abc123-9", title="Mine"), id=theirs["id"]), theirs]}
    response = _api(app, b, "procurement_process_save", two)
    assert response.status_code == 409  # CKAN's status for a ValidationError
    assert "ocds-abc123-9" in response.get_data(as_text=True) and "ocds-abc123-7" in response.get_data(as_text=True)
    assert helpers.call_action("package_show", id="ocds-abc123-7")["owner_org"] == people["org_a"]["id"]
    response = _api(app, b, "procurement_process_save", {"owner_org": people["org_b"]["id"], "releases": [release("ocds-abc123-7", title="Theirs")]})
    assert response.status_code == 403


def test_a_harvest_source_of_another_organization_does_not_take_a_process(people, sysadmin, feed, purged_queues):
    a = people["a"]
    saved = _save(a, people["org_a"]["id"], [release("ocds-abc123-7", title="Snow clearing")])["package"]
    # B's editor points a source of B at a feed holding A's ocid; harvests run as the site user
    body = json.dumps({"releases": [release("ocds-abc123-7", title="Hijacked", date="2025-01-01T00:00:00Z"),
                                    release("ocds-abc123-b1", title="B's own")]}).encode()
    source = create_source(sysadmin["name"], people["org_b"]["id"], feed.route("/feed.json", Reply(body)))
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 1
    errors = " ".join(e["message"] for o in report["object_errors"].values() for e in o["errors"])
    assert "'ocds-abc123-7' is a process of another organization" in errors
    after = helpers.call_action("package_show", id=saved["id"])
    assert after["owner_org"] == people["org_a"]["id"] and after["title"] == "Snow clearing"
    assert helpers.call_action("package_show", id="ocds-abc123-b1")["owner_org"] == people["org_b"]["id"]


# --- found by the exact ocid, never by the derived name --------------------------------------------

def test_ocids_that_derive_the_same_name_are_four_processes(people):
    a, org = people["a"], people["org_a"]["id"]
    created = {ocid: _save(a, org, [release(ocid, title=f"Process {ocid}")])["package"] for ocid in (SLASH, DOT, UPPER_X, LOWER_X)}
    names = {ocid: package["name"] for ocid, package in created.items()}
    assert len(set(names.values())) == 4 and len({p["id"] for p in created.values()}) == 4
    # the first to arrive keeps the readable name; the other gets a short stable suffix
    assert names[SLASH] == "ocds-abc123-1-2" and names[DOT] == naming.disambiguated_name(DOT)
    assert names[UPPER_X] == "ocds-abc123-x" and names[LOWER_X] == naming.disambiguated_name(LOWER_X)
    assert names[DOT].startswith("ocds-abc123-1-2-") and len(names[DOT]) == len("ocds-abc123-1-2") + 9
    for ocid, package in created.items():
        shown = helpers.call_action("package_show", id=package["id"])
        assert shown["ocid"] == ocid and shown["title"] == f"Process {ocid}"
        assert helpers.call_action("procurement_record_show", id=ocid)["ocid"] == ocid
    # saving each again updates its own dataset, under its own name
    for ocid in (LOWER_X, DOT, UPPER_X, SLASH):
        again = _save(a, org, [release(ocid, title=f"Renamed {ocid}", date="2025-03-01T00:00:00Z")])
        assert again["status"] == "updated" and again["package"]["id"] == created[ocid]["id"]
        assert again["package"]["name"] == names[ocid]
    assert processes()["count"] == 4
    for ocid, package in created.items():
        assert helpers.call_action("package_show", id=package["id"])["title"] == f"Renamed {ocid}"


def test_a_derived_name_held_by_another_dataset_gets_a_suffix(people, sysadmin):
    other = factories.Dataset(name="ocds-abc123-5", owner_org=people["org_b"]["id"], title="Budget spreadsheet")
    saved = _save(people["a"], people["org_a"]["id"], [release("ocds-abc123-5", title="Pothole repair")])
    assert saved["status"] == "created"
    assert saved["package"]["name"] == naming.disambiguated_name("ocds-abc123-5")
    untouched = helpers.call_action("package_show", id=other["id"])
    assert untouched["title"] == "Budget spreadsheet" and untouched["type"] == "dataset"


def test_a_withdrawn_process_comes_back_with_its_dataset_and_name(people, sysadmin):
    a, org = people["a"], people["org_a"]["id"]
    first = _save(a, org, [release(SLASH, title="Slash")])["package"]
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=first["id"])
    # while it is withdrawn, a process whose ocid derives the same name doesn't take that name
    dot = _save(a, org, [release(DOT, title="Dot")])["package"]
    assert dot["name"] != first["name"] and dot["id"] != first["id"]
    restored = _save(a, org, [release(SLASH, title="Slash again", date="2025-04-01T00:00:00Z")])
    assert restored["status"] == "restored"
    assert (restored["package"]["id"], restored["package"]["name"]) == (first["id"], first["name"])
    assert helpers.call_action("package_show", id=dot["id"])["title"] == "Dot"


def test_id_of_another_dataset_is_refused(people):
    a, org = people["a"], people["org_a"]["id"]
    victim = _save(a, org, [release("ocds-abc123-3", title="Victim")])["package"]
    with pytest.raises(tk.ValidationError) as error:
        _save(a, org, [release("ocds-abc123-4", title="Intruder")], id=victim["id"])
    assert "id" in error.value.error_dict
    shown = helpers.call_action("package_show", id=victim["id"])
    assert shown["ocid"] == "ocds-abc123-3" and shown["title"] == "Victim"
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("procurement_record_show", id="ocds-abc123-4")


def test_package_create_with_an_ocid_that_derives_a_taken_name(people):
    a, org = people["a"], people["org_a"]["id"]
    _save(a, org, [release(UPPER_X, title="Upper")])
    created = helpers.call_action("package_create", context={"user": a["name"]}, type="contracting-process",
                                  ocid=LOWER_X, title="Lower", owner_org=org)
    assert created["name"] == naming.disambiguated_name(LOWER_X)
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_create", context={"user": a["name"]}, type="contracting-process",
                            ocid=UPPER_X, title="Again", owner_org=org, name="another-name")
    assert "already has a dataset" in str(error.value.error_dict["ocid"])


def test_the_ocid_of_a_process_with_releases_stays_its_own(people, sysadmin):
    """Editing the ocid of a dataset that holds a process's releases would give one dataset two ocids
    (the next save of the new ocid found it by that field and added a second record to it)."""
    a, org = people["a"], people["org_a"]["id"]
    one = _save(a, org, [release("ocds-abc123-1", title="One")])["package"]
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_patch", context={"user": a["name"]}, id=one["id"], ocid="ocds-abc123-2")
    assert "'ocds-abc123-1'" in str(error.value.error_dict["ocid"])
    assert helpers.call_action("package_patch", context={"user": a["name"]}, id=one["id"], notes="Checked")["ocid"] == "ocds-abc123-1"
    two = _save(a, org, [release("ocds-abc123-2", title="Two")])
    assert two["status"] == "created" and two["package"]["id"] != one["id"]

    # a withdrawn process keeps its ocid: no other dataset takes it, so it comes back as itself
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=two["package"]["id"])
    typed = helpers.call_action("package_create", context={"user": a["name"]}, type="contracting-process",
                                ocid="ocds-abc123-3", title="Typed in the form", owner_org=org)
    for attempt in (lambda: helpers.call_action("package_patch", context={"user": a["name"]}, id=typed["id"], ocid="ocds-abc123-2"),
                    lambda: helpers.call_action("package_create", context={"user": a["name"]}, type="contracting-process",
                                                ocid="ocds-abc123-2", title="Again", owner_org=org)):
        with pytest.raises(tk.ValidationError) as error:
            attempt()
        assert "already has a dataset" in str(error.value.error_dict["ocid"])
    restored = _save(a, org, [release("ocds-abc123-2", title="Two again", date="2025-06-01T00:00:00Z")])
    assert restored["status"] == "restored" and restored["package"]["id"] == two["package"]["id"]
    # a dataset without releases (made in the form) may still correct its ocid
    assert helpers.call_action("package_patch", context={"user": a["name"]}, id=typed["id"], ocid="ocds-abc123-4")["ocid"] == "ocds-abc123-4"
    assert {d["ocid"]: d["id"] for d in processes()["results"]} == {
        "ocds-abc123-1": one["id"], "ocds-abc123-2": two["package"]["id"], "ocds-abc123-4": typed["id"]}


def test_harvested_ocids_that_derive_the_same_name(sysadmin, organization, feed, purged_queues):
    ocids = (UPPER_X, LOWER_X, SLASH, DOT)
    body = json.dumps({"releases": [release(ocid, title=f"Harvested {ocid}") for ocid in ocids]}).encode()
    source = create_source(sysadmin["name"], organization["id"], feed.route("/feed.json", Reply(body)))
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 4, report
    found = {d["ocid"]: d for d in processes()["results"]}
    assert set(found) == set(ocids) and len({d["name"] for d in found.values()}) == 4
    for ocid in ocids:
        assert found[ocid]["title"] == f"Harvested {ocid}"
        assert helpers.call_action("procurement_record_show", id=ocid)["releases"][0]["ocid"] == ocid
    again = run_job(source["id"], sysadmin["name"])
    assert again["stats"].get("not modified") == 4

    # another source: a different-case ocid is a process of its own; the exact ocid is not taken over
    body = json.dumps({"releases": [release("OCDS-ABC123-X", title="Other source's"),
                                    release(UPPER_X, title="Takeover", date="2025-05-01T00:00:00Z")]}).encode()
    other = create_source(sysadmin["name"], organization["id"], feed.route("/other.json", Reply(body)), name="other")
    report = run_job(other["id"], sysadmin["name"])
    assert report["stats"].get("added") == 1
    errors = " ".join(e["message"] for o in report["object_errors"].values() for e in o["errors"])
    assert f"{UPPER_X!r} is already published by another harvest source" in errors
    found = {d["ocid"]: d for d in processes()["results"]}
    assert len(found) == 5 and found[UPPER_X]["title"] == f"Harvested {UPPER_X}"
    assert found["OCDS-ABC123-X"]["title"] == "Other source's"


# --- redaction never removes what identifies a release ---------------------------------------------

@pytest.mark.parametrize("path", ["ocid", "id", "/id/"])
def test_redact_paths_cannot_remove_the_identifiers(app, people, path):
    a, org = people["a"], people["org_a"]["id"]
    with pytest.raises(tk.ValidationError) as error:
        _save(a, org, [release("ocds-abc123-6", title="Bins")], redact_paths=[path])
    assert repr(path.strip()) in str(error.value.error_dict["redact_paths"])
    response = _api(app, a, "procurement_process_save",
                    {"owner_org": org, "releases": [release("ocds-abc123-6", title="Bins")], "redact_paths": [path]})
    assert response.status_code == 409 and "redact_paths" in response.get_data(as_text=True)
    assert processes()["count"] == 0


def test_a_source_config_redacting_the_ocid_is_refused_when_saved(sysadmin, organization):
    with pytest.raises(tk.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], "http://127.0.0.1:9/feed.json", config={"redact_paths": ["parties", "ocid"]})
    assert "redact_paths" in str(error.value.error_dict["config"]) and "'ocid'" in str(error.value.error_dict["config"])


@pytest.mark.ckan_config("ckanext.procurement.redact_paths", "parties/address id")
def test_a_site_policy_redacting_the_id_fails_clearly(app, people, sysadmin, organization, feed, purged_queues):
    a, org = people["a"], people["org_a"]["id"]
    with pytest.raises(tk.ValidationError) as error:
        _save(a, org, [release("ocds-abc123-6", title="Bins")])
    assert "'id'" in str(error.value.error_dict["ckanext.procurement.redact_paths"])
    response = _api(app, a, "procurement_process_save", {"owner_org": org, "releases": [release("ocds-abc123-6", title="Bins")]})
    assert response.status_code == 409 and "ckanext.procurement.redact_paths" in response.get_data(as_text=True)
    body = json.dumps({"releases": [release("ocds-abc123-6", title="Bins")]}).encode()
    source = create_source(sysadmin["name"], organization["id"], feed.route("/feed.json", Reply(body)))
    report = run_job(source["id"], sysadmin["name"])
    assert any("ckanext.procurement.redact_paths" in e["message"] and "'id'" in e["message"] for e in report["gather_errors"])
    assert processes()["count"] == 0


# --- input nested too deep for any step ------------------------------------------------------------

@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 500, 5000])
def test_deep_release_through_the_action_is_a_validation_error(people, levels):
    deep = dict(release("ocds-abc123-d", title="Deep"), tender={"id": "t", "title": "Deep", "x": _deep(levels)})
    with pytest.raises(tk.ValidationError) as error:
        _save(people["a"], people["org_a"]["id"], [release("ocds-abc123-d", title="Flat"), deep])
    assert "releases/1" in json.dumps(error.value.error_dict) and f"{MAX_DEPTH} levels" in json.dumps(error.value.error_dict)
    with pytest.raises(tk.ValidationError) as error:
        _save(people["a"], _deep(levels), [release("ocds-abc123-d", title="Flat")])
    assert "owner_org" in error.value.error_dict
    assert processes()["count"] == 0


@pytest.mark.parametrize("levels", [500, 5000, 100_000])
def test_deep_release_over_http_is_a_400(app, people, levels):
    org = people["org_a"]["id"]
    flat = json.dumps(release("ocds-abc123-d", title="Deep"))
    body = ('{"owner_org": "%s", "releases": [%s, {"ocid": "ocds-abc123-d", "id": "2", "tender": %s%s}]}'
            % (org, flat, '{"x": ' * levels, "{}" + "}" * levels)).encode()
    response = _api(app, people["a"], "procurement_process_save", body)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "levels deep" in response.json["error"]["message"]
    assert processes()["count"] == 0
    # the depth a release may have is accepted
    ok = dict(release("ocds-abc123-d", title="Deep enough"), tender={"id": "t", "title": "Deep enough", "x": _deep(MAX_DEPTH - 2)})
    response = _api(app, people["a"], "procurement_process_save", {"owner_org": org, "releases": [ok]})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("levels", [2000, 20_000])
def test_deep_release_posted_as_a_form_is_a_400(app, people, levels):
    """CKAN's API also takes the JSON as the one key of a form body (value '' or '1'), parsed by the same recursive json."""
    body = '{"owner_org": "%s", "releases": [{"ocid": "ocds-abc123-d", "id": "1", "tender": %s{}%s}]}' % (
        people["org_a"]["id"], '{"x": ' * levels, "}" * levels)
    for value in ("", "1"):
        response = app.post("/api/3/action/procurement_process_save", data={body: value},
                            headers={"Authorization": people["a"]["token"]})
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert "levels deep" in response.json["error"]["message"]
    assert processes()["count"] == 0


def test_deep_releases_in_a_harvest_are_reported_and_the_others_imported(sysadmin, organization, feed, purged_queues):
    good = [release("ocds-abc123-g1", title="Good one"), release("ocds-abc123-g2", title="Good two")]
    deep_500 = '{"ocid": "ocds-abc123-d5", "id": "d5", "tender": %s{}%s}' % ('{"x": ' * 500, "}" * 500)
    deep_5000 = '{"ocid": "ocds-abc123-d6", "id": "d6", "tender": %s[]%s}' % ("[" * 5000, "]" * 5000)
    body = '{"releases": [%s, %s, %s, %s]}' % (json.dumps(good[0]), deep_500, deep_5000, json.dumps(good[1]))
    source = create_source(sysadmin["name"], organization["id"], feed.route("/feed.json", Reply(body.encode())))
    report = run_job(source["id"], sysadmin["name"])
    assert report["status"] == "Finished"
    assert report["stats"].get("added") == 2
    assert {d["ocid"] for d in processes()["results"]} == {"ocds-abc123-g1", "ocds-abc123-g2"}
    messages = [e["message"] for e in report["gather_errors"]]
    for ocid, position in (("ocds-abc123-d5", "releases/1"), ("ocds-abc123-d6", "releases/2")):
        assert any(ocid in m and position in m and f"{MAX_DEPTH} levels" in m for m in messages), messages


# --- real publishers' values are kept and reported --------------------------------------------------

def test_odd_published_values_are_kept_and_reported(app, people):
    a, org = people["a"], people["org_a"]["id"]
    odd = release("ocds-abc123-m", title="Road resurfacing", tender={
        "value": {"amount": "125000", "currency": "mdl"}, "procurementMethod": "licitatie deschisa", "numberOfTenderers": "four",
        "mainProcurementCategory": "lucrari " * 40})
    odd["awards"] = [{"id": "a1", "status": "activ", "value": {"amount": "1.000,50", "currency": "mdl"}}]
    odd["contracts"] = [{"id": "c1", "awardID": "a1", "value": {"amount": 120000, "currency": "Lei"}}]
    saved = _save(a, org, [odd])
    assert saved["status"] == "created"
    warnings = " | ".join(p["message"] for p in saved["problems"] if p["severity"] == "warning")
    assert "'mdl' is not an ISO 4217 currency code" in warnings and "'125000' is not a number" in warnings
    assert "'four' is not a whole number" in warnings and "'1.000,50' is not a number" in warnings
    assert "'licitatie deschisa' is not a code of the OCDS method codelist" in warnings
    shown = helpers.call_action("package_show", id=saved["package"]["id"])
    assert shown["currency"] == "Lei" and shown["procurement_method"] == "licitatie deschisa"
    record = helpers.call_action("procurement_record_show", id="ocds-abc123-m")
    assert record["compiledRelease"]["tender"]["value"] == {"amount": "125000", "currency": "mdl"}
    page = app.get(f"/contracting-process/{shown['name']}")
    assert page.status_code == 200 and "120,000.00 LEI" in page.get_data(as_text=True)  # digits, then the code
    # a coordinator editing the process sends the publisher's values back: they stay
    patched = helpers.call_action("package_patch", context={"user": a["name"]}, id=shown["id"], notes="Checked")
    assert patched["currency"] == "Lei" and patched["notes"] == "Checked"
    # what a person types is still checked
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_patch", context={"user": a["name"]}, id=shown["id"], currency="dollars")
    assert "ISO 4217" in str(error.value.error_dict["currency"])


def test_odd_published_values_in_a_harvest(sysadmin, organization, feed, purged_queues):
    releases = [release(f"ocds-abc123-h{n}", title=f"Moldovan process {n}",
                        tender={"value": {"amount": 1000 * n, "currency": "mdl"}}) for n in range(1, 4)]
    source = create_source(sysadmin["name"], organization["id"], feed.route("/feed.json", Reply(json.dumps({"releases": releases}).encode())))
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 3
    messages = " ".join(e["message"] for e in report["gather_errors"])
    assert "'mdl' is not an ISO 4217 currency code" in messages
    assert {d["currency"] for d in processes()["results"]} == {"mdl"}
    # the quality page counts them as warnings, not errors
    [shown] = helpers.call_action("procurement_quality_show", context={"user": sysadmin["name"]},
                                  owner_org=organization["name"])["open_data"]["harvest_sources"]
    assert shown["last_job"]["warnings"] >= 3 and shown["last_job"]["errors"] == 0 and shown["last_job"]["rejected"] == 0
