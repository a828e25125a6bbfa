"""Process pages for staff and the public; a private process stays invisible to the public."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.procurement.tests.ckan.test_schema import FICTIONAL_OCID, fictional_releases, release, save

PRIVATE_OCID = "ocds-test02-private-1"
PRIVATE_TITLE = "Confidential security assessment"
PRIVATE_BUYER = "Office of Emergency Management"
PRIVATE_SUPPLIER = "Hushhush Consulting"


@pytest.fixture
def published(clean_db, clean_index, sysadmin, organization, examples_dir):
    public = save(sysadmin, organization, fictional_releases(examples_dir))["package"]
    private_releases = [release(
        PRIVATE_OCID, title=PRIVATE_TITLE, buyer_name=PRIVATE_BUYER,
        tender={"description": "Review of the city's emergency operations centre", "procurementMethod": "direct",
                "status": "complete", "value": {"amount": 48000, "currency": "USD"}},
        parties=[{"id": "hush", "name": PRIVATE_SUPPLIER, "roles": ["supplier"]}],
        awards=[{"id": "a1", "status": "active", "value": {"amount": 48000, "currency": "USD"},
                 "suppliers": [{"id": "hush", "name": PRIVATE_SUPPLIER}]}],
    )]
    private = save(sysadmin, organization, private_releases, private=True)["package"]
    assert private["private"] is True and public["private"] is False
    return {"public": public, "private": private}


def _anonymous(action, **data):
    return helpers.call_action(action, context={"user": "", "ignore_auth": False}, **data)


def test_pages_render_for_staff_and_the_public(app, published, sysadmin):
    staff = {"Authorization": sysadmin["token"]}
    for headers in ({}, staff):
        listing = app.get("/contracting-process/", headers=headers)
        assert listing.status_code == 200
        assert "Planned cycle lane improvements" in listing.get_data(as_text=True)
        page = app.get(f"/contracting-process/{FICTIONAL_OCID}", headers=headers)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        for text in ("Planned cycle lane improvements", "London Borough of Barnet", "AnyCorp Cycle Provision",
                     "2010-04-08T18:00:00Z", "Tender Notice",
                     "http://example.com/tender-notices/ocds-213czf-000-00001-01.html"):
            assert text in body, text
    # staff see the private process
    private_page = app.get(f"/contracting-process/{PRIVATE_OCID}", headers=staff)
    assert private_page.status_code == 200
    assert PRIVATE_TITLE in private_page.get_data(as_text=True)
    assert PRIVATE_TITLE in app.get("/contracting-process/", headers=staff).get_data(as_text=True)


def test_private_process_is_invisible_to_the_public(app, published):
    private = published["private"]
    # the page, by name and by id
    assert app.get(f"/contracting-process/{PRIVATE_OCID}").status_code == 404
    assert app.get(f"/contracting-process/{private['id']}").status_code == 404
    assert app.get(f"/dataset/{PRIVATE_OCID}").status_code == 404
    # the API
    with pytest.raises(tk.NotAuthorized):
        _anonymous("package_show", id=PRIVATE_OCID)
    for identifier in (PRIVATE_OCID, private["id"]):
        with pytest.raises((tk.NotAuthorized, tk.ObjectNotFound)):
            _anonymous("procurement_record_show", id=identifier)
    # the public one is there
    assert _anonymous("procurement_record_show", id=FICTIONAL_OCID)["ocid"] == FICTIONAL_OCID
    # search, with and without asking for private datasets
    for params in ({}, {"include_private": True}):
        for query in ({"q": "Confidential"}, {"q": PRIVATE_SUPPLIER}, {"q": PRIVATE_OCID},
                      {"fq": "+dataset_type:contracting-process"}):
            result = _anonymous("package_search", **query, **params)
            assert PRIVATE_OCID not in [r["name"] for r in result["results"]], (query, params)
    facets = _anonymous("package_search", fq="+dataset_type:contracting-process",
                        **{"facet.field": json.dumps(["buyer_name", "vocab_supplier_names", "procurement_method"])})
    assert facets["count"] == 1
    buyers = {i["name"] for i in facets["search_facets"]["buyer_name"]["items"]}
    assert buyers == {"London Borough of Barnet"}
    assert PRIVATE_SUPPLIER not in {i["name"] for i in facets["search_facets"]["vocab_supplier_names"]["items"]}
    assert "direct" not in {i["name"] for i in facets["search_facets"]["procurement_method"]["items"]}
    # the search pages: results and facets
    for url in ("/contracting-process/", "/contracting-process/?q=Confidential", "/dataset/",
                "/contracting-process/?q=Hushhush"):
        body = app.get(url).get_data(as_text=True)
        for secret in (PRIVATE_TITLE, PRIVATE_BUYER, PRIVATE_SUPPLIER, PRIVATE_OCID):
            assert secret not in body, (url, secret)
    # filtering on its department (the filter value is echoed back, nothing else)
    body = app.get("/contracting-process/", query_string={"buyer_name": PRIVATE_BUYER}).get_data(as_text=True)
    for secret in (PRIVATE_TITLE, PRIVATE_SUPPLIER, PRIVATE_OCID):
        assert secret not in body, secret


def test_staff_find_the_private_process(published, sysadmin):
    context = {"user": sysadmin["name"]}
    found = helpers.call_action("package_search", context=context, q=PRIVATE_SUPPLIER, include_private=True)
    assert [r["name"] for r in found["results"]] == [PRIVATE_OCID]
    assert helpers.call_action("procurement_record_show", context=context, id=PRIVATE_OCID)["ocid"] == PRIVATE_OCID
    shown = helpers.call_action("package_show", context=context, id=PRIVATE_OCID)
    assert shown["supplier_names"] == [PRIVATE_SUPPLIER] and shown["private"] is True
