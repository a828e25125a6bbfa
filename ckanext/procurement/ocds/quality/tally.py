"""Counters that add up across processes and organizations and serialise to JSON.

A :class:`Tally` counts how many of the things a measure looks at (processes, awards,
suppliers, ...) are fine, and lists a bounded, deterministic sample of the processes that are
not: the smallest ocids, so that two tallies added in any order list the same ones.
"""

from __future__ import annotations

import bisect
from typing import Iterable

# How many ocids a measure lists; the counts are always complete.
MAX_EXAMPLES = 20


def add_example(examples: list[str], ocid: str, limit: int = MAX_EXAMPLES) -> None:
    """Insert ``ocid`` into the sorted ``examples`` unless present, keeping at most ``limit``."""
    index = bisect.bisect_left(examples, ocid)
    if index < len(examples) and examples[index] == ocid:
        return
    if index < limit:
        examples.insert(index, ocid)
        del examples[limit:]


def merge_examples(first: Iterable[str], second: Iterable[str], limit: int = MAX_EXAMPLES) -> list[str]:
    return sorted(set(first) | set(second))[:limit]


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places; ``None`` when there is nothing to count."""
    return round(part / whole, 4) if whole else None


class Tally:
    """Of ``total`` things, ``met`` are fine; ``examples`` are processes with one that is not."""

    def __init__(self, met: int = 0, total: int = 0, examples: list[str] | None = None):
        self.met, self.total, self.examples = met, total, list(examples or [])

    def add(self, ok: bool, ocid: str | None) -> None:
        self.total += 1
        if ok:
            self.met += 1
        elif ocid:
            add_example(self.examples, ocid)

    def merge(self, other: "Tally") -> None:
        self.met += other.met
        self.total += other.total
        self.examples = merge_examples(self.examples, other.examples)

    def to_json(self) -> dict:
        return {"met": self.met, "total": self.total, "share": share(self.met, self.total),
                "examples": list(self.examples)}

    @classmethod
    def from_json(cls, data: dict) -> "Tally":
        return cls(int(data.get("met", 0)), int(data.get("total", 0)), data.get("examples"))


def merge_tallies(mine: dict[str, Tally], theirs: dict[str, Tally]) -> None:
    for name, tally in theirs.items():
        mine.setdefault(name, Tally()).merge(tally)
