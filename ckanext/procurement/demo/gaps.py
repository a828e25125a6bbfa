"""The demo's deliberate publication gaps, for the publication quality page to find and name.

A real purchasing system publishes some processes badly; so does the demo, in a few processes
chosen by their index (every :data:`EVERY`-th, at different offsets, never a hostile one's offset):
contracts without their signed document, awards published long after they were decided (their
date is :data:`LATE_AWARD_DAYS` before the release that publishes them), and contracts signed
before their award (incoherent dates).
"""

from __future__ import annotations

EVERY = 20
LATE_AWARD_DAYS = 45
SIGNED_BEFORE_AWARD_DAYS = 3


def without_contract_document(index: int) -> bool:
    return index % EVERY == 6


def late_award(index: int) -> bool:
    return index % EVERY == 11


def signed_before_award(index: int) -> bool:
    return index % EVERY == 16
