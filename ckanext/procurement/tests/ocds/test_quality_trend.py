"""The trend by quarter: each quarter's figures are known by construction."""

from __future__ import annotations

import json

from ckanext.procurement.ocds.quality import Accumulator

from .quality_processes import NOW, award, process, value


def trend(accumulator: Accumulator) -> dict:
    return {row["quarter"]: row for row in accumulator.report()["trend"]}


def test_processes_count_in_the_quarter_of_their_first_release():
    accumulator = Accumulator(NOW)
    accumulator.add(process(1, date="2024-05-01T00:00:00Z"), [
        {"ocid": "ocds-test-001", "id": "1", "date": "2023-12-31T23:00:00Z", "tag": ["tender"]},
        {"ocid": "ocds-test-001", "id": "2", "date": "2024-05-01T00:00:00Z", "tag": ["award"]}])
    accumulator.add(process(2, date="2024-02-01T00:00:00Z"))  # no releases kept: the compiled release's date
    accumulator.add(process(3, date="2024-03-31T00:00:00Z"))
    accumulator.add(process(4, date="not a date"))
    accumulator.add(process(5, date="1200-01-01T00:00:00Z"))  # not plausible
    rows = accumulator.report()["trend"]
    assert [(row["quarter"], row["processes"]) for row in rows] == [
        ("2023-Q4", 1), ("2024-Q1", 2), ("undated", 2)]


def test_each_quarter_has_stage_coverage_timeliness_and_check_failures():
    accumulator = Accumulator(NOW)
    late = award(1, date="2024-01-05T00:00:00Z", value=value(10))  # stored 2024-05-02: published late
    accumulator.add(process(1, date="2024-01-10T00:00:00Z", tender={"id": "t1", "status": "complete"}, awards=[late]),
                    None, "2024-05-02T00:00:00Z")
    accumulator.add(process(2, date="2024-02-10T00:00:00Z", tender={"id": "t2", "status": "active"}),
                    None, "2024-05-02T00:00:00Z")
    reversed_period = {"id": "t3", "tenderPeriod": {"startDate": "2024-05-03", "endDate": "2024-05-01"}}
    on_time = award(1, date="2024-04-20T00:00:00Z")
    accumulator.add(process(3, date="2024-04-10T00:00:00Z", tender=reversed_period, awards=[on_time]),
                    None, "2024-05-02T00:00:00Z")
    rows = trend(accumulator)
    first, second = rows["2024-Q1"], rows["2024-Q2"]
    assert first["processes"] == 2 and second["processes"] == 1
    assert (first["stages"]["tender"], first["stages"]["award"], first["stages"]["contract"]) == (1.0, 0.5, 0.0)
    assert second["stages"]["award"] == 1.0
    assert first["timeliness"]["award_published_within_30_days"] == 0.0
    assert second["timeliness"]["award_published_within_30_days"] == 1.0
    assert first["checks"]["tender_period_in_order"] == {"failed": 0, "applicable": 0}
    assert second["checks"]["tender_period_in_order"] == {"failed": 1, "applicable": 1}
    assert "unique_tender_ids" not in first["checks"]


def test_the_trend_round_trips_and_adds_up_across_publishers():
    first, second, whole = Accumulator(NOW), Accumulator(NOW), Accumulator(NOW)
    for number, date in ((1, "2023-11-01"), (2, "2024-01-01")):
        first.add(process(number, date=date))
        whole.add(process(number, date=date))
    second.add(process(3, date="2024-02-01"))
    whole.add(process(3, date="2024-02-01"))
    stored = [Accumulator.from_json(json.loads(json.dumps(a.to_json()))) for a in (first, second)]
    merged = stored[0].merge(stored[1])
    assert merged.report()["trend"] == whole.report()["trend"]
    assert [(row["quarter"], row["processes"]) for row in merged.report()["trend"]] == [("2023-Q4", 1), ("2024-Q1", 2)]
