"""Lifecycle and field coverage: each share is known by construction (3 of 4 awards have a value: 75%)."""

from __future__ import annotations

import pytest

from ckanext.procurement.ocds.quality import FIELDS, USEFUL_FIELDS, Accumulator

from .quality_processes import NOW, award, contract, process, value


def figures(*processes, releases=None) -> dict:
    accumulator = Accumulator(NOW)
    for compiled in processes:
        accumulator.add(compiled, releases, modified="2024-05-02T00:00:00Z")
    return accumulator.to_json()


def test_stage_coverage_is_the_share_of_processes_publishing_each_stage():
    payments = {"transactions": [{"id": "t1", "value": value(10)}]}
    result = figures(
        process(1, planning={"budget": {"amount": value(5)}}),
        process(2, tender={"id": "t2", "status": "active"}),
        process(3, tender={"id": "t3", "status": "complete"}, awards=[award(1)]),
        process(4, tender={"id": "t4", "status": "complete"}, awards=[award(1)],
                contracts=[contract(1, "award-1", implementation=payments)]),
    )["stages"]
    assert {stage: (s["met"], s["total"]) for stage, s in result.items()} == {
        "planning": (1, 4), "tender": (3, 4), "award": (2, 4), "contract": (1, 4), "implementation": (1, 4)}
    assert result["tender"]["share"] == 0.75
    assert result["planning"]["examples"] == ["ocds-test-002", "ocds-test-003", "ocds-test-004"]


def test_a_planning_release_tag_counts_as_planning():
    result = figures(process(1), releases=[{"tag": ["planning"], "date": "2024-05-01T00:00:00Z"}])
    assert result["stages"]["planning"]["met"] == 1


def test_award_value_is_counted_of_the_awards_three_of_four_is_75_percent():
    result = figures(
        process(1, awards=[award(1, value=value(100)), award(2, value=value("1,200"))]),
        process(2, awards=[award(1, value=value(None)), award(2, value=value(3))]),
        process(3),  # no award: not counted at all
    )["fields"]["award_value"]
    assert (result["met"], result["total"], result["share"]) == (3, 4, 0.75)
    assert result["examples"] == ["ocds-test-002"]
    assert result["of"] == "awards"


def test_wrong_types_count_as_missing_and_never_raise():
    result = figures(
        process(1, tender="not an object", awards="nor a list", contracts=[None, 3, "x"], parties={"id": 1}),
        process(2, tender={"title": 12, "value": "lots", "tenderPeriod": {"startDate": "soon", "endDate": None},
                           "status": "active"}),
    )["fields"]
    assert (result["tender_title"]["met"], result["tender_title"]["total"]) == (1, 1)  # a number reads as text
    assert (result["tender_value"]["met"], result["tender_value"]["total"]) == (0, 1)
    assert (result["tender_period"]["met"], result["tender_period"]["total"]) == (0, 1)
    assert result["award_value"]["total"] == 0


def tendered(number, **tender):
    return process(number, tender={"id": f"t{number}", "status": "active", **tender})


@pytest.mark.parametrize("field, good, bad", [
    ("tender_title", {"title": "Roads"}, {"title": "  "}),
    ("tender_value", {"value": value(10)}, {"value": {"currency": "USD"}}),
    ("tender_period", {"tenderPeriod": {"startDate": "2024-01-01", "endDate": "2024-02-01"}},
     {"tenderPeriod": {"startDate": "2024-01-01"}}),
    ("tender_solicitation_document", {"documents": [{"documentType": "tenderNotice", "url": "https://x/1"}]},
     {"documents": [{"documentType": "clarifications", "url": "https://x/1"}]}),
    ("tender_number_of_tenderers", {"numberOfTenderers": 0}, {"numberOfTenderers": "3"}),
])
def test_tender_fields_are_counted_of_the_tenders(field, good, bad):
    result = figures(tendered(1, **good), tendered(2, **good), tendered(3, **good), tendered(4, **bad),
                     process(5))["fields"][field]
    assert (result["met"], result["total"], result["examples"]) == (3, 4, ["ocds-test-004"])


def test_buyer_name_is_counted_of_the_processes_from_the_buyer_or_its_party():
    buyer_party = {"id": "b", "name": "City", "roles": ["buyer"]}
    result = figures(
        process(1, buyer={"id": "b", "name": "City"}),
        process(2, buyer={"id": "b"}, parties=[buyer_party]),
        process(3, parties=[buyer_party]),
        process(4, buyer={"id": "b"}),
    )["fields"]["buyer_name"]
    assert (result["met"], result["total"], result["examples"]) == (3, 4, ["ocds-test-004"])


@pytest.mark.parametrize("field, good, bad", [
    ("award_date", {"date": "2024-01-01T00:00:00Z"}, {"date": "yesterday"}),
    ("award_supplier_name", {"suppliers": [{"name": "ACME"}]}, {"suppliers": [{"id": "nobody"}]}),
    ("award_notice_document", {"documents": [{"documentType": "awardNotice", "url": "https://x/a"}]},
     {"documents": [{"documentType": "awardNotice"}]}),
])
def test_award_fields_are_counted_of_the_awards(field, good, bad):
    result = figures(process(1, awards=[award(1, **good), award(2, **good)]),
                     process(2, awards=[award(1, **good), award(2, **bad)]))["fields"][field]
    assert (result["met"], result["total"], result["examples"]) == (3, 4, ["ocds-test-002"])


@pytest.mark.parametrize("field, good, bad", [
    ("contract_period", {"period": {"startDate": "2024-01-01", "endDate": "2025-01-01"}},
     {"period": {"endDate": "2025-01-01"}}),
    ("contract_text_document", {"documents": [{"documentType": "contractSigned", "url": "https://x/c"}]}, {}),
])
def test_contract_fields_are_counted_of_the_contracts(field, good, bad):
    contracts = [contract(1, "a", **good), contract(2, "a", **good), contract(3, "a", **good), contract(4, "a", **bad)]
    result = figures(process(1, contracts=contracts))["fields"][field]
    assert (result["met"], result["total"], result["share"]) == (3, 4, 0.75)


def test_supplier_fields_are_counted_of_the_distinct_suppliers_named_in_awards():
    parties = [
        {"id": "s1", "name": "A", "roles": ["supplier"], "identifier": {"scheme": "US-EIN", "id": "1"},
         "details": {"scale": "sme", "classifications": [{"scheme": "CITY-CERT", "id": "MBE"}]}},
        {"id": "s2", "name": "B", "roles": ["supplier"], "identifier": {"scheme": "US-EIN", "id": "2"},
         "details": {"scale": "large"}},
        {"id": "s3", "name": "C", "roles": ["supplier"], "identifier": {"id": "3"}},
    ]
    awards = [award(1, suppliers=[{"id": "s1"}, {"id": "s2"}]), award(2, suppliers=[{"id": "s1"}, {"id": "s3"}])]
    result = figures(process(1, parties=parties, awards=awards))["fields"]
    # three distinct suppliers: s1 counted once though two awards name it
    assert (result["supplier_identifier"]["met"], result["supplier_identifier"]["total"]) == (2, 3)
    assert (result["supplier_scale"]["met"], result["supplier_scale"]["total"]) == (2, 3)
    assert (result["supplier_certifications"]["met"], result["supplier_certifications"]["total"]) == (1, 3)


def test_item_classification_is_counted_of_the_items_of_tender_awards_and_contracts():
    classified = {"id": "i", "classification": {"scheme": "UNSPSC", "id": "72141000"}}
    result = figures(process(
        1, tender={"id": "t", "items": [classified, {"id": "j", "classification": {"scheme": "UNSPSC"}}]},
        awards=[award(1, items=[classified])], contracts=[contract(1, "award-1", items=[classified])],
    ))["fields"]["item_classification"]
    assert (result["met"], result["total"], result["share"]) == (3, 4, 0.75)


def test_the_useful_publication_fields_are_flagged():
    result = figures(process(1))["fields"]
    assert {name for name, field in result.items() if field["useful"]} == set(USEFUL_FIELDS)
    assert set(result) == set(FIELDS)
    assert set(USEFUL_FIELDS) == {"tender_title", "tender_value", "tender_period", "buyer_name", "award_value",
                                  "award_date", "award_supplier_name", "contract_period"}
