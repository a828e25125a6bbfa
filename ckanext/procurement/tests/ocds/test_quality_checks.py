"""Coherence checks and schema validation: each count is known by construction; bad data fails, never raises."""

from __future__ import annotations

import pytest

from ckanext.procurement.ocds.quality import CHECKS, Accumulator
from ckanext.procurement.ocds.quality.tally import MAX_EXAMPLES

from .quality_processes import NOW, award, contract, process, value


def results(*processes) -> dict:
    accumulator = Accumulator(NOW)
    for compiled in processes:
        accumulator.add(compiled, None, "2024-05-02T00:00:00Z")
    return accumulator.to_json()


def check(name, *processes) -> tuple:
    result = results(*processes)["checks"][name]
    return (result["passed"], result["failed"], result["unreadable"], result["examples"]["failed"],
            result["examples"]["unreadable"])


def test_every_check_has_a_plain_language_explanation():
    figures = results(process(1))["checks"]
    assert set(figures) == set(CHECKS)
    assert all(figures[name]["explanation"].endswith(".") for name in CHECKS)


def period(start, end):
    return {"id": "t", "tenderPeriod": {"startDate": start, "endDate": end}}


def test_tender_period_starts_before_it_ends():
    assert check("tender_period_in_order",
                 process(1, tender=period("2024-01-01", "2024-02-01")),
                 process(2, tender=period("2024-03-01", "2024-02-01")),
                 process(3, tender=period(None, "2024-02-01")),  # a missing date fails as unreadable
                 process(4, tender={"id": "t"}),  # no period: not applicable
                 ) == (1, 1, 1, ["ocds-test-002"], ["ocds-test-003"])


def test_awards_are_dated_after_the_tender_ends():
    tender = period("2024-01-01", "2024-02-01")
    assert check("award_after_tender_end",
                 process(1, tender=tender, awards=[award(1, date="2024-02-10T00:00:00Z")]),
                 process(2, tender=tender, awards=[award(1, date="2024-02-10"), award(2, date="2024-01-15")]),
                 process(3, tender=tender, awards=[award(1, date=5)]),
                 process(4, awards=[award(1, date="2024-01-15")]),  # no tender period: not applicable
                 ) == (1, 1, 1, ["ocds-test-002"], ["ocds-test-003"])


def test_contracts_are_signed_after_their_award():
    awarded = [award(1, date="2024-02-10T00:00:00Z")]
    assert check("contract_signed_after_award",
                 process(1, awards=awarded, contracts=[contract(1, "award-1", dateSigned="2024-02-20T00:00:00Z")]),
                 process(2, awards=awarded, contracts=[contract(1, "award-1", dateSigned="2024-02-01T00:00:00Z")]),
                 process(3, awards=awarded, contracts=[contract(1, "award-1", dateSigned="")]),
                 process(4, awards=awarded, contracts=[contract(1, "award-9", dateSigned="2024-01-01")]),  # no award
                 ) == (1, 1, 1, ["ocds-test-002"], ["ocds-test-003"])


def test_number_of_tenderers_equals_the_tenderers_listed():
    two = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
    assert check("number_of_tenderers_matches",
                 process(1, tender={"id": "t", "numberOfTenderers": 2, "tenderers": two}),
                 process(2, tender={"id": "t", "numberOfTenderers": 3, "tenderers": two}),
                 process(3, tender={"id": "t", "numberOfTenderers": "2", "tenderers": two}),  # a string
                 process(4, tender={"id": "t", "numberOfTenderers": 2}),  # nobody listed: not applicable
                 ) == (1, 1, 1, ["ocds-test-002"], ["ocds-test-003"])


@pytest.mark.parametrize("contracted, expected", [
    (value(50), "passed"), (value(150), "passed"), (value(49.99), "failed"), (value(151), "failed"),
    (value("100"), "unreadable"), (value(100, "EUR"), "unreadable"),
])
def test_contract_value_is_within_50_to_150_percent_of_the_award(contracted, expected):
    compiled = process(1, awards=[award(1, value=value(100))], contracts=[contract(1, "award-1", value=contracted)])
    result = results(compiled)["checks"]["contract_value_near_award"]
    assert result[expected] == 1 and result["applicable"] == 1


def test_no_negative_amounts_anywhere():
    payment = {"implementation": {"transactions": [{"id": "p", "value": value(-5)}]}}
    assert check("no_negative_amounts",
                 process(1, planning={"budget": {"amount": value(10)}}, tender={"id": "t", "value": value(0)}),
                 process(2, contracts=[contract(1, "a", value=value(10), **payment)]),
                 process(3, awards=[award(1, value=value("-1"))]),  # a string: unreadable
                 process(4),  # no amount: not applicable
                 ) == (1, 1, 1, ["ocds-test-002"], ["ocds-test-003"])


def test_direct_procurement_has_at_most_one_tenderer():
    def direct(number, **tender):
        return process(number, tender={"id": "t", "procurementMethod": "direct", **tender})
    assert check("direct_procurement_single_tenderer",
                 direct(1, numberOfTenderers=1),
                 direct(2, tenderers=[{"name": "A"}, {"name": "B"}]),
                 direct(3, numberOfTenderers=None, tenderers=[{"name": "A"}]),  # null: the list counts
                 direct(4, numberOfTenderers=[1]),
                 process(5, tender={"id": "t", "procurementMethod": "open", "numberOfTenderers": 9}),
                 ) == (2, 1, 1, ["ocds-test-002"], ["ocds-test-004"])


def test_tender_ids_are_unique_across_processes_and_across_publishers():
    first, second = Accumulator(NOW), Accumulator(NOW)
    first.add(process(1, tender={"id": "T-1"}))
    first.add(process(2, tender={"id": "T-1"}))  # duplicate within the publisher
    first.add(process(3, tender={"id": "T-2"}))
    second.add(process(4, tender={"id": "T-2"}))  # duplicate across publishers, found when added up
    second.add(process(5, tender={"id": "T-5"}))
    result = first.merge(second).to_json()["checks"]["unique_tender_ids"]
    assert (result["passed"], result["failed"]) == (3, 2)
    assert result["examples"]["failed"] == ["ocds-test-002", "ocds-test-004"]


def test_bad_data_of_every_kind_never_raises():
    weird = [None, 3, "x", [], {"tender": []}, process(1, tender=[1], awards={"a": 1}, contracts=[{"value": []}]),
             process(2, tender={"tenderPeriod": "2024", "numberOfTenderers": True, "tenderers": "A"},
                     awards=[{"id": {"x": 1}, "date": []}], contracts=[{"awardID": [], "dateSigned": {}}])]
    accumulator = Accumulator(NOW)
    for compiled in weird:
        accumulator.add(compiled, releases=[None, "x", {"date": 3}], modified=object())
    assert accumulator.report()["processes"] == len(weird)


def test_examples_are_bounded_and_the_same_whatever_the_order():
    processes = [process(n, tender=period("2024-03-01", "2024-02-01")) for n in range(MAX_EXAMPLES + 10)]
    forward, backward = Accumulator(NOW), Accumulator(NOW)
    for compiled in processes:
        forward.add(compiled)
    for compiled in reversed(processes):
        backward.add(compiled)
    failed = forward.to_json()["checks"]["tender_period_in_order"]
    assert failed["failed"] == MAX_EXAMPLES + 10
    assert failed["examples"]["failed"] == [f"ocds-test-{n:03d}" for n in range(MAX_EXAMPLES)]
    backward_failed = backward.to_json()["checks"]["tender_period_in_order"]
    assert backward_failed == failed


def test_schema_errors_are_counted_by_keyword_and_path_with_the_processes_affected():
    result = results(
        process(1),  # valid
        process(2, awards=[award(1, value=value("100")), award(2, value=value("5"))]),
        process(3, awards=[award(1, value=value("7"))], tender={"id": "t", "status": "bogus"}),
        process(4, tender={"title": "no id"}),
    )["schema"]
    assert (result["processes"], result["valid_processes"]) == (4, 1)
    assert result["errors"]["type:awards/value/amount"] == {
        "count": 3, "processes": 2, "examples": ["ocds-test-002", "ocds-test-003"]}
    assert result["errors"]["required:tender/id"]["examples"] == ["ocds-test-004"]
    assert set(result["errors"]) == {"type:awards/value/amount", "required:tender/id", "enum:tender/status"}


def test_the_releases_are_validated_when_they_are_kept(fictional_releases, fictional_compiled):
    accumulator = Accumulator(NOW)
    broken = dict(fictional_releases[0], date=20240101)
    accumulator.add(fictional_compiled, fictional_releases[1:] + [broken])
    result = accumulator.to_json()["schema"]
    assert (result["releases"], result["valid_releases"]) == (len(fictional_releases), len(fictional_releases) - 1)
    assert list(result["errors"]) == ["type:date"]


def test_a_validation_result_kept_from_before_is_counted_instead_of_validating_again():
    accumulator = Accumulator(NOW)
    invalid = process(1, tender={"status": "bogus"})
    result = accumulator.add(invalid)
    assert result[:2] == [1, 0] and "enum:tender/status" in result[2]
    accumulator.add(invalid, validated=[1, 1, {}])  # trusted as given
    accumulator.add(process(2, tender={"status": "bogus"}), validated=["not", "a", "result"])  # validated anew
    figures = accumulator.to_json()["schema"]
    assert (figures["processes"], figures["valid_processes"]) == (3, 1)
    assert figures["errors"]["enum:tender/status"]["processes"] == 2


def test_the_ocid_prefix_registered_to_the_publisher():
    accumulator = Accumulator(NOW, ocid_prefixes=("ocds-test",))
    accumulator.add(process(1))  # ocds-test-001: its publisher's prefix
    accumulator.add(dict(process(2), ocid="ocds-other1-002"), ocid="ocds-other1-002")
    accumulator.add(dict(process(3), ocid="ocds-testing-003"), ocid="ocds-testing-003")  # not the prefix plus "-"
    result = accumulator.to_json()["checks"]["registered_ocid_prefix"]
    assert (result["passed"], result["failed"], result["examples"]["failed"]) == (
        1, 2, ["ocds-other1-002", "ocds-testing-003"])
    assert accumulator.to_json()["ocid_prefixes"] == ["ocds-test"]


def test_no_prefix_registered_fails_every_process_and_unknown_prefixes_are_not_checked():
    none_registered = Accumulator(NOW, ocid_prefixes=())
    none_registered.add(process(1))
    none_registered.add(process(2))
    result = none_registered.to_json()["checks"]["registered_ocid_prefix"]
    assert (result["passed"], result["failed"]) == (0, 2)
    assert none_registered.to_json()["ocid_prefixes"] == []

    unknown = Accumulator(NOW)
    unknown.add(process(1))
    assert unknown.to_json()["checks"]["registered_ocid_prefix"]["applicable"] == 0
    assert unknown.to_json()["ocid_prefixes"] is None


def _example_releases() -> list[dict]:
    import json
    from pathlib import Path

    found = []
    for path in sorted((Path(__file__).parents[1] / "data" / "ocds").rglob("*.json")):
        data = json.loads(path.read_text())
        found += data.get("releases") or [r.get("compiledRelease") for r in data.get("records") or []] or [data]
    return [r for r in found if isinstance(r, dict)]


def _mutations(release: dict) -> list[dict]:
    """What publishers get wrong: strings for numbers, a number for a string, a bool for an integer,
    an unknown code, a missing required field, an object where a list belongs."""
    import copy

    mutated = []
    for change in (
        lambda r: r.setdefault("tender", {}).update(value={"amount": "100", "currency": "USD"}),
        lambda r: r.update(id=12),
        lambda r: r.setdefault("tender", {}).update(numberOfTenderers=True),
        lambda r: r.setdefault("tender", {}).update(numberOfTenderers=1.5),
        lambda r: r.update(initiationType="auction"),
        lambda r: r.pop("ocid"),
        lambda r: r.update(awards={"id": "a"}),
        lambda r: r.update(tag=[]),
        lambda r: r.update(date="not a date"),
    ):
        copied = copy.deepcopy(release)
        change(copied)
        mutated.append(copied)
    return mutated


def test_the_fast_validator_agrees_with_jsonschema_and_changes_nothing():
    """The compiled validator only lets through what jsonschema finds valid: never a release with errors."""
    import copy

    from ckanext.procurement.ocds.quality import validation

    from ckanext.procurement.ocds.schema import load_release_schema

    shared = load_release_schema(validation.PACKAGED_SCHEMA)  # every caller's: compiling leaves it as it is
    schema_before = copy.deepcopy(shared)
    validation._fast_validator.cache_clear()
    releases = _example_releases()
    assert len(releases) > 50
    checked = releases + [m for r in releases[:10] for m in _mutations(r)]
    slow = validation._validator(validation.PACKAGED_SCHEMA)
    for release in checked:
        before = copy.deepcopy(release)
        fast_valid = validation._is_valid_fast(release, validation.PACKAGED_SCHEMA)
        assert release == before  # no default filled in
        assert fast_valid == (not list(slow.iter_errors(release))), release.get("id")
    assert shared == schema_before
