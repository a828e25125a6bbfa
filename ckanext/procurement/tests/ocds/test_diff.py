"""release_changes(): what each release changed in the compiled state."""

from __future__ import annotations

import copy
import time

from ckanext.procurement.ocds import compile_releases, release_changes

from .conftest import FICTIONAL_OCID


def changes_by_path(entry):
    return {c["path"]: (c["before"], c["after"]) for c in entry["changes"]}


def test_fictional_history(schema, fictional_releases):
    history = release_changes(fictional_releases, schema)
    assert [(h["id"], h["tag"]) for h in history] == [(r["id"], r["tag"]) for r in fictional_releases]
    assert all(not h["truncated"] and h["change_count"] == len(h["changes"]) for h in history)

    first = changes_by_path(history[0])
    assert first["ocid"] == (None, FICTIONAL_OCID)
    assert first["tender/title"] == (None, "Planned cycle lane improvements")
    assert first["planning/budget/amount/amount"] == (None, 6700000)
    # A new object in an array is one change with the whole object.
    assert first["parties[id=GB-LAC-E09000003]"][0] is None
    assert first["parties[id=GB-LAC-E09000003]"][1]["name"] == "London Borough of Barnet"
    assert "id" not in first and "date" not in first and "tag" not in first  # never merged

    amendment = history[2]
    assert amendment["id"] == f"{FICTIONAL_OCID}-03-tenderAmendment"
    assert amendment["date"] == "2010-03-20T09:45:00Z"
    assert amendment["tag"] == ["tenderAmendment"]
    changes = changes_by_path(amendment)
    assert changes["tender/tenderPeriod/endDate"] == ("2010-04-01T18:00:00Z", "2010-04-08T18:00:00Z")
    assert changes["tender/hasEnquiries"] == (False, True)
    assert changes["tender/documents[id=6.0]"][0] is None
    assert changes["tender/documents[id=6.0]"][1]["title"] == "Enquiry Responses"
    assert changes["tender/amendments[id=1.0]"][1]["rationale"].startswith("The tender period has been extended")
    # Everything else the release repeats unchanged is not a change.
    assert set(changes) == {"tender/tenderPeriod/endDate", "tender/hasEnquiries", "tender/documents[id=6.0]",
                            "tender/amendments[id=1.0]"}

    award = changes_by_path(history[3])
    assert award["tender/status"] == ("active", "complete")
    assert award["tender/numberOfTenderers"] == (None, 2)
    assert award[f"awards[id={FICTIONAL_OCID}-award-01]"][1]["status"] == "pending"

    contract = changes_by_path(history[4])
    assert contract[f"awards[id={FICTIONAL_OCID}-award-01]/status"] == ("pending", "active")
    assert contract[f"awards[id={FICTIONAL_OCID}-award-01]/date"] == ("2010-05-10T09:30:00Z", "2010-05-10T10:30:00Z")


def test_value_change_and_removal(schema, fictional_releases):
    amended = copy.deepcopy(fictional_releases[5])
    amended.update(id="r7", date="2011-03-01T00:00:00Z", tag=["contractAmendment"])
    amended["contracts"][0]["value"]["amount"] = 11500000
    amended["contracts"][0]["description"] = None  # null removes a field
    history = release_changes(fictional_releases + [amended], schema)
    assert history[-1]["changes"] == [
        {"path": f"contracts[id={FICTIONAL_OCID}-contract-01]/description",
         "before": "A contract has been signed between the Council and AnyCorp Ltd for construction of new cycle "
                   "lanes in the centre of town.",
         "after": None},
        {"path": f"contracts[id={FICTIONAL_OCID}-contract-01]/value/amount", "before": 11000000, "after": 11500000},
    ]


def test_whole_list_fields_are_one_change(schema, fictional_releases):
    changed = copy.deepcopy(fictional_releases[2])
    changed.update(id="r2b", date="2010-03-21T00:00:00Z")
    changed["tender"]["submissionMethod"] = ["electronicSubmission", "inPerson"]
    history = release_changes(fictional_releases[:3] + [changed], schema)
    assert history[-1]["changes"] == [{"path": "tender/submissionMethod", "before": ["electronicSubmission"],
                                       "after": ["electronicSubmission", "inPerson"]}]


def test_order_is_merge_order(schema, fictional_releases):
    history = release_changes(list(reversed(fictional_releases)), schema)
    assert [h["id"] for h in history] == [r["id"] for r in fictional_releases]


def test_cap_on_changes(schema, fictional_releases):
    history = release_changes(fictional_releases, schema, max_changes=3)
    first = history[0]
    assert first["truncated"] is True
    assert len(first["changes"]) == 3
    assert first["change_count"] > 3
    assert (history[2]["truncated"], history[2]["change_count"], len(history[2]["changes"])) == (True, 4, 3)
    assert release_changes(fictional_releases, schema, max_changes=4)[2]["truncated"] is False


def test_without_schema_uses_minimal_rules(fictional_releases):
    history = release_changes(fictional_releases, None)
    changes = changes_by_path(history[2])
    assert changes["tender/tenderPeriod/endDate"] == ("2010-04-01T18:00:00Z", "2010-04-08T18:00:00Z")


def test_hundred_releases_is_incremental_and_fast(schema, fictional_releases):
    base = fictional_releases[5]
    releases = []
    for i in range(100):
        release = copy.deepcopy(base)
        release.update(id=f"r{i}", date=f"2011-{1 + i // 28:02d}-{1 + i % 28:02d}T00:00:00Z")
        release["contracts"][0]["implementation"]["transactions"].append(
            {"id": f"t{i}", "date": release["date"], "value": {"amount": 100 + i, "currency": "GBP"}})
        releases.append(release)
    started = time.perf_counter()
    history = release_changes(releases, schema)
    elapsed = time.perf_counter() - started
    assert len(history) == 100
    assert history[50]["change_count"] == 1
    [change] = history[50]["changes"]
    assert change["path"] == f"contracts[id={FICTIONAL_OCID}-contract-01]/implementation/transactions[id=t50]"
    assert change["after"]["value"] == {"amount": 150, "currency": "GBP"}
    assert elapsed < 2, elapsed  # one merge per release; a full recompile per release would be far slower
    # The final state matches a plain compile.
    assert compile_releases(releases, schema)["contracts"][0]["implementation"]["transactions"][-1]["id"] == "t99"
