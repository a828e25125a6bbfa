"""Public pages about competitiveness and accountability: the procurement forecast, suppliers, what the indicators mean."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.procurement import forecast, indicator_notes, settings
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.formatting import format_money
from ckanext.procurement.ocds.indicators import INDICATORS
from ckanext.procurement.search import LIST_INDEX_FIELDS
from ckanext.procurement.views import _context, _page

insights = Blueprint("procurement_insights", __name__)


def indicators():
    """/procurement/indicators: each indicator, its current threshold, what a flag means and does not mean."""
    thresholds = settings.indicator_thresholds()
    facet = LIST_INDEX_FIELDS["indicator_flags"]
    return tk.render("procurement/indicators.html", {
        "indicators": [
            {"code": code, "label": indicator_notes.indicator_label(code),
             "search_url": tk.url_for(f"{DATASET_TYPE}.search", **{facet: code})}
            for code in INDICATORS
        ],
        "thresholds": thresholds,
        "non_competitive_threshold": format_money(thresholds.non_competitive_amount,
                                                  thresholds.non_competitive_currency),
        "percent": {name: f"{round(getattr(thresholds, name) * 100)}%" for name in (
            "amendment_increase_share", "award_above_estimate_share", "payments_over_contract_share")},
    })


SUPPLIERS_PER_PAGE = 50


def supplier_index():
    """/supplier: suppliers of public processes, searchable by name, by total awarded or by name."""
    q, sort = (tk.request.args.get("q") or "").strip(), tk.request.args.get("sort") or "awarded"
    if sort not in ("awarded", "name"):
        tk.abort(400, tk._('"sort" must be one of: {sorts}').format(sorts="awarded, name"))
    page = _page(SUPPLIERS_PER_PAGE)
    result = tk.get_action("procurement_supplier_list")(_context(), {
        "q": q, "sort": sort, "limit": SUPPLIERS_PER_PAGE, "offset": (page - 1) * SUPPLIERS_PER_PAGE})
    query = dict(({"q": q} if q else {}), **({"sort": sort} if sort != "awarded" else {}))
    return tk.render("procurement/supplier_list.html", {
        "result": result, "q": q, "sort": sort, "page": page, "query": query,
        "pages": max(1, -(-result["count"] // SUPPLIERS_PER_PAGE)),
    })


def supplier_read(key: str):
    """/supplier/<key>: one supplier's awards from public processes."""
    try:
        supplier = tk.get_action("procurement_supplier_show")(_context(), {"id": key})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Supplier not found"))
    return tk.render("procurement/supplier.html", {"supplier": supplier})


def department_index():
    """/department: the departments (buyers) of public processes."""
    departments = tk.get_action("procurement_buyer_list")(_context(), {})
    return tk.render("procurement/department_list.html", {"departments": departments})


def department_read(name: str):
    """/department/<name>: one department's spend, competition, equity and top suppliers."""
    try:
        department = tk.get_action("procurement_buyer_show")(_context(), {"id": name})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Department not found"))
    return tk.render("procurement/department.html", {"department": department})


def hub():
    """/procurement: the portal's front door for procurement: this fiscal year's figures, the soonest deadlines, links."""
    from ckanext.procurement.views import search_opportunities

    stats = tk.get_action("procurement_stats")(_context(), {})
    soonest = search_opportunities({}, 1, 5, include_private=False)["results"]
    return tk.render("procurement/hub.html", {"stats": stats, "soonest": soonest})


insights.add_url_rule("/procurement", view_func=hub)
insights.add_url_rule("/procurement/indicators", view_func=indicators)
insights.add_url_rule("/department", view_func=department_index)
insights.add_url_rule("/department/<path:name>", view_func=department_read)
insights.add_url_rule("/supplier", view_func=supplier_index)
insights.add_url_rule("/supplier/<path:key>", view_func=supplier_read)
insights.add_url_rule("/forecast", view_func=forecast.forecast)
insights.add_url_rule("/forecast.atom", view_func=forecast.forecast_atom)
insights.add_url_rule("/forecast.ics", view_func=forecast.forecast_ics)


def get_blueprints():
    return [insights]
