"""Timeliness: how soon releases reach the portal, how fresh processes are, stale tenders, late awards.

``modified`` is when the portal last stored the process (its record's ``modified``); ``now`` is
when the figures are computed, fixed for a whole computation so the figures are reproducible.
A date that is missing or not a date makes the process fail the measure that needs it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..access import obj, objs, text
from ..dates import parse_date
from ..vocabulary import N_
from .tally import Tally, merge_tallies

RECENT_DAYS = 90
AWARD_PUBLICATION_DAYS = 30
# Upper bounds (days, inclusive) of the publication lag buckets; the last bucket is open-ended.
LAG_BUCKETS = (("1", 1), ("7", 7), ("30", 30), ("90", 90), ("more", None))

MEASURES = {
    "lag_known": N_("Processes whose latest release date and portal date are both known"),
    "updated_recently": N_("Processes updated on the portal in the last 90 days"),
    "tender_closed_by_deadline": N_("Tenders past their deadline that no longer say they are open"),
    "award_published_within_30_days": N_("Awards published within 30 days of the award date"),
}


def _latest_release_date(compiled: dict, releases: list[dict]) -> datetime | None:
    dates = [parse_date(r.get("date")) for r in objs(releases)] or [parse_date(compiled.get("date"))]
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _award_first_published(award_id: str, releases: list[dict]) -> datetime | None:
    """The date of the earliest release that carries the award, if the releases are kept."""
    dates = [parse_date(r.get("date")) for r in objs(releases)
             if any(text(a.get("id")) == award_id for a in objs(r.get("awards")))]
    known = [d for d in dates if d is not None]
    return min(known) if known else None


class Timeliness:
    def __init__(self, now: datetime, tallies: dict[str, Tally] | None = None, lag: dict | None = None):
        self.now = now
        self.tallies = tallies or {name: Tally() for name in MEASURES}
        self.lag = lag or {"count": 0, "total_days": 0.0, "buckets": {name: 0 for name, _ in LAG_BUCKETS}}

    def add(self, ocid: str | None, compiled: dict, releases: list[dict] | None, modified: object) -> None:
        compiled, releases = obj(compiled), objs(releases)
        stored = modified if isinstance(modified, datetime) else parse_date(modified)
        if stored is not None and stored.tzinfo is None:
            stored = stored.replace(tzinfo=self.now.tzinfo)
        self._add_lag(ocid, _latest_release_date(compiled, releases), stored)
        self.tallies["updated_recently"].add(
            stored is not None and self.now - stored <= timedelta(days=RECENT_DAYS), ocid)
        self._add_tender(ocid, obj(compiled.get("tender")))
        for award in objs(compiled.get("awards")):
            self._add_award(ocid, award, releases, stored)

    def _add_lag(self, ocid, released: datetime | None, stored: datetime | None) -> None:
        known = released is not None and stored is not None
        self.tallies["lag_known"].add(known, ocid)
        if not known:
            return
        days = max((stored - released).total_seconds() / 86400, 0.0)  # clocks disagree: no lag
        self.lag["count"] += 1
        self.lag["total_days"] += days
        bucket = next(name for name, bound in LAG_BUCKETS if bound is None or days <= bound)
        self.lag["buckets"][bucket] += 1

    def _add_tender(self, ocid, tender: dict) -> None:
        """Of the tenders whose deadline has passed, how many no longer say "active".

        An active tender whose deadline is missing or unreadable can't be shown to be open
        legitimately, so it fails; any other tender without a deadline isn't counted.
        """
        deadline = parse_date(obj(tender.get("tenderPeriod")).get("endDate"))
        still_active = tender.get("status") == "active"
        if deadline is None:
            if still_active:
                self.tallies["tender_closed_by_deadline"].add(False, ocid)
            return
        if deadline <= self.now:
            self.tallies["tender_closed_by_deadline"].add(not still_active, ocid)

    def _add_award(self, ocid, award: dict, releases: list[dict], stored: datetime | None) -> None:
        awarded = parse_date(award.get("date"))
        award_id = text(award.get("id"))
        published = (_award_first_published(award_id, releases) if award_id else None) or stored
        on_time = (awarded is not None and published is not None
                   and published - awarded <= timedelta(days=AWARD_PUBLICATION_DAYS))
        self.tallies["award_published_within_30_days"].add(on_time, ocid)

    def merge(self, other: "Timeliness") -> None:
        merge_tallies(self.tallies, other.tallies)
        self.now = max(self.now, other.now)
        self.lag["count"] += other.lag["count"]
        self.lag["total_days"] += other.lag["total_days"]
        for name, count in other.lag["buckets"].items():
            self.lag["buckets"][name] = self.lag["buckets"].get(name, 0) + count

    def to_json(self) -> dict:
        count = self.lag["count"]
        lag = dict(self.lag, buckets=dict(self.lag["buckets"]),
                   mean_days=round(self.lag["total_days"] / count, 2) if count else None)
        measures = {name: dict(tally.to_json(), label=MEASURES[name]) for name, tally in self.tallies.items()}
        return {"measures": measures, "lag": lag}

    @classmethod
    def from_json(cls, data: dict, now: datetime) -> "Timeliness":
        measures = obj(data.get("measures"))
        tallies = {name: Tally.from_json(obj(measures.get(name))) for name in MEASURES}
        stored_lag = obj(data.get("lag"))
        lag = {"count": int(stored_lag.get("count", 0)), "total_days": float(stored_lag.get("total_days", 0)),
               "buckets": {name: int(obj(stored_lag.get("buckets")).get(name, 0)) for name, _ in LAG_BUCKETS}}
        return cls(now, tallies, lag)
