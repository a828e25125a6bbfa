"""The city's catalog keeps working: its ordinary datasets never need the
harvest tables or ours (CKAN's own suites, run both ways by scripts/test.sh,
check the rest)."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import factories, helpers

PLUGINS = "activity procurement ocds_lifecycle scheming_datasets harvest ocds procurement_csv"


@pytest.fixture
def without_extension_tables(clean_db, migrate_db_for):
    """ckanext-harvest's tables and ours absent, as after CKAN's own test
    reset or before their migrations are applied."""
    model.Session.remove()  # the migrations run on their own connection
    migrate_db_for("procurement", "base", forward=False)
    migrate_db_for("harvest", "base", forward=False)
    yield
    model.Session.remove()
    migrate_db_for("harvest")
    migrate_db_for("procurement")


def _found(**params):
    return [dataset["name"] for dataset in helpers.call_action("package_search", **params)["results"]]


@pytest.mark.usefixtures("without_extension_tables", "clean_index")
def test_ordinary_datasets_are_saved_and_indexed_without_the_harvest_tables(sysadmin, app):
    assert not model.Session.bind.has_table("harvest_object")
    context = {"user": sysadmin["name"]}
    org = factories.Organization()

    dataset = helpers.call_action("package_create", context=dict(context), name="street-trees",
                                  title="Street trees", owner_org=org["id"])
    assert _found(q="title:trees") == ["street-trees"]

    helpers.call_action("package_patch", context=dict(context), id=dataset["id"], title="Park benches")
    assert _found(q="title:benches") == ["street-trees"]
    assert _found(q="title:trees") == []

    page = app.get("/dataset/street-trees")
    assert page.status_code == 200 and "Park benches" in page.body
    assert "1 dataset found" in app.get("/dataset/", query_string={"q": "benches"}).body

    helpers.call_action("package_delete", context=dict(context), id=dataset["id"])
    assert _found(q="title:benches") == []


@pytest.mark.ckan_config("ckan.plugins", f"{PLUGINS} test_harvester")
@pytest.mark.usefixtures("clean_db", "clean_index")
def test_datasets_of_other_harvesters_keep_their_harvest_source(sysadmin):
    from ckanext.harvest.model import HarvestObject

    context = {"user": sysadmin["name"]}
    org = factories.Organization()
    source = helpers.call_action("harvest_source_create", context=dict(context), name="state-portal",
                                 title="State portal", url="http://state.example/data.json",
                                 source_type="test", owner_org=org["id"])
    job = helpers.call_action("harvest_job_create", context=dict(context), source_id=source["id"], run=False)
    dataset = helpers.call_action("package_create", context=dict(context), name="state-roads",
                                  title="State roads", owner_org=org["id"])
    harvested = helpers.call_action("harvest_object_create", context=dict(context), guid="roads",
                                    job_id=job["id"], source_id=source["id"], package_id=dataset["id"])
    harvest_object = HarvestObject.get(harvested["id"])
    harvest_object.current = True
    harvest_object.save()

    helpers.call_action("package_patch", context=dict(context), id=dataset["id"], notes="reindexed")
    assert _found(fq=f'+harvest_source_id:"{source["id"]}"') == ["state-roads"]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_ordinary_searches_are_left_as_ckan_makes_them(sysadmin):
    org = factories.Organization()
    helpers.call_action("package_create", context={"user": sysadmin["name"]}, name="weekly-cases",
                        title="Week 19 covid cases", owner_org=org["id"])
    # a word with a hyphen is not taken for an ocid (searched as a phrase) outside process searches
    assert _found(q="covid-19") == ["weekly-cases"]
    assert _found(q="covid-19", fq="+dataset_type:dataset") == ["weekly-cases"]
