"""The key measures per calendar quarter of the processes' dates, to show a publisher's trend.

A process belongs to the quarter of its first release's date (of its compiled release when no
releases are kept): the quarter it started in. Per quarter are kept only counters that add up
(processes, stages published, timeliness measures met of counted, checks failed of applicable),
fed with what one process added to the whole figures, so the trend costs no second pass.
Dates outside a plausible range (before 1990, or more than a year after ``now``) and processes
without a readable date go to :data:`UNDATED`, which also bounds how many quarters are kept.
"""

from __future__ import annotations

from datetime import datetime

from ..access import obj, objs
from ..dates import parse_date

UNDATED = "undated"
FIRST_YEAR = 1990


def _first_date(compiled: dict, releases: list[dict] | None) -> datetime | None:
    dates = [parse_date(r.get("date")) for r in objs(releases)] or [parse_date(obj(compiled).get("date"))]
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def quarter_of(compiled: dict, releases: list[dict] | None, now: datetime) -> str:
    """``2024-Q1``, or :data:`UNDATED`."""
    first = _first_date(compiled, releases)
    if first is None or not FIRST_YEAR <= first.year <= now.year + 1:
        return UNDATED
    return f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def _empty() -> dict:
    return {"processes": 0, "stages": {}, "timeliness": {}, "checks": {}}


class Trend:
    """quarter -> counters; :meth:`add` takes what one process added (see :meth:`Accumulator.add`)."""

    def __init__(self, quarters: dict | None = None):
        self.quarters: dict[str, dict] = {}
        for quarter, data in obj(quarters).items():
            data = obj(data)
            self.quarters[str(quarter)] = {
                "processes": int(data.get("processes", 0)),
                "stages": {k: int(v) for k, v in obj(data.get("stages")).items()},
                "timeliness": {k: [int(v[0]), int(v[1])] for k, v in obj(data.get("timeliness")).items()
                               if isinstance(v, list) and len(v) == 2},
                "checks": {k: [int(v[0]), int(v[1])] for k, v in obj(data.get("checks")).items()
                           if isinstance(v, list) and len(v) == 2},
            }

    def add(self, quarter: str, stages: dict[str, int], timeliness: dict[str, list[int]],
            checks: dict[str, list[int]]) -> None:
        """One process: the stages it publishes (1/0), and per measure and check [met or failed, counted]."""
        counters = self.quarters.setdefault(quarter, _empty())
        counters["processes"] += 1
        _add_counts(counters["stages"], stages)
        _add_pairs(counters["timeliness"], timeliness)
        _add_pairs(counters["checks"], checks)

    def merge(self, other: "Trend") -> None:
        for quarter, theirs in other.quarters.items():
            mine = self.quarters.setdefault(quarter, _empty())
            mine["processes"] += theirs["processes"]
            _add_counts(mine["stages"], theirs["stages"])
            _add_pairs(mine["timeliness"], theirs["timeliness"])
            _add_pairs(mine["checks"], theirs["checks"])

    def to_json(self) -> dict:
        """Quarters in order (undated last); the raw counters, which :meth:`__init__` reads back."""
        ordered = sorted(self.quarters, key=lambda q: (q == UNDATED, q))
        return {quarter: self.quarters[quarter] for quarter in ordered}


def _add_counts(mine: dict[str, int], theirs: dict[str, int]) -> None:
    for name, count in theirs.items():
        if count:
            mine[name] = mine.get(name, 0) + count


def _add_pairs(mine: dict[str, list[int]], theirs: dict[str, list[int]]) -> None:
    for name, (part, whole) in theirs.items():
        if whole:
            pair = mine.setdefault(name, [0, 0])
            pair[0] += part
            pair[1] += whole


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def report(trend: dict, stages: tuple[str, ...], measures: tuple[str, ...], checks: tuple[str, ...]) -> list[dict]:
    """Rows for people and the API, one per quarter: shares of processes per stage, timeliness
    shares met, and per check the processes failing it (failed or unreadable) of those it applies to."""
    rows = []
    for quarter, counters in trend.items():
        processes = counters["processes"]
        rows.append({
            "quarter": quarter,
            "processes": processes,
            "stages": {s: _share(counters["stages"].get(s, 0), processes) for s in stages},
            "timeliness": {m: _share(*counters["timeliness"].get(m, [0, 0])) for m in measures},
            "checks": {c: {"failed": counters["checks"].get(c, [0, 0])[0],
                           "applicable": counters["checks"].get(c, [0, 0])[1]} for c in checks},
        })
    return rows
