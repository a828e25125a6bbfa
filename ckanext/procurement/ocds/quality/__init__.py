"""Publication quality: what a publisher publishes, how completely, how timely and how correctly.

Knows nothing of CKAN. An :class:`Accumulator` is fed one contracting process at a time (its
compiled release, its releases if kept, and when the portal last stored it), so the figures are
computed in one streaming pass with bounded memory; accumulators of several publishers add up
(:meth:`Accumulator.merge`) and round-trip through JSON (:meth:`to_json`, :meth:`from_json`), so
a portal can store each publisher's figures and add them into the site's.

Bad data never raises: it fails the measure or check that needs it and its process is listed.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..access import obj, text
from ..dates import parse_date
from ..schema import PACKAGED_SCHEMA
from .checks import CHECKS, FAILED, UNREADABLE, Checks
from .coverage import FIELDS, USEFUL_FIELDS, Coverage
from .maturity import RUNGS, ladder
from .timeliness import MEASURES as TIMELINESS_MEASURES
from .timeliness import Timeliness
from .trend import Trend, quarter_of
from .trend import report as trend_report
from .validation import Validation

__all__ = ["Accumulator", "CHECKS", "FIELDS", "RUNGS", "TIMELINESS_MEASURES", "USEFUL_FIELDS", "ladder"]

FORMAT_VERSION = 1
# unique tender ids compares processes with each other (across quarters and publishers): not per quarter
TREND_CHECKS = tuple(name for name in CHECKS if name != "unique_tender_ids")


def _differences(after: dict[str, tuple[int, int]], before: dict[str, tuple[int, int]]) -> dict[str, list[int]]:
    return {name: [part - before[name][0], whole - before[name][1]] for name, (part, whole) in after.items()}


class Accumulator:
    """Quality figures over the processes added so far."""

    def __init__(self, now: datetime | None = None, schema_location: str = PACKAGED_SCHEMA,
                 ocid_prefixes: tuple[str, ...] | None = None):
        """``ocid_prefixes``: the ocid prefixes registered to the publisher, checked on every
        process (an empty tuple: none is registered, every process fails); ``None``: not checked."""
        self.now = now or datetime.now(timezone.utc)
        self.processes = 0
        self.ocid_prefixes = tuple(ocid_prefixes) if ocid_prefixes is not None else None
        self.coverage = Coverage()
        self.timeliness = Timeliness(self.now)
        self.validation = Validation(schema_location)
        self.checks = Checks()
        self.trend = Trend()

    def add(self, compiled: dict, releases: list[dict] | None = None, modified: datetime | str | None = None,
            ocid: str | None = None, validated: list | None = None) -> list:
        """Count one process. ``modified``: when the portal last stored it (naive = UTC).

        ``validated``: the schema validation result this returned for the same releases before
        (kept by the caller, e.g. by the releases' hash), to skip validating them again.
        Returns the validation result.
        """
        compiled = obj(compiled)
        ocid = ocid or text(compiled.get("ocid"))
        self.processes += 1
        before = self._counters()
        self.coverage.add(ocid, compiled, releases)
        self.timeliness.add(ocid, compiled, releases, modified)
        self.checks.add(ocid, compiled, self.ocid_prefixes)
        self._add_to_trend(quarter_of(compiled, releases, self.now), before)
        return self.validation.add(ocid, compiled, releases, validated)

    def _counters(self) -> tuple[dict, dict, dict]:
        """The counters the trend follows: what a process adds to them is its part of its quarter."""
        stages = {name: tally.met for name, tally in self.coverage.stages.items()}
        timeliness = {name: (tally.met, tally.total) for name, tally in self.timeliness.tallies.items()}
        checks = {name: (tally.counts[FAILED] + tally.counts[UNREADABLE], sum(tally.counts.values()))
                  for name, tally in self.checks.tallies.items() if name in TREND_CHECKS}
        return stages, timeliness, checks

    def _add_to_trend(self, quarter: str, before: tuple[dict, dict, dict]) -> None:
        (stages, timeliness, checks), (stages_before, timeliness_before, checks_before) = self._counters(), before
        self.trend.add(quarter, {name: count - stages_before[name] for name, count in stages.items()},
                       _differences(timeliness, timeliness_before), _differences(checks, checks_before))


    def merge(self, other: "Accumulator") -> "Accumulator":
        """Add ``other``'s processes (of another publisher) into these figures; returns self."""
        self.processes += other.processes
        self.now = max(self.now, other.now)
        if other.ocid_prefixes is not None:
            self.ocid_prefixes = tuple(sorted(set(self.ocid_prefixes or ()) | set(other.ocid_prefixes)))
        self.trend.merge(other.trend)
        self.coverage.merge(other.coverage)
        self.timeliness.merge(other.timeliness)
        self.validation.merge(other.validation)
        self.checks.merge(other.checks)
        return self

    def to_json(self) -> dict:
        """Every figure, JSON-serialisable; :meth:`from_json` reads it back."""
        figures = {"format": FORMAT_VERSION, "computed_at": self.now.isoformat(), "processes": self.processes}
        figures.update(self.coverage.to_json())
        figures["timeliness"] = self.timeliness.to_json()
        figures["schema"] = self.validation.to_json()
        checks = self.checks.to_json()
        figures["checks"] = checks["results"]
        figures["tender_ids"] = checks["tender_ids"]
        figures["ocid_prefixes"] = list(self.ocid_prefixes) if self.ocid_prefixes is not None else None
        figures["trend"] = self.trend.to_json()
        return figures

    @classmethod
    def from_json(cls, data: dict, schema_location: str = PACKAGED_SCHEMA) -> "Accumulator":
        data = obj(data)
        now = parse_date(data.get("computed_at")) or datetime.now(timezone.utc)
        prefixes = data.get("ocid_prefixes")
        accumulator = cls(now, schema_location, [str(p) for p in prefixes] if isinstance(prefixes, list) else None)
        accumulator.trend = Trend(obj(data.get("trend")))
        accumulator.processes = int(data.get("processes", 0))
        accumulator.coverage = Coverage.from_json(data)
        accumulator.timeliness = Timeliness.from_json(obj(data.get("timeliness")), now)
        accumulator.validation = Validation(schema_location, obj(data.get("schema")))
        accumulator.checks = Checks.from_json({"results": data.get("checks"), "tender_ids": data.get("tender_ids")})
        return accumulator

    def report(self, bulk: bool | None = None) -> dict:
        """The figures for people and the API: without the tender-id digests, with the maturity ladder."""
        figures = self.to_json()
        del figures["tender_ids"]
        figures["trend"] = trend_report(figures["trend"], tuple(figures["stages"]), tuple(TIMELINESS_MEASURES),
                                        TREND_CHECKS)
        figures["maturity"] = ladder(figures, bulk)
        return figures
