"""Which processes leave the portal: active and public only, whoever publishes them."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from ckanext.procurement import published
from ckanext.procurement.tests.ckan.test_schema import release, save


@pytest.fixture
def processes(clean_db, clean_index, sysadmin, organization):
    other = factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}])
    saved = {
        "public": save(sysadmin, organization, [release("ocds-pub-3", title="Road salt")]),
        "first": save(sysadmin, organization, [release("ocds-pub-1", title="Snow ploughs")]),
        "private": save(sysadmin, organization, [release("ocds-pub-2", title="Waiting for review")], private=True),
        "withdrawn": save(sysadmin, organization, [release("ocds-pub-4", title="Withdrawn")]),
        "elsewhere": save(sysadmin, other, [release("ocds-pub-5", title="Another publisher")]),
    }
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=saved["withdrawn"]["package"]["id"])
    return {"organization": organization["id"], "other": other["id"]}


def _ocids(query, **kwargs) -> list[str]:
    return [record.ocid for record, _ in published.stream(query, **kwargs)]


def test_only_active_public_processes_are_published(processes):
    assert _ocids(published.records()) == ["ocds-pub-1", "ocds-pub-3", "ocds-pub-5"]
    assert published.count() == 3


def test_a_publisher_and_its_members(processes):
    assert _ocids(published.records([processes["organization"]])) == ["ocds-pub-1", "ocds-pub-3"]
    assert published.count([processes["other"]]) == 1
    # a member of the organization also sees its private processes, and only its own
    members_view = published.records(visible_private_organizations=[processes["other"]])
    assert "ocds-pub-2" not in _ocids(members_view)
    members_view = published.records(visible_private_organizations=[processes["organization"]])
    assert _ocids(members_view) == ["ocds-pub-1", "ocds-pub-2", "ocds-pub-3", "ocds-pub-5"]


def test_streams_in_batches_in_a_stable_order(processes):
    rows = list(published.stream(published.records(), batch_size=1))
    assert [record.ocid for record, _ in rows] == ["ocds-pub-1", "ocds-pub-3", "ocds-pub-5"]
    assert [owner for _, owner in rows] == [processes["organization"]] * 2 + [processes["other"]]
    assert all(record.compiled_release["ocid"] == record.ocid for record, _ in rows)


@pytest.mark.ckan_config("ckanext.procurement.publication_policy_url", "https://city.example/policy")
def test_package_metadata_names_the_publisher(processes, organization):
    org = helpers.call_action("organization_show", id=processes["organization"])
    meta = published.publication("https://portal.example/bulk/all.json", org).metadata()
    assert meta["publisher"]["name"] == org["title"]
    assert meta["publisher"]["uri"].endswith(f"/organization/{org['name']}")
    assert meta["license"] == "http://www.opendefinition.org/licenses/cc-by"
    assert meta["publicationPolicy"] == "https://city.example/policy"
    assert meta["version"] == "1.1" and meta["publishedDate"].endswith("Z")
    whole = published.publication("https://portal.example/all.json", license_id="odc-pddl").metadata()
    assert whole["publisher"]["name"] and "pddl" in whole["license"]
