"""Timeliness: publication lag, recent updates, tenders open after their deadline, awards within 30 days."""

from __future__ import annotations

from datetime import datetime, timezone

from ckanext.procurement.ocds.quality import Accumulator

from .quality_processes import NOW, award, process


def timeliness(*entries) -> dict:
    """entries: (compiled, releases, modified)."""
    accumulator = Accumulator(NOW)
    for compiled, releases, modified in entries:
        accumulator.add(compiled, releases, modified)
    return accumulator.to_json()["timeliness"]


def test_lag_from_the_latest_release_date_to_the_portal_date_in_buckets():
    result = timeliness(
        (process(1, date="2024-05-01T00:00:00Z"), None, "2024-05-01T12:00:00Z"),  # half a day
        (process(2, date="2024-05-01T00:00:00Z"), None, "2024-05-06T00:00:00Z"),  # 5 days
        (process(3), [{"date": "2024-01-01T00:00:00Z"}, {"date": "2024-04-01T00:00:00Z"}],
         datetime(2024, 4, 21, tzinfo=timezone.utc)),  # 20 days after the latest release
        (process(4, date="2024-05-01T00:00:00Z"), None, "2024-04-01T00:00:00Z"),  # stored "before": no lag
        (process(5, date="not a date"), None, "2024-05-01T00:00:00Z"),  # unreadable: listed
        (process(6), None, None),  # never stored: listed
    )
    assert result["lag"]["count"] == 4
    assert result["lag"]["buckets"] == {"1": 2, "7": 1, "30": 1, "90": 0, "more": 0}
    assert result["lag"]["mean_days"] == round((0.5 + 5 + 20 + 0) / 4, 2)
    known = result["measures"]["lag_known"]
    assert (known["met"], known["total"], known["examples"]) == (4, 6, ["ocds-test-005", "ocds-test-006"])


def test_share_of_processes_updated_in_the_last_90_days():
    result = timeliness(
        (process(1), None, "2024-05-31T00:00:00Z"),
        (process(2), None, "2024-03-04T00:00:00Z"),  # 89 days before NOW
        (process(3), None, "2024-01-01T00:00:00"),  # naive: read as UTC
        (process(4), None, "garbage"),
    )["measures"]["updated_recently"]
    assert (result["met"], result["total"], result["share"]) == (2, 4, 0.5)
    assert result["examples"] == ["ocds-test-003", "ocds-test-004"]


def test_tenders_still_open_after_their_deadline():
    def tender(number, status, end):
        return process(number, tender={"id": f"t{number}", "status": status, "tenderPeriod": {"endDate": end}})
    result = timeliness(
        (tender(1, "complete", "2024-05-01T00:00:00Z"), None, NOW),  # closed, deadline passed: fine
        (tender(2, "active", "2024-05-01T00:00:00Z"), None, NOW),  # still open after the deadline
        (tender(3, "active", "2024-07-01T00:00:00Z"), None, NOW),  # deadline ahead: not counted
        (tender(4, "active", "31/12/2023"), None, NOW),  # active, deadline unreadable: fails
        (tender(5, "cancelled", None), None, NOW),  # no deadline, not open: not counted
        (tender(6, "complete", "2024-04-01"), None, NOW),
        (tender(7, "unsuccessful", "2024-04-01"), None, NOW),
        (tender(8, "complete", "2024-04-01"), None, NOW),
    )["measures"]["tender_closed_by_deadline"]
    assert (result["met"], result["total"], result["examples"]) == (4, 6, ["ocds-test-002", "ocds-test-004"])


def test_awards_published_within_30_days_of_the_award_date():
    def carrying(award_id, date):
        return {"date": date, "awards": [{"id": award_id}]}
    releases = [carrying("award-1", "2024-01-20T00:00:00Z"), carrying("award-2", "2024-03-01T00:00:00Z"),
                carrying("award-1", "2024-05-01T00:00:00Z")]  # a later update doesn't make award-1 late
    awards = [award(1, date="2024-01-10T00:00:00Z"), award(2, date="2024-01-10T00:00:00Z")]
    result = timeliness(
        (process(1, awards=awards), releases, "2024-05-01T00:00:00Z"),
        # without releases the award reached the portal when the record was stored
        (process(2, awards=[award(1, date="2024-04-20T00:00:00Z")]), None, "2024-05-01T00:00:00Z"),
        (process(3, awards=[award(1, date=20240101)]), None, "2024-05-01T00:00:00Z"),  # no date: fails
    )["measures"]["award_published_within_30_days"]
    assert (result["met"], result["total"], result["share"]) == (2, 4, 0.5)
    assert result["examples"] == ["ocds-test-001", "ocds-test-003"]
