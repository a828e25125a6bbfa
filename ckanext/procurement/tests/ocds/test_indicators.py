"""The indicators on crafted processes whose results are known by construction."""
from __future__ import annotations

import copy

import pytest

from ckanext.procurement.ocds.derive import summarize
from ckanext.procurement.ocds.indicators import INDICATORS, Thresholds, assess

USD = "USD"


def value(amount, currency=USD):
    return {"amount": amount, "currency": currency} if currency else {"amount": amount}


def process(**tender):
    """An open tender with a 20-day submission period and three bids, awarded and contracted at 100,000 USD."""
    base_tender = {
        "id": "t1", "status": "complete", "procurementMethod": "open", "numberOfTenderers": 3,
        "tenderPeriod": {"startDate": "2026-03-01T00:00:00Z", "endDate": "2026-03-21T00:00:00Z"},
        "value": value(100_000),
    }
    base_tender.update(tender)
    return {
        "ocid": "ocds-x-1", "date": "2026-05-01T00:00:00Z", "tender": base_tender,
        "awards": [{"id": "a1", "status": "active", "value": value(100_000)}],
        "contracts": [{"id": "c1", "awardID": "a1", "status": "active", "value": value(100_000)}],
    }


def results(compiled, releases=None, thresholds=None):
    return {r["code"]: r for r in assess(compiled, releases, thresholds)}


def result(compiled, code, releases=None, thresholds=None):
    return results(compiled, releases, thresholds)[code]["result"]


def test_a_process_with_nothing_wrong_is_not_flagged_where_the_data_allows_and_not_assessed_elsewhere():
    found = results(process())
    assert list(found) == list(INDICATORS)
    for code in ("short-submission-period", "single-bid", "non-competitive-above-threshold", "award-above-estimate"):
        assert found[code]["result"] == "not_flagged", code
    # no releases: the original contract value is unknown; no transactions: payments unknown
    assert found["amendment-increase"]["result"] == "not_assessed"
    assert found["payments-exceed-contract"]["result"] == "not_assessed"


@pytest.mark.parametrize("end, days, expected", [
    ("2026-03-16T08:00:00Z", 14, "flagged"),  # 14 days and 23 hours: 14 whole days, under 15
    ("2026-03-16T09:00:00Z", 15, "not_flagged"),
    ("2026-03-31T09:00:00Z", 30, "not_flagged"),
])
def test_short_submission_period_counts_whole_days_against_the_threshold(end, days, expected):
    found = results(process(tenderPeriod={"startDate": "2026-03-01T09:00:00Z", "endDate": end}))["short-submission-period"]
    assert (found["days"], found["threshold"], found["result"]) == (days, 15, expected)


def test_the_submission_period_threshold_is_a_setting():
    compiled = process()  # 20 days
    assert result(compiled, "short-submission-period", thresholds=Thresholds(short_submission_days=21)) == "flagged"
    assert result(compiled, "short-submission-period", thresholds=Thresholds(short_submission_days=20)) == "not_flagged"


@pytest.mark.parametrize("period", [{}, {"startDate": "2026-03-01"}, {"endDate": "2026-03-21"},
                                    {"startDate": "soon", "endDate": "2026-03-21"}])
def test_missing_tender_dates_are_not_assessed_never_passed(period):
    found = results(process(tenderPeriod=period))["short-submission-period"]
    assert found["result"] == "not_assessed"
    assert found["missing"]


def test_a_deadline_before_the_start_is_not_assessed():
    period = {"startDate": "2026-03-21", "endDate": "2026-03-01"}
    assert result(process(tenderPeriod=period), "short-submission-period") == "not_assessed"


@pytest.mark.parametrize("method, tenderers, expected", [
    ("open", 1, "flagged"), ("selective", 1, "flagged"), ("open", 2, "not_flagged"),
    ("direct", 1, "not_assessed"), ("limited", 1, "not_assessed"), (None, 1, "not_assessed"), ("open", None, "not_assessed"),
])
def test_single_bid_counts_only_in_a_competitive_procedure(method, tenderers, expected):
    compiled = process(procurementMethod=method, numberOfTenderers=tenderers)
    assert result(compiled, "single-bid") == expected


def test_single_bid_counts_the_tenderers_listed_when_their_number_is_not_given():
    compiled = process(numberOfTenderers=None, tenderers=[{"id": "s1", "name": "Acme"}])
    assert result(compiled, "single-bid") == "flagged"


@pytest.mark.parametrize("method, amount, currency, expected", [
    ("direct", 100_000, USD, "flagged"), ("limited", 250_000, USD, "flagged"), ("direct", 99_999, USD, "not_flagged"),
    ("open", 5_000_000, USD, "not_flagged"),
    ("direct", 5_000_000, "EUR", "not_assessed"),  # another currency is never compared with the threshold
    ("direct", 5_000_000, None, "not_assessed"),
])
def test_non_competitive_method_above_the_threshold(method, amount, currency, expected):
    compiled = process(procurementMethod=method)
    compiled["contracts"][0]["value"] = value(amount, currency)
    assert result(compiled, "non-competitive-above-threshold") == expected


def test_non_competitive_threshold_amount_and_currency_are_settings():
    compiled = process(procurementMethod="direct")
    compiled["contracts"][0]["value"] = value(60_000, "EUR")
    assert result(compiled, "non-competitive-above-threshold",
                  thresholds=Thresholds(non_competitive_amount=50_000, non_competitive_currency="EUR")) == "flagged"


def test_non_competitive_value_in_two_currencies_is_never_summed():
    compiled = process(procurementMethod="direct")
    compiled["contracts"].append({"id": "c2", "status": "active", "value": value(90_000, "EUR")})
    compiled["contracts"][0]["value"] = value(90_000)
    assert result(compiled, "non-competitive-above-threshold") == "not_assessed"


def releases_with_amendment(original, current, currency=USD):
    first = process()
    first["id"], first["date"] = "r1", "2026-04-01T00:00:00Z"
    first["contracts"][0]["value"] = value(original)
    second = copy.deepcopy(first)
    second["id"], second["date"] = "r2", "2026-05-01T00:00:00Z"
    second["contracts"][0]["value"] = value(current, currency)
    compiled = copy.deepcopy(second)
    return compiled, [first, second]


@pytest.mark.parametrize("current, expected", [(121_000, "flagged"), (120_000, "not_flagged"), (90_000, "not_flagged")])
def test_amendment_increase_over_the_share(current, expected):
    compiled, releases = releases_with_amendment(100_000, current)
    assert result(compiled, "amendment-increase", releases) == expected


def test_amendment_into_another_currency_is_not_compared():
    compiled, releases = releases_with_amendment(100_000, 500_000, currency="EUR")
    assert result(compiled, "amendment-increase", releases) == "not_assessed"


@pytest.mark.parametrize("awarded, currency, expected", [
    (121_000, USD, "flagged"), (120_000, USD, "not_flagged"), (200_000, "EUR", "not_assessed"), (200_000, None, "not_assessed"),
])
def test_award_above_the_estimate(awarded, currency, expected):
    compiled = process()
    compiled["awards"][0]["value"] = value(awarded, currency)
    assert result(compiled, "award-above-estimate") == expected


def test_award_above_the_estimate_without_an_estimate_is_not_assessed():
    compiled = process()
    del compiled["tender"]["value"]
    found = results(compiled)["award-above-estimate"]
    assert found["result"] == "not_assessed"
    assert found["missing"] == ["tender/value"]


def paid(compiled, *amounts, currency=USD, contract=0):
    compiled["contracts"][contract]["implementation"] = {
        "transactions": [{"id": str(i), "value": value(a, currency)} for i, a in enumerate(amounts)]}
    return compiled


@pytest.mark.parametrize("payments, currency, expected", [
    ((60_000, 40_000), USD, "not_flagged"), ((60_000, 40_001), USD, "flagged"),
    ((60_000, 60_000), "EUR", "not_assessed"),
])
def test_payments_exceeding_the_contracted_value(payments, currency, expected):
    assert result(paid(process(), *payments, currency=currency), "payments-exceed-contract") == expected


def test_payments_in_two_currencies_are_never_summed():
    compiled = paid(process(), 60_000, 60_000)
    compiled["contracts"][0]["implementation"]["transactions"][1]["value"]["currency"] = "EUR"
    assert result(compiled, "payments-exceed-contract") == "not_assessed"


def test_one_contract_paid_over_flags_the_process_even_if_another_has_no_payments():
    compiled = process()
    compiled["contracts"].append({"id": "c2", "status": "active", "value": value(10)})
    assert result(paid(compiled, 150_000), "payments-exceed-contract") == "flagged"
    compiled = process()
    compiled["contracts"].append({"id": "c2", "status": "active", "value": value(10)})
    assert result(paid(compiled, 50_000), "payments-exceed-contract") == "not_assessed"


def test_summary_lists_the_flagged_and_not_assessed_codes():
    compiled = paid(process(numberOfTenderers=1, tenderPeriod={}), 200_000)
    summary = summarize(compiled, None, indicator_thresholds=Thresholds())
    assert summary["indicator_flags"] == ["single-bid", "payments-exceed-contract"]
    assert summary["indicators_not_assessed"] == ["short-submission-period", "amendment-increase"]
    assert [r["code"] for r in summary["indicators"]] == list(INDICATORS)
