"""The contracting-process schema: OCDS examples become datasets, field by field.

Every process is saved through `procurement_process_save` (the way the
harvesters and API clients publish) and read back through `package_show`
and `procurement_record_show`; expected values are the ones in the files.

The helpers at the top are shared by the other procurement schema tests
(test_search, test_redaction, test_bad_input, test_visibility).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ckan.tests import helpers

FICTIONAL_OCID = "ocds-213czf-000-00001"
FICTIONAL_FILES = (
    "01-planning", "02-tender", "03-tenderAmendment", "04-award", "05-contract", "06-implementation",
)


# --- shared helpers ---------------------------------------------------------------------------

def load_releases(path: Path) -> list[dict]:
    """The releases of one example file, whatever its shape.

    Release packages hold `releases`; the Colombia and Canada record files
    are single records (`releases` embedded plus `compiledRelease`); their
    release files are bare releases; a record package holds `records`.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if "records" in data:
        releases = data["records"][0]["releases"]
    elif isinstance(data.get("releases"), list):
        releases = data["releases"]
    else:
        releases = [data]
    assert releases and all("ocid" in r for r in releases), f"{path}: no embedded releases"
    return releases


def fictional_releases(examples_dir: Path) -> list[dict]:
    releases = []
    for suffix in FICTIONAL_FILES:
        releases += load_releases(examples_dir / "fictional" / f"{FICTIONAL_OCID}-{suffix}.json")
    assert len(releases) == 6
    return releases


def save(user: dict, org: dict, releases: list[dict], **params) -> dict:
    """procurement_process_save as a logged-in coordinator; returns the action's result."""
    return helpers.call_action(
        "procurement_process_save", context={"user": user["name"]},
        releases=copy.deepcopy(releases), owner_org=org["id"], **params,
    )


def release(ocid: str, *, title: str, date: str = "2024-01-15T10:00:00Z", **blocks) -> dict:
    """A small valid OCDS release for synthetic processes."""
    data = {
        "ocid": ocid, "id": f"{ocid}-{date[:10]}", "date": date, "tag": ["tender"], "initiationType": "tender",
        "buyer": {"id": "buyer-1", "name": blocks.pop("buyer_name", "Department of Parks")},
        "tender": {"id": f"{ocid}-tender", "title": title, "status": "active"},
    }
    for key, value in blocks.items():
        if key == "tender":
            data["tender"].update(value)
        else:
            data[key] = value
    return data


# --- the fictional process (6 releases) ----------------------------------------------------------

@pytest.mark.usefixtures("clean_db", "clean_index")
def test_fictional_process_becomes_a_dataset_with_every_field(sysadmin, organization, examples_dir):
    result = save(sysadmin, organization, fictional_releases(examples_dir))
    assert result["status"] == "created"
    # the tender document 4.0 has no URL: reported, not linked
    assert any("'4.0'" in p["message"] and p["path"] == "tender/documents" for p in result["problems"])

    pkg = helpers.call_action("package_show", id=FICTIONAL_OCID)
    assert pkg["id"] == result["package"]["id"]
    expected = {
        # identity
        "type": "contracting-process",
        "ocid": FICTIONAL_OCID,
        "name": FICTIONAL_OCID,
        "title": "Planned cycle lane improvements",
        "notes": "Tenders solicited for work to build new cycle lanes in the centre of town.",
        "owner_org": organization["id"],
        "private": False,
        # lifecycle
        "stage": "implementation",
        "status": "active",
        "tender_status": "complete",
        "award_status": "active",
        "contract_status": "active",
        # who
        "buyer_name": "London Borough of Barnet",
        "procuring_entity_name": "London Borough of Barnet",
        "supplier_names": ["AnyCorp Cycle Provision"],
        "supplier_scales": [],
        "supplier_categories": [],
        # what and how
        "procurement_method": "open",
        "procurement_method_details": "In open procedures, any interested economic operator may submit a "
                                      "tender in response to a contract notice. ",
        "main_category": "works",
        "item_classifications": ["CPV:45233130.0", "CPV:45233162-2"],
        # when (the tender amendment moved the deadline from 04-01 to 04-08)
        "tender_start_date": "2010-03-01T09:00:00Z",
        "tender_end_date": "2010-04-08T18:00:00Z",
        "award_date": "2010-05-10T10:30:00Z",
        "contract_start_date": "2010-07-01T00:00:00Z",
        "contract_end_date": "2011-06-30T23:59:00Z",
        "last_release_date": "2011-01-10T09:30:00Z",
        "fiscal_year": 2010,  # key date: signed 2010-06-10, fiscal year July-June
        # money
        "currency": "GBP",
        "budget_amount": 6700000,
        "tender_value": 1100000,
        "award_value": 11000000,
        "contract_value": 11000000,
        "contract_original_value": 11000000,
        "amount_paid": 60000,  # 50,000 + 10,000
        "number_of_tenderers": 2,
        "value_band": "10m-plus",
        # nothing withheld
        "withheld_paths": [],
        "withheld_reason": "",
    }
    for key, value in expected.items():
        assert pkg[key] == value, key
    assert isinstance(pkg["budget_amount"], (int, float)) and isinstance(pkg["number_of_tenderers"], int)

    assert pkg["awards"] == [{
        "id": "ocds-213czf-000-00001-award-01",
        "title": "Award of contract to build new cycle lanes in the centre of town.",
        "status": "active", "date": "2010-05-10T10:30:00Z", "value": 11000000, "currency": "GBP",
        "suppliers": "AnyCorp Cycle Provision",
    }]
    assert pkg["contracts"] == [{
        "id": "ocds-213czf-000-00001-contract-01", "award_id": "ocds-213czf-000-00001-award-01",
        "title": "Contract to build new cycle lanes in the centre of town.", "status": "active",
        "start_date": "2010-07-01T00:00:00Z", "end_date": "2011-06-30T23:59:00Z",
        "date_signed": "2010-06-10T14:23:12Z", "value": 11000000, "original_value": 11000000,
        "currency": "GBP", "amount_paid": 60000, "signatories": "",
    }]
    # the tender amendment, with what it changed
    [amendment] = pkg["amendments"]
    assert amendment["id"] == "1.0"
    assert amendment["date"] == "2010-03-20T09:45:00Z"
    assert amendment["rationale"] == "The tender period has been extended in accordance with council guidelines"
    changes = json.loads(amendment["changes"])
    assert {"field": "tenderPeriod/endDate", "before": "2010-04-01T18:00:00Z", "after": "2010-04-08T18:00:00Z"} in changes
    assert [(m["id"], m["title"], m["type"], m["status"], m["due_date"], m["stage"]) for m in pkg["milestones"]] == [
        ("1.0", "Strategic outline procurement plan approval", "preProcurement", "met", "2009-03-14T17:00:00Z", "planning"),
        ("2.0", "Public consultation", "engagement", "scheduled", "2009-05-01T09:00:00Z", "planning"),
    ]
    assert pkg["milestones"][0]["date_met"] == "2009-03-14T17:00:00Z" and pkg["milestones"][0]["met"] == "yes"
    assert [(t["id"], t["date"], t["value"], t["currency"], t["payer"], t["payee"], t["contract_id"])
            for t in pkg["transactions"]] == [
        ("ocds-213czf-000-00001-1", "2010-08-01T00:00:00Z", 50000, "GBP", "London Borough of Barnet",
         "AnyCorp Cycle Provision", "ocds-213czf-000-00001-contract-01"),
        ("ocds-213czf-000-00001-2", "2010-10-01T00:00:00Z", 10000, "GBP", "London Borough of Barnet",
         "AnyCorp Cycle Provision", "ocds-213czf-000-00001-contract-01"),
    ]

    # documents -> resources: URL, title, type, format, stage
    resources = {r["ocds_document_id"]: r for r in pkg["resources"]}
    assert sorted(resources) == [
        "award/7.0", "contract/8.0", "implementation/9.0", "planning/1.0", "planning/2.0",
        "tender/3.0", "tender/5.0", "tender/6.0",
    ]
    plan = resources["planning/1.0"]
    assert (plan["url"], plan["name"], plan["document_type"], plan["format"], plan["lifecycle_stage"], plan["date_published"]) == (
        "http://example.com/opencontracting/documents/planning/highways/procurementPlan.pdf",
        "Area Wide Cycle Improvements - Procurement Plan", "procurementPlan", "PDF", "planning", "2009-01-05T00:00:00Z",
    )
    assert plan["description"] == "The overall strategic framework for procurement to enhance cycle provision."
    notice = resources["tender/5.0"]
    assert (notice["url"], notice["name"], notice["document_type"], notice["format"]) == (
        "http://example.com/tender-notices/ocds-213czf-000-00001-01.html", "Tender Notice", "tenderNotice", "HTML",
    )
    report = resources["implementation/9.0"]
    assert (report["url"], report["name"], report["document_type"], report["format"], report["lifecycle_stage"]) == (
        "http://example.com/reports/ocds-213czf-000-00001/cycle-path-01.pdf", "Progress report",
        "physicalProgressReport", "PDF", "implementation",
    )
    # a code outside the codelist (x_ prefix) is kept as published
    assert resources["tender/3.0"]["document_type"] == "x_consultationDocument"

    # the full OCDS data, including what the dataset does not model
    record = helpers.call_action("procurement_record_show", id=FICTIONAL_OCID)
    assert record["ocid"] == FICTIONAL_OCID
    assert [r["id"] for r in record["releases"]] == [f"{FICTIONAL_OCID}-{s}" for s in FICTIONAL_FILES]
    compiled = record["compiledRelease"]
    assert compiled["planning"]["budget"]["projectID"] == "SP001"
    assert compiled["planning"]["budget"]["project"] == "Central Junction Cycle Scheme"
    assert compiled["tender"]["minValue"] == {"amount": 600000, "currency": "GBP"}
    assert compiled["tender"]["tenderPeriod"]["endDate"] == "2010-04-08T18:00:00Z"
    assert compiled["awards"][0]["contractPeriod"]["maxExtentDate"] == "2011-12-31T23:59:00Z"
    assert compiled["contracts"][0]["relatedProcesses"][0]["identifier"] == "ocds-213czf-000-00002"
    transaction = compiled["contracts"][0]["implementation"]["transactions"][0]
    assert transaction["uri"] == "https://openspending.org/uk-barnet-spending/transaction/asd9235qaghvs1059620ywhgai"
    parties = {p["id"]: p for p in compiled["parties"]}
    assert parties["GB-COH-22222222"]["roles"] == ["tenderer"]
    assert parties["GB-LAC-E09000003"]["contactPoint"]["email"] == "procurement-team@example.com"
    # the same record is found by the dataset's name and id
    assert helpers.call_action("procurement_record_show", id=pkg["id"])["ocid"] == FICTIONAL_OCID


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_contract_amendment_updates_the_value_and_supplier_details_are_kept(sysadmin, organization, examples_dir):
    """A 7th release amends the contract's value; the supplier publishes its scale and certification."""
    releases = fictional_releases(examples_dir)
    amended = copy.deepcopy(releases[-1])
    amended.update(id=f"{FICTIONAL_OCID}-07-contractAmendment", date="2011-02-01T10:00:00Z", tag=["contractAmendment"])
    contract = amended["contracts"][0]
    contract["value"] = {"amount": 12500000, "currency": "GBP"}
    contract["amendments"] = [{
        "id": "contract-amendment-1", "date": "2011-02-01T10:00:00Z",
        "rationale": "Additional signage requested by the council",
        "description": "Contract value increased to 12.5 million",
    }]
    for party in amended["parties"]:
        if party["id"] == "GB-COH-11111111":
            party["details"] = {"scale": "sme", "classifications": [
                {"scheme": "CITY-CERT", "id": "WBE", "description": "Women-owned business enterprise"},
            ]}
    save(sysadmin, organization, releases + [amended])

    pkg = helpers.call_action("package_show", id=FICTIONAL_OCID)
    assert pkg["contract_value"] == 12500000
    assert pkg["contract_original_value"] == 11000000
    assert pkg["award_value"] == 11000000
    assert pkg["last_release_date"] == "2011-02-01T10:00:00Z"
    assert pkg["contracts"][0]["value"] == 12500000 and pkg["contracts"][0]["original_value"] == 11000000
    assert pkg["supplier_scales"] == ["sme"]
    assert pkg["supplier_categories"] == ["women-owned"]
    by_id = {a["id"]: a for a in pkg["amendments"]}
    assert set(by_id) == {"1.0", "contract-amendment-1"}
    contract_amendment = by_id["contract-amendment-1"]
    assert contract_amendment["contract_id"] == "ocds-213czf-000-00001-contract-01"
    assert contract_amendment["rationale"] == "Additional signage requested by the council"
    assert {"field": "value/amount", "before": 11000000, "after": 12500000} in json.loads(contract_amendment["changes"])
    # still one dataset: the same ocid updates it
    assert helpers.call_action("package_search", q=f'name:"{FICTIONAL_OCID}"')["count"] == 1


# --- Colombia and Canada: every record and release file ---------------------------------------

def _expected_name(ocid: str) -> str:
    return ocid.lower().replace("/", "-")


def _documents(release: dict) -> list[dict]:
    found = []
    for block in ("planning", "tender"):
        found += (release.get(block) or {}).get("documents") or []
    for award in release.get("awards") or []:
        found += award.get("documents") or []
    for contract in release.get("contracts") or []:
        found += contract.get("documents") or []
        found += (contract.get("implementation") or {}).get("documents") or []
    return [d for d in found if isinstance(d, dict)]


def _published_name(obj: dict) -> str | None:
    return (obj or {}).get("name") or (obj or {}).get("name_en")


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("folder", ["colombia/records", "colombia/releases", "canada-buyandsell/records",
                                    "canada-buyandsell/releases"])
def test_every_colombia_and_canada_file_becomes_a_process(folder, sysadmin, organization, examples_dir):
    paths = sorted((examples_dir / folder).glob("*.json"))
    assert len(paths) >= 10
    for path in paths:
        _check_example(path, sysadmin, organization)
    assert helpers.call_action("package_search", fq="+dataset_type:contracting-process", rows=0)["count"] == \
        len({load_releases(p)[0]["ocid"] for p in paths})


def _check_example(path, sysadmin, organization):
    releases = load_releases(path)
    source = releases[-1]
    ocid = source["ocid"]
    # the Canada release folder has two files per process (same releases)
    result = save(sysadmin, organization, releases, force=True)
    assert result["status"] in ("created", "updated"), path
    pkg = helpers.call_action("package_show", id=_expected_name(ocid))
    assert pkg["ocid"] == ocid
    assert pkg["name"] == _expected_name(ocid)
    assert pkg["type"] == "contracting-process"

    tender = source.get("tender") or {}
    contracts = source.get("contracts") or []
    buyer = source.get("buyer") or {}
    buyer_party = next((p for p in source.get("parties") or [] if "buyer" in (p.get("roles") or [])), {})
    assert pkg["buyer_name"] == (_published_name(buyer) or _published_name(buyer_party))
    assert pkg["title"] == (tender.get("title") or contracts[0].get("title") or contracts[0].get("title_en"))
    if tender.get("description"):
        assert pkg["notes"] == tender["description"]
    if tender.get("status"):
        assert pkg["tender_status"] == tender["status"]
    if tender.get("procurementMethod"):
        assert pkg["procurement_method"] == tender["procurementMethod"]
    period = tender.get("tenderPeriod") or {}
    if period.get("endDate"):
        assert pkg["tender_end_date"] == period["endDate"]
    if period.get("startDate"):
        assert pkg["tender_start_date"] == period["startDate"]
    if (tender.get("value") or {}).get("amount") is not None:
        assert pkg["tender_value"] == tender["value"]["amount"]
    currencies = {obj["value"]["currency"] for obj in [tender, *contracts, *(source.get("awards") or [])]
                  if isinstance(obj.get("value"), dict) and obj["value"].get("currency")}
    assert pkg["currency"] in currencies
    # one row per distinct contract and award id (real feeds repeat objects)
    assert sorted(c["id"] for c in pkg.get("contracts", [])) == sorted({str(c["id"]) for c in contracts})
    assert sorted(a["id"] for a in pkg.get("awards", [])) == sorted({str(a["id"]) for a in source.get("awards") or []})
    active = {str(c["id"]): c["value"]["amount"] for c in contracts if c.get("status") == "active" and c.get("value")}
    if active:
        assert pkg["contract_value"] == pytest.approx(sum(active.values()))
        assert pkg["contract_status"] == "active"
    # every resource is one of the published documents, with its URL and format
    published = {d["url"]: d for d in _documents(source) if str(d.get("url", "")).startswith("http")}
    assert {r["url"] for r in pkg["resources"]} == set(published)
    for resource in pkg["resources"]:
        document = published[resource["url"]]
        assert resource["name"] == (document.get("title") or resource["name"])
        assert resource["document_type"] == (document.get("documentType") or "")
        if document.get("format") == "application/pdf":
            assert resource["format"] == "PDF"

    record = helpers.call_action("procurement_record_show", id=ocid)
    assert record["ocid"] == ocid
    assert len(record["releases"]) == len(releases)
    assert record["compiledRelease"]["ocid"] == ocid
    # fields outside OCDS are kept as published
    for key in ("urlSECOP", "num_constancia", "packageInfo", "validationErrors"):
        if key in source:
            assert record["releases"][-1][key] == source[key]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_colombia_record_with_two_contracts(sysadmin, organization, examples_dir):
    releases = load_releases(examples_dir / "colombia/records/ocds-k50g02-16-13-5279502.json")
    save(sysadmin, organization, releases)
    pkg = helpers.call_action("package_show", id="ocds-k50g02-16-13-5279502")
    assert pkg["title"] == "SDH-SMINC-26-2016"
    assert pkg["notes"].startswith("Prestar el servicio de mantenimiento con suministro de repuestos")
    assert pkg["buyer_name"] == "BOGOTÁ D.C. - SECRETARÍA DE HACIENDA DISTRITAL"
    assert pkg["supplier_names"] == ["RIELCO LTDA"]
    assert (pkg["stage"], pkg["status"], pkg["tender_status"], pkg["award_status"], pkg["contract_status"]) == (
        "contract", "active", "complete", "active", "active")
    assert pkg["procurement_method"] == "open"
    assert pkg["currency"] == "COP"
    assert pkg["budget_amount"] == 2605500
    assert pkg["tender_value"] == 8605500
    assert pkg["award_value"] == 8605500  # 6,000,000 + 2,605,500
    assert pkg["contract_value"] == 8605500
    assert pkg["tender_end_date"] == "2016-07-07T00:00:00.000000Z"
    assert pkg["contract_start_date"] == "2016-07-22T00:00:00.000000Z"
    assert pkg["contract_end_date"] == "2017-03-22T00:00:00.000000Z"
    assert pkg["fiscal_year"] == 2017  # signed 2016-07-19: July starts FY2017
    assert pkg["value_band"] == "1m-10m"
    assert [(c["id"], c["award_id"], c["value"], c["date_signed"]) for c in pkg["contracts"]] == [
        ("160177-0-2016", "4876707", 6000000, "2016-07-19T00:00:00.000000Z"),
        ("160178-0-2016", "4876740", 2605500, "2016-07-19T00:00:00.000000Z"),
    ]
    assert [(a["id"], a["value"], a["suppliers"]) for a in pkg["awards"]] == [
        ("4876707", 6000000, "RIELCO LTDA"), ("4876740", 2605500, "RIELCO LTDA")]
    resources = {r["ocds_document_id"]: r for r in pkg["resources"]}
    assert len(resources) == 4
    winning = resources["contract/20498767.0"]
    assert winning["document_type"] == "winningBid" and winning["format"] == "PDF"
    assert winning["name"] == "OSMC_PROCESO_16-13-5279502_01002004_20498767.pdf"
    assert winning["url"].endswith("OSMC_PROCESO_16-13-5279502_01002004_20498767.pdf")
    record = helpers.call_action("procurement_record_show", id="ocds-k50g02-16-13-5279502")
    assert record["compiledRelease"]["planning"]["information_system"] == "SECOP I"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_colombia_release_with_documents_of_every_stage(sysadmin, organization, examples_dir):
    path = examples_dir / "colombia/releases/ocds-k50g02-11-11-452228-59adb46f998eb5950cf4516b.json"
    save(sysadmin, organization, load_releases(path))
    pkg = helpers.call_action("package_show", id="ocds-k50g02-11-11-452228")
    assert pkg["title"] == "015-2011"
    assert pkg["tender_start_date"] == "2011-02-26T13:00:00.000000Z"
    assert pkg["tender_end_date"] == "2011-03-10T05:00:00.000000Z"
    assert pkg["tender_value"] == 128591092
    assert pkg["award_value"] == 127518874 and pkg["contract_value"] == 127518874
    assert pkg["award_date"] == "2011-03-18T23:21:02.000000Z"
    assert pkg["supplier_names"] == ["COOPERATIVA SIBATE\ufffdA DE TRANSPORTE COOPSITRANS LTDA."]
    resources = {r["ocds_document_id"]: r for r in pkg["resources"]}
    assert len(resources) == 10
    assert {r["lifecycle_stage"] for r in resources.values()} == {"planning", "tender", "contract"}
    studies = resources["planning/2334162"]
    assert (studies["description"], studies["document_type"], studies["format"]) == (
        "ESTUDIOS PREVIOS", "technicalSpecifications", "PDF")
    # application/vnd.ms-excel on a URL without an extension
    assert resources["tender/2372371"]["format"] == "XLS"
    # a documentType outside the codelist is kept as published
    assert resources["tender/2389052"]["document_type"] == "Award notice"
    record = helpers.call_action("procurement_record_show", id="ocds-k50g02-11-11-452228")
    assert record["releases"][0]["urlSECOP"] == \
        "https://www.contratos.gov.co/consultas/detalleProceso.do?numConstancia=11-11-452228"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_canada_record_and_release_are_one_process(sysadmin, organization, examples_dir):
    ocid = "ocds-34a6hz-01B68-160244/001/CZ"
    record_file = examples_dir / "canada-buyandsell/records/ocds-34a6hz-01B68-160244_001_CZ.json"
    release_file = examples_dir / "canada-buyandsell/releases/ocds-34a6hz-01B68-160244_001_CZ-01B68-160244_001_CZ.json"
    assert save(sysadmin, organization, load_releases(record_file))["status"] == "created"
    # the same release again: nothing to do
    assert save(sysadmin, organization, load_releases(release_file))["status"] in ("unchanged", "updated")
    pkg = helpers.call_action("package_show", id="ocds-34a6hz-01b68-160244-001-cz")
    assert pkg["ocid"] == ocid
    # multilingual fields published as title_en / name_en
    assert pkg["title"] == "Advertising Creative Services"
    assert pkg["buyer_name"] == "Agriculture and Agri-Food Canada"
    assert (pkg["stage"], pkg["status"], pkg["contract_status"]) == ("contract", "active", "active")
    assert pkg["currency"] == "CAD"
    assert pkg["contract_value"] == 14967
    assert pkg["contract_start_date"] == "2015-07-02"
    assert pkg["contract_end_date"] == "2016-03-31"
    assert pkg["item_classifications"] == ["GSIN:T003AA"]
    assert pkg["fiscal_year"] == 2016
    assert pkg["value_band"] == "10k-100k"
    assert pkg["supplier_names"] == [] and pkg["resources"] == []
    # the OCDS 1.0 `amendment` object becomes an amendment row
    [amendment] = pkg["amendments"]
    assert amendment["contract_id"] == "01B68-160244/001/CZ"
    assert amendment["date"] == "2015-08-03"
    assert amendment["rationale"].startswith("amendmentNumber: 000, awardDate: 2015-07-02")
    assert helpers.call_action("package_search", fq="+dataset_type:contracting-process")["count"] == 1
    record = helpers.call_action("procurement_record_show", id=ocid)
    assert record["compiledRelease"]["contracts"][0]["title_fr"] == "Services de création  en publicité"
