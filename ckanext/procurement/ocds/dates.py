"""Parsing OCDS dates.

OCDS dates are ISO 8601 date-times with a timezone, but real feeds also publish
date-only values (``2015-08-03``), fractional seconds (``.000000Z``) and naive
times. Everything here keeps the published string for display and only parses
it to compare or to take its calendar year.
"""

from __future__ import annotations

from datetime import date, datetime, timezone


def parse_date(value: object) -> datetime | None:
    """Return ``value`` as an aware :class:`datetime`, or ``None`` if it isn't an ISO 8601 date.

    Naive values (no timezone) are read as UTC, so that they compare with aware ones.
    Date-only values are midnight of that day.
    """
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    # Python < 3.11 doesn't accept "Z"; normalise it so the behaviour is the same everywhere.
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
        if len(text) > 10:  # something after the date that isn't a valid time
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def date_sort_key(value: object) -> tuple:
    """Sort key putting valid dates in chronological order and missing or invalid ones last.

    Use it with :func:`sorted` (which is stable) so that equal keys keep their input order.
    """
    parsed = parse_date(value)
    if parsed is None:
        return (1,)
    return (0, parsed)
