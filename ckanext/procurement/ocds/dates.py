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


def fiscal_year(value: str | datetime | None, start_month: int = 7) -> int | None:
    """Return the fiscal year of a date: named by the calendar year in which it ends (US usage).

    With ``start_month=7`` (July–June), 2024-08-01 is in FY 2025 and 2024-06-30 in FY 2024.
    ``start_month=1`` gives the calendar year. The date's own (published) timezone is used.
    """
    parsed = value if isinstance(value, datetime) else parse_date(value)
    if parsed is None:
        return None
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1-12, got {start_month}")
    return parsed.year + 1 if start_month > 1 and parsed.month >= start_month else parsed.year
