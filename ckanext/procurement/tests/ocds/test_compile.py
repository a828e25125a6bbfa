"""Compiling with ocdsmerge: equal to the published compiled releases; our stable date order."""

from __future__ import annotations

import copy
import json
import random

import pytest

from ckanext.procurement.ocds import (
    FeedReader,
    Problem,
    compile_releases,
    group_by_ocid,
    merge_order,
    normalize_release,
    releases_hash,
    versioned_release,
)

from .conftest import FICTIONAL_OCID, example_files


def test_fictional_compiles_to_the_published_compiled_release(schema, fictional_releases, fictional_compiled):
    compiled = compile_releases(fictional_releases, schema)
    # Exactly equal, including tag ["compiled"], id "{ocid}-{latest date}" and date.
    assert compiled == fictional_compiled
    assert compiled["id"] == f"{FICTIONAL_OCID}-2011-01-10T09:30:00Z"
    assert compiled["tag"] == ["compiled"]


def test_input_order_of_dated_releases_does_not_matter(schema, fictional_releases, fictional_compiled):
    shuffled = fictional_releases[:]
    random.Random(4).shuffle(shuffled)
    assert [r["id"] for r in shuffled] != [r["id"] for r in fictional_releases]
    assert compile_releases(shuffled, schema) == fictional_compiled


def test_input_is_not_modified(schema, fictional_releases):
    before = copy.deepcopy(fictional_releases)
    compile_releases(fictional_releases, schema)
    assert fictional_releases == before


def _release(rid, date, title, **extra):
    release = {"ocid": "ocds-abcdef-1", "id": rid, "tag": ["tender"], "tender": {"id": "t", "title": title}, **extra}
    if date is not None:
        release["date"] = date
    return release


def test_equal_dates_keep_input_order(schema):
    a = _release("a", "2024-01-01T00:00:00Z", "first")
    b = _release("b", "2024-01-01T00:00:00Z", "second")
    assert compile_releases([a, b], schema)["tender"]["title"] == "second"
    assert compile_releases([b, a], schema)["tender"]["title"] == "first"


def test_dates_compare_as_instants_not_strings(schema):
    # 10:00+02:00 is 08:00Z, earlier than 09:00Z, though it sorts later as a string.
    east = _release("east", "2024-01-01T10:00:00+02:00", "east")
    utc = _release("utc", "2024-01-01T09:00:00Z", "utc")
    assert [r["id"] for r in merge_order([utc, east])] == ["east", "utc"]
    compiled = compile_releases([utc, east], schema)
    assert compiled["tender"]["title"] == "utc"
    assert compiled["date"] == "2024-01-01T09:00:00Z"


def test_undated_releases_go_last_in_input_order(schema):
    undated1 = _release("u1", None, "undated 1")
    undated2 = _release("u2", "not a date", "undated 2")
    dated = _release("d", "2024-05-01T00:00:00Z", "dated")
    assert [r["id"] for r in merge_order([undated1, dated, undated2])] == ["d", "u1", "u2"]
    compiled = compile_releases([undated1, dated, undated2], schema)
    assert compiled["tender"]["title"] == "undated 2"
    # The compiled release keeps the latest real date (ocdsmerge would take the undated one's).
    assert compiled["date"] == "2024-05-01T00:00:00Z"
    assert compiled["id"] == "ocds-abcdef-1-2024-05-01T00:00:00Z"


def test_single_release_is_compiled_too(schema, fictional_releases):
    compiled = compile_releases([fictional_releases[1]], schema)
    assert compiled["tag"] == ["compiled"]
    assert compiled["id"] == f"{FICTIONAL_OCID}-2010-03-15T09:30:00Z"
    assert "tag" in fictional_releases[1]


def test_null_removes_a_field(schema):
    first = _release("a", "2024-01-01T00:00:00Z", "x", buyer={"id": "b", "name": "Buyer"})
    second = _release("b", "2024-01-02T00:00:00Z", "x", buyer={"name": None})
    assert compile_releases([first, second], schema)["buyer"] == {"id": "b"}


def test_empty_input():
    with pytest.raises(ValueError):
        compile_releases([], {})


def test_versioned_release(schema, fictional_releases):
    versioned = versioned_release(fictional_releases, schema)
    history = versioned["tender"]["tenderPeriod"]["endDate"]
    assert [(v["releaseID"], v["value"]) for v in history] == [
        (f"{FICTIONAL_OCID}-02-tender", "2010-04-01T18:00:00Z"),
        (f"{FICTIONAL_OCID}-03-tenderAmendment", "2010-04-08T18:00:00Z"),
    ]


# Colombia and Canada publish records with a compiledRelease made by their own tools. Ours is
# equal except for two legitimate differences:
# - `id`: they keep the last release's id; OCDS (and ocdsmerge) make it "{ocid}-{date}".
# - empty objects ({}) and nulls: merging drops them (null means "remove"; {} carries no data),
#   while Colombia's compiledRelease copies `tender.enquiryPeriod: {}` and `packageInfo.uri: null`.
def _without_empties(value):
    if isinstance(value, dict):
        cleaned = {k: _without_empties(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, {})}
    if isinstance(value, list):
        return [_without_empties(v) for v in value]
    return value


@pytest.mark.parametrize("path", example_files("*/records/*.json"), ids=lambda p: p.name)
def test_real_records_compile_to_their_compiled_release(schema, path):
    record = json.loads(path.read_text())
    with path.open("rb") as f:
        reader = FeedReader(f)
        releases = []
        for release, position, problems in reader.normalized_releases():
            assert not [p for p in problems if p.severity == "error"]
            releases.append(release)
    problems: list[Problem] = []
    compiled = compile_releases(releases, schema, problems=problems)
    published = record["compiledRelease"]
    assert compiled["id"] == f"{published['ocid']}-{published['date']}"
    assert {k: v for k, v in compiled.items() if k != "id"} == _without_empties(
        {k: v for k, v in published.items() if k != "id"})
    assert all(p.severity == "warning" and p.ocid == published["ocid"] for p in problems)


def test_duplicate_ids_are_reported_as_problems(schema):
    path = example_files("colombia/records/ocds-k50g02-16-12-5280389.json")[0]
    releases = json.loads(path.read_text())["releases"]
    problems: list[Problem] = []
    compile_releases(releases, schema, problems=problems)
    assert problems
    assert all("Multiple objects have the `id` value" in p.message for p in problems)
    assert any("`awards` array" in p.message for p in problems)


@pytest.mark.parametrize("path", example_files("*/releases/*.json"), ids=lambda p: p.name)
def test_real_bare_releases_compile(schema, path):
    release, problems = normalize_release(json.loads(path.read_text()))
    assert not [p for p in problems if p.severity == "error"]
    compiled = compile_releases([release], schema, problems=[])
    assert compiled["ocid"] == release["ocid"]
    assert compiled["date"] == release["date"]
    assert compiled["tag"] == ["compiled"]
    if "contracts" in release:
        assert {c["id"] for c in compiled["contracts"]} == {c["id"] for c in release["contracts"]}


def test_releases_hash(fictional_releases):
    digest = releases_hash(fictional_releases)
    assert len(digest) == 64
    assert releases_hash(list(reversed(fictional_releases))) == digest  # distinct dates: order is irrelevant
    changed = copy.deepcopy(fictional_releases)
    changed[4]["contracts"][0]["value"]["amount"] = 11000001
    assert releases_hash(changed) != digest
    # With equal dates the input order decides the compiled result, so it changes the hash.
    a = _release("a", "2024-01-01T00:00:00Z", "first")
    b = _release("b", "2024-01-01T00:00:00Z", "second")
    assert releases_hash([a, b]) != releases_hash([b, a])


def test_group_by_ocid(fictional_releases):
    other = _release("x", "2024-01-01T00:00:00Z", "other")
    no_ocid = {"id": "n", "date": "2024-01-01T00:00:00Z"}
    groups = group_by_ocid([fictional_releases[0], other, no_ocid, fictional_releases[1]])
    assert list(groups) == [FICTIONAL_OCID, "ocds-abcdef-1"]
    assert [r["id"] for r in groups[FICTIONAL_OCID]] == [fictional_releases[0]["id"], fictional_releases[1]["id"]]
