"""Nesting limits and identifying paths, on plain JSON."""
from __future__ import annotations

import json

from ckanext.procurement.naming import disambiguated_name, name_from_ocid
from ckanext.procurement.ocds import MAX_DEPTH, deeper_than, identifying_paths, json_deeper_than, normalize_release
from ckanext.procurement.ocds.depth import non_finite_path, nul_path, plainly_storable, surrogate_path


def _nested(levels: int) -> dict:
    value: dict = {}
    for level in range(levels - 1):
        value = [value] if level % 2 else {"x": value}  # objects and arrays both count
    return value


def test_depth_is_measured_without_recursion():
    assert not deeper_than(_nested(MAX_DEPTH)) and deeper_than(_nested(MAX_DEPTH + 1))
    assert deeper_than([[[]]], 2) and not deeper_than([[[]]], 3) and not deeper_than("text", 0)
    very_deep = "[" * 200_000 + "]" * 200_000
    assert json_deeper_than(very_deep.encode(), MAX_DEPTH)
    assert not json_deeper_than(json.dumps(_nested(MAX_DEPTH)).encode(), MAX_DEPTH)
    assert not json_deeper_than(b'{"broken": [', MAX_DEPTH)  # the parser reports invalid JSON, not this


def test_the_one_walk_passes_only_what_every_precise_walk_passes():
    fine = {"ocid": "o", "n": [1, 2.5, True, None, {"x": "text", "y": [[-0.0]]}], "deep": _nested(MAX_DEPTH - 1),
            "accents": "Bogotá D.C. — 10**300", "big": 10 ** 300, "€": "\U0001f4b6"}
    unstorable = [
        {"a": [{"b": "nul\x00inside"}]}, {"a": {"key\x00": 1}}, {"a": [1, float("inf")]}, {"a": {"b": float("nan")}},
        {"a": _nested(MAX_DEPTH)}, [{"a": -float("inf")}], {"a": ["lone \ud800"]}, {"a": {"k\udfff": 1}},
        {"a": {"amount": 10 ** 400}}, [-(10 ** 309)],
    ]
    assert plainly_storable(fine) and plainly_storable([]) and plainly_storable("text")
    for value in unstorable:
        assert not plainly_storable(value), value
        assert (deeper_than(value) or nul_path(value) is not None or surrogate_path(value) is not None
                or non_finite_path(value) is not None), value
    # what it doesn't know (a key that isn't text, another type) it leaves to the precise walks
    assert not plainly_storable({1: "a"}) and not plainly_storable({"a": (1,)})
    assert not deeper_than({1: "a"}) and nul_path({1: "a"}) is None


def test_a_release_that_cant_be_stored_is_an_error_naming_where():
    _, [nul] = normalize_release({"ocid": "ocds-213czf-1", "awards": [{"title": "a\x00b"}]}, "releases/0")
    _, [infinite] = normalize_release({"ocid": "ocds-213czf-1", "awards": [{"value": {"amount": float("inf")}}]})
    _, [surrogate] = normalize_release({"ocid": "ocds-213czf-1", "tender": {"description": "a\ud800"}}, "releases/1")
    _, [huge] = normalize_release({"ocid": "ocds-213czf-1", "tender": {"value": {"amount": 10 ** 400}}})
    assert nul.severity == "error" and nul.path == "releases/0/awards/0/title" and "NUL" in nul.message
    assert infinite.path == "awards/0/value/amount" and "too large" in infinite.message
    assert surrogate.path == "releases/1/tender/description" and "surrogate" in surrogate.message
    assert huge.path == "tender/value/amount" and "too large" in huge.message


def test_a_too_deep_release_is_an_error_naming_it():
    release = {"ocid": "ocds-213czf-1", "id": "1", "tender": _nested(5000)}
    _, problems = normalize_release(release, "releases/3")
    [problem] = problems
    assert problem.severity == "error" and problem.path == "releases/3" and problem.ocid == "ocds-213czf-1"
    assert f"{MAX_DEPTH} levels" in problem.message


def test_published_values_are_kept_and_reported():
    release = {"ocid": " ocds-213czf-1 ", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "parties": [],
               "tender": {"value": {"amount": 10, "currency": "mdl"}}}
    normalized, problems = normalize_release(release)
    assert normalized["ocid"] == "ocds-213czf-1" and normalized["tender"]["value"]["currency"] == "mdl"
    messages = [p.message for p in problems]
    assert any("'mdl' is not an ISO 4217 currency code; kept as published" in m for m in messages)
    assert all(p.severity == "warning" for p in problems)


def test_identifying_paths():
    assert identifying_paths(["ocid", "/id/", "parties/id", "tender/id", "id ", "parties"]) == ["ocid", "/id/", "id "]


def test_names_of_colliding_ocids_are_readable_and_stable():
    assert name_from_ocid("ocds-abc123-1/2") == name_from_ocid("ocds-abc123-1.2") == "ocds-abc123-1-2"
    assert disambiguated_name("ocds-abc123-1.2") == disambiguated_name("ocds-abc123-1.2")
    assert disambiguated_name("ocds-abc123-1.2") != disambiguated_name("ocds-abc123-1/2")
    assert disambiguated_name("ocds-abc123-1.2").startswith("ocds-abc123-1-2-")
    long_ocid = "ocds-abc123-" + "x" * 300
    assert len(disambiguated_name(long_ocid, 3)) <= 100
