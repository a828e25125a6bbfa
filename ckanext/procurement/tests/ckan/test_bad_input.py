"""Bad input is refused with errors that name the field and its OCDS path; nothing is lost."""
from __future__ import annotations

import copy
import html
import json
import re

import pytest
from werkzeug.datastructures import MultiDict

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.procurement.tests.ckan.forms import form_fields
from ckanext.procurement.tests.ckan.test_schema import FICTIONAL_OCID, fictional_releases, release, save


def _create(user, org, **fields):
    data = {"type": "contracting-process", "ocid": "ocds-test03-000001", "title": "Road salt", "owner_org": org["id"]}
    data.update(fields)
    return helpers.call_action("package_create", context={"user": user["name"]}, **data)


def _errors(excinfo) -> dict:
    return excinfo.value.error_dict


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("field, value, path", [
    ("tender_end_date", "next Tuesday", "tender/tenderPeriod/endDate"),
    ("tender_start_date", "2026-13-45", "tender/tenderPeriod/startDate"),
    ("award_date", "yesterday", "awards/date"),
    ("tender_value", "lots", "tender/value/amount"),
    ("contract_value", "12,5 millions", "contracts/value/amount"),
    ("budget_amount", "NaN", "planning/budget/amount/amount"),
    ("currency", "dollars", "tender/value/currency"),
    ("number_of_tenderers", "-3", "tender/numberOfTenderers"),
])
def test_package_create_names_the_field_and_its_ocds_path(sysadmin, organization, field, value, path):
    with pytest.raises(tk.ValidationError) as excinfo:
        _create(sysadmin, organization, **{field: value})
    errors = _errors(excinfo)
    assert list(errors) == [field]
    [message] = errors[field]
    assert repr(value) in message and f"({path})" in message
    assert helpers.call_action("package_search", q="Road salt")["count"] == 0


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_valid_values_are_accepted_and_typed(sysadmin, organization):
    pkg = _create(sysadmin, organization, tender_end_date="2026-01-31T17:00:00-05:00", tender_value="9000.50",
                  currency="USD", number_of_tenderers="3", procurement_method="framework",
                  awards=[{"id": "a1", "value": "1200", "date": "2026-02-01", "suppliers": "Salt & Co"}])
    assert pkg["name"] == "ocds-test03-000001"  # from the ocid
    assert pkg["tender_end_date"] == "2026-01-31T17:00:00-05:00"
    assert pkg["tender_value"] == 9000.5 and pkg["number_of_tenderers"] == 3
    assert pkg["currency"] == "USD"
    assert pkg["procurement_method"] == "framework"
    assert pkg["awards"][0]["value"] == 1200


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("list_name, item, subfield, path", [
    ("awards", {"id": "a1", "value": "a lot"}, "value", "awards/value/amount"),
    ("awards", {"id": "a1", "value": "100", "date": "soon"}, "date", "awards/date"),
    ("contracts", {"id": "c1", "original_value": "n/a"}, "original_value", "contracts/value/amount"),
    ("transactions", {"id": "t1", "value": "ten"}, "value", "contracts/implementation/transactions/value/amount"),
    ("milestones", {"id": "m1", "due_date": "Q3"}, "due_date", "contracts/implementation/milestones/dueDate"),
    ("amendments", {"id": "am1", "changes": "{not json"}, "changes", "contracts/amendments"),
])
def test_bad_values_inside_repeating_lists(sysadmin, organization, list_name, item, subfield, path):
    good = {"id": "ok", "value": "5"} if list_name != "milestones" else {"id": "ok"}
    with pytest.raises(tk.ValidationError) as excinfo:
        _create(sysadmin, organization, **{list_name: [good, item]})
    errors = _errors(excinfo)
    assert list(errors) == [list_name], errors
    # the error sits on the item's subfield, as the form shows it
    [first, second] = errors[list_name]
    assert not any(first.values())
    [message] = second[subfield]
    assert message.startswith(f"{list_name}[1].{subfield} ({path}): {item[subfield]!r} is not ")


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_failed_update_loses_nothing(sysadmin, organization, examples_dir):
    save(sysadmin, organization, fictional_releases(examples_dir))
    before = helpers.call_action("package_show", id=FICTIONAL_OCID)
    record_before = helpers.call_action("procurement_record_show", id=FICTIONAL_OCID)
    context = {"user": sysadmin["name"]}
    bad_values = [
        {"tender_end_date": "next Tuesday"},
        {"tender_value": "lots"},
        {"currency": "dollars"},
        {"awards": [dict(before["awards"][0], value="eleven million")]},
    ]
    for bad in bad_values:
        with pytest.raises(tk.ValidationError):
            helpers.call_action("package_update", context=dict(context), **dict(copy.deepcopy(before), **bad))
        with pytest.raises(tk.ValidationError):
            helpers.call_action("package_patch", context=dict(context), id=FICTIONAL_OCID, **bad)
    after = helpers.call_action("package_show", id=FICTIONAL_OCID)
    for key in ("metadata_modified", "metadata_created"):
        assert after[key] == before[key]
    assert after == before
    assert helpers.call_action("procurement_record_show", id=FICTIONAL_OCID) == record_before
    # and the index still has the old values
    found = helpers.call_action("package_search", fq='+tender_end_date:"2010-04-08T18:00:00Z"')
    assert [r["name"] for r in found["results"]] == [FICTIONAL_OCID]


def _form_fields(body: str) -> MultiDict:
    """The fields of the dataset form, as the browser would send them (names may repeat)."""
    from bs4 import BeautifulSoup

    return form_fields(BeautifulSoup(body, "html.parser").find("form", id="dataset-edit"))


def _set(fields: MultiDict, **values) -> MultiDict:
    for key, value in values.items():
        fields.setlist(key, [value])
    return fields


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_web_form_shows_the_error_and_keeps_the_data(app, sysadmin, organization, examples_dir):
    save(sysadmin, organization, fictional_releases(examples_dir))
    before = helpers.call_action("package_show", id=FICTIONAL_OCID)
    headers = {"Authorization": sysadmin["token"]}
    url = f"/contracting-process/edit/{FICTIONAL_OCID}"
    form_page = app.get(url, headers=headers)
    assert form_page.status_code == 200
    fields = _form_fields(form_page.get_data(as_text=True))
    assert fields["_csrf_token"]
    # the form shows the values as published, codes outside the codelists included
    assert fields["tender_end_date"] == "2010-04-08T18:00:00Z"
    assert fields["procurement_method"] == "open"

    _set(fields, tender_end_date="next Tuesday", tender_value="lots", currency="dollars", save="")
    response = app.post(url, data=fields, headers=headers)
    assert response.status_code == 200
    body = html.unescape(response.get_data(as_text=True))
    assert "'next Tuesday' is not an ISO 8601 date or date-time (tender/tenderPeriod/endDate)" in body
    assert "'lots' is not a number (tender/value/amount)" in body
    assert "'dollars' is not an ISO 4217 currency code (tender/value/currency)" in body
    assert helpers.call_action("package_show", id=FICTIONAL_OCID) == before


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_web_form_saves_the_unchanged_process_without_losing_anything(app, sysadmin, organization, examples_dir):
    releases = fictional_releases(examples_dir)
    for item in releases:
        if "tender" in item and "procurementMethod" in item["tender"]:
            item["tender"]["procurementMethod"] = "framework"
    save(sysadmin, organization, releases)
    before = helpers.call_action("package_show", id=FICTIONAL_OCID)
    headers = {"Authorization": sysadmin["token"]}
    url = f"/contracting-process/edit/{FICTIONAL_OCID}"
    fields = _form_fields(app.get(url, headers=headers).get_data(as_text=True))
    assert fields["procurement_method"] == "framework"
    _set(fields, save="")
    response = app.post(url, data=fields, headers=headers, follow_redirects=False)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]
    after = helpers.call_action("package_show", id=FICTIONAL_OCID)
    for key in ("procurement_method", "tender_end_date", "tender_value", "currency", "supplier_names",
                "stage", "status", "contract_value", "number_of_tenderers", "item_classifications"):
        assert after[key] == before[key], key


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_process_save_with_a_non_date_deadline_names_the_path(sysadmin, organization):
    bad = release("ocds-test03-000002", title="Tree planting",
                  tender={"tenderPeriod": {"startDate": "2026-01-05T09:00:00Z", "endDate": "next Tuesday"}})
    with pytest.raises(tk.ValidationError) as excinfo:
        save(sysadmin, organization, [bad])
    text = json.dumps(_errors(excinfo))
    assert "tender/tenderPeriod/endDate" in text and "next Tuesday" in text
    assert helpers.call_action("package_search", q="Tree planting")["count"] == 0
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("procurement_record_show", id="ocds-test03-000002")


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_process_save_bad_update_keeps_the_published_process(sysadmin, organization, examples_dir):
    releases = fictional_releases(examples_dir)
    save(sysadmin, organization, releases)
    before = helpers.call_action("package_show", id=FICTIONAL_OCID)
    record_before = helpers.call_action("procurement_record_show", id=FICTIONAL_OCID)
    broken = copy.deepcopy(releases[-1])
    broken.update(id="broken-7", date="2011-03-01T00:00:00Z", tag=["tenderUpdate"])
    broken["tender"] = {"id": "ocds-213czf-000-00001-01-tender",
                        "tenderPeriod": {"startDate": "2010-03-01T09:00:00Z", "endDate": "mid-April"}}
    with pytest.raises(tk.ValidationError) as excinfo:
        save(sysadmin, organization, releases + [broken])
    assert "tender/tenderPeriod/endDate" in json.dumps(_errors(excinfo))
    assert helpers.call_action("package_show", id=FICTIONAL_OCID) == before
    assert helpers.call_action("procurement_record_show", id=FICTIONAL_OCID) == record_before


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_unknown_codes_are_kept_and_shown_as_published(app, sysadmin, organization):
    releases = [release(
        "ocds-test03-000003", title="Office furniture framework", buyer_name="General Services",
        tender={"procurementMethod": "framework", "mainProcurementCategory": "consultingServices",
                "status": "active"},
    )]
    save(sysadmin, organization, releases)
    pkg = helpers.call_action("package_show", id="ocds-test03-000003")
    assert pkg["procurement_method"] == "framework"
    assert pkg["main_category"] == "consultingServices"
    body = app.get("/contracting-process/ocds-test03-000003").get_data(as_text=True)
    assert re.search(r"Procurement method.*?framework", body, re.S)
    assert "consultingServices" in body
    facets = helpers.call_action("package_search", fq="+dataset_type:contracting-process",
                                 **{"facet.field": json.dumps(["procurement_method"])})
    assert {i["name"]: i["count"] for i in facets["search_facets"]["procurement_method"]["items"]} == {"framework": 1}
    assert helpers.call_action("procurement_record_show", id="ocds-test03-000003")[
        "compiledRelease"]["tender"]["procurementMethod"] == "framework"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_process_save_keeps_the_dataset_id_of_a_known_process(sysadmin, organization, examples_dir):
    releases = fictional_releases(examples_dir)
    created = save(sysadmin, organization, releases[:1], id="0e0c3d9e-8d7f-4d0e-9a57-6a4f2b1c0001")
    assert created["package"]["id"] == "0e0c3d9e-8d7f-4d0e-9a57-6a4f2b1c0001"
    with pytest.raises(tk.ValidationError) as excinfo:
        save(sysadmin, organization, releases, id="0e0c3d9e-8d7f-4d0e-9a57-6a4f2b1c0002")
    assert "0e0c3d9e-8d7f-4d0e-9a57-6a4f2b1c0001" in str(_errors(excinfo)["id"])
    assert len(helpers.call_action("procurement_record_show", id=FICTIONAL_OCID)["releases"]) == 1
    with pytest.raises(tk.ValidationError) as excinfo:
        save(sysadmin, organization, releases, id="not-a-uuid")
    assert "id" in _errors(excinfo)
