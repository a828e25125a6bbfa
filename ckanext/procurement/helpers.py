"""Template helpers (registered as `procurement_*`)."""
from __future__ import annotations

import logging
from typing import Any, Callable
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk

from ckanext.procurement import indicator_notes, labels, lifecycle
from ckanext.procurement.dataset import is_safe_url, json_or_value
from ckanext.procurement.formatting import days_left as procurement_days_left
from ckanext.procurement.formatting import format_date as procurement_date
from ckanext.procurement.formatting import format_money as procurement_money
from ckanext.procurement.formatting import format_number as procurement_number
from ckanext.procurement.formatting import parse_datetime as procurement_parse_date
from ckanext.procurement.ocds.amounts import best_value
from ckanext.procurement.ocds.vocabulary import STAGES

log = logging.getLogger(__name__)


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
             "value_band": "value_band", "vocab_supplier_categories": "supplier_category",
             "vocab_indicator_flags": "indicator"}
    if facet in table:
        return labels.label(table[facet], value)
    if facet == "fiscal_year":
        return tk._("FY{year}").format(year=value)
    return value


def procurement_safe_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) link; None for javascript:, data: and the like."""
    return url.strip() if is_safe_url(url) else None


def procurement_json(value: Any) -> Any:
    return json_or_value(value)


def procurement_split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def procurement_stages() -> tuple[str, ...]:
    return STAGES


def procurement_percent(part: Any, whole: Any) -> int | None:
    try:
        part, whole = float(part), float(whole)
    except (TypeError, ValueError):
        return None
    if whole <= 0:
        return None
    return max(0, min(100, round(part * 100 / whole)))


def procurement_lifecycle(pkg: dict[str, Any]) -> dict[str, Any]:
    """The process page's view model (ckanext.procurement.lifecycle), built once per call:
    templates call this once and keep the result."""
    user = tk.current_user.name if tk.current_user and tk.current_user.is_authenticated else ""
    context = {"user": user, "auth_user_obj": tk.current_user}
    try:
        record = tk.get_action("procurement_record_show")(context, {"id": pkg.get("ocid") or pkg["id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        record = None
    try:
        return lifecycle.from_dataset(pkg, record)
    except Exception:  # data no one foresaw: show what the dataset's own fields say, and log it
        log.exception("procurement: could not build the lifecycle of %s from its record", pkg.get("name"))
        return lifecycle.from_dataset(pkg, None)


def procurement_search_sorting() -> list[tuple[str, str]]:
    """Sort options of the contracting process search page: (label, sort parameter)."""
    return [
        (tk._("Relevance"), "score desc, metadata_modified desc"),
        (tk._("Bid deadline"), "tender_end_date asc"),
        (tk._("Value (highest first)"), "value_sort desc"),
        (tk._("Value (lowest first)"), "value_sort asc"),
        (tk._("Last updated"), "metadata_modified desc"),
        (tk._("Name"), "title_string asc"),
    ]


def procurement_translated_facets(fields_grouped: dict[str, list[str]] | None) -> dict[tuple[str, str], str]:
    """Labels of the active filters, for the pills above the search results."""
    return {(field, value): procurement_facet_label(field, value)
            for field, values in (fields_grouped or {}).items() for value in values}


def procurement_open_filter_active() -> bool:
    from ckan.common import request

    from ckanext.procurement.search import OPEN_FOR_BIDS_PARAM, flag_set

    return flag_set(request.args.get(OPEN_FOR_BIDS_PARAM))


def procurement_amount_text(amount: Any, currency: str | None = None) -> str:
    """An amount, or "Not published" when there is none."""
    text = procurement_money(amount, currency)
    return text or tk._("Not published")


def procurement_days_left_text(value: Any) -> str:
    """`12 days left`, `Closes today`, or "" once the deadline has passed."""
    days = procurement_days_left(value)
    if days is None:
        return ""
    if days == 0:
        return tk._("Closes today")
    return tk.ungettext("{n} day left", "{n} days left", days).format(n=days)


def procurement_best_value(package: dict[str, Any]) -> dict[str, Any] | None:
    """The value a search result shows: contracted, else awarded, else estimated, else budget."""
    best = best_value(package)
    if best is None:
        return None
    key, value = best
    labels_ = {"contract_value": tk._("Contracted value"), "award_value": tk._("Awarded value"),
               "tender_value": tk._("Estimated value"), "budget_amount": tk._("Budget")}
    return {"key": key, "label": labels_[key], "amount": value}


def procurement_review_waiting(organization_id: str) -> int | None:
    """The count of the organization's processes waiting for review, for its editors only (else None)."""
    from ckanext.procurement.review import logic as review

    user = tk.current_user
    if not organization_id or not (user and user.is_authenticated):
        return None
    return review.waiting_count(user.name, organization_id)


def procurement_indicator_notes(results: Any) -> list[dict[str, Any]]:
    """The process page's notes of its indicators (see ckanext.procurement.indicator_notes)."""
    return indicator_notes.notes(results if isinstance(results, list) else [])


def procurement_facet_href(name: str, value: str, active: bool) -> str:
    """A facet item's link: the page's filters with this value added, or removed when it is active,
    and no page number; what CKAN's add_url_param and remove_url_param give, but the page's own
    address (with its language) is built once a request instead of once an item (20 facets)."""
    params = [(key, item) for key, item in tk.request.args.items(multi=True) if key != "page"]
    if active:
        params = [(key, item) for key, item in params if (key, item) != (name, value)]
    else:
        params.append((name, value))
    page = getattr(tk.g, "procurement_page_url", None)
    if page is None:
        page = tk.g.procurement_page_url = tk.h.url_for(tk.request.endpoint, **(tk.request.view_args or {}))
    return page + ("?" + urlencode(params) if params else "")


def procurement_rendered_once(key: str, caller: Callable[[], str]) -> str:
    """The body of `{% call h.procurement_rendered_once(key) %}`, rendered once a request: CKAN's
    page.html renders the sidebar a first time only to see whether it is empty, and the search
    page's sidebar holds every facet."""
    rendered = getattr(tk.g, "procurement_rendered", None)
    if rendered is None:
        rendered = tk.g.procurement_rendered = {}
    if key not in rendered:
        rendered[key] = caller()
    return rendered[key]


def procurement_facet_items(name: str, search_facets: dict) -> list[dict[str, Any]]:
    """A facet's items as the search page writes them: value, label, link, count and its noun, and
    whether the filter is active; in one call, as the page has some twenty facets."""
    nouns: dict[int, str] = {}
    items = []
    for item in tk.h.get_facet_items_dict(name, search_facets):
        count = item["count"]
        if count not in nouns:
            nouns[count] = tk.ungettext("process", "processes", count)
        items.append(dict(item, label=procurement_facet_label(name, item["name"]), noun=nouns[count],
                          href=procurement_facet_href(name, item["name"], item["active"])))
    return items


def get_helpers() -> dict[str, Any]:
    return {name: function for name, function in globals().items() if name.startswith("procurement_") and callable(function)}
