"""Reading values out of releases of any shape real feeds publish.

A field that should be an object may be a string, a list may be missing or hold
nulls, an amount may be a string with thousands separators. These accessors
return a safe empty value instead of failing, so the rules built on them
(:mod:`.stages`, :mod:`.amounts`, :mod:`.rows`, ...) read like the standard.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from operator import itemgetter
from typing import Any, Iterable

from .dates import parse_date

_LANGUAGE_VARIANT = re.compile(r"^(?P<field>[A-Za-z]+)_(?P<lang>[a-z]{2}(?:[-_][A-Za-z0-9]+)?)$")

_LARGEST_FLOAT = sys.float_info.max


def obj(value: Any) -> dict:
    """``value`` if it is an object, else ``{}``."""
    return value if isinstance(value, dict) else {}


def objs(value: Any) -> list[dict]:
    """The objects of a list (other items dropped); ``[]`` if ``value`` is not a list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """A non-blank string, or a number as a string; else ``None``."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def number(value: Any) -> int | float | None:
    """A number, or a string that reads as one (``"1,100,000"``); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def amount_of(value: Any) -> int | float | None:
    """The ``amount`` of a Value object."""
    return number(obj(value).get("amount"))


def currency_of(value: Any) -> str | None:
    """The ``currency`` of a Value object."""
    return text(obj(value).get("currency"))


def localized(container: dict, field: str, lang: str | None) -> str | None:
    """``container[field]``, else its language variant (``field_en``), preferring the release language."""
    plain = text(container.get(field))
    if plain:
        return plain
    variants = {}
    for key, value in container.items():
        match = _LANGUAGE_VARIANT.match(key)
        if match and match["field"] == field and text(value):
            variants[match["lang"].lower()] = value
    if not variants:
        return None
    if lang and lang.lower() in variants:
        return variants[lang.lower()]
    return variants[sorted(variants)[0]]


def release_tags(release: Any) -> list[str]:
    """A release's ``tag`` as a list of strings: a lone string is one tag, anything else is dropped."""
    tag = obj(release).get("tag")
    if isinstance(tag, str):
        return [tag]
    return [t for t in tag if isinstance(t, str)] if isinstance(tag, list) else []


def total(values: Iterable) -> int | float | None:
    """The sum of the known values; ``None`` if none is known, or if the sum is beyond any float
    (amounts each within a float can add up past it): no figure can use it."""
    numbers = [v for v in values if v is not None]
    if not numbers:
        return None
    result = sum(numbers)
    return result if abs(result) <= _LARGEST_FLOAT else None


def _dated(values: Iterable) -> list[tuple[datetime, str]]:
    return [(parsed, value) for value in values if (parsed := parse_date(value)) is not None]


def earliest(values: Iterable) -> str | None:
    """The earliest of the values that are dates, as published."""
    dated = _dated(values)
    return min(dated, key=itemgetter(0))[1] if dated else None


def latest(values: Iterable) -> str | None:
    """The latest of the values that are dates, as published."""
    dated = _dated(values)
    return max(dated, key=itemgetter(0))[1] if dated else None


def unique_sorted(values: Iterable) -> list:
    return sorted({v for v in values if v})
