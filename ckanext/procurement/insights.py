"""Public pages about competitiveness and accountability: the procurement forecast, what the indicators mean."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.procurement import forecast, indicator_notes, settings
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.formatting import format_money
from ckanext.procurement.ocds.indicators import INDICATORS
from ckanext.procurement.search import LIST_INDEX_FIELDS

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


insights.add_url_rule("/procurement/indicators", view_func=indicators)
insights.add_url_rule("/forecast", view_func=forecast.forecast)
insights.add_url_rule("/forecast.atom", view_func=forecast.forecast_atom)
insights.add_url_rule("/forecast.ics", view_func=forecast.forecast_ics)


def get_blueprints():
    return [insights]
