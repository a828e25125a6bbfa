"""The flattened OCDS downloads (bulk/flatten.py): real compiled releases (OCP's
examples and the demo purchasing system's) to a CSV zip, an XLSX and a data
dictionary, read back with the standard readers (csv, openpyxl)."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ckanext.procurement.bulk.dictionary import DICTIONARY_HEADER
from ckanext.procurement.bulk.flatten import DICTIONARY_IN_ZIP, TABLES, neutralise, write_flat
from ckanext.procurement.demo import PurchasingSystem
from ckanext.procurement.ocds import compile_releases, load_release_schema
from ckanext.procurement.ocds.schema import PACKAGED_SCHEMA

EXAMPLES = Path(__file__).resolve().parent / "data" / "ocds"
DOCUMENTED = ("processes", "tenders", "awards", "suppliers", "contracts", "amendments", "transactions",
              "items", "documents")


def _example_releases() -> list[dict]:
    paths = sorted(EXAMPLES.glob("*/records/*.json")) + [EXAMPLES / "fictional" / "ocds-213czf-000-00001.json"]
    releases = []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        releases += [record["compiledRelease"] for record in data.get("records") or [data]]
    return releases


def _demo_releases(count: int) -> list[dict]:
    schema = load_release_schema(str(PACKAGED_SCHEMA))
    system = PurchasingSystem(processes=count, seed=9, start="2026-06-01")
    return [compile_releases(releases, schema) for releases in map(system.releases, range(count)) if releases]


@pytest.fixture(scope="module")
def compiled() -> list[dict]:
    return _example_releases() + _demo_releases(60)


@pytest.fixture(scope="module")
def flat(compiled, tmp_path_factory):
    folder = tmp_path_factory.mktemp("flat")
    paths = folder / "flat.zip", folder / "flat.xlsx", folder / "dictionary.csv"
    counts = write_flat(iter(compiled), *paths)
    return counts, paths


def _csv_tables(zip_path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(zip_path) as archive:
        return {
            name[:-4]: list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")))
            for name in archive.namelist()
        }


def _dictionary(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_zip_holds_the_documented_tables_joined_by_ocid_and_ids(compiled, flat):
    counts, (zip_path, _, _) = flat
    tables = _csv_tables(zip_path)
    assert set(DOCUMENTED) <= set(TABLES)
    assert set(tables) == set(TABLES) | {DICTIONARY_IN_ZIP[:-4]}
    assert {table: len(rows) for table, rows in tables.items() if table in TABLES} == counts
    assert counts["processes"] == len(compiled)
    for table in DOCUMENTED:
        assert counts[table] > 0, table  # the examples and the demo have every kind of row

    ocids = {row["ocid"] for row in tables["processes"]}
    assert ocids == {release["ocid"] for release in compiled}
    for table in TABLES:
        assert {row["ocid"] for row in tables[table]} <= ocids, table
    awards = {(row["ocid"], row["id"]) for row in tables["awards"]}
    contracts = {(row["ocid"], row["id"]) for row in tables["contracts"]}
    assert {(row["ocid"], row["awardID"]) for row in tables["suppliers"]} <= awards
    assert {(row["ocid"], row["contractID"]) for row in tables["transactions"]} <= contracts
    for table in ("items", "documents", "amendments"):
        for row in tables[table]:
            assert row["stage"] in ("planning", "tender", "award", "contract", "implementation")
            if row["stage"] == "award":
                assert (row["ocid"], row["awardID"]) in awards
            if row["stage"] in ("contract", "implementation"):
                assert (row["ocid"], row["contractID"]) in contracts
    # a contract names its award with OCDS's own awardID (Canada's examples name awards they don't publish)
    assert {(row["ocid"], row["awardID"]) for row in tables["contracts"] if row["ocid"].startswith("ocds-demo")} <= awards


def test_the_xlsx_has_one_sheet_per_table_with_the_same_rows(flat):
    counts, (zip_path, xlsx_path, _) = flat
    tables = _csv_tables(zip_path)
    workbook = openpyxl.load_workbook(xlsx_path, read_only=True)
    assert workbook.sheetnames == list(TABLES)
    for name in workbook.sheetnames:
        rows = list(workbook[name].values)
        assert list(rows[0]) == list(tables[name][0].keys()), name
        assert len(rows) - 1 == counts[name], name
        # the same cells, numbers as numbers
        for row, cells in zip(tables[name][:50], rows[1:51]):
            assert [str(_number_text(cell)) if cell is not None else "" for cell in cells] == list(row.values())


def _number_text(cell):
    return int(cell) if isinstance(cell, float) and cell.is_integer() else cell


def test_the_dictionary_lists_every_column_with_its_ocds_path_meaning_and_type(flat):
    _, (zip_path, _, dictionary_path) = flat
    entries = _dictionary(dictionary_path)
    assert tuple(entries[0].keys()) == DICTIONARY_HEADER
    listed = {(entry["table"], entry["column"]): entry for entry in entries}
    tables = _csv_tables(zip_path)
    for table in TABLES:
        for column in tables[table][0].keys():
            entry = listed.pop((table, column))
            assert entry["type"], (table, column)
            assert entry["meaning"], (table, column)
            if column != "stage":
                assert entry["ocds_path"], (table, column)
    assert not listed  # nothing documented that isn't there
    # meanings are the OCDS schema's own words, paths its own paths
    assert listed_entry(entries, "tenders", "tenderPeriod/endDate")["ocds_path"] == "tender/tenderPeriod/endDate"
    assert listed_entry(entries, "awards", "value/amount") == {
        "table": "awards", "column": "value/amount", "ocds_path": "awards/value/amount",
        "meaning": "Amount: Amount as a number.", "type": "number"}
    assert listed_entry(entries, "suppliers", "awardID")["ocds_path"] == "awards/id"
    assert "closed tenderStatus codelist" in listed_entry(entries, "tenders", "status")["meaning"]
    # the dictionary also travels inside the zip
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.read(DICTIONARY_IN_ZIP) == dictionary_path.read_bytes()


def listed_entry(entries, table, column):
    return next(entry for entry in entries if entry["table"] == table and entry["column"] == column)


def _leaves(value, found):
    if isinstance(value, dict):
        for item in value.values():
            _leaves(item, found)
    elif isinstance(value, list):
        for item in value:
            _leaves(item, found)
    elif isinstance(value, str) and value:
        found.add(value)
    return found


def test_nothing_given_is_lost_and_nothing_else_appears(flat, compiled, tmp_path):
    """Every text value of every release is in the tables of its ocid (lists below
    the tables as JSON in a cell), and only those: a value withheld before (records
    are stored redacted) cannot come back."""
    _, (zip_path, _, _) = flat
    cells: dict[str, set[str]] = {}
    for table, rows in _csv_tables(zip_path).items():
        for row in rows:
            if table in TABLES:
                cells.setdefault(row["ocid"], set()).update(_cell_texts(row.values()))
    for release in compiled:
        missing = {value for value in _leaves(release, set()) if neutralise(value) not in cells[release["ocid"]]}
        assert not missing, release["ocid"]

    # a redacted copy of a process: the withheld e-mail is nowhere in any file
    release = json.loads(json.dumps(compiled[-1]))
    secret = release["parties"][0]["contactPoint"].pop("email")
    assert secret in json.dumps(compiled[-1])
    paths = tmp_path / "r.zip", tmp_path / "r.xlsx", tmp_path / "r.csv"
    write_flat([release], *paths)
    with zipfile.ZipFile(paths[0]) as archive:
        for name in archive.namelist():
            assert secret not in archive.read(name).decode("utf-8"), name
    workbook = openpyxl.load_workbook(paths[1], read_only=True)
    for sheet in workbook:
        for row in sheet.values:
            assert secret not in json.dumps(row, default=str)


def _cell_texts(values):
    for value in values:
        yield value
        if value.startswith("["):  # a list kept as JSON in its cell
            yield from _leaves(json.loads(value), set())
        elif "," in value:  # a list of codes
            yield from value.split(",")


def test_formulas_in_harvested_text_stay_text(tmp_path):
    release = {"ocid": "ocds-x-1", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["compiled"],
               "tender": {"id": "t", "title": "=HYPERLINK(\"http://attacker.example\",\"x\")",
                          "description": "@SUM(1+1)", "value": {"amount": -5, "currency": "USD"},
                          "items": [{"id": "1", "description": "+cmd|' /C calc'!A0"}]}}
    paths = tmp_path / "f.zip", tmp_path / "f.xlsx", tmp_path / "f.csv"
    write_flat([release], *paths)
    tables = _csv_tables(paths[0])
    assert tables["tenders"][0]["title"].startswith("'=HYPERLINK(")
    assert tables["tenders"][0]["description"] == "'@SUM(1+1)"
    assert tables["tenders"][0]["value/amount"] == "-5"  # a number is left alone
    assert tables["items"][0]["description"] == "'+cmd|' /C calc'!A0"
    workbook = openpyxl.load_workbook(paths[1])
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.value)
    title = next(cell for cell in workbook["tenders"][2] if str(cell.value).startswith("'=HYPERLINK"))
    assert title.data_type == "s"
    amount = next(cell for cell in workbook["tenders"][2] if cell.value == -5)
    assert amount.data_type == "n"


def test_no_releases_still_gives_every_table_and_sheet(tmp_path):
    paths = tmp_path / "e.zip", tmp_path / "e.xlsx", tmp_path / "e.csv"
    assert write_flat(iter([]), *paths) == {table: 0 for table in TABLES}
    assert set(_csv_tables(paths[0])) == set(TABLES) | {DICTIONARY_IN_ZIP[:-4]}
    assert openpyxl.load_workbook(paths[1], read_only=True).sheetnames == list(TABLES)
    assert {entry["table"] for entry in _dictionary(paths[2])} == set(TABLES)


def test_tables_without_rows_still_have_their_header_sheet(tmp_path):
    """Releases that leave most tables empty: every table is still a CSV file and a sheet, in the table
    order, each with its join columns."""
    release = {"ocid": "ocds-213czf-1", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"],
               "tender": {"id": "t1", "title": "Road salt", "items": [{"id": "i1", "description": "Salt"}]},
               "parties": [{"id": "p1", "name": "City", "roles": ["buyer"]}]}
    paths = tmp_path / "f.zip", tmp_path / "f.xlsx", tmp_path / "f.csv"
    counts = write_flat(iter([release, dict(release, ocid="ocds-213czf-2")]), *paths)
    assert {table for table, rows in counts.items() if rows} == {"processes", "tenders", "items", "parties"}
    workbook = openpyxl.load_workbook(paths[1])
    assert workbook.sheetnames == list(TABLES)
    assert [cell.value for cell in workbook["awards"][1]] == ["ocid"]
    assert [cell.value for cell in workbook["amendments"][1]] == ["ocid", "stage", "awardID", "contractID"]
    assert workbook["awards"].max_row == 1
    assert [row[0] for row in workbook["items"].iter_rows(values_only=True)] == ["ocid", "ocds-213czf-1", "ocds-213czf-2"]
    assert [row[2] for row in workbook["tenders"].iter_rows(min_row=2, values_only=True)] == ["Road salt", "Road salt"]
    assert set(_csv_tables(paths[0])) == set(TABLES) | {DICTIONARY_IN_ZIP[:-4]}


def test_a_number_past_64_bits_is_flattened_not_fatal(tmp_path):
    """JSON numbers have no size: a stored release may hold an integer flatterer's encoder (orjson) refuses,
    which stopped the whole scope's flattened files."""
    huge = 10 ** 30
    release = {"ocid": "ocds-213czf-1", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"],
               "tender": {"id": "t1", "value": {"amount": huge, "currency": "USD"}, "numbers": [huge, 1]}}
    paths = tmp_path / "f.zip", tmp_path / "f.xlsx", tmp_path / "f.csv"
    write_flat(iter([release]), *paths)
    tenders = _csv_tables(paths[0])["tenders"]
    assert tenders[0]["value/amount"] == str(huge) and str(huge) in tenders[0]["numbers"]
