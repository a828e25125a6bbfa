"""Converting a cell (a CSV string or what openpyxl reads) to an OCDS field's value.

Numbers as accounting exports print them (``$1,234.50``, ``(12.00)``, ``5-``), dates in the
forms US and European systems use (and Excel's date cells and serial numbers), yes/no, and
``;``-separated lists. A value that can't be converted raises :class:`ConversionError`, whose
message completes "``"<value>" ...``" in a warning.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

_NUMBER = re.compile(r"\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"\+?\d{1,3}(,\d{3})+(\.\d*)?")
_SLASH_DATE = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?)?"
)
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NAMED_MONTH_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y",
                        "%d %B %Y")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_TRUE = frozenset(["true", "yes", "y", "1", "t"])
_FALSE = frozenset(["false", "no", "n", "0", "f"])


class ConversionError(ValueError):
    """A cell can't become the field's type; the message says what it is not ("is not a date")."""


def cell_text(value: object) -> str | None:
    """A cell as text: stripped; integral floats without ``.0``; dates as ISO dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ConversionError("is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ConversionError("is not a number")
        return Decimal(repr(value))
    text = str(value).strip()
    negative = text.startswith("(") and text.endswith(")")  # accounting notation
    if negative:
        text = text[1:-1]
    text = re.sub(r"[\s$€£]|USD", "", text)
    if text.startswith("-") != text.endswith("-"):  # -5, or 5- as some ERPs print it
        negative = not negative
        text = text[1:] if text.startswith("-") else text[:-1]
    if "," in text:  # only as a thousands separator: "1.000,00" must not become 1
        if not _GROUPED_NUMBER.fullmatch(text):
            raise ConversionError("is not a number")
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise ConversionError("is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ConversionError("is not a number") from None
    return -number if negative else number


def json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _format_datetime(moment: datetime, tz: tzinfo) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    offset = moment.utcoffset() or timedelta(0)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if not offset:
        return text + "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def to_datetime(value: object, tz: tzinfo, date_order: str) -> str:
    if isinstance(value, datetime):
        return _format_datetime(value, tz)
    if isinstance(value, date):
        return _format_datetime(datetime.combine(value, time()), tz)
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # an Excel serial date
        if 1 <= value < 2958466:
            return _format_datetime(_EXCEL_EPOCH + timedelta(days=value), tz)
        raise ConversionError("is not a date")
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            year, month, day = (int(p) for p in text.split("-"))
            return _format_datetime(datetime(year, month, day), tz)
        if re.match(r"\d{4}-\d{2}-\d{2}[T ]\d", text):
            return _format_datetime(datetime.fromisoformat(text.replace("z", "Z")), tz)
        match = _SLASH_DATE.fullmatch(text)
        if match:
            first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
            month, day = (first, second) if date_order == "MDY" else (second, first)
            year = int(year) if len(year) == 4 else (2000 + int(year) if int(year) < 70 else 1900 + int(year))
            hour, minute, second_ = (int(match.group(i) or 0) for i in (4, 5, 6))
            meridiem = (match.group(7) or "").replace(".", "").lower()
            if meridiem:
                if not 1 <= hour <= 12:
                    raise ValueError("hour")
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
            return _format_datetime(datetime(year, month, day, hour, minute, second_), tz)
        match = _YMD_SLASH.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
        if match:
            parts = [int(p or 0) for p in match.groups()]
            return _format_datetime(datetime(*parts), tz)
        for pattern in _NAMED_MONTH_FORMATS:
            try:
                return _format_datetime(datetime.strptime(text, pattern), tz)
            except ValueError:
                continue
    except (ValueError, OverflowError):
        pass
    raise ConversionError("is not a date")


def convert(value: object, kind: str, tz: tzinfo, date_order: str) -> Any:
    """Convert a cell to an OCDS field's ``kind`` (see :func:`.fields.field_type`); raise ConversionError.

    ``tz`` is given to dates and date-times without one; ``date_order`` (``"MDY"`` or ``"DMY"``)
    says how to read ``NN/NN/YYYY``.
    """
    if kind == "number":
        return json_number(to_decimal(value))
    if kind == "integer":
        number = to_decimal(value)
        if number != number.to_integral_value():
            raise ConversionError("is not a whole number")
        return int(number)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = (cell_text(value) or "").casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConversionError("is not yes/no or true/false")
    if kind == "date":
        return to_datetime(value, tz, date_order)
    if kind == "strings":
        return split_list(cell_text(value) or "")
    return cell_text(value)


def split_list(text: str) -> list[str]:
    """``"MBE; WBE,MBE"`` -> ``["MBE", "WBE"]``: split on ``;`` and ``,``, without blanks or repeats."""
    seen: dict[str, None] = {}
    for part in re.split(r"[;,]", text):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def slug(value: str, lower: bool = False) -> str:
    """Letters, digits, ``.``, ``_`` and ``-``; anything else becomes one ``-`` (for ocids and ids)."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", value.strip()).strip("-")
    text = re.sub(r"-{2,}", "-", text)
    return text.lower() if lower else text


def money(amount: Decimal, currency: str) -> str:
    """A signed amount as a modification's description shows it: ``+$1,200.00``, ``-50.00 EUR``."""
    sign = "-" if amount < 0 else "+"
    if currency == "USD":
        return f"{sign}${abs(amount):,.2f}"
    return f"{sign}{abs(amount):,.2f} {currency}"


def blank(value: object) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())

