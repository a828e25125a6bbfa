"""Every contracting process carries an open license: the site's default, or
its harvest source's, or one a coordinator chose (which harvests keep); closed
or unknown licenses are refused with a message naming the license."""
from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from ckan import model
from ckan.tests import helpers
from ckanext.harvest.model import HarvestSource
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.feed_server import Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
OCID = "ocds-213czf-000-00001"
NAME = "ocds-213czf-000-00001"
STAGES = ["01-planning", "02-tender", "03-tenderAmendment", "04-award", "05-contract", "06-implementation"]


def _releases(examples_dir, stages=STAGES) -> list[dict]:
    return [r for stage in stages
            for r in json.loads((examples_dir / "fictional" / f"{OCID}-{stage}.json").read_text())["releases"]]


def _serve(feed, releases) -> str:
    return feed.route("/feed.json", Reply(json.dumps({"releases": releases}).encode("utf-8")))


def _license_on_page(app, name: str) -> str:
    soup = BeautifulSoup(app.get(f"/contracting-process/{name}").body, "html.parser")
    return " ".join(soup.find("section", class_="license").get_text(" ").split())


def test_a_harvested_process_carries_the_sites_open_license(app, sysadmin, organization, feed, examples_dir):
    source = create_source(sysadmin["name"], organization["id"], _serve(feed, _releases(examples_dir)))
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 1

    dataset = helpers.call_action("package_show", id=NAME)
    assert dataset["license_id"] == "cc-by"  # ckanext.procurement.default_license
    assert dataset["license_title"] == "Creative Commons Attribution"
    assert dataset["isopen"] is True
    shown = _license_on_page(app, NAME)
    assert "Creative Commons Attribution" in shown
    assert "No License Provided" not in shown


@pytest.mark.ckan_config("ckanext.procurement.default_license", "odc-pddl")
def test_the_site_default_is_a_setting(sysadmin, organization, examples_dir):
    helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                        releases=_releases(examples_dir), owner_org=organization["id"])
    assert helpers.call_action("package_show", id=NAME)["license_id"] == "odc-pddl"


def test_the_sources_license_applies_and_a_coordinators_choice_survives_reharvest(app, sysadmin, organization, feed,
                                                                                   examples_dir):
    url = _serve(feed, _releases(examples_dir, STAGES[:4]))
    source = create_source(sysadmin["name"], organization["id"], url, config={"license": "odc-pddl"})
    run_job(source["id"], sysadmin["name"])
    assert helpers.call_action("package_show", id=NAME)["license_id"] == "odc-pddl"
    assert "Open Data Commons Public Domain Dedication and License" in _license_on_page(app, NAME)

    # a coordinator publishes this process under another open license
    helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id=NAME, license_id="cc-zero")
    _serve(feed, _releases(examples_dir))  # the purchasing system publishes the contract and payments
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("updated") == 1
    dataset = helpers.call_action("package_show", id=NAME)
    assert dataset["stage"] == "implementation"
    assert dataset["license_id"] == "cc-zero"


def test_a_coordinator_cannot_close_a_process(sysadmin, organization, examples_dir):
    helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                        releases=_releases(examples_dir), owner_org=organization["id"])
    with pytest.raises(helpers.logic.ValidationError) as error:
        helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id=NAME, license_id="other-closed")
    assert "not an open license" in str(error.value.error_dict["license_id"])
    assert helpers.call_action("package_show", id=NAME)["license_id"] == "cc-by"


def test_process_save_takes_an_open_license_id(sysadmin, organization, examples_dir):
    with pytest.raises(helpers.logic.ValidationError) as error:
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                            releases=_releases(examples_dir), owner_org=organization["id"], license_id="cc-nc")
    assert "not an open license" in str(error.value.error_dict["license_id"])
    assert model.Package.by_name(NAME) is None

    helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                        releases=_releases(examples_dir), owner_org=organization["id"], license_id="odc-by")
    assert helpers.call_action("package_show", id=NAME)["license_id"] == "odc-by"


@pytest.mark.parametrize("license_id, message", [
    ("other-closed", "not an open license"),
    ("cc-nc", "not an open license"),
    ("no-such-license", "not a license this site knows"),
    ("", "must be a license id"),
    (42, "must be a license id"),
])
def test_a_closed_or_unknown_license_in_a_source_config_is_refused(sysadmin, organization, license_id, message):
    with pytest.raises(helpers.logic.ValidationError) as error:
        create_source(sysadmin["name"], organization["id"], "http://127.0.0.1:9/feed.json", config={"license": license_id})
    errors = " ".join(error.value.error_dict["config"])
    assert "options: license: " in errors and message in errors


def test_a_source_saved_with_a_closed_license_changes_nothing(sysadmin, organization, feed, examples_dir):
    # e.g. saved before the rule existed, or the site's license list changed since
    source = create_source(sysadmin["name"], organization["id"], _serve(feed, _releases(examples_dir)))
    model.Session.query(HarvestSource).filter_by(id=source["id"]).update({"config": json.dumps({"license": "other-closed"})})
    model.Session.commit()
    report = run_job(source["id"], sysadmin["name"])
    assert [e["message"] for e in report["gather_errors"]] == [
        "Invalid source configuration: license: Other (Not Open) is not an open license: "
        "procurement data must be free to use and share"]
    assert model.Package.by_name(NAME) is None
