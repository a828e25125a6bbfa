"""Department (buyer) and portal figures: SQL aggregates over `procurement_process_figure` and
`procurement_supplier_award` (written with each saved process). Public processes only; amounts per
currency, shares of value in the portal's currency only (never across currencies).
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.model import Package, meta

from ckanext.procurement.logic.suppliers import money, portal_currency, public_rows, supplier_auth
from ckanext.procurement.model import ProcurementProcessFigure as Process
from ckanext.procurement.model import ProcurementSupplierAward as Award
from ckanext.procurement.ocds.indicators import COMPETITIVE_METHODS, NON_COMPETITIVE_METHODS

EQUITY = ("sme", "minority-owned", "women-owned", "local")


def _public_process():
    return sa.and_(Package.id == Process.package_id, Package.state == "active", Package.private.is_(False),
                   Package.type == "contracting-process")


def _share(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


@tk.side_effect_free
def procurement_buyer_list(context, data_dict):
    """The departments (buyers) of public processes: ``[{name, processes}]``, by name."""
    tk.check_access("procurement_buyer_list", context, data_dict)
    query = (meta.Session.query(Process.buyer_name, sa.func.count())
             .join(Package, _public_process()).filter(Process.buyer_name.isnot(None))
             .group_by(Process.buyer_name).order_by(Process.buyer_name))
    return [{"name": name, "processes": count} for name, count in query]


def _spend(name: str, column) -> list[dict[str, Any]]:
    query = (meta.Session.query(column, Process.currency, sa.func.count(), sa.func.sum(Process.awarded))
             .join(Package, _public_process()).filter(Process.buyer_name == name)
             .group_by(column, Process.currency).order_by(column, Process.currency))
    return [{"value": value, "currency": currency, "processes": count, "awarded": money(awarded)}
            for value, currency, count, awarded in query]


def _competition(name: str) -> dict[str, Any]:
    competitive = Process.procurement_method.in_(COMPETITIVE_METHODS)
    row = (meta.Session.query(
        sa.func.avg(Process.number_of_tenderers).filter(competitive),
        sa.func.count().filter(Process.single_bid.is_(True)),
        sa.func.count().filter(Process.single_bid.isnot(None)),
        sa.func.count().filter(Process.procurement_method.in_(NON_COMPETITIVE_METHODS)),
        sa.func.count().filter(Process.procurement_method.isnot(None)),
    ).join(Package, _public_process()).filter(Process.buyer_name == name).one())
    average, single, assessed, non_competitive, with_method = row
    return {"average_tenderers": float(average) if average is not None else None,
            "single_bid_share": _share(single, assessed), "single_bid_assessed": assessed,
            "non_competitive_share": _share(non_competitive, with_method), "with_method": with_method}


def _equity(name: str, currency: str) -> dict[str, Any]:
    """Shares of the value awarded in the portal's currency, and of the awards, to each kind of business."""
    rows = (meta.Session.query(Award.scale, Award.categories, Award.awarded, Award.currency)
            .join(Package, public_rows()).filter(Award.buyer_name == name).all())
    in_currency = [r for r in rows if r.currency == currency and r.awarded is not None]
    whole = sum(float(r.awarded) for r in in_currency)
    shares = {}
    for kind in EQUITY + ("certified",):
        def matches(r, kind=kind):
            if kind == "sme":
                return r.scale in ("sme", "micro", "small", "medium")
            return bool(r.categories) if kind == "certified" else kind in (r.categories or [])
        shares[kind] = {"value_share": _share(sum(float(r.awarded) for r in in_currency if matches(r)), whole),
                        "count_share": _share(sum(1 for r in rows if matches(r)), len(rows))}
    return {"currency": currency, "awards": len(rows), "shares": shares}


def _top_suppliers(name: str, currency: str, limit: int = 10) -> list[dict[str, Any]]:
    amount = sa.func.coalesce(sa.func.sum(Award.awarded).filter(Award.currency == currency), 0)
    query = (meta.Session.query(Award.supplier_key, sa.func.mode().within_group(Award.supplier_name), amount,
                                sa.func.count(sa.distinct(Award.package_id)))
             .join(Package, public_rows()).filter(Award.buyer_name == name)
             .group_by(Award.supplier_key).order_by(amount.desc(), Award.supplier_key).limit(limit))
    return [{"key": key, "name": supplier, "awarded": money(total), "processes": processes}
            for key, supplier, total, processes in query]


@tk.side_effect_free
def procurement_buyer_show(context, data_dict):
    """One department's figures from its public processes: spend by category, method and fiscal year (per
    currency), competition (average tenderers in open and selective procedures, single-bid share among those
    assessed, non-competitive share), equity and certified shares, top suppliers.

    :param id: the department's name (the processes' buyer name)
    """
    tk.check_access("procurement_buyer_show", context, data_dict)
    name = str(data_dict.get("id") or "").strip()
    if not name:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    count = meta.Session.query(Process).join(Package, _public_process()).filter(Process.buyer_name == name).count()
    if not count:
        raise tk.ObjectNotFound(tk._("Department not found"))
    currency = portal_currency()
    return {
        "name": name, "processes": count, "currency": currency,
        "by_category": _spend(name, Process.main_category), "by_method": _spend(name, Process.procurement_method),
        "by_fiscal_year": _spend(name, Process.fiscal_year),
        "competition": _competition(name), "equity": _equity(name, currency),
        "top_suppliers": _top_suppliers(name, currency),
    }




@tk.side_effect_free
def procurement_stats(context, data_dict):
    """The portal's headline figures for a fiscal year (default: the current one), public processes only:
    processes, awarded, contracted and paid in the portal's currency (other currencies are not added),
    suppliers awarded, the share of the value awarded to certified businesses, open bids and planned purchases.

    :param fiscal_year: e.g. 2027 (optional)
    """
    from ckanext.procurement import settings
    from ckanext.procurement.ocds.dates import fiscal_year as fiscal_year_of
    from ckanext.procurement.search import FORECAST_FQ, OPEN_FOR_BIDS_FQ

    tk.check_access("procurement_stats", context, data_dict)
    year = data_dict.get("fiscal_year") or fiscal_year_of(datetime.datetime.now(datetime.timezone.utc),
                                                          settings.fiscal_year_start_month())
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise tk.ValidationError({"fiscal_year": [tk._("Must be a whole number")]})
    currency = portal_currency()
    in_currency = Process.currency == currency
    processes, awarded, contracted, paid = (meta.Session.query(
        sa.func.count(), sa.func.sum(Process.awarded).filter(in_currency),
        sa.func.sum(Process.contracted).filter(in_currency), sa.func.sum(Process.paid).filter(in_currency))
        .join(Package, _public_process()).filter(Process.fiscal_year == year).one())
    suppliers, certified, whole = (meta.Session.query(
        sa.func.count(sa.distinct(Award.supplier_key)),
        sa.func.sum(Award.awarded).filter(Award.currency == currency, sa.func.cardinality(Award.categories) > 0),
        sa.func.sum(Award.awarded).filter(Award.currency == currency))
        .join(Package, public_rows()).filter(Award.fiscal_year == year).one())
    search = tk.get_action("package_search")
    public = {"ignore_auth": True}  # counts of public processes only (include_private off)
    return {
        "fiscal_year": year, "currency": currency, "processes": processes, "awarded": money(awarded),
        "contracted": money(contracted), "paid": money(paid), "suppliers": suppliers,
        "certified_share": _share(certified or 0, whole),
        "open_for_bids": search(public, {"fq": f"+dataset_type:contracting-process {OPEN_FOR_BIDS_FQ}", "rows": 0})["count"],
        "planned": search(public, {"fq": FORECAST_FQ, "rows": 0})["count"],
    }


def get_actions():
    return {"procurement_buyer_list": procurement_buyer_list, "procurement_buyer_show": procurement_buyer_show,
            "procurement_stats": procurement_stats}


def get_auth_functions():
    return {name: supplier_auth for name in get_actions()}
