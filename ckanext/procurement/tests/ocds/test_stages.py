"""The stage and value rules, each in one place: the summary, the timeline and the index read them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ckanext.procurement.ocds import (
    STAGES,
    VALUE_PRECEDENCE,
    best_value,
    compile_releases,
    furthest_stage,
    published_stages,
    summarize,
)
from ckanext.procurement.ocds.access import release_tags

NOW = datetime(2011, 2, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("count", range(1, 7))
def test_the_summary_stage_is_the_furthest_published_one(schema, fictional_releases, count):
    releases = fictional_releases[:count]
    compiled = compile_releases(releases, schema)
    published = published_stages(compiled, releases)
    stage = summarize(compiled, releases, now=NOW)["stage"]
    assert stage == furthest_stage(compiled, releases) == max(published, key=STAGES.index)
    # every stage up to the furthest one is published in the fictional process
    assert published == set(STAGES[:STAGES.index(stage) + 1])


@pytest.mark.parametrize(("tender", "tags", "published"), [
    ({"status": "planned", "tenderPeriod": {"startDate": "2010-02-01T00:00:00Z"}}, ["planning"], False),
    ({"status": "planning"}, ["tender"], False),  # the status says it isn't out yet
    ({"status": "active"}, ["planning"], True),
    ({"status": "closed"}, [], True),  # a status outside the codelist: past planning all the same
    ({"tenderPeriod": {"endDate": "2010-04-01T18:00:00Z"}}, [], True),
    ({}, ["tenderUpdate"], True),
    ({}, ["planning"], False),
])
def test_when_the_tender_is_published(tender, tags, published):
    compiled = {"tender": tender, "awards": [{"id": "a1"}]}
    releases = [{"id": "r1", "tag": tags}]
    assert ("tender" in published_stages(compiled, releases)) is published
    assert furthest_stage(compiled, releases) == "award"


@pytest.mark.parametrize(("tag", "tags"), [
    ("tender", ["tender"]),  # a lone string, as some feeds publish
    (["award", "contract"], ["award", "contract"]),
    (["award", None, 3, {"x": 1}], ["award"]),
    ({"tender": True}, []),
    (None, []),
])
def test_release_tags(tag, tags):
    assert release_tags({"tag": tag}) == tags


def test_tags_that_are_objects_do_not_break_the_summary():
    # a release whose tag holds an object (normalize_release warns but keeps it) used to raise
    # TypeError (unhashable) while the stage was derived
    releases = [{"ocid": "ocds-x-1", "id": "1", "tag": [{"tender": True}], "date": "2010-01-01T00:00:00Z"}]
    summary = summarize({"ocid": "ocds-x-1", "tender": {"id": "t"}}, releases, now=NOW)
    assert (summary["stage"], summary["status"]) == ("planning", "planned")


@pytest.mark.parametrize(("amounts", "best"), [
    ({"contract_value": 5, "award_value": 4, "tender_value": 3, "budget_amount": 2}, ("contract_value", 5)),
    ({"contract_value": None, "award_value": 4, "tender_value": 3}, ("award_value", 4)),
    ({"contract_value": "", "award_value": None, "tender_value": 0, "budget_amount": 2}, ("tender_value", 0)),
    ({"budget_amount": 2.5}, ("budget_amount", 2.5)),
    ({"value": 7}, None),
])
def test_which_value_counts(amounts, best):
    assert VALUE_PRECEDENCE == ("contract_value", "award_value", "tender_value", "budget_amount")
    assert best_value(amounts) == best
