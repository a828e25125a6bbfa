"""Dates, numbers and money as a resident reads them, in the reader's language.

Used by the template helpers (``procurement_money``, ``procurement_date``, ...) and by the
process page's view model (``lifecycle``), which both import it: neither imports the other for it.
"""
from __future__ import annotations

import datetime
from typing import Any

from ckan.lib import formatters


def _locale() -> str:
    try:
        from ckan.lib.i18n import get_lang

        return get_lang() or "en"
    except Exception:  # outside a request (the Atom feed builder, scripts)
        return "en"


def format_money(amount: Any, currency: str | None = None) -> str:
    """An amount in the reader's language: `$1,234,567.50`, `£11,000,000.00`, `1.100.000,00 GBP` (es).

    No currency means US dollars; a currency code Babel doesn't know is shown as published."""
    if amount in (None, ""):
        return ""
    try:
        number = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    code = currency.strip().upper() if isinstance(currency, str) and currency.strip() else "USD"
    try:
        from babel.numbers import format_currency, format_decimal, is_currency

        if not is_currency(code):  # not ISO 4217: digits, then the code as published
            return f"{format_decimal(number, format='#,##0.00', locale=_locale())} {code}"
        return format_currency(number, code, locale=_locale())
    except Exception:  # an unknown locale or an odd code: plain digits and the code
        sign = "-" if number < 0 else ""
        text = f"{abs(number):,.2f}"
        return f"{sign}${text}" if code == "USD" else f"{sign}{text} {code}"


def format_number(value: Any) -> str:
    """A number in the reader's language (1,234 or 1.234)."""
    try:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=_locale())
    except Exception:
        return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def parse_datetime(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def format_date(value: Any, with_time: bool = False) -> str:
    """A date as residents read it; the value as published if it is not a date."""
    parsed = parse_datetime(value)
    if parsed is None:
        return str(value or "")
    if with_time and (parsed.hour or parsed.minute):
        return formatters.localised_nice_date(parsed, show_date=True, with_hours=True)
    return formatters.localised_nice_date(parsed, show_date=True)


def days_left(value: Any) -> int | None:
    """Whole days until a deadline (0 on the day), None once it has passed."""
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    now = datetime.datetime.now(parsed.tzinfo or None)
    if parsed < now:
        return None
    return (parsed - now).days
