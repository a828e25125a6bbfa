"""Template helpers (registered as `procurement_*`)."""
from __future__ import annotations

import datetime
import json
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib import formatters

from ckanext.procurement import labels
from ckanext.procurement.dataset import is_safe_url
from ckanext.procurement.ocds import derive


def procurement_stage_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    return labels.choices("stage")


def procurement_status_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    return labels.choices("status")


def procurement_value_band_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    return labels.choices("value_band")


def procurement_codelist_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    return labels.choices(field.get("codelist", ""))


def procurement_label(codelist: str, code: Any) -> str:
    return labels.label(codelist, code)


def procurement_facet_label(facet: str, value: str) -> str:
    """What a facet item says: labels for codes, `FY2026` for fiscal years."""
    table = {"status": "status", "stage": "stage", "procurement_method": "method", "main_category": "procurementCategory",
             "value_band": "value_band", "vocab_supplier_categories": "supplier_category"}
    if facet in table:
        return labels.label(table[facet], value)
    if facet == "fiscal_year":
        return tk._("FY{year}").format(year=value)
    return value


def procurement_money(amount: Any, currency: str | None = None) -> str:
    """`1234567.5, USD` -> `$1,234,567.50`; other currencies keep their code."""
    if amount in (None, ""):
        return ""
    try:
        number = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    sign = "-" if number < 0 else ""
    number = abs(number)
    text = f"{number:,.2f}"
    if not currency or currency == "USD":
        return f"{sign}${text}"
    return f"{sign}{text} {currency}"


def procurement_parse_date(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def procurement_date(value: Any, with_time: bool = False) -> str:
    """A date as residents read it; the value as published if it is not a date."""
    parsed = procurement_parse_date(value)
    if parsed is None:
        return str(value or "")
    if with_time and (parsed.hour or parsed.minute):
        return formatters.localised_nice_date(parsed, show_date=True, with_hours=True)
    return formatters.localised_nice_date(parsed, show_date=True)


def procurement_days_left(value: Any) -> int | None:
    """Whole days until a deadline (0 on the day), None once it has passed."""
    parsed = procurement_parse_date(value)
    if parsed is None:
        return None
    now = datetime.datetime.now(parsed.tzinfo or None)
    if parsed < now:
        return None
    return (parsed - now).days


def procurement_safe_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) link; None for javascript:, data: and the like."""
    return url.strip() if is_safe_url(url) else None


def procurement_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def procurement_split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def procurement_stages() -> tuple[str, ...]:
    return derive.STAGES


def procurement_percent(part: Any, whole: Any) -> int | None:
    try:
        part, whole = float(part), float(whole)
    except (TypeError, ValueError):
        return None
    if whole <= 0:
        return None
    return max(0, min(100, round(part * 100 / whole)))


def get_helpers() -> dict[str, Any]:
    return {name: function for name, function in globals().items() if name.startswith("procurement_") and callable(function)}
