"""The maturity ladder and the accumulator: rungs met and missing, next steps, JSON round trip, adding up."""

from __future__ import annotations

import json

from ckanext.procurement.ocds.quality import RUNGS, Accumulator, ladder

from .quality_processes import NOW, award, contract, process, value

BUYER = {"buyer": {"id": "b", "name": "City"}}
TENDER = {"id": "t", "title": "Roads", "status": "complete",
          "tenderPeriod": {"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-02-01T00:00:00Z"}}
AWARD = award(1, date="2024-02-10T00:00:00Z", value=value(100), suppliers=[{"name": "ACME"}])


def opportunity(number):
    return process(number, tender=dict(TENDER, id=f"t{number}"), **BUYER)


def awarded(number, **contract_fields):
    compiled = dict(opportunity(number), awards=[AWARD])
    if contract_fields:
        compiled["contracts"] = [contract(1, "award-1", **contract_fields)]
    return compiled


def maturity(*processes, bulk=None) -> dict:
    accumulator = Accumulator(NOW)
    for compiled in processes:
        accumulator.add(compiled, None, "2024-02-15T00:00:00Z")
    return accumulator.report(bulk=bulk)["maturity"]


def test_a_publisher_of_opportunities_only_is_on_the_first_rung_and_is_told_to_publish_awards():
    result = maturity(opportunity(1), opportunity(2), opportunity(3), opportunity(4))
    assert result["level"] == 1
    assert result["level_label"] == "Posts opportunities"
    assert [rung["met"] for rung in result["rungs"]] == [True, False, False, False, False]
    first = result["next_steps"][0]
    assert (first["rung"], first["criterion"]) == ("awards", "award")
    assert first["message"].format(**first["params"]) == "Publish who won: only 0% of processes have an award."
    assert len(result["next_steps"]) == 3


def test_missing_contract_documents_are_named_with_their_share():
    signed = {"period": {"startDate": "2024-03-01", "endDate": "2025-03-01"},
              "documents": [{"documentType": "contractSigned", "url": "https://example.org/c.pdf"}]}
    unsigned = {"period": {"startDate": "2024-03-01", "endDate": "2025-03-01"}}
    result = maturity(awarded(1, **signed), awarded(2, **unsigned), awarded(3, **unsigned), awarded(4, **unsigned))
    assert result["level"] == 2
    contracts = result["rungs"][2]
    assert {c["name"]: c["met"] for c in contracts["criteria"]} == {
        "contract": True, "contract_period": True, "contract_text_document": False}
    step = result["next_steps"][0]
    assert step["message"].format(**step["params"]) == (
        "Publish the signed contract document: 75% of contracts have none.")


def test_a_gap_low_on_the_ladder_keeps_the_level_down_even_if_higher_rungs_are_met():
    untitled = dict(awarded(1), tender=dict(TENDER, title=None))
    result = maturity(untitled)
    assert result["level"] == 0
    assert result["level_label"] == "Not yet on the ladder"
    assert result["rungs"][1]["met"] is True
    assert result["next_steps"][0]["criterion"] == "tender_title"


def test_the_top_rung_needs_bulk_downloads_which_only_the_portal_knows():
    payments = {"implementation": {"transactions": [{"id": "p", "value": value(10)}]},
                "period": {"startDate": "2024-03-01", "endDate": "2025-03-01"},
                "documents": [{"documentType": "contractSigned", "url": "https://example.org/c.pdf"}]}
    whole = dict(awarded(1, **payments), planning={"budget": {"amount": value(100)}})
    assert maturity(whole, bulk=False)["level"] == 4
    assert maturity(whole)["next_steps"][0]["criterion"] == "bulk_downloads"
    assert maturity(whole, bulk=True)["level"] == len(RUNGS)
    assert maturity(whole, bulk=True)["next_steps"] == []


def test_the_ladder_is_read_from_stored_figures_alone():
    accumulator = Accumulator(NOW)
    accumulator.add(opportunity(1))
    stored = json.loads(json.dumps(accumulator.to_json()))
    assert ladder(stored) == accumulator.report()["maturity"]


def test_figures_round_trip_through_json_and_add_up_like_one_pass():
    processes = [awarded(1, value=value(40)), opportunity(2), process(3, tender={"id": "t1"}),
                 process(4, tender={"id": "t1"}, awards=[award(1, value=value("x"))])]
    whole = Accumulator(NOW)
    for compiled in processes:
        whole.add(compiled, None, "2024-05-01T00:00:00Z")
    first, second = Accumulator(NOW), Accumulator(NOW)
    for compiled in processes[:2]:
        first.add(compiled, None, "2024-05-01T00:00:00Z")
    for compiled in processes[2:]:
        second.add(compiled, None, "2024-05-01T00:00:00Z")
    stored_first = Accumulator.from_json(json.loads(json.dumps(first.to_json())))
    stored_second = Accumulator.from_json(json.loads(json.dumps(second.to_json())))
    assert stored_first.merge(stored_second).to_json() == whole.to_json()


def test_the_report_leaves_out_the_tender_id_digests():
    accumulator = Accumulator(NOW)
    accumulator.add(opportunity(1))
    assert "tender_ids" in accumulator.to_json()
    assert "tender_ids" not in accumulator.report()
