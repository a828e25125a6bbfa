"""summarize(): every derived field, on the fictional process at each stage and on real data."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest

from ckanext.procurement.ocds import (
    STAGE_LABELS,
    STAGES,
    STATUS_LABELS,
    SUMMARY_FIELDS,
    VALUE_BANDS,
    FeedReader,
    compile_releases,
    fiscal_year,
    summarize,
    value_band,
    value_sort_key,
)

from .conftest import FICTIONAL_OCID, example_files

NOW = datetime(2011, 2, 1, tzinfo=timezone.utc)
CONTRACT_ID = f"{FICTIONAL_OCID}-contract-01"
AWARD_ID = f"{FICTIONAL_OCID}-award-01"


def summary_of(releases, schema, **kwargs):
    kwargs.setdefault("now", NOW)
    return summarize(compile_releases(releases, schema), releases, schema=schema, **kwargs)


def test_labels():
    assert STAGES == ("planning", "tender", "award", "contract", "implementation")
    assert list(STAGE_LABELS) == list(STAGES)
    assert STATUS_LABELS == {
        "planned": "Planned", "open": "Open for bids", "evaluation": "Under evaluation", "awarded": "Awarded",
        "active": "Active", "completed": "Completed", "cancelled": "Cancelled", "unsuccessful": "Unsuccessful",
    }


def test_fictional_process(schema, fictional_releases):
    summary = summary_of(fictional_releases, schema)
    assert list(summary) == list(SUMMARY_FIELDS)
    json.dumps(summary)  # plain JSON values only
    expected = {
        "ocid": FICTIONAL_OCID,
        "title": "Planned cycle lane improvements",
        "description": "Tenders solicited for work to build new cycle lanes in the centre of town.",
        "stage": "implementation",
        "status": "active",
        "tender_status": "complete",
        "award_status": "active",
        "contract_status": "active",
        "buyer_name": "London Borough of Barnet",
        "procuring_entity_name": "London Borough of Barnet",
        "supplier_names": ["AnyCorp Cycle Provision"],
        "suppliers": [{"name": "AnyCorp Cycle Provision", "id": "GB-COH-11111111", "scale": None,
                       "classifications": [], "categories": []}],
        "supplier_scales": [],
        "supplier_categories": [],
        "procurement_method": "open",
        "procurement_method_details": "In open procedures, any interested economic operator may submit a tender "
                                      "in response to a contract notice. ",
        "main_category": "works",
        "item_classifications": ["CPV:45233130.0", "CPV:45233162-2"],
        "tender_start_date": "2010-03-01T09:00:00Z",
        "tender_end_date": "2010-04-08T18:00:00Z",
        "award_date": "2010-05-10T10:30:00Z",
        "contract_start_date": "2010-07-01T00:00:00Z",
        "contract_end_date": "2011-06-30T23:59:00Z",
        "date_signed": "2010-06-10T14:23:12Z",
        "last_release_date": "2011-01-10T09:30:00Z",
        "currency": "GBP",
        "budget_amount": 6700000,
        "tender_value": 1100000,
        "award_value": 11000000,
        "contract_value": 11000000,
        "contract_original_value": 11000000,
        "amount_paid": 60000,
        "number_of_tenderers": 2,
        "fiscal_year": 2010,  # signed 2010-06-10, before the July start of FY 2011
        "value_band": "10m-plus",
        "value": 11000000.0,
        "value_sort": "00000000011000000.00",
        "open_for_bids": False,
    }
    assert {k: summary[k] for k in expected} == expected

    assert summary["awards"] == [{
        "id": AWARD_ID, "title": "Award of contract to build new cycle lanes in the centre of town.",
        "status": "active", "date": "2010-05-10T10:30:00Z", "value": 11000000, "currency": "GBP",
        "suppliers": ["AnyCorp Cycle Provision"],
    }]
    assert summary["contracts"] == [{
        "id": CONTRACT_ID, "award_id": AWARD_ID, "title": "Contract to build new cycle lanes in the centre of town.",
        "status": "active", "start_date": "2010-07-01T00:00:00Z", "end_date": "2011-06-30T23:59:00Z",
        "date_signed": "2010-06-10T14:23:12Z", "value": 11000000, "currency": "GBP", "original_value": 11000000,
        "signatories": [], "amount_paid": 60000,
    }]
    assert summary["transactions"] == [
        {"id": f"{FICTIONAL_OCID}-1", "date": "2010-08-01T00:00:00Z", "value": 50000, "currency": "GBP",
         "payer": "London Borough of Barnet", "payee": "AnyCorp Cycle Provision", "contract_id": CONTRACT_ID},
        {"id": f"{FICTIONAL_OCID}-2", "date": "2010-10-01T00:00:00Z", "value": 10000, "currency": "GBP",
         "payer": "London Borough of Barnet", "payee": "AnyCorp Cycle Provision", "contract_id": CONTRACT_ID},
    ]
    assert summary["milestones"] == [
        {"id": "1.0", "title": "Strategic outline procurement plan approval", "type": "preProcurement",
         "status": "met", "due_date": "2009-03-14T17:00:00Z", "date_met": "2009-03-14T17:00:00Z", "met": True,
         "stage": "planning", "contract_id": None},
        {"id": "2.0", "title": "Public consultation", "type": "engagement", "status": "scheduled",
         "due_date": "2009-05-01T09:00:00Z", "date_met": None, "met": None, "stage": "planning",
         "contract_id": None},
    ]
    documents = summary["documents"]
    assert [(d["id"], d["stage"], d["document_type"]) for d in documents] == [
        ("1.0", "planning", "procurementPlan"), ("2.0", "planning", "needsAssessment"),
        ("3.0", "tender", "x_consultationDocument"), ("4.0", "tender", "x_map"), ("5.0", "tender", "tenderNotice"),
        ("6.0", "tender", "clarifications"), ("7.0", "award", "awardNotice"), ("8.0", "contract", "contractSigned"),
        ("9.0", "implementation", "physicalProgressReport"),
    ]
    assert documents[8] == {
        "id": "9.0", "url": "http://example.com/reports/ocds-213czf-000-00001/cycle-path-01.pdf",
        "title": "Progress report", "description": "Physical progress report for cycle path construction",
        "document_type": "physicalProgressReport", "format": "application/pdf", "language": "en",
        "date_published": "2010-12-15T15:34:02Z", "stage": "implementation", "related_id": CONTRACT_ID,
    }
    assert documents[6]["related_id"] == AWARD_ID
    assert documents[3]["url"] is None  # an offline map

    # The tender amendment, with what it changed in the tender.
    assert summary["amendments"] == [{
        "scope": "tender",
        "contract_id": None,
        "award_id": None,
        "id": "1.0",
        "date": "2010-03-20T09:45:00Z",
        "rationale": "The tender period has been extended in accordance with council guidelines",
        "description": "The closing date for tender submissions has been extended to 2017-04-08",
        "release_id": f"{FICTIONAL_OCID}-03-tenderAmendment",
        "changes": [
            {"field": "tenderPeriod/endDate", "before": "2010-04-01T18:00:00Z", "after": "2010-04-08T18:00:00Z"},
            {"field": "hasEnquiries", "before": False, "after": True},
            {"field": "documents[id=6.0]", "before": None, "after": {
                "id": "6.0", "documentType": "clarifications", "title": "Enquiry Responses",
                "description": "Responses to enquiries asked by interested parties.",
                "url": "http://example.com/enquiry-response/ocds-213czf-000-00001-01.html",
                "datePublished": "2010-03-20T11:30:15Z", "format": "text/html", "language": "en"}},
        ],
    }]


def _at(year, month, day):
    return datetime(year, month, day, tzinfo=timezone.utc)


@pytest.mark.parametrize(("count", "now", "stage", "status", "tender_end"), [
    (1, _at(2009, 6, 1), "planning", "planned", None),
    (2, _at(2010, 2, 15), "tender", "planned", "2010-04-01T18:00:00Z"),  # announced, bids not accepted yet
    (2, _at(2010, 3, 20), "tender", "open", "2010-04-01T18:00:00Z"),
    (2, _at(2010, 4, 5), "tender", "evaluation", "2010-04-01T18:00:00Z"),  # deadline passed
    (3, _at(2010, 4, 5), "tender", "open", "2010-04-08T18:00:00Z"),  # the amendment extended it
    (3, _at(2010, 4, 9), "tender", "evaluation", "2010-04-08T18:00:00Z"),
    (4, _at(2010, 5, 11), "award", "awarded", "2010-04-08T18:00:00Z"),  # award pending
    (5, _at(2010, 6, 1), "contract", "active", "2010-04-08T18:00:00Z"),
    (6, _at(2011, 2, 1), "implementation", "active", "2010-04-08T18:00:00Z"),
])
def test_lifecycle(schema, fictional_releases, count, now, stage, status, tender_end):
    summary = summary_of(fictional_releases[:count], schema, now=now)
    assert (summary["stage"], summary["status"], summary["tender_end_date"]) == (stage, status, tender_end)
    assert summary["open_for_bids"] is (status == "open")


def test_open_until_the_exact_deadline(schema, fictional_releases):
    releases = fictional_releases[:2]
    just_before = datetime(2010, 4, 1, 17, 59, 59, tzinfo=timezone.utc)
    just_after = datetime(2010, 4, 1, 18, 0, 1, tzinfo=timezone.utc)
    assert summary_of(releases, schema, now=just_before)["status"] == "open"
    assert summary_of(releases, schema, now=just_after)["status"] == "evaluation"


def test_planning_stage_values(schema, fictional_releases):
    summary = summary_of(fictional_releases[:1], schema, now=_at(2009, 6, 1))
    assert summary["tender_status"] == "planned"
    assert summary["value"] == 1000000.0 and summary["value_band"] == "1m-10m"  # tender estimate over budget
    assert summary["budget_amount"] == 6700000
    assert summary["fiscal_year"] == 2010  # tender start 2010-02-01 (first key date), FY Jul 2009 - Jun 2010
    assert summary["award_value"] is summary["contract_value"] is summary["amount_paid"] is None
    assert summary["supplier_names"] == [] and summary["awards"] == [] and summary["amendments"] == []


def _contract_amendment(fictional_releases):
    """A 7th release: the contract is amended from 11,000,000 to 11,500,000 and extended."""
    release = copy.deepcopy(fictional_releases[4])
    release["id"] = f"{FICTIONAL_OCID}-07-contractAmendment"
    release["date"] = "2011-03-01T10:00:00Z"
    release["tag"] = ["contractAmendment"]
    contract = release["contracts"][0]
    contract["value"]["amount"] = 11500000
    contract["period"]["endDate"] = "2011-09-30T23:59:00Z"
    contract["amendments"] = [{
        "id": "A1", "date": "2011-03-01T10:00:00Z", "rationale": "Extra junction added",
        "description": "Adds the Oakleigh Road junction", "releaseID": release["id"],
        "amendsReleaseID": fictional_releases[5]["id"],
    }]
    return release


def test_contract_amendment_changes_value(schema, fictional_releases):
    releases = fictional_releases + [_contract_amendment(fictional_releases)]
    summary = summary_of(releases, schema)
    assert summary["contract_value"] == 11500000
    assert summary["contract_original_value"] == 11000000
    assert summary["value"] == 11500000.0
    assert summary["contract_end_date"] == "2011-09-30T23:59:00Z"
    assert summary["contracts"][0]["value"] == 11500000
    assert summary["contracts"][0]["original_value"] == 11000000
    assert summary["amount_paid"] == 60000  # the transactions survive the amendment
    [tender_amendment, contract_amendment] = summary["amendments"]
    assert tender_amendment["scope"] == "tender"
    assert contract_amendment == {
        "scope": "contract", "contract_id": CONTRACT_ID, "award_id": None, "id": "A1",
        "date": "2011-03-01T10:00:00Z", "rationale": "Extra junction added",
        "description": "Adds the Oakleigh Road junction", "release_id": f"{FICTIONAL_OCID}-07-contractAmendment",
        "changes": [
            {"field": "period/endDate", "before": "2011-06-30T23:59:00Z", "after": "2011-09-30T23:59:00Z"},
            {"field": "value/amount", "before": 11000000, "after": 11500000},
        ],
    }


def test_without_releases(schema, fictional_releases):
    releases = fictional_releases + [_contract_amendment(fictional_releases)]
    summary = summarize(compile_releases(releases, schema), now=NOW)
    assert summary["contract_value"] == 11500000
    assert summary["contract_original_value"] is None
    assert summary["contracts"][0]["original_value"] is None
    assert [(a["id"], a["changes"]) for a in summary["amendments"]] == [("1.0", []), ("A1", [])]
    assert summary["amendments"][0]["release_id"] == f"{FICTIONAL_OCID}-03-tenderAmendment"  # as published


def _compiled(fictional_releases, schema):
    return compile_releases(fictional_releases, schema)


@pytest.mark.parametrize(("change", "status", "stage"), [
    (lambda c: c["contracts"][0].update(status="terminated"), "completed", "implementation"),
    (lambda c: c["contracts"][0].update(status="cancelled"), "cancelled", "implementation"),
    (lambda c: c["contracts"][0].update(status="pending"), "awarded", "implementation"),
    (lambda c: c["contracts"][0]["implementation"].update(
        milestones=[{"id": "m1", "status": "met"}, {"id": "m2", "status": "met"}]), "completed", "implementation"),
    (lambda c: c["contracts"][0]["implementation"].update(
        milestones=[{"id": "m1", "status": "met"}, {"id": "m2", "status": "scheduled"}]), "active", "implementation"),
    (lambda c: (c.pop("contracts"), c["awards"][0].update(status="cancelled")), "cancelled", "award"),
    (lambda c: (c.pop("contracts"), c["awards"][0].update(status="unsuccessful")), "unsuccessful", "award"),
    (lambda c: (c.pop("contracts"), c.pop("awards"), c["tender"].update(status="cancelled")), "cancelled", "tender"),
    (lambda c: (c.pop("contracts"), c.pop("awards"), c["tender"].update(status="withdrawn")), "cancelled", "tender"),
    (lambda c: (c.pop("contracts"), c.pop("awards"), c["tender"].update(status="unsuccessful")), "unsuccessful",
     "tender"),
    (lambda c: (c.pop("contracts"), c.pop("awards")), "evaluation", "tender"),  # complete, no award yet
])
def test_statuses(schema, fictional_releases, change, status, stage):
    compiled = _compiled(fictional_releases, schema)
    change(compiled)
    summary = summarize(compiled, now=NOW)
    assert (summary["status"], summary["stage"]) == (status, stage)


def test_contract_without_status_goes_by_dates(schema, fictional_releases):
    compiled = _compiled(fictional_releases, schema)
    del compiled["contracts"][0]["status"]
    assert summarize(compiled, now=_at(2011, 2, 1))["status"] == "active"
    assert summarize(compiled, now=_at(2011, 8, 1))["status"] == "completed"  # period ended 2011-06-30
    assert summarize(compiled, now=_at(2011, 8, 1))["contract_status"] is None


def test_most_relevant_award_status(schema, fictional_releases):
    compiled = _compiled(fictional_releases, schema)
    compiled["awards"].insert(0, {"id": "old", "status": "cancelled", "date": "2010-05-01T00:00:00Z"})
    summary = summarize(compiled, now=NOW)
    assert summary["award_status"] == "active"
    compiled["awards"][1]["status"] = "x_underReview"  # unknown codes are kept as published
    assert summarize(compiled, now=NOW)["award_status"] == "x_underReview"


def test_suppliers_categories_and_scales(schema, fictional_releases):
    compiled = _compiled(fictional_releases, schema)
    anycorp, beta = compiled["parties"][1], compiled["parties"][2]
    anycorp["details"] = {"scale": "sme", "classifications": [
        {"scheme": "CITY-CERT", "id": "MBE", "description": "Minority Business Enterprise"},
        {"scheme": "CITY-CERT", "id": "WBE", "description": "Women Business Enterprise"},
        {"scheme": "NAICS", "id": "237310"},
    ]}
    beta["details"] = {"scale": "large", "classifications": [{"scheme": "CITY-CERT", "id": "LBE"}]}
    compiled["awards"].append({"id": "award-02", "status": "active", "date": "2010-05-12T00:00:00Z",
                               "value": {"amount": 500000, "currency": "GBP"},
                               "suppliers": [{"id": beta["id"], "name": beta["name"]}]})
    compiled["awards"].append({"id": "award-03", "status": "cancelled",
                               "suppliers": [{"id": "GB-COH-3", "name": "Gamma Ltd"}]})
    summary = summarize(compiled, now=NOW)
    assert summary["supplier_names"] == ["AnyCorp Cycle Provision", "Beta Corp Construction"]
    assert summary["supplier_scales"] == ["large", "sme"]
    assert summary["supplier_categories"] == ["local", "minority-owned", "women-owned"]
    assert summary["suppliers"][0] == {
        "name": "AnyCorp Cycle Provision", "id": "GB-COH-11111111", "scale": "sme",
        "classifications": [
            {"scheme": "CITY-CERT", "id": "MBE", "description": "Minority Business Enterprise"},
            {"scheme": "CITY-CERT", "id": "WBE", "description": "Women Business Enterprise"},
            {"scheme": "NAICS", "id": "237310", "description": None},
        ],
        "categories": ["minority-owned", "women-owned"],
    }
    assert summary["award_value"] == 11500000

    custom = {"construction": {"scheme": "NAICS", "ids": ["237310"]}}
    assert summarize(compiled, now=NOW, classification_mapping=custom)["supplier_categories"] == ["construction"]


def test_suppliers_fall_back_to_all_awards_then_parties(schema, fictional_releases):
    compiled = _compiled(fictional_releases, schema)
    compiled["awards"][0]["status"] = "pending"
    assert summarize(compiled, now=NOW)["supplier_names"] == ["AnyCorp Cycle Provision"]
    del compiled["awards"]
    assert summarize(compiled, now=NOW)["supplier_names"] == ["AnyCorp Cycle Provision"]  # role supplier


def test_award_value_falls_back_to_pending(schema, fictional_releases):
    summary = summary_of(fictional_releases[:4], schema, now=_at(2010, 5, 11))
    assert summary["award_status"] == "pending"
    assert summary["award_value"] == 11000000
    assert summary["value"] == 11000000.0
    assert summary["award_date"] == "2010-05-10T09:30:00Z"
    assert summary["fiscal_year"] == 2010


def test_signatories_tenderers_and_legacy_transactions(schema, fictional_releases):
    compiled = _compiled(fictional_releases, schema)
    compiled["parties"].append({"id": "P-1", "name": "Jane Doe", "roles": ["signatory"]})
    contract = compiled["contracts"][0]
    contract["signatories"] = [{"id": "P-1"}, {"id": GB_BARNET, "name": "London Borough of Barnet"}]
    contract["implementation"]["transactions"].append(
        {"id": "legacy", "amount": {"amount": 2500.5, "currency": "GBP"},
         "providerOrganization": {"legalName": "Barnet"}, "receiverOrganization": {"legalName": "AnyCorp Ltd"}})
    del compiled["tender"]["numberOfTenderers"]
    summary = summarize(compiled, now=NOW)
    assert summary["contracts"][0]["signatories"] == ["Jane Doe", "London Borough of Barnet"]
    assert summary["number_of_tenderers"] == 2  # counted from tender.tenderers
    assert summary["amount_paid"] == 62500.5
    assert summary["transactions"][2] == {"id": "legacy", "date": None, "value": 2500.5, "currency": "GBP",
                                          "payer": "Barnet", "payee": "AnyCorp Ltd", "contract_id": CONTRACT_ID}


GB_BARNET = "GB-LAC-E09000003"


@pytest.mark.parametrize(("date", "start_month", "expected"), [
    ("2024-06-30T23:59:59Z", 7, 2024),
    ("2024-07-01T00:00:00Z", 7, 2025),
    ("2024-08-01", 7, 2025),
    ("2024-12-31T23:00:00-05:00", 7, 2025),
    ("2025-01-01T00:30:00+01:00", 1, 2025),  # the published date's own timezone counts
    ("2024-12-31T23:30:00-01:00", 1, 2024),
    ("2024-09-30T00:00:00Z", 10, 2024),  # US federal year starts in October
    ("2024-10-01T00:00:00Z", 10, 2025),
    ("2024-01-01T00:00:00Z", 1, 2024),
    ("not a date", 7, None),
    (None, 7, None),
])
def test_fiscal_year(date, start_month, expected):
    assert fiscal_year(date, start_month) == expected


def test_fiscal_year_in_summary(schema, fictional_releases):
    compiled = _compiled(fictional_releases, schema)
    assert summarize(compiled, now=NOW, fiscal_year_start_month=7)["fiscal_year"] == 2010
    assert summarize(compiled, now=NOW, fiscal_year_start_month=6)["fiscal_year"] == 2011  # signed 10 June
    assert summarize(compiled, now=NOW, fiscal_year_start_month=1)["fiscal_year"] == 2010
    with pytest.raises(ValueError):
        fiscal_year("2024-01-01", 13)


@pytest.mark.parametrize(("value", "band"), [
    (0, "under-10k"), (9999.99, "under-10k"), (10000, "10k-100k"), (99999.99, "10k-100k"),
    (100000, "100k-1m"), (999999, "100k-1m"), (1000000, "1m-10m"), (9999999.99, "1m-10m"),
    (10000000, "10m-plus"), (5e12, "10m-plus"), (None, None), (-5, None),
])
def test_value_band(value, band):
    assert value_band(value) == band


def test_value_bands_cover_everything():
    assert [code for code, _, _ in VALUE_BANDS] == ["under-10k", "10k-100k", "100k-1m", "1m-10m", "10m-plus"]
    assert all(VALUE_BANDS[i][2] == VALUE_BANDS[i + 1][1] for i in range(len(VALUE_BANDS) - 1))


def test_value_sort_key_orders_like_numbers():
    values = [0, 0.5, 9.99, 10, 99.5, 1000, 11000000, 123456789012.34, -0.5, -10, -2500000]
    keys = [value_sort_key(v) for v in values]
    assert sorted(values) == [v for _, v in sorted(zip(keys, values))]
    assert value_sort_key(1100000) == "00000000001100000.00"
    assert value_sort_key(None) is None
    assert all(len(k) == 20 for k in keys)


@pytest.mark.parametrize("path", example_files("*/records/*.json") + example_files("*/releases/*.json"),
                         ids=lambda p: p.name)
def test_real_data(schema, path):
    with path.open("rb") as f:
        releases = [r for r, _, problems in FeedReader(f).normalized_releases()]
    compiled = compile_releases(releases, schema, problems=[])
    summary = summarize(compiled, releases, now=NOW, schema=schema)
    assert list(summary) == list(SUMMARY_FIELDS)
    json.dumps(summary)
    assert summary["ocid"] == releases[0]["ocid"]
    assert summary["status"] in STATUS_LABELS and summary["stage"] in STAGES
    assert summary["title"] and summary["buyer_name"]
    assert summary["currency"] in ("COP", "CAD")


def test_real_colombia_unsuccessful(schema):
    path = example_files("colombia/records/ocds-k50g02-16-13-5282714.json")[0]
    releases = json.loads(path.read_text())["releases"]
    summary = summarize(compile_releases(releases, schema), releases, now=NOW)
    assert (summary["stage"], summary["status"], summary["tender_status"]) == ("tender", "unsuccessful", "unsuccessful")
    assert summary["title"] == "IDPAC-IP-MC-016-2016"
    assert summary["tender_value"] == 6996955.0 and summary["value_band"] == "1m-10m"
    assert summary["fiscal_year"] == 2016  # tender start 2016-06-30
    assert summary["tender_end_date"] == "2016-07-05T00:00:00.000000Z"


def test_real_colombia_contract(schema):
    path = example_files("colombia/records/ocds-k50g02-16-12-5280389.json")[0]
    releases = json.loads(path.read_text())["releases"]
    summary = summarize(compile_releases(releases, schema, problems=[]), releases, now=NOW)
    assert (summary["stage"], summary["status"]) == ("contract", "active")
    assert summary["supplier_names"] == ["MARTHA ZULENY TORRES BEJARANO"]
    assert summary["buyer_name"] == "BOGOTÁ D.C. - SECRETARÍA DE EDUCACIÓN"
    assert summary["contract_value"] == 2307457.0 and summary["currency"] == "COP"


def test_real_canada_multilingual_and_legacy_amendment(schema):
    path = example_files("canada-buyandsell/releases/ocds-34a6hz-01B68-160244_001_CZ-*.json")[0]
    with path.open("rb") as f:
        releases = [r for r, _, _ in FeedReader(f).normalized_releases()]
    summary = summarize(compile_releases(releases, schema), releases, now=NOW, schema=schema)
    assert summary["title"] == "Advertising Creative Services"  # from title_en
    assert summary["buyer_name"] == "Agriculture and Agri-Food Canada"  # buyer.name is "", party name_en
    assert (summary["contract_value"], summary["currency"], summary["value_band"]) == (14967, "CAD", "10k-100k")
    assert summary["contract_start_date"] == "2015-07-02"
    assert summary["fiscal_year"] == 2016
    assert summary["item_classifications"] == ["GSIN:T003AA"]
    assert summary["amendments"] == [{
        "scope": "contract", "contract_id": "01B68-160244/001/CZ", "award_id": None, "id": None,
        "date": "2015-08-03", "rationale": releases[0]["contracts"][0]["amendment"]["rationale"],
        "description": None, "release_id": "01B68-160244/001/CZ", "changes": [],
    }]


def test_title_and_description_fallbacks(schema, fictional_releases):
    compiled = _compiled(fictional_releases, schema)
    del compiled["tender"]["title"], compiled["tender"]["description"]
    summary = summarize(compiled, now=NOW)
    assert summary["title"] == "Central Junction Cycle Scheme"  # planning.budget.project
    assert summary["description"] == ("The 2009 Strategic Plan identifies a need for an improved cycle route in the "
                                      "centre of town.")
    del compiled["planning"]
    assert summarize(compiled, now=NOW)["title"] == "Contract to build new cycle lanes in the centre of town."
    del compiled["contracts"], compiled["awards"]
    assert summarize(compiled, now=NOW)["title"] == FICTIONAL_OCID
