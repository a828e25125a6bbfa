"""Tests for turning flat ERP exports (CSV/XLSX) into OCDS releases. No CKAN needed."""

from __future__ import annotations

import codecs
import copy
import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import ocdsmerge
import pytest

from ckanext.procurement.demo.mapping import CHICAGO_MAPPING
from ckanext.procurement.ocds.flat import (
    FlatConverter,
    FlatFileError,
    FlatMapping,
    MappingError,
    field_type,
    iter_releases,
    open_table,
    read_rows,
    rows_to_releases,
)
from ckanext.procurement.ocds.compile import compile_releases
from ckanext.procurement.ocds.parse import Problem

# The release schema comes from conftest's `schema` fixture (the copy shipped with the package).
DATA = Path(__file__).parent / "data" / "flat"

CHICAGO_HEADER = ("purchase_order_number,revision_number,specification_number,purchase_order_description,department,"
                  "vendor_name,vendor_id,address,city,state,zip,award_amount,procurement_type,contract_type,start_date,"
                  "end_date,approval_date,contract_pdf,business_size,certifications")


@pytest.fixture(scope="module")
def chicago():
    return FlatMapping.from_config(CHICAGO_MAPPING)


def convert_file(path, mapping, **kwargs):
    with open(path, "rb") as f:
        return list(iter_releases(f, mapping, filename=Path(path).name, **kwargs))


def convert_bytes(data: bytes, mapping, filename="export.csv", **kwargs):
    return list(iter_releases(io.BytesIO(data), mapping, filename=filename, **kwargs))


def by_id(results):
    return {release["id"]: release for release, _ in results if release is not None}


def all_problems(results):
    return [problem for _, problems in results for problem in problems]


def award_config(**overrides):
    config = {
        "rows_are": "award",
        "ocid": "ocds-demo01-{po}",
        "date": "approved",
        "columns": {
            "awards/0/value/amount": "amount",
            "awards/0/suppliers/0/name": "vendor",
            "buyer/name": "department",
        },
    }
    config.update(overrides)
    return config


# --- The demo purchasing system's export (modification rows) ------------------------------------

class TestChicagoExport:
    @pytest.fixture(scope="class")
    def results(self, chicago):
        return convert_file(DATA / "chicago_contracts.csv", chicago)

    def test_releases_are_grouped_by_ocid_and_ordered_by_revision(self, results):
        ids = [release["id"] for release, _ in results]
        assert ids == [
            "ocds-demo01-1001-0", "ocds-demo01-1001-1", "ocds-demo01-1001-2", "ocds-demo01-1001-3",
            "ocds-demo01-1002-0",
            "ocds-demo01-1003-0", "ocds-demo01-1003-1",
        ]

    def test_original_award_and_contract(self, results):
        release = by_id(results)["ocds-demo01-1001-0"]
        assert release["tag"] == ["award", "contract"]
        assert release["initiationType"] == "tender"
        assert release["date"] == "2020-12-10T00:00:00-06:00"  # America/Chicago, winter
        assert release["buyer"] == {"id": "streets-and-sanitation", "name": "Streets and Sanitation"}
        assert release["tender"] == {
            "id": "SPEC-77", "title": "Road salt supply", "procurementMethod": "open",
            "procurementMethodDetails": "Invitation for Bid", "mainProcurementCategory": "goods",
        }
        award = release["awards"][0]
        assert award["id"] == "1001"
        assert award["value"] == {"amount": 250000, "currency": "USD"}
        assert award["suppliers"] == [{"id": "V-100", "name": "Acme Salt Inc."}]
        contract = release["contracts"][0]
        assert contract["id"] == "1001"
        assert contract["awardID"] == "1001"
        assert contract["value"] == {"amount": 250000, "currency": "USD"}
        assert contract["period"] == {"startDate": "2021-01-01T00:00:00-06:00", "endDate": "2021-12-31T00:00:00-06:00"}
        assert contract["dateSigned"] == "2020-12-10T00:00:00-06:00"
        assert contract["documents"] == [{
            "id": contract["documents"][0]["id"], "documentType": "contractSigned",
            "url": "https://procurement.springfield.example/po/1001.pdf", "format": "application/pdf",
        }]
        assert "amendments" not in contract

    def test_parties_with_scale_and_certifications(self, results):
        parties = {p["id"]: p for p in by_id(results)["ocds-demo01-1001-0"]["parties"]}
        assert parties["streets-and-sanitation"] == {
            "id": "streets-and-sanitation", "name": "Streets and Sanitation", "roles": ["buyer"],
        }
        assert parties["V-100"] == {
            "id": "V-100",
            "name": "Acme Salt Inc.",
            "roles": ["supplier"],
            "address": {"streetAddress": "1 Industrial Way", "locality": "Springfield", "region": "IL",
                        "postalCode": "62701"},
            "details": {
                "scale": "small",
                "classifications": [
                    {"scheme": "CITY-CERT", "id": "MBE", "description": "Minority Business Enterprise"},
                    {"scheme": "CITY-CERT", "id": "LBE", "description": "Local Business Enterprise"},
                ],
            },
        }
        beta = next(p for p in by_id(results)["ocds-demo01-1002-0"]["parties"] if p["id"] == "V-200")
        assert beta["details"]["scale"] == "small"  # "Small Business"
        assert [c["id"] for c in beta["details"]["classifications"]] == ["WBE", "DBE"]  # "WBE, DBE"
        gamma = next(p for p in by_id(results)["ocds-demo01-1003-0"]["parties"] if p["id"] == "V-300")
        assert gamma["details"] == {"scale": "large"}

    def test_running_totals_and_amendments(self, results):
        releases = by_id(results)
        first = releases["ocds-demo01-1001-1"]
        assert first["tag"] == ["contractAmendment"]
        assert set(first) == {"ocid", "id", "date", "tag", "initiationType", "contracts"}
        contract = first["contracts"][0]
        assert contract["id"] == "1001" and contract["awardID"] == "1001"
        assert contract["value"] == {"amount": 248800, "currency": "USD"}
        assert contract["amendments"] == [{
            "id": "1", "date": "2021-03-01T00:00:00-06:00", "description": "Modification 1: -$1,200.00",
            "amendsReleaseID": "ocds-demo01-1001-0", "releaseID": "ocds-demo01-1001-1",
        }]
        assert "dateSigned" not in contract

        second = releases["ocds-demo01-1001-2"]["contracts"][0]
        assert second["value"]["amount"] == 263800.5
        assert second["period"]["endDate"] == "2022-06-30T00:00:00-05:00"  # extended; daylight saving time
        assert [a["description"] for a in second["amendments"]] == [
            "Modification 1: -$1,200.00", "Modification 2: +$15,000.50"]
        assert second["amendments"][1]["amendsReleaseID"] == "ocds-demo01-1001-1"
        assert second["documents"][0]["url"].endswith("1001-mod2.pdf")

        third = releases["ocds-demo01-1001-3"]["contracts"][0]
        assert third["value"]["amount"] == 260800.5
        assert [a["id"] for a in third["amendments"]] == ["1", "2", "3"]
        assert third["amendments"][2]["description"] == "Modification 3: -$3,000.00"

        # (48000.00) is accounting notation for a negative amount: the contract is de-obligated to zero.
        radio = releases["ocds-demo01-1003-1"]["contracts"][0]
        assert radio["value"] == {"amount": 0, "currency": "USD"}
        assert radio["amendments"][0]["description"] == "Modification 1: -$48,000.00"

    def test_compiled_value_is_the_sum_of_the_deltas(self, results, schema):
        merger = ocdsmerge.Merger(schema=schema)
        releases = [release for release, _ in results if release["ocid"] == "ocds-demo01-1001"]
        compiled = merger.create_compiled_release(releases)
        contract = compiled["contracts"][0]
        deltas = [Decimal("250000.00"), Decimal("-1200.00"), Decimal("15000.50"), Decimal("-3000")]
        assert Decimal(str(contract["value"]["amount"])) == sum(deltas) == Decimal("260800.50")
        assert [a["id"] for a in contract["amendments"]] == ["1", "2", "3"]
        assert contract["period"]["endDate"] == "2022-06-30T00:00:00-05:00"
        assert contract["dateSigned"] == "2020-12-10T00:00:00-06:00"
        assert compiled["awards"][0]["value"]["amount"] == 250000  # the award keeps its original value
        assert len(contract["documents"]) == 2
        assert compiled["tender"]["procurementMethod"] == "open"
        assert {p["id"] for p in compiled["parties"]} == {"streets-and-sanitation", "V-100"}

        radio = merger.create_compiled_release([r for r, _ in results if r["ocid"] == "ocds-demo01-1003"])
        assert radio["contracts"][0]["value"]["amount"] == 0

        # The project's compile (a stable sort on parsed dates) gives the same result.
        problems = []
        assert compile_releases(releases, schema, problems=problems)["contracts"] == compiled["contracts"]
        assert problems == []

    def test_unknown_procurement_type_is_kept_and_reported(self, results):
        release = by_id(results)["ocds-demo01-1002-0"]
        assert release["tender"]["procurementMethod"] == "Design-Build"
        assert release["tender"]["procurementMethodDetails"] == "Design-Build"
        assert release["tender"]["mainProcurementCategory"] == "works"
        warnings = [p for p in all_problems(results) if "value_maps" in p.message]
        assert len(warnings) == 1
        assert warnings[0].severity == "warning"
        assert warnings[0].path == "tender/procurementMethod"
        assert warnings[0].message.startswith(
            'row 3, column "procurement_type" (tender/procurementMethod): "Design-Build" is not in value_maps; '
            "kept as published")

    def test_bad_date_drops_the_value_and_keeps_the_row(self, results):
        release = by_id(results)["ocds-demo01-1002-0"]
        assert release["contracts"][0]["period"] == {"endDate": "2023-06-30T00:00:00-05:00"}
        problem = next(p for p in all_problems(results) if p.path == "contracts/0/period/startDate")
        assert problem == Problem(
            severity="warning",
            message='row 3, column "start_date" (contracts/0/period/startDate): "13/45/2020" is not a date',
            path="contracts/0/period/startDate",
            ocid="ocds-demo01-1002",
            release_id="ocds-demo01-1002-0",
        )

    def test_javascript_url_is_dropped(self, results):
        release = by_id(results)["ocds-demo01-1002-0"]
        assert "documents" not in release["contracts"][0]
        assert "javascript" not in json.dumps(release)
        problem = next(p for p in all_problems(results) if p.path == "contracts/0/documents/0/url")
        assert problem.severity == "warning"
        assert problem.message == ('row 3, column "contract_pdf" (contracts/0/documents/0/url): "javascript:alert(1)" '
                                   "is not an http(s) URL; it is dropped")

    def test_us_dates(self, results):
        contract = by_id(results)["ocds-demo01-1003-0"]["contracts"][0]
        assert contract["period"]["endDate"] == "2022-06-30T00:00:00-05:00"  # 06/30/2022
        assert contract["documents"][0]["url"].startswith("http://")

    def test_no_other_problems(self, results):
        paths = sorted(p.path for p in all_problems(results))
        assert paths == ["contracts/0/documents/0/url", "contracts/0/period/startDate", "tender/procurementMethod"]

    def test_releases_are_valid_against_the_schema(self, results, schema):
        import jsonschema

        validator = jsonschema.Draft4Validator(schema)
        for release, _ in results:
            if release["id"] == "ocds-demo01-1002-0":
                continue  # "Design-Build" is kept as published, outside the closed method codelist
            errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(release)]
            assert errors == [], release["id"]


def test_modification_rows_in_any_order_give_the_same_releases(chicago):
    lines = (DATA / "chicago_contracts.csv").read_text(encoding="utf-8").splitlines()
    reordered = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    forward = [r for r, _ in convert_file(DATA / "chicago_contracts.csv", chicago)]
    backward = [r for r, _ in convert_bytes(reordered.encode(), chicago)]
    assert backward == forward


def test_amendment_dated_before_the_original_is_redated(chicago):
    data = "\n".join([
        CHICAGO_HEADER,
        "5,0,,Desks,Finance,Desk Co,V5,,,,,1000,Invitation for Bid,Commodities,,,2021-05-01,,,",
        "5,1,,Desks,Finance,Desk Co,V5,,,,,500,Invitation for Bid,Commodities,,,2021-04-01,,,",
    ]).encode()
    results = convert_bytes(data, chicago)
    amendment, problems = results[1]
    assert amendment["date"] == "2021-05-01T00:00:00-05:00"
    assert amendment["contracts"][0]["amendments"][0]["date"] == "2021-04-01T00:00:00-05:00"
    assert amendment["contracts"][0]["value"]["amount"] == 1500
    assert [p.path for p in problems] == ["date"]
    assert "before the release it amends" in problems[0].message


def test_duplicate_revision_and_missing_original(chicago):
    data = "\n".join([
        CHICAGO_HEADER,
        "6,1,,Chairs,Finance,Chair Co,V6,,,,,700,Sole Source,Commodities,,,2021-05-01,,,",
        "6,2,,Chairs,Finance,Chair Co,V6,,,,,100,Sole Source,Commodities,,,2021-06-01,,,",
        "6,2,,Chairs,Finance,Chair Co,V6,,,,,100,Sole Source,Commodities,,,2021-06-01,,,",
    ]).encode()
    results = convert_bytes(data, chicago)
    assert [r["id"] if r else None for r, _ in results] == ["ocds-demo01-6-1", "ocds-demo01-6-2", None]
    assert "not 0" in results[0][1][0].message
    assert results[1][0]["contracts"][0]["value"]["amount"] == 800
    assert results[2][1][0].severity == "error"
    assert "appears more than once" in results[2][1][0].message


def test_rows_without_date_or_ocid_are_skipped(chicago):
    data = "\n".join([
        CHICAGO_HEADER,
        ",0,,Chairs,Finance,Chair Co,V6,,,,,700,Sole Source,Commodities,,,2021-05-01,,,",
        "7,0,,Chairs,Finance,Chair Co,V6,,,,,700,Sole Source,Commodities,,,,,,",
        "8,0,,Chairs,Finance,Chair Co,V6,,,,,700,Sole Source,Commodities,,,not a date,,,",
        "9,,,Chairs,Finance,Chair Co,V6,,,,,700,Sole Source,Commodities,,,2021-05-01,,,",
    ]).encode()
    results = convert_bytes(data, chicago)
    assert [r for r, _ in results] == [None, None, None, None]
    messages = [p.message for p in all_problems(results)]
    assert all(p.severity == "error" for p in all_problems(results))
    assert messages == [
        "row 2: no ocid, because column(s) 'purchase_order_number' are empty; the row is skipped",
        'row 3, column "approval_date" (date): the release date is empty; the row is skipped',
        'row 4, column "approval_date" (date): "not a date" is not a date; the row is skipped',
        "row 5: no release id, because column(s) 'revision_number' are empty; the row is skipped",
    ]


# --- Reading files ---------------------------------------------------------------------------------

def test_bom_and_semicolons(chicago):
    text = "\n".join([
        CHICAGO_HEADER.replace(",", ";"),
        "10;0;;Café supplies;Finance;Crème Brûlée LLC;V10;;;;;1.000,00;Invitation for Bid;Commodities;;;2021-05-01;;;",
    ])
    # "1.000,00" isn't a US number: the value is dropped and reported, the row kept.
    results = convert_bytes(codecs.BOM_UTF8 + text.encode("utf-8"), chicago)
    release, problems = results[0]
    assert release["parties"][1]["name"] == "Crème Brûlée LLC"
    assert release["tender"]["title"] == "Café supplies"
    assert "value" not in release["contracts"][0]
    assert problems[0].message == ('row 2, column "award_amount" (contracts/0/value/amount): "1.000,00" '
                                   "is not a number")


def test_cp1252_and_tabs(chicago):
    text = "\n".join([
        CHICAGO_HEADER.replace(",", "\t"),
        "11\t0\t\tDesks – oak\tFinance\tJosé’s Furniture\tV11\t\t\t\t\t$2,500\tSole Source\tCommodities\t\t\t05/01/2021\t\t\t",
    ])
    results = convert_bytes(text.encode("cp1252"), chicago)
    release, problems = results[0]
    assert problems == []
    assert release["parties"][1]["name"] == "José’s Furniture"
    assert release["tender"]["title"] == "Desks – oak"
    assert release["contracts"][0]["value"]["amount"] == 2500
    assert release["date"] == "2021-05-01T00:00:00-05:00"


def test_utf16_excel_unicode_text(chicago):
    text = "\n".join([CHICAGO_HEADER.replace(",", "\t"),
                      "12\t0\t\tDesks\tFinance\tZoë Ltd\tV12\t\t\t\t\t99\tSole Source\tCommodities\t\t\t2021-05-01\t\t\t"])
    results = convert_bytes(text.encode("utf-16"), chicago)
    assert results[0][0]["parties"][1]["name"] == "Zoë Ltd"


def test_utf8_after_the_sniffed_head_with_stray_cp1252_byte():
    rows = ["id,name"] + [f"{i},Vendor {i}" for i in range(5000)] + ["5000,Caf\xe9"]
    data = "\n".join(rows[:-1]).encode("utf-8") + b"\n" + b"5000,Caf\xe9 \xe2\x80\x94 ok\n"
    out = list(read_rows(io.BytesIO(data)))
    assert out[-1] == (5002, {"id": "5000", "name": "Café — ok"})


def test_read_rows_numbers_rows_like_a_spreadsheet():
    data = b"\n\nid,name,,name\n1,a,x,dup\n\n,,,\n2,b\n"
    assert list(read_rows(io.BytesIO(data))) == [
        (4, {"id": "1", "name": "a"}),
        (7, {"id": "2", "name": "b"}),
    ]


def test_xlsx_with_native_cells(tmp_path, chicago):
    import openpyxl

    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Exported from the purchasing system"])
    sheet = workbook.create_sheet("Contracts")
    sheet.append(CHICAGO_HEADER.split(","))
    sheet.append([2001, 0, "SPEC-1", "Laptops", "Innovation and Technology", "Delta PCs", 4711, "1 Chip St", "Austin",
                  "TX", 78701, 120000.0, "Request for Proposals", "Commodities", datetime(2021, 3, 1),
                  datetime(2024, 2, 29), datetime(2021, 2, 15, 14, 30), "https://example.org/2001.docx", "SME",
                  "MBE"])
    sheet.append([2001, 1, "SPEC-1", "Laptops", "Innovation and Technology", "Delta PCs", 4711, "1 Chip St", "Austin",
                  "TX", 78701, -20000.25, "Request for Proposals", "Commodities", datetime(2021, 3, 1),
                  "not a date", datetime(2022, 1, 3), None, "SME", "MBE"])
    path = tmp_path / "contracts.xlsx"
    workbook.save(path)

    mapping = FlatMapping.from_config({**CHICAGO_MAPPING, "sheet": "Contracts"})
    results = convert_file(path, mapping)
    original, amendment = (r for r, _ in results)
    assert original["id"] == "ocds-demo01-2001-0"
    assert original["date"] == "2021-02-15T14:30:00-06:00"
    assert original["awards"][0]["suppliers"] == [{"id": "4711", "name": "Delta PCs"}]
    supplier = original["parties"][1]
    assert supplier["address"]["postalCode"] == "78701"
    assert supplier["details"]["scale"] == "sme"
    assert original["contracts"][0]["period"]["endDate"] == "2024-02-29T00:00:00-06:00"
    assert original["contracts"][0]["documents"][0]["format"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert amendment["contracts"][0]["value"]["amount"] == 99999.75
    problems = results[1][1]
    assert [p.message for p in problems] == [
        'row 3, column "end_date" (contracts/0/period/endDate): "not a date" is not a date']

    # A download stream can't seek: the workbook is spooled first.
    class Stream(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._data.read(min(len(buffer), 1000))
            buffer[:len(chunk)] = chunk
            return len(chunk)

    streamed = list(iter_releases(Stream(path.read_bytes()), mapping))
    assert [r for r, _ in streamed] == [r for r, _ in results]
    first_row = next(read_rows(Stream(path.read_bytes()), sheet="Contracts"))
    assert first_row[0] == 2
    assert first_row[1]["approval_date"] == datetime(2021, 2, 15, 14, 30)
    assert first_row[1]["vendor_id"] == 4711

    # The first sheet is read by default; it lacks the mapped columns.
    with pytest.raises(MappingError) as error:
        convert_file(path, chicago)
    assert error.value.key == "columns.tender/id"


def test_not_csv_or_xlsx():
    with pytest.raises(FlatFileError, match="XLS files"):
        open_table(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))
    with pytest.raises(FlatFileError, match="isn't a zip"):
        open_table(io.BytesIO(b"a,b\n1,2\n"), filename="export.xlsx")
    with pytest.raises(FlatFileError, match="empty"):
        open_table(io.BytesIO(b""))
    with pytest.raises(FlatFileError, match="can't be opened"):
        open_table(io.BytesIO(b"PK\x03\x04broken"))


# --- Other row kinds ---------------------------------------------------------------------------------

def test_award_rows_stream_in_file_order():
    mapping = FlatMapping.from_config(award_config(
        columns={
            "awards/0/id": "po",
            "awards/0/value/amount": "amount",
            "awards/0/suppliers/0/name": "vendor",
            "awards/0/suppliers/0/id": "vendor id",
            "buyer/name": "department",
            "tender/procurementMethod": "method",
            "tender/numberOfTenderers": "bids",
        },
        constants={"tender/mainProcurementCategory": "services", "language": "en"},
        value_maps={"tender/procurementMethod": {"bid": "open"}},
        currency="CAD",
    ))
    data = ("PO,Approved,Amount,Vendor,Vendor ID,Department,Method,Bids\n"
            "A-1,2022-01-05,10,Acme,77,Parks,BID,3\n"
            "A 2,01/06/2022,20.5,Acme,77,Parks,Bid,2.5\n").encode()
    converter = FlatConverter(mapping)
    table = open_table(io.BytesIO(data))
    converter.set_header(table.header)  # "PO" matches "po", "Vendor ID" matches "vendor id"
    rows = table.rows()
    first = converter.feed(*next(rows))  # released as soon as it is fed
    assert len(first) == 1
    release, problems = first[0]
    assert problems == []
    assert release["ocid"] == "ocds-demo01-A-1"
    assert release["id"] == "ocds-demo01-A-1-2"
    assert release["tag"] == ["award", "contract"]
    assert release["language"] == "en"
    assert release["date"] == "2022-01-05T00:00:00Z"
    assert release["awards"] == [{"id": "A-1", "value": {"amount": 10, "currency": "CAD"},
                                  "suppliers": [{"id": "77", "name": "Acme"}]}]
    assert release["contracts"] == [{"id": "A-1", "awardID": "A-1"}]
    assert release["tender"] == {"id": "ocds-demo01-A-1", "procurementMethod": "open", "numberOfTenderers": 3,
                                 "mainProcurementCategory": "services"}
    second, problems = converter.feed(*next(rows))[0]
    assert second["ocid"] == "ocds-demo01-A-2"  # spaces become dashes
    assert "numberOfTenderers" not in second["tender"]
    assert problems[0].message == 'row 3, column "Bids" (tender/numberOfTenderers): "2.5" is not a whole number'
    assert list(converter.finish()) == []


def test_group_by_ocid_in_award_mode():
    mapping = FlatMapping.from_config(award_config(ocid="ocds-demo01-{spec}", release_id="{ocid}-{po}"))
    data = ("spec,po,approved,amount,vendor,department\n"
            "S1,P1,2022-01-05,10,Acme,Parks\n"
            "S2,P2,2022-01-05,20,Beta,Parks\n"
            "S1,P3,2022-01-06,30,Gamma,Parks\n"
            "S1,P3,2022-01-06,30,Gamma,Parks\n").encode()
    streamed = convert_bytes(data, mapping)
    assert [r["id"] for r, _ in streamed] == ["ocds-demo01-S1-P1", "ocds-demo01-S2-P2", "ocds-demo01-S1-P3",
                                              "ocds-demo01-S1-P3-5"]
    assert "already used" in streamed[3][1][0].message
    grouped = convert_bytes(data, mapping, group_by_ocid=True)
    assert [r["id"] for r, _ in grouped] == ["ocds-demo01-S1-P1", "ocds-demo01-S1-P3", "ocds-demo01-S1-P3-5",
                                             "ocds-demo01-S2-P2"]


def test_tender_and_contract_rows():
    tender_mapping = FlatMapping.from_config({
        "rows_are": "tender",
        "ocid": "ocds-demo01-{request_id}",
        "date": "published",
        "columns": {
            "tender/title": "title",
            "tender/tenderPeriod/endDate": "due",
            "tender/submissionMethod": "submission",
            "tender/documents/0/url": "notice",
            "tender/items/0/description": "category",
        },
    })
    data = ("request_id,published,title,due,submission,notice,category\n"
            "R1,2023-03-01T09:00:00-05:00,Snow removal,2023-03-20 17:00,electronicSubmission; inPerson,"
            "https://example.org/r1?download=1,Snow\n").encode()
    (release, problems), = convert_bytes(data, tender_mapping)
    assert problems == []
    assert release["tag"] == ["tender"]
    assert release["date"] == "2023-03-01T09:00:00-05:00"
    assert release["tender"]["id"] == "ocds-demo01-R1"
    assert release["tender"]["tenderPeriod"] == {"endDate": "2023-03-20T17:00:00Z"}
    assert release["tender"]["submissionMethod"] == ["electronicSubmission", "inPerson"]
    assert release["tender"]["documents"][0]["documentType"] == "tenderNotice"
    assert "format" not in release["tender"]["documents"][0]
    assert release["tender"]["items"] == [{"id": "1", "description": "Snow"}]
    assert "awards" not in release and "contracts" not in release

    contract_mapping = FlatMapping.from_config({
        "rows_are": "contract",
        "ocid": "ocds-demo01-{contract_no}",
        "release_id": "{contract_no}-{row}",
        "date": "term_start",
        "timezone": "-08:00",
        "columns": {"contracts/0/id": "contract_no", "contracts/0/value/amount": "agreed",
                    "contracts/0/period/startDate": "term_start", "awards/0/suppliers/0/name": "prime"},
    })
    data = b"contract_no,term_start,agreed,prime\nC 9,2020-07-01,\"1,000\",Acme\n"
    (release, problems), = convert_bytes(data, contract_mapping)
    assert release["tag"] == ["contract"]
    assert release["id"] == "C-9-2"
    assert release["date"] == "2020-07-01T00:00:00-08:00"
    assert release["contracts"] == [{"id": "C 9", "awardID": "C 9", "value": {"amount": 1000, "currency": "USD"},
                                     "period": {"startDate": "2020-07-01T00:00:00-08:00"}}]
    assert release["awards"] == [{"id": "C 9", "suppliers": [{"id": "acme", "name": "Acme"}]}]
    assert release["parties"] == [{"id": "acme", "name": "Acme", "roles": ["supplier"]}]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/a.pdf", "data:text/html,hi", "http://",
                                 "//example.org/a.pdf", "https://exa mple.org/a.pdf", "file:///etc/passwd"])
def test_only_http_urls(url):
    mapping = FlatMapping.from_config(award_config(columns={"contracts/0/documents/0/url": "pdf"}))
    data = f"po,approved,pdf\n1,2020-01-01,{url}\n".encode()
    (release, problems), = convert_bytes(data, mapping)
    assert "documents" not in release["contracts"][0]
    assert problems[0].path == "contracts/0/documents/0/url"


# --- Values ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("2020-01-15", "2020-01-15T00:00:00Z"),
    ("2020-1-5", "2020-01-05T00:00:00Z"),
    ("01/15/2020", "2020-01-15T00:00:00Z"),
    ("1/5/20", "2020-01-05T00:00:00Z"),
    ("01-15-2020", "2020-01-15T00:00:00Z"),
    ("01/15/2020 2:30 PM", "2020-01-15T14:30:00Z"),
    ("01/15/2020 12:05:09 AM", "2020-01-15T00:05:09Z"),
    ("2020/01/15", "2020-01-15T00:00:00Z"),
    ("20200115", "2020-01-15T00:00:00Z"),
    ("2020-01-15T10:30:00Z", "2020-01-15T10:30:00Z"),
    ("2020-01-15T10:30:00+01:00", "2020-01-15T10:30:00+01:00"),
    ("2020-01-15 10:30:00", "2020-01-15T10:30:00Z"),
    ("Jan 15, 2020", "2020-01-15T00:00:00Z"),
    ("15-Jan-2020", "2020-01-15T00:00:00Z"),
    (datetime(2020, 1, 15, 8, 0), "2020-01-15T08:00:00Z"),
    (datetime(2020, 1, 15, 8, 0, tzinfo=timezone.utc), "2020-01-15T08:00:00Z"),
    (date(2020, 1, 15), "2020-01-15T00:00:00Z"),
    (43845, "2020-01-15T00:00:00Z"),  # an Excel serial date read as a number
    ("13/45/2020", None),
    ("2020-02-30", None),
    ("02/29/2021", None),
    ("01/15/2020 13:00 PM", None),
    ("soon", None),
    ("2020-01-15T25:00", None),
])
def test_dates(raw, expected):
    mapping = FlatMapping.from_config(award_config(columns={"contracts/0/period/startDate": "start"}))
    converter = FlatConverter(mapping)
    (release, problems), = converter.feed(2, {"po": "1", "approved": "2020-01-01", "start": raw})
    if expected is None:
        assert "period" not in release["contracts"][0]
        assert problems[0].message.endswith("is not a date")
    else:
        assert problems == []
        assert release["contracts"][0]["period"]["startDate"] == expected


def test_day_month_order():
    mapping = FlatMapping.from_config(award_config(date_order="DMY", columns={"awards/0/id": "po"}))
    (release, _), = FlatConverter(mapping).feed(2, {"po": "1", "approved": "15/01/2020"})
    assert release["date"] == "2020-01-15T00:00:00Z"


@pytest.mark.parametrize(("raw", "expected"), [
    ("1234", 1234), ("$1,234.50", 1234.5), ("-$1,200.00", -1200), ("$-1,200.00", -1200), ("(1,200.00)", -1200),
    ("1.2E+06", 1200000), (" 12 ", 12), (12.0, 12), (0.1, 0.1), ("1,234.56 USD", 1234.56), ("0.00", 0),
    ("abc", None), ("1.2.3", None), ("--1", None), (True, None), ("1,000-", -1000),
])
def test_numbers(raw, expected):
    mapping = FlatMapping.from_config(award_config(columns={"awards/0/value/amount": "amount"}))
    (release, problems), = FlatConverter(mapping).feed(2, {"po": "1", "approved": "2020-01-01", "amount": raw})
    if expected is None:
        assert "value" not in release["awards"][0]
        assert problems[0].message.endswith("is not a number")
    else:
        assert problems == []
        assert release["awards"][0]["value"] == {"amount": expected, "currency": "USD"}


def test_field_types_agree_with_the_schema(schema):
    """The built-in type table (used without a schema, or for extension fields) matches the release schema."""
    checked = 0

    def walk(node, segments, depth):
        nonlocal checked
        if depth > 8:
            return
        node = resolve(node)
        for name, child in node.get("properties", {}).items():
            path = (*segments, name)
            expected = field_type(path, schema)
            assert field_type(path) == expected, path
            checked += 1
            child = resolve(child)
            if expected == "object":
                walk(child, path, depth + 1)
            elif expected == "array":
                walk(child.get("items", {}), (*path, 0), depth + 1)

    def resolve(node):
        while "$ref" in node:
            node = schema["definitions"][node["$ref"].split("/")[-1]]
        return node

    walk(schema, (), 0)
    assert checked > 300
    assert field_type(("awards", 0, "value", "amount"), schema) == "number"
    assert field_type(("planning", "budget", "amount"), schema) == "object"
    assert field_type(("contracts", 0, "period", "startDate"), schema) == "date"
    assert field_type(("parties", 0, "details", "scale")) == "string"  # an extension field


def test_schema_refines_types():
    schema = {"properties": {"tender": {"type": "object", "properties": {"bids": {"type": ["integer", "null"]}}}}}
    mapping = FlatMapping.from_config(award_config(columns={"tender/bids": "n", "tender/title": "t"}), schema=schema)
    assert mapping.types[("tender", "bids")] == "integer"
    assert mapping.types[("tender", "title")] == "string"


# --- Config validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "key", "message"), [
    ({"colour": "blue"}, "colour", "unknown key"),
    ({"ocid": None}, "ocid", "is required"),
    ({"columns": {}}, "columns", "is required"),
    ({"columns": ["a"]}, "columns", "must be an object"),
    ({"columns": {"awards/0/value": "amount"}}, "columns.awards/0/value", "is an object in OCDS"),
    ({"columns": {"awards/0/suppliers": "vendor"}}, "columns.awards/0/suppliers", "is an array in OCDS"),
    ({"columns": {"tender//title": "x"}}, "columns.tender//title", "empty segment"),
    ({"columns": {"awards/0": "x"}}, "columns.awards/0", "ends with an array index"),
    ({"columns": {"tender/title": ""}}, "columns.tender/title", "must be a column name"),
    ({"columns": {"date": "approved"}}, "columns.date", "from the 'date' column"),
    ({"columns": {"parties/0/name": "vendor"}}, "columns.parties/0/name", "parties are built"),
    ({"rows_are": "purchase"}, "rows_are", "'purchase' is not one of"),
    ({"rows_are": "modification"}, "revision", "is required when rows_are is 'modification'"),
    ({"rows_are": "modification", "revision": "rev"}, "amount", "is required"),
    ({"revision": "rev"}, "revision", "only used when rows_are is 'modification'"),
    ({"ocid": "ocds-demo01-"}, "ocid", "no {column} placeholder"),
    ({"ocid": "{po}"}, "ocid", "must start with your ocid prefix"),
    ({"ocid": "ocds-demo01-{po:>5}"}, "ocid", "without ':' or '!'"),
    ({"ocid": "ocds-demo01-{po"}, "ocid", "not a valid template"),
    ({"ocid": "ocds-demo01-{row}"}, "ocid", "{row} can't be used"),
    ({"constants": {"buyer/name": "Finance"}}, "constants.buyer/name", "also in columns"),
    ({"constants": {"awards/0/value": {"amount": 1}}}, "constants.awards/0/value", "conflicts with"),
    ({"constants": {"tag": ["award"]}}, "constants.tag", "follow from 'rows_are'"),
    ({"value_maps": {"tender/procurementMethod": {"Bid": "open"}}}, "value_maps.tender/procurementMethod",
     "isn't in columns"),
    ({"value_maps": {"buyer/name": []}}, "value_maps.buyer/name", "must be a non-empty object"),
    ({"currency": "usd"}, "currency", "not an ISO 4217 code"),
    ({"scale_values": {"Tiny": "tiny"}}, "scale_values.Tiny", "'tiny' is not one of"),
    ({"timezone": "Mars/Olympus"}, "timezone", "not a known time zone"),
    ({"date_order": "YMD"}, "date_order", "is not MDY or DMY"),
])
def test_config_errors_name_the_key(change, key, message):
    config = award_config(**change)
    with pytest.raises(MappingError) as error:
        FlatMapping.from_config(config)
    assert error.value.key == key
    assert message in error.value.message
    assert str(error.value).startswith(f"mapping.{key}: ")


def test_every_config_key_is_known():
    assert set(CHICAGO_MAPPING) <= set(FlatMapping.CONFIG_KEYS)
    with pytest.raises(MappingError, match="expected one of: columns, ocid"):
        FlatMapping.from_config({**CHICAGO_MAPPING, "sheets": "x"})
    assert FlatMapping.from_config(copy.deepcopy(CHICAGO_MAPPING)).rows_are == "modification"


def test_missing_columns_are_reported_when_the_header_is_read():
    mapping = FlatMapping.from_config(award_config())
    data = b"po,approved,total,vendor\n1,2020-01-01,5,Acme\n"
    with pytest.raises(MappingError) as error:
        convert_bytes(data, mapping)
    assert error.value.key == "columns.awards/0/value/amount"
    assert str(error.value) == ('mapping.columns.awards/0/value/amount: column "amount" not found in the file header '
                                "(nor 'department'); the header has: po, approved, total, vendor")
    # Also from plain rows (the header is the first row's keys).
    with pytest.raises(MappingError, match='column "amount" not found'):
        list(rows_to_releases(iter([(2, {"po": "1", "approved": "2020-01-01", "vendor": "A", "department": "B"})]),
                              mapping))


def test_template_columns_are_checked_too():
    mapping = FlatMapping.from_config(award_config(release_id="{ocid}-{revision}"))
    with pytest.raises(MappingError) as error:
        mapping.check_header(["po", "approved", "amount", "vendor", "department"])
    assert error.value.key == "release_id"
    assert 'column "revision" not found' in error.value.message
