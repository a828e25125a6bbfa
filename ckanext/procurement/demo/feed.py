"""The city's purchasing system as a feed: the clock, paging through releases, and the controls tests use.

:class:`PurchasingSystem` holds the seed, the clock and a small cache of
rendered processes; every process is computed on demand from ``(seed, index)``,
so a page of 100 releases out of 100,000 processes costs the same as the first
page. :meth:`PurchasingSystem.advance` moves the clock forward and the releases
dated before it become visible, as in a real system where tenders close, awards
are made and payments are posted.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from .changes import change_release
from .ocds import OCID_PREFIX, format_datetime, midnight, parse_datetime
from .plans import Plan, make_plan
from .releases import Process, render_process
from .vendors import build_vendors


class CursorError(ValueError):
    """An opaque paging cursor that this system did not issue."""


def encode_cursor(index: int, position: int, clock: datetime) -> str:
    raw = f"v1:{index}:{position}:{int(clock.timestamp())}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, datetime]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, index, position, clock = raw.split(":")
        if version != "v1" or int(index) < 0 or int(position) < 0:
            raise ValueError(raw)
        return int(index), int(position), datetime.fromtimestamp(int(clock), timezone.utc)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError) as error:
        raise CursorError(f"invalid cursor: {cursor!r}") from error


@dataclass
class Page:
    releases: list[dict]
    next_cursor: str | None
    clock: datetime


class PageWalk:
    """Iterating gives a page's releases, a list per process; then ``next_cursor`` is known."""

    def __init__(self, system: "PurchasingSystem", limit: int, cursor: str | None, since: datetime | None):
        if cursor:
            self._index, self._position, self.clock = decode_cursor(cursor)
        else:
            self._index, self._position, self.clock = 0, 0, system.now
        self._system, self._limit, self._since = system, limit, since
        self.next_cursor: str | None = None

    def __iter__(self) -> Iterator[list[dict]]:
        system, since, clock = self._system, self._since, self.clock
        index, position, count = self._index, self._position, 0
        while index < system.n and count < self._limit:
            if since is not None and not system._has_releases(index, since, clock):
                index, position = index + 1, 0
                continue
            releases = system.releases(index, clock, since)
            chunk = releases[position:position + self._limit - count]
            count += len(chunk)
            if chunk:
                yield chunk
            if position + len(chunk) < len(releases):
                position += len(chunk)
                break
            index, position = index + 1, 0
        # Skip ahead over empty processes so the last page has no "next" link.
        while index < system.n and position == 0 and not system._listed(index, since, clock):
            index += 1
        self.next_cursor = encode_cursor(index, position, clock) if index < system.n else None


class PurchasingSystem:
    """The purchasing system of the City of Springfield, with a clock.

    ``processes`` contracting processes are generated from ``seed``; ``start``
    (a date or datetime, default: today, UTC midnight) is the clock when the
    system starts. Releases dated after the clock are not published yet.

    Thread-safe: the server shares one instance between request threads.
    """

    def __init__(self, processes: int = 500, seed: int = 42, start: date | datetime | str | None = None,
                 hostile: bool = False, cache_size: int = 64):
        if processes < 0:
            raise ValueError("processes must be >= 0")
        self.n = processes
        self.seed = seed
        self.hostile = hostile
        self.start = midnight(start)
        self.now = self.start
        self.vendors = build_vendors(seed)
        self._lock = threading.RLock()
        self._cache: OrderedDict[int, Process] = OrderedDict()
        self._cache_size = cache_size
        self._removed: set[int] = set()
        self._changes: dict[int, list[datetime]] = {}
        self._change_cache: dict[tuple[int, int], dict] = {}
        self._index_lock = threading.Lock()
        self._dates: array | None = None  # release timestamps of every process, flattened
        self._offsets: array | None = None
        #: How many processes were rendered into releases (tests use it to check laziness).
        self.render_count = 0
        #: How many plans were drawn.
        self.plan_count = 0

    # -- identity
    def ocid(self, index: int) -> str:
        return self.plan(index).ocid

    def index_of(self, ocid: str) -> int:
        """The index of the process with ``ocid``; KeyError if there is none."""
        prefix = f"{OCID_PREFIX}-"
        try:
            if not ocid.startswith(prefix):
                raise ValueError(ocid)
            index = int(ocid.rsplit("-", 1)[1]) - 1
        except (ValueError, IndexError):
            raise KeyError(ocid) from None
        if not 0 <= index < self.n or self.ocid(index) != ocid:
            raise KeyError(ocid)
        return index

    # -- generation
    def plan(self, index: int) -> Plan:
        if not 0 <= index < self.n:
            raise IndexError(index)
        self.plan_count += 1
        return make_plan(self.seed, index, self.start)

    def process(self, index: int) -> Process:
        """Process ``index`` with all its releases, including future ones (cached)."""
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        process = render_process(self.plan(index), self.vendors, self.hostile)
        with self._lock:
            self.render_count += 1
            self._cache[index] = process
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return process

    def releases(self, index: int, until: datetime | None = None, since: datetime | None = None) -> list[dict]:
        """The published releases of process ``index`` at ``until`` (default: the clock), after ``since``.

        Removed processes have none.
        """
        with self._lock:
            if index in self._removed:
                return []
            until = until or self.now
            changes = list(self._changes.get(index, ()))
        process = self.process(index)
        result = process.visible(until, since)
        if changes:
            extra = [self._change_release(process, n, when) for n, when in enumerate(changes, 1)
                     if when <= until and (since is None or when > since)]
            if extra:
                result = sorted(result + extra, key=lambda r: r["date"])
        return result

    def stage(self, index: int, at: datetime | None = None) -> str | None:
        """The stage of process ``index`` at ``at`` (default: the clock)."""
        return self.plan(index).stage_at(at or self.now)

    def iter_processes(self, until: datetime | None = None) -> Iterator[tuple[int, list[dict]]]:
        """``(index, releases)`` of every process with published releases."""
        for index in range(self.n):
            releases = self.releases(index, until)
            if releases:
                yield index, releases

    # -- paging
    def build_index(self, stop: threading.Event | None = None) -> bool:
        """Build the index of release dates used by ``since`` queries (plans only: about
        8 s per 100,000 processes). Done on first use; the server does it in a background
        thread at start-up, which ``stop`` can interrupt. Returns whether the index is built.
        """
        return self._release_dates(stop) is not None

    def _release_dates(self, stop: threading.Event | None = None) -> tuple[array, array] | None:
        """Timestamps of every scheduled release, flattened, with per-process offsets."""
        with self._index_lock:
            if self._dates is None:
                dates, offsets = array("q"), array("q", [0])
                for index in range(self.n):
                    if stop is not None and index % 1000 == 0 and stop.is_set():
                        return None
                    plan = make_plan(self.seed, index, self.start)
                    dates.extend(int(e.when.timestamp()) for e in plan.events if e.kind != "deadline")
                    offsets.append(len(dates))
                self._dates, self._offsets = dates, offsets
            return self._dates, self._offsets

    def _has_releases(self, index: int, since: datetime, until: datetime) -> bool:
        with self._lock:
            if index in self._removed:
                return False
            if any(since < when <= until for when in self._changes.get(index, ())):
                return True
        dates, offsets = self._release_dates()
        low, high = offsets[index], offsets[index + 1]
        position = bisect.bisect_right(dates, int(since.timestamp()), low, high)
        return position < high and dates[position] <= int(until.timestamp())

    def page(self, limit: int = 100, cursor: str | None = None, since: datetime | None = None) -> Page:
        """One page of releases in (process, date) order.

        The cursor pins the clock of the first page, so a walk through all the
        pages sees one consistent state even if the clock moves meanwhile.
        """
        walk = self.page_walk(limit, cursor, since)
        releases = [release for chunk in walk for release in chunk]
        return Page(releases, walk.next_cursor, walk.clock)

    def page_walk(self, limit: int = 100, cursor: str | None = None, since: datetime | None = None) -> "PageWalk":
        """The page of :meth:`page`, produced process by process (the server streams it);
        raises CursorError at once for a bad cursor."""
        return PageWalk(self, max(1, limit), cursor, since)

    def record_page(self, limit: int = 100, cursor: str | None = None,
                    since: datetime | None = None) -> tuple[list[tuple[int, list[dict]]], str | None, datetime]:
        """One page of ``(index, releases)`` for record packages: every published release of each
        process, for processes with a release after ``since`` (if given)."""
        limit = max(1, limit)
        if cursor:
            index, _, clock = decode_cursor(cursor)
        else:
            index, clock = 0, self.now
        result = []
        while index < self.n and len(result) < limit:
            if self._listed(index, since, clock):
                releases = self.releases(index, clock)
                if releases:
                    result.append((index, releases))
            index += 1
        while index < self.n and not self._listed(index, since, clock):
            index += 1
        return result, (encode_cursor(index, 0, clock) if index < self.n else None), clock

    def _listed(self, index: int, since: datetime | None, clock: datetime) -> bool:
        """Whether a feed read at ``clock`` lists process ``index``: not removed and, with ``since``, changed after it."""
        if since is None:
            return not self._is_removed(index)
        return self._has_releases(index, since, clock)

    def _is_removed(self, index: int) -> bool:
        with self._lock:
            return index in self._removed

    # -- controls
    def advance(self, days: float = 1) -> datetime:
        """Move the clock forward (or back, with negative days); returns the new clock."""
        with self._lock:
            self.now = self.now + timedelta(days=days)
            return self.now

    def remove(self, ocid: str) -> None:
        index = self.index_of(ocid)
        with self._lock:
            self._removed.add(index)

    def restore(self, ocid: str) -> None:
        index = self.index_of(ocid)
        with self._lock:
            self._removed.discard(index)

    def change(self, ocid: str) -> dict:
        """Publish a new release of ``ocid`` dated at the clock, and return it.

        With a signed contract it is an implementation release with one more
        payment (or, if the contract is fully paid, a contract update); before
        that, a tender (or planning) update with a revised description.
        """
        index = self.index_of(ocid)
        with self._lock:
            published = self.releases(index)
            if not published:
                raise KeyError(f"{ocid} has no published release")
            latest = parse_datetime(published[-1]["date"])
            when = self.now
            if when <= latest:  # keep dates strictly increasing; the clock moves with it
                when = latest + timedelta(seconds=1)
                self.now = when
            self._changes.setdefault(index, []).append(when)
            number = len(self._changes[index])
        return self._change_release(self.process(index), number, when)

    def reset(self) -> None:
        """Back to the starting clock, with no removals and no changes."""
        with self._lock:
            self.now = self.start
            self._removed.clear()
            self._changes.clear()
            self._change_cache.clear()

    def state(self) -> dict:
        with self._lock:
            return {
                "processes": self.n,
                "seed": self.seed,
                "hostile": self.hostile,
                "start": format_datetime(self.start),
                "now": format_datetime(self.now),
                "removed": sorted(self.ocid(i) for i in self._removed),
                "changed": {self.ocid(i): len(v) for i, v in sorted(self._changes.items())},
            }

    def _change_release(self, process: Process, number: int, when: datetime) -> dict:
        key = (process.index, number)
        with self._lock:
            cached = self._change_cache.get(key)
        if cached is not None:
            return cached
        previous_changes = [self._change_cache.get((process.index, n)) for n in range(1, number)]
        history = sorted(process.visible(when) + [r for r in previous_changes if r], key=lambda r: r["date"])
        release = change_release(history, number, when)
        with self._lock:
            self._change_cache[key] = release
        return release


def generate(n: int = 500, seed: int = 42, start: date | datetime | str | None = None, hostile: bool = False,
             until: datetime | None = None) -> Iterator[list[dict]]:
    """Yield each process as its list of releases published at ``until`` (default: ``start``).

    Deterministic: the same ``n``, ``seed`` and ``start`` give the same releases.
    Processes are computed one at a time, so memory does not grow with ``n``.
    """
    system = PurchasingSystem(processes=n, seed=seed, start=start, hostile=hostile, cache_size=1)
    until = until or system.start
    for index in range(n):
        releases = system.releases(index, until)
        if releases:
            yield releases
