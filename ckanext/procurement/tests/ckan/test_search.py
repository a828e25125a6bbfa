"""Searching contracting processes in the real Solr with CKAN's stock schema:
facets, sorting, the open-for-bids filter and free text."""
from __future__ import annotations

import datetime
import json

import pytest

from ckan.tests import helpers

from ckanext.procurement.tests.ckan.test_schema import (
    FICTIONAL_OCID, fictional_releases, load_releases, release, save,
)

PROCESS_FQ = "+dataset_type:contracting-process"
FACETS = ["stage", "status", "buyer_name", "procurement_method", "main_category", "vocab_supplier_names",
          "fiscal_year", "value_band"]


def _in_days(days: int) -> str:
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _synthetic() -> dict[str, list[dict]]:
    def tender_release(ocid, title, description, buyer, method, category, start, end, amount):
        return [release(
            ocid, title=title, date=start, buyer_name=buyer,
            tender={
                "description": description, "procurementMethod": method, "mainProcurementCategory": category,
                "tenderPeriod": {"startDate": start, "endDate": end},
                "value": {"amount": amount, "currency": "USD"},
            },
        )]

    return {
        # open for bids: active, deadline in 10 days, 9,000 USD
        "ocds-test01-playground": tender_release(
            "ocds-test01-playground", "Playground resurfacing", "Rubber safety surfacing for three playgrounds",
            "Department of Parks", "selective", "goods", "2025-08-01T09:00:00Z", _in_days(10), 9000),
        # open for bids: deadline in 40 days, 10,000,000 USD
        "ocds-test01-snowplows": tender_release(
            "ocds-test01-snowplows", "Snow removal equipment", "Six plough trucks with salt spreaders",
            "Department of Public Works", "open", "goods", "2025-09-01T09:00:00Z", _in_days(40), 10_000_000),
        # tender still marked active, but its deadline has passed
        "ocds-test01-bridges": tender_release(
            "ocds-test01-bridges", "Bridge inspection services", "Biennial inspection of the river bridges",
            "Department of Public Works", "open", "services", "2019-12-01T09:00:00Z", "2020-01-10T17:00:00Z", 250_000),
    }


@pytest.fixture
def processes(clean_db, clean_index, sysadmin, organization, examples_dir):
    """Six processes: the fictional one, three synthetic tenders, one Colombian and one Canadian record."""
    saved = {FICTIONAL_OCID: save(sysadmin, organization, fictional_releases(examples_dir))["package"]}
    for ocid, releases in _synthetic().items():
        saved[ocid] = save(sysadmin, organization, releases)["package"]
    for path in ("colombia/records/ocds-k50g02-16-13-5279502.json",
                 "canada-buyandsell/records/ocds-34a6hz-01B68-160244_001_CZ.json"):
        pkg = save(sysadmin, organization, load_releases(examples_dir / path))["package"]
        saved[pkg["ocid"]] = pkg
    return saved


def _search(**params) -> dict:
    params.setdefault("rows", 100)
    params["fq"] = f"{PROCESS_FQ} {params.get('fq', '')}".strip()
    return helpers.call_action("package_search", **params)


def _names(result: dict) -> list[str]:
    return [r["name"] for r in result["results"]]


def _facets(result: dict, field: str) -> dict[str, int]:
    return {item["name"]: item["count"] for item in result["search_facets"][field]["items"]}


def test_facet_counts(processes):
    result = _search(**{"facet.field": json.dumps(FACETS), "facet.limit": 50})
    assert result["count"] == 6
    assert _facets(result, "stage") == {"implementation": 1, "tender": 3, "contract": 2}
    assert _facets(result, "status") == {"active": 3, "open": 2, "evaluation": 1}
    assert _facets(result, "buyer_name") == {
        "Department of Public Works": 2, "Department of Parks": 1, "London Borough of Barnet": 1,
        "BOGOTÁ D.C. - SECRETARÍA DE HACIENDA DISTRITAL": 1, "Agriculture and Agri-Food Canada": 1,
    }
    assert _facets(result, "procurement_method") == {"open": 4, "selective": 1}
    assert _facets(result, "main_category") == {"goods": 2, "services": 1, "works": 1}
    assert _facets(result, "vocab_supplier_names") == {"AnyCorp Cycle Provision": 1, "RIELCO LTDA": 1}
    assert _facets(result, "fiscal_year") == {"2010": 1, "2016": 1, "2017": 1, "2020": 1, "2026": 2}
    assert _facets(result, "value_band") == {
        "under-10k": 1, "10k-100k": 1, "100k-1m": 1, "1m-10m": 1, "10m-plus": 2}

    # a facet value filters
    works = _search(fq='+buyer_name:"Department of Public Works"')
    assert sorted(_names(works)) == ["ocds-test01-bridges", "ocds-test01-snowplows"]
    rielco = _search(fq='+vocab_supplier_names:"RIELCO LTDA"')
    assert _names(rielco) == ["ocds-k50g02-16-13-5279502"]
    assert _names(_search(fq="+fiscal_year:2010")) == [FICTIONAL_OCID]
    assert _names(_search(fq="+value_band:under-10k")) == ["ocds-test01-playground"]


def test_search_page_shows_the_process_facets(app, processes):
    response = app.get("/contracting-process/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for label in ("Department", "Procurement method", "Supplier", "Fiscal year", "Stage", "Status"):
        assert label in body
    assert "Department of Public Works" in body and "RIELCO LTDA" in body
    filtered = app.get("/contracting-process/", query_string={"buyer_name": "Department of Parks"})
    text = filtered.get_data(as_text=True)
    assert "Playground resurfacing" in text and "Snow removal equipment" not in text


def test_sort_by_deadline(processes):
    result = _search(sort="tender_end_date asc")
    with_deadline = [r["name"] for r in result["results"] if r.get("tender_end_date")]
    assert with_deadline == [
        FICTIONAL_OCID, "ocds-k50g02-16-13-5279502", "ocds-test01-bridges",
        "ocds-test01-playground", "ocds-test01-snowplows",
    ]
    # the alias the search page offers
    assert [r["name"] for r in _search(sort="deadline")["results"] if r.get("tender_end_date")] == with_deadline


def test_sort_by_value_is_numeric(processes):
    expected = [
        FICTIONAL_OCID,                 # 11,000,000 (contract)
        "ocds-test01-snowplows",        # 10,000,000 (tender)
        "ocds-k50g02-16-13-5279502",    # 8,605,500 (contracts)
        "ocds-test01-bridges",          # 250,000
        "ocds-34a6hz-01b68-160244-001-cz",  # 14,967
        "ocds-test01-playground",       # 9,000: as text "9000" would sort above "10000000"
    ]
    assert _names(_search(sort="value_sort desc")) == expected
    assert _names(_search(sort="value_sort asc")) == expected[::-1]
    assert _names(_search(sort="value_desc")) == expected


def test_sort_by_last_update(processes, sysadmin, organization):
    bridges = _synthetic()["ocds-test01-bridges"]
    bridges[0]["tender"]["description"] = "Biennial inspection of the river bridges, with load testing"
    assert save(sysadmin, organization, bridges)["status"] == "updated"
    assert _names(_search(sort="metadata_modified desc"))[0] == "ocds-test01-bridges"
    assert _names(_search(sort="updated"))[0] == "ocds-test01-bridges"
    # the publisher's own last update
    assert _names(_search(sort="last_release_date desc"))[:2] == ["ocds-test01-snowplows", "ocds-test01-playground"]


def test_open_for_bids_filter(app, processes):
    expected = ["ocds-test01-playground", "ocds-test01-snowplows"]
    through_extras = _search(extras={"ext_open": "1"}, sort="tender_end_date asc")
    assert _names(through_extras) == expected
    # ext_ parameters at the top level are moved to extras by package_search
    assert _names(helpers.call_action("package_search", fq=PROCESS_FQ, ext_open="1", sort="deadline")) == expected
    # without the flag, the past tender is there too
    assert "ocds-test01-bridges" in _names(_search(extras={"ext_open": "0"}))

    response = app.get("/contracting-process/", query_string={"ext_open": "1"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Playground resurfacing" in body and "Snow removal equipment" in body
    assert "Bridge inspection services" not in body
    assert "Planned cycle lane improvements" not in body
    everything = app.get("/contracting-process/").get_data(as_text=True)
    assert "Bridge inspection services" in everything


@pytest.mark.parametrize("query, expected", [
    ("Playground", "ocds-test01-playground"),                           # title
    ("plough", "ocds-test01-snowplows"),                                 # description
    ("spreaders", "ocds-test01-snowplows"),
    ("RIELCO", "ocds-k50g02-16-13-5279502"),                             # vendor
    ('"AnyCorp Cycle Provision"', FICTIONAL_OCID),
    (FICTIONAL_OCID, FICTIONAL_OCID),                                    # ocid
    ("ocds-k50g02-16-13-5279502", "ocds-k50g02-16-13-5279502"),
    ("ocds-34a6hz-01B68-160244/001/CZ", "ocds-34a6hz-01b68-160244-001-cz"),  # an ocid with slashes
    ('"Department of Public Works"', None),                               # department: two processes
])
def test_free_text(processes, query, expected):
    result = _search(q=query)
    if expected is None:
        assert sorted(_names(result)) == ["ocds-test01-bridges", "ocds-test01-snowplows"]
    else:
        assert _names(result) == [expected]


def test_free_text_on_the_search_page(app, processes):
    body = app.get("/contracting-process/", query_string={"q": "RIELCO"}).get_data(as_text=True)
    assert "SDH-SMINC-26-2016" in body and "Playground resurfacing" not in body


def test_solr_documents_hold_typed_fields(processes):
    """What the stock schema gets: vocab_* lists, UTC dates, a sortable value string."""
    from ckan.lib.search.common import make_connection

    docs = make_connection().search(q=f'name:"{FICTIONAL_OCID}"', fl="*", rows=1).docs
    [doc] = docs
    assert doc["vocab_supplier_names"] == ["AnyCorp Cycle Provision"]
    assert doc["vocab_item_classifications"] == ["CPV:45233130.0", "CPV:45233162-2"]
    # Solr date fields (pysolr returns datetimes), in UTC
    assert doc["tender_end_date"] == datetime.datetime(2010, 4, 8, 18, 0)
    assert doc["contract_start_date"] == datetime.datetime(2010, 7, 1, 0, 0)
    # stored data has the dataset as CKAN shows it
    assert json.loads(doc["validated_data_dict"])["contract_value"] == 11000000


def test_facet_links_add_and_remove_a_filter_keeping_the_rest_and_the_language(app, processes):
    """Each facet item links to the page with its value added (the other filters, the query and the
    sort kept, the page number dropped), or removed when it is the active filter, in the page's language."""
    import re
    from html import unescape
    from urllib.parse import parse_qsl, urlsplit

    def facet_links(url: str, query: dict) -> dict:
        body = app.get(url, query_string=query).get_data(as_text=True)
        found = {}
        for href, label in re.findall(r'<li class="nav-item[^"]*">\s*<a href="([^"]+)"[^>]*>\s*<span class="item-label">([^<]+)<', body):
            parts = urlsplit(unescape(href))
            found[unescape(label).strip()] = (parts.path, sorted(parse_qsl(parts.query)))
        return found

    query = {"q": "resurfacing", "sort": "value_sort desc", "page": "1",
             "buyer_name": "Department of Parks"}
    links = facet_links("/contracting-process/", query)
    kept = [("buyer_name", "Department of Parks"), ("q", "resurfacing"), ("sort", "value_sort desc")]
    assert "Department of Parks" in links, links
    assert links["Department of Parks"] == ("/contracting-process/", sorted(kept[1:]))  # active: removed
    added = [(path, params) for label, (path, params) in links.items() if label != "Department of Parks"]
    assert added and all(path == "/contracting-process/" and set(kept) < set(params) and len(params) == 4
                         for path, params in added), added
    assert all(path == "/es/contracting-process/" for path, _ in facet_links("/es/contracting-process/", query).values())


@pytest.mark.parametrize("sort", ["", "deadline", "value_desc", "title_string asc"])
def test_the_search_page_lists_from_the_indexed_fields_exactly_as_from_whole_datasets(
        app, processes, sysadmin, monkeypatch, sort):
    """/contracting-process/ asks Solr for the fields its items show (not each whole stored dataset):
    every item, a private one's badge included, is the same as when rendered from the whole dataset."""
    import re

    from ckanext.procurement import search

    helpers.call_action("package_patch", {"user": sysadmin["name"]}, id=processes["ocds-test01-snowplows"]["id"],
                        private=True)
    staff = {"Authorization": sysadmin["token"]}

    def items(headers: dict) -> list[str]:
        body = app.get("/contracting-process/", query_string={"sort": sort} if sort else {},
                       headers=headers).get_data(as_text=True)
        return re.findall(r'<li class="dataset-item procurement-item".*?</li>', body, re.S)

    listed_docs = []
    with monkeypatch.context() as patched:
        listing = search._listed
        patched.setattr(search, "_listed", lambda doc, names: listed_docs.append(doc) or listing(doc, names))
        listed, listed_for_staff = items({}), items(staff)
    assert len(listed_docs) == 11 and all("resources" not in doc for doc in listed_docs)
    with monkeypatch.context() as patched:
        patched.setattr(search, "_search_page", lambda endpoint: endpoint == "dataset.search")
        whole, whole_for_staff = items({}), items(staff)
    assert len(listed) == 5 and len(listed_for_staff) == 6
    assert listed == whole and listed_for_staff == whole_for_staff
    assert "Private" in "".join(listed_for_staff) and "data-value=" in "".join(listed)
    assert "Bid deadline" in "".join(listed) and "Suppliers" in "".join(listed)


@pytest.mark.ckan_config("ckanext.procurement.search_listed_fields", "fiscal_year ocid")
def test_a_site_lists_more_fields_and_only_the_search_page_lists_from_the_indexed_fields(
        app, processes, monkeypatch):
    """A site whose item template shows more fields names them; the API (with or without `fl`) keeps
    CKAN's results."""
    from ckanext.procurement import search

    listed = []
    listing = search._listed
    monkeypatch.setattr(search, "_listed", lambda doc, names: listed.append(listing(doc, names)) or listed[-1])
    app.get("/contracting-process/")
    assert len(listed) == 6 and all(item["ocid"] and item["fiscal_year"] for item in listed), listed
    assert {item["ocid"]: item for item in listed}[FICTIONAL_OCID]["supplier_names"] == ["AnyCorp Cycle Provision"]

    whole = _search()["results"]
    assert all("resources" in result and "ocid" in result for result in whole)
    asked = _search(fl=search.listing_fl())["results"]
    assert asked and all(result["capacity"] == "public" and "type" not in result and "resources" not in result
                         for result in asked)
