"""A city's own plugin (IProcurement, see interfaces.py) fixes its purchasing
system's quirks, adds its own dataset field and indexes one more field, for
API callers and harvests alike; a hook that breaks refuses the save with a
message naming the plugin and the hook, and nothing is saved."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes, run_job
from ckanext.procurement.tests.ckan.test_catalog import PLUGINS
from ckanext.procurement.tests.ckan.test_schema import release
from ckanext.procurement.tests.feed_server import Reply
from ckanext.procurement.tests.hooks_plugin import EXTRA_KEY, INDEX_FIELD, QUIRK, ProcurementTestHooks

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", f"{PLUGINS} procurement_test_hooks"),
    pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues"),
]
OCID = "ocds-213czf-hooks-1"
HOOKS = ["before_releases_saved", "dataset_fields", "before_process_index"]


@pytest.fixture(autouse=True)
def hooks(monkeypatch):
    monkeypatch.setattr(ProcurementTestHooks, "calls", [])
    monkeypatch.setattr(ProcurementTestHooks, "fail_in", None)
    return ProcurementTestHooks


def _releases() -> list[dict]:
    return [release(OCID, title="Road resurfacing" + QUIRK),
            release(OCID, title="Road resurfacing, phase 1" + QUIRK, date="2024-02-01T10:00:00Z")]


def _extra(dataset: dict) -> str | None:
    return next((extra["value"] for extra in dataset.get("extras") or [] if extra["key"] == EXTRA_KEY), None)


def _assert_hooked(dataset_id: str) -> None:
    dataset = helpers.call_action("package_show", id=dataset_id)
    assert dataset["title"] == "Road resurfacing, phase 1"  # the quirk fixed before saving
    assert _extra(dataset) == f"REF-{OCID}-tender"  # the city's field, from the compiled release
    record = helpers.call_action("procurement_record_show", id=OCID)
    assert [r["tender"]["title"] for r in record["releases"]] == ["Road resurfacing", "Road resurfacing, phase 1"]
    assert record["compiledRelease"]["tender"]["title"] == "Road resurfacing, phase 1"  # the hooks changed copies
    found = processes(fq=f'+{INDEX_FIELD}:"indexed {OCID}"')
    assert [d["id"] for d in found["results"]] == [dataset_id]


def test_the_hooks_run_when_an_api_caller_saves(hooks, sysadmin, organization):
    saved = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                releases=_releases(), owner_org=organization["id"])
    assert saved["status"] == "created"
    assert hooks.calls[:2] == ["before_releases_saved", "dataset_fields"]
    assert "before_process_index" in hooks.calls
    _assert_hooked(saved["package"]["id"])


def test_the_hooks_run_in_a_harvest(hooks, sysadmin, organization, feed):
    url = feed.route("/feed.json", Reply(json.dumps({"releases": _releases()}).encode("utf-8")))
    source = create_source(sysadmin["name"], organization["id"], url)
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 1, report
    assert set(HOOKS) <= set(hooks.calls)
    _assert_hooked(processes()["results"][0]["id"])


@pytest.mark.parametrize("hook", HOOKS)
def test_a_failing_hook_refuses_an_api_save_naming_itself(hooks, hook, sysadmin, organization, app):
    hooks.fail_in = hook
    response = app.post("/api/action/procurement_process_save",
                        json={"releases": _releases(), "owner_org": organization["id"]},
                        headers={"Authorization": sysadmin["token"]}, status=409)
    error = response.json["error"]
    assert error["extension"] == [f"{hook} of the plugin procurement_test_hooks failed: "
                                  f"RuntimeError: the city's {hook} broke"]
    assert processes()["count"] == 0
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("procurement_record_show", id=OCID)


@pytest.mark.parametrize("hook", HOOKS)
def test_a_failing_hook_is_reported_in_the_harvest_job(hooks, hook, sysadmin, organization, feed):
    url = feed.route("/feed.json", Reply(json.dumps({"releases": _releases()}).encode("utf-8")))
    source = create_source(sysadmin["name"], organization["id"], url)
    hooks.fail_in = hook
    report = run_job(source["id"], sysadmin["name"])
    messages = [error["message"] for obj in report["object_errors"].values() for error in obj["errors"]]
    assert messages == [f"{OCID}: extension: {hook} of the plugin procurement_test_hooks failed: "
                        f"RuntimeError: the city's {hook} broke"]
    assert report["stats"].get("added") == 0 and processes()["count"] == 0

    hooks.fail_in = None  # the plugin fixed: the next harvest saves the process
    assert run_job(source["id"], sysadmin["name"])["stats"].get("added") == 1


def test_a_hook_must_return_what_it_was_given(hooks, sysadmin, organization, monkeypatch):
    monkeypatch.setattr(ProcurementTestHooks, "dataset_fields", lambda self, fields, compiled: None)
    with pytest.raises(tk.ValidationError) as refused:
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                            releases=_releases(), owner_org=organization["id"])
    assert refused.value.error_dict == {
        "extension": ["dataset_fields of the plugin procurement_test_hooks failed: returned NoneType, not a dict"]}


def test_an_ocid_a_hook_gives_is_checked_against_the_users_rights(hooks, organization, monkeypatch):
    """A hook mapping an ocid (say, adding the city's prefix) can't make an editor of
    another organization update a process that isn't theirs."""
    owner = factories.User()
    outsider = factories.User()
    other_org = factories.Organization(users=[{"name": outsider["name"], "capacity": "editor"}])
    city = factories.Organization(users=[{"name": owner["name"], "capacity": "editor"}])
    helpers.call_action("procurement_process_save", context={"user": owner["name"]},
                        releases=_releases(), owner_org=city["id"])

    def rename(self, releases, context):
        return [dict(r, ocid=OCID) for r in releases]

    monkeypatch.setattr(ProcurementTestHooks, "before_releases_saved", rename)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("procurement_process_save", context={"user": outsider["name"], "ignore_auth": False},
                            releases=[release("ocds-213czf-elsewhere", title="Taken over")],
                            owner_org=other_org["id"])
    assert helpers.call_action("package_show", id=OCID)["title"] == "Road resurfacing, phase 1"
