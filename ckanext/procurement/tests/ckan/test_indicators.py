"""Indicators through the real services: stored on the dataset, a search facet, notes on the process page,
an explanation page; processes crafted so that each result is known by construction."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from ckan.tests import helpers

from ckanext.procurement.ocds.indicators import INDICATORS

FACET = "vocab_indicator_flags"


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def usd(amount, currency="USD"):
    return {"amount": amount, "currency": currency}


def release(ocid, *, method="open", tenderers=3, period=("2026-03-01T00:00:00Z", "2026-03-21T00:00:00Z"),
            estimate=usd(100_000), awarded=usd(100_000), contracted=usd(100_000), payments=()):
    period_fields = dict(zip(("startDate", "endDate"), period)) if period else {}
    return {
        "ocid": ocid, "id": f"{ocid}-1", "date": "2026-05-01T00:00:00Z", "tag": ["contract"],
        "initiationType": "tender", "buyer": {"id": "b1", "name": "Department of Parks"},
        "tender": {"id": "t1", "title": f"Process {ocid}", "status": "complete", "procurementMethod": method,
                   "numberOfTenderers": tenderers, "tenderPeriod": period_fields, "value": estimate},
        "awards": [{"id": "a1", "status": "active", "value": awarded}],
        "contracts": [{"id": "c1", "awardID": "a1", "status": "active", "value": contracted,
                       "implementation": {"transactions": [
                           {"id": str(i), "date": "2026-06-01T00:00:00Z", "value": usd(p)} for i, p in enumerate(payments)]}}],
    }


# ocid -> (release, expected flags, expected not assessed); one release each: no contract value grew
# (amendment-increase not flagged)
PROCESSES = {
    "ocds-ind001-single": (
        release("ocds-ind001-single", tenderers=1),
        ["single-bid"], ["payments-exceed-contract"]),
    "ocds-ind001-nodates": (  # missing tender dates: not assessed, never passed
        release("ocds-ind001-nodates", period=None, payments=(40_000,)),
        [], ["short-submission-period"]),
    "ocds-ind001-direct": (
        release("ocds-ind001-direct", method="direct", tenderers=1, period=("2026-03-01", "2026-03-05"),
                estimate=usd(150_000), awarded=usd(200_000), contracted=usd(200_000), payments=(150_000, 100_000)),
        ["short-submission-period", "non-competitive-above-threshold", "award-above-estimate", "payments-exceed-contract"],
        ["single-bid"]),
    "ocds-ind001-euros": (  # the estimate in euros, the award in dollars: never compared
        release("ocds-ind001-euros", method="direct", estimate=usd(10_000, "EUR"), awarded=usd(900_000),
                contracted=usd(900_000, "EUR"), payments=(950_000,)),
        [], ["single-bid", "non-competitive-above-threshold", "award-above-estimate", "payments-exceed-contract"]),
}


@pytest.fixture
def processes(sysadmin, organization):
    return {ocid: helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                      releases=[data[0]], owner_org=organization["id"])["package"]
            for ocid, data in PROCESSES.items()}


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestIndicators:
    def test_flags_and_not_assessed_are_stored_on_the_dataset(self, processes):
        for ocid, (_, flags, not_assessed) in PROCESSES.items():
            pkg = helpers.call_action("package_show", id=processes[ocid]["id"])
            assert pkg["indicator_flags"] == flags, ocid
            assert pkg["indicators_not_assessed"] == not_assessed, ocid

    def test_flags_are_a_search_facet(self, processes):
        result = helpers.call_action("package_search", fq="+dataset_type:contracting-process",
                                     **{"facet.field": [FACET]}, rows=0)
        counts = {item["name"]: item["count"] for item in result["search_facets"][FACET]["items"]}
        assert counts == {"single-bid": 1, "short-submission-period": 1, "non-competitive-above-threshold": 1,
                          "award-above-estimate": 1, "payments-exceed-contract": 1}
        found = helpers.call_action("package_search", fq=f'+dataset_type:contracting-process +{FACET}:"single-bid"')
        assert [p["ocid"] for p in found["results"]] == ["ocds-ind001-single"]

    def test_the_search_page_offers_the_facet_with_labels(self, app, processes):
        soup = BeautifulSoup(app.get("/contracting-process/").body, "html.parser")
        assert "Indicators flagged" in text(soup)
        assert "Single bid in a competitive procedure" in text(soup)
        page = app.get("/contracting-process/", params={FACET: "payments-exceed-contract"})
        assert "Process ocds-ind001-direct" in page.body and "Process ocds-ind001-single" not in page.body

    def test_the_process_page_says_each_result_in_plain_language_and_links_its_explanation(self, app, processes):
        soup = BeautifulSoup(app.get(f"/contracting-process/{processes['ocds-ind001-single']['name']}").body, "html.parser")
        section = soup.find(id="indicators")
        notes = {li["data-indicator"]: li for li in section.select("li.procurement-indicator-note")}
        assert list(notes) == list(INDICATORS)
        single = notes["single-bid"]
        assert single["data-result"] == "flagged"
        assert "One bid was received in a competitive (open) procedure." in text(single)
        assert single.find("a")["href"] == "/procurement/indicators#single-bid"
        assert notes["short-submission-period"]["data-result"] == "not_flagged"
        assert "20 days" in text(notes["short-submission-period"])
        assert "reason to look, not an accusation" in text(section)

    def test_missing_tender_dates_are_not_assessed_on_the_page(self, app, processes):
        soup = BeautifulSoup(app.get(f"/contracting-process/{processes['ocds-ind001-nodates']['name']}").body, "html.parser")
        note = soup.select_one('#indicators li[data-indicator="short-submission-period"]')
        assert note["data-result"] == "not_assessed"
        assert "Not assessed: the start or the end of the tender period is not published." in text(note)

    def test_amounts_in_two_currencies_are_not_compared_on_the_page(self, app, processes):
        soup = BeautifulSoup(app.get(f"/contracting-process/{processes['ocds-ind001-euros']['name']}").body, "html.parser")
        note = soup.select_one('#indicators li[data-indicator="award-above-estimate"]')
        assert note["data-result"] == "not_assessed"
        assert "not both published in one currency" in text(note)

    def test_private_processes_stay_out_of_the_public_facet(self, sysadmin, organization, processes):
        private = release("ocds-ind001-private", tenderers=1)
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]}, releases=[private],
                            owner_org=organization["id"], private=True)
        result = helpers.call_action("package_search", context={"user": "", "ignore_auth": False},
                                     fq=f'+dataset_type:contracting-process +{FACET}:"single-bid"')
        assert [p["ocid"] for p in result["results"]] == ["ocds-ind001-single"]


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.indicators.short_submission_days", "21")
@pytest.mark.ckan_config("ckanext.procurement.indicators.non_competitive_threshold", "250000")
def test_thresholds_are_settings_used_by_saves_and_the_explanation_page(app, sysadmin, organization):
    saved = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                releases=[PROCESSES["ocds-ind001-direct"][0]], owner_org=organization["id"])
    pkg = helpers.call_action("package_show", id=saved["package"]["id"])
    assert "non-competitive-above-threshold" not in pkg["indicator_flags"]  # 200,000 < 250,000
    soup = BeautifulSoup(app.get("/procurement/indicators").body, "html.parser")
    assert [s["id"] for s in soup.select("section.procurement-indicator")] == list(INDICATORS)
    assert "fewer than 21 whole days" in text(soup.find(id="short-submission-period"))
    assert "$250,000.00" in text(soup.find(id="non-competitive-above-threshold"))
    assert "not an accusation" in text(soup)
    link = soup.find(id="single-bid").find("a", string=lambda s: s and "Processes flagged" in s)
    assert link["href"] == f"/contracting-process/?{FACET}=single-bid"


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.indicators.award_above_estimate_share", "a lot")
def test_a_bad_threshold_setting_is_named_not_a_500(sysadmin, organization):
    with pytest.raises(helpers.logic.ValidationError) as error:
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                            releases=[PROCESSES["ocds-ind001-single"][0]], owner_org=organization["id"])
    assert "ckanext.procurement.indicators.award_above_estimate_share" in error.value.error_dict
