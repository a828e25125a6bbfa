"""The procurement-dataset type: bulk procurement data a coordinator manages, in the ordinary catalog."""
from __future__ import annotations

import html
import json

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

GOOD = {
    "type": "procurement-dataset",
    "name": "city-contracts",
    "title": "City contracts (OCDS)",
    "notes": "Every contract the city signed since 2019, as OCDS releases.",
    "license_id": "cc-by",
    "lifecycle_stages": ["tender", "award", "contract"],
    "source_system": "Oracle PeopleSoft eProcurement",
    "ocid_prefix": "ocds-abc123",
    "update_frequency": "daily",
    "coverage_start_date": "2019-07-01",
    "coverage_end_date": "2026-06-30",
    "publication_policy_url": "https://www.example.gov/procurement/publication-policy",
}


def _create(user, org, **changes):
    data = dict(GOOD, owner_org=org["id"], **changes)
    data = {key: value for key, value in data.items() if value is not None}
    return helpers.call_action("package_create", context={"user": user["name"]}, **data)


def _error(excinfo, field) -> str:
    errors = excinfo.value.error_dict
    assert field in errors, errors
    return " ".join(map(str, errors[field]))


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_complete_procurement_dataset(sysadmin, organization):
    created = _create(sysadmin, organization)
    pkg = helpers.call_action("package_show", id="city-contracts")
    assert pkg["id"] == created["id"]
    assert pkg["type"] == "procurement-dataset"
    assert pkg["license_id"] == "cc-by" and pkg["isopen"] is True
    assert pkg["lifecycle_stages"] == ["tender", "award", "contract"]
    assert pkg["source_system"] == "Oracle PeopleSoft eProcurement"
    assert pkg["ocid_prefix"] == "ocds-abc123"
    assert pkg["update_frequency"] == "daily"
    assert pkg["coverage_start_date"] == "2019-07-01"
    assert pkg["coverage_end_date"] == "2026-06-30"
    assert pkg["publication_policy_url"] == "https://www.example.gov/procurement/publication-policy"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_found_in_the_catalog_search(app, sysadmin, organization):
    _create(sysadmin, organization)
    # an ordinary dataset beside it
    helpers.call_action("package_create", context={"user": sysadmin["name"]}, name="street-trees",
                        title="Street trees", owner_org=organization["id"])
    everything = helpers.call_action("package_search", q="contracts")
    assert [r["name"] for r in everything["results"]] == ["city-contracts"]
    catalog = helpers.call_action("package_search", fq="+dataset_type:dataset",
                                  **{"facet.field": json.dumps(["vocab_lifecycle_stages", "update_frequency"])})
    assert sorted(r["name"] for r in catalog["results"]) == ["city-contracts", "street-trees"]
    stages = {i["name"]: i["count"] for i in catalog["search_facets"]["vocab_lifecycle_stages"]["items"]}
    assert stages == {"tender": 1, "award": 1, "contract": 1}
    assert helpers.call_action("package_search", fq='+vocab_lifecycle_stages:"award"')["count"] == 1

    page = app.get("/dataset/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "City contracts (OCDS)" in body and "Street trees" in body
    assert "City contracts (OCDS)" in app.get("/dataset/", query_string={"q": "PeopleSoft"}).get_data(as_text=True)
    shown = app.get("/procurement-dataset/city-contracts")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Oracle PeopleSoft eProcurement" in text and "ocds-abc123" in text


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_processes_stay_off_the_catalog_page_unless_the_site_asks(app, sysadmin, organization, examples_dir):
    from ckanext.procurement.tests.ckan.test_schema import fictional_releases, save

    save(sysadmin, organization, fictional_releases(examples_dir))
    _create(sysadmin, organization)
    body = app.get("/dataset/").get_data(as_text=True)
    assert "City contracts (OCDS)" in body
    assert "Planned cycle lane improvements" not in body


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.show_processes_in_dataset_search", "true")
def test_processes_on_the_catalog_page_when_the_site_asks(app, sysadmin, organization, examples_dir):
    from ckanext.procurement.tests.ckan.test_schema import fictional_releases, save

    save(sysadmin, organization, fictional_releases(examples_dir))
    _create(sysadmin, organization)
    body = app.get("/dataset/").get_data(as_text=True)
    assert "City contracts (OCDS)" in body and "Planned cycle lane improvements" in body


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("license_id", ["cc-by", "cc-by-sa", "cc-zero", "odc-odbl", "odc-pddl", "uk-ogl"])
def test_open_licenses_are_accepted(sysadmin, organization, license_id):
    assert _create(sysadmin, organization, license_id=license_id)["license_id"] == license_id


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("license_id, message", [
    ("other-closed", "is not an open license"),
    ("cc-nc", "is not an open license"),
    ("notspecified", "is not an open license"),
    ("my-own-license", "'my-own-license' is not a license this site knows"),
    ("", "Missing value"),
])
def test_closed_or_unknown_licenses_are_refused(sysadmin, organization, license_id, message):
    with pytest.raises(tk.ValidationError) as excinfo:
        _create(sysadmin, organization, license_id=license_id)
    text = _error(excinfo, "license_id")
    assert message in text
    if message == "is not an open license":
        assert "procurement data must be free to use and share" in text
    assert helpers.call_action("package_search", q="contracts")["count"] == 0


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_license_cannot_be_closed_by_an_update(sysadmin, organization):
    _create(sysadmin, organization)
    with pytest.raises(tk.ValidationError) as excinfo:
        helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id="city-contracts",
                            license_id="other-closed")
    assert "is not an open license" in _error(excinfo, "license_id")
    assert helpers.call_action("package_show", id="city-contracts")["license_id"] == "cc-by"


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("field, value, message", [
    ("ocid_prefix", "abc", "'abc' is not an OCID prefix"),
    ("ocid_prefix", "ocds-abc12", "is not an OCID prefix"),
    ("ocid_prefix", "ocds-abc1234", "is not an OCID prefix"),
    ("lifecycle_stages", ["tender", "auction"], "unexpected choice"),
    ("lifecycle_stages", [], "Select at least one"),
    ("update_frequency", "hourly", "Value must be one of"),
    ("update_frequency", "", "Missing value"),
    ("coverage_end_date", "2018-12-31", "The coverage end date is before its start date"),
    ("coverage_start_date", "first of July", "Date format incorrect"),
    ("publication_policy_url", "javascript:alert(1)", "is not an http or https URL"),
    ("publication_policy_url", "data:text/html,<script>alert(1)</script>", "is not an http or https URL"),
    ("publication_policy_url", "http:example.org/policy", "is not an http or https URL"),  # no host
])
def test_bad_values_are_refused(sysadmin, organization, field, value, message):
    with pytest.raises(tk.ValidationError) as excinfo:
        _create(sysadmin, organization, **{field: value})
    assert message in _error(excinfo, field)


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_optional_fields_may_be_left_out(sysadmin, organization):
    pkg = _create(sysadmin, organization, ocid_prefix=None, source_system=None, coverage_start_date=None,
                  coverage_end_date=None, publication_policy_url=None)
    assert not pkg.get("ocid_prefix") and not pkg.get("publication_policy_url")
    assert pkg["lifecycle_stages"] == ["tender", "award", "contract"]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_web_form_refuses_a_closed_license(app, sysadmin, organization):
    headers = {"Authorization": sysadmin["token"]}
    form = app.get("/procurement-dataset/new", headers=headers)
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    token = body.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    data = [("_csrf_token", token), ("save", "continue"), ("owner_org", organization["id"])]
    for key, value in dict(GOOD, license_id="other-closed").items():
        if key == "type":
            continue
        for item in value if isinstance(value, list) else [value]:
            data.append((key, item))
    from werkzeug.datastructures import MultiDict

    response = app.post("/procurement-dataset/new", data=MultiDict(data), headers=headers)
    assert response.status_code == 200
    text = html.unescape(response.get_data(as_text=True))
    assert "is not an open license: procurement data must be free to use and share" in text
    assert helpers.call_action("package_search", q="contracts", include_drafts=True,
                               context={"user": sysadmin["name"]})["count"] == 0
