"""Supplier figures: SQL aggregates over `procurement_supplier_award` (written with each saved process),
never a scan of the records. Public figures only: the rows of active, public datasets (a private,
withdrawn or draft process is never counted, whoever asks). Amounts are per currency, never summed
across currencies; suppliers are ranked by their total in the portal's currency
(`ckanext.procurement.currency`).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.model import Package, meta

from ckanext.procurement.model import ProcurementSupplierAward as Row

MAX_LIMIT = 100


def public_rows():
    """The rows of public, active processes."""
    return sa.and_(Package.id == Row.package_id, Package.state == "active", Package.private.is_(False),
                   Package.type == "contracting-process")


def money(value) -> float | None:
    return float(value) if value is not None else None


def _int(data_dict: dict, key: str, default: int, maximum: int) -> int:
    raw = data_dict.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise tk.ValidationError({key: [tk._("Must be a whole number")]})
    if not 0 <= value <= maximum:
        raise tk.ValidationError({key: [tk._("Must be between 0 and {maximum}").format(maximum=maximum)]})
    return value


def portal_currency() -> str:
    return (tk.config.get("ckanext.procurement.currency") or "USD").upper()


def _totals(keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """supplier key -> [{currency, awarded, contracted, paid, processes}], the portal's currency first."""
    if not keys:
        return {}
    query = (meta.Session.query(Row.supplier_key, Row.currency, sa.func.sum(Row.awarded), sa.func.sum(Row.contracted),
                                sa.func.sum(Row.paid), sa.func.count(sa.distinct(Row.package_id)))
             .join(Package, public_rows()).filter(Row.supplier_key.in_(keys))
             .group_by(Row.supplier_key, Row.currency))
    found: dict[str, list] = {}
    for key, currency, awarded, contracted, paid, processes in query:
        found.setdefault(key, []).append({"currency": currency, "awarded": money(awarded),
                                          "contracted": money(contracted), "paid": money(paid), "processes": processes})
    for totals in found.values():
        totals.sort(key=lambda t: (t["currency"] != portal_currency(), t["currency"] or "~"))
    return found


@tk.side_effect_free
def procurement_supplier_list(context, data_dict):
    """Suppliers of public processes, by total awarded in the portal's currency (highest first) or by name.

    :param q: part of a supplier's name (optional)
    :param sort: ``awarded`` (default) or ``name``
    :param limit: at most 100 (default 20); :param offset: default 0
    :returns: ``{"count": n, "currency": portal currency, "results": [{key, name, processes, totals: [...]}]}``
    """
    tk.check_access("procurement_supplier_list", context, data_dict)
    limit, offset = _int(data_dict, "limit", 20, MAX_LIMIT), _int(data_dict, "offset", 0, 10**9)
    sort = data_dict.get("sort") or "awarded"
    if sort not in ("awarded", "name"):
        raise tk.ValidationError({"sort": [tk._("Must be awarded or name")]})
    currency = portal_currency()
    in_currency = sa.func.coalesce(sa.func.sum(Row.awarded).filter(Row.currency == currency), 0)
    name = sa.func.mode().within_group(Row.supplier_name)  # the spelling published most often
    query = meta.Session.query(Row.supplier_key, name, in_currency, sa.func.count(sa.distinct(Row.package_id))) \
        .join(Package, public_rows()).group_by(Row.supplier_key)
    q = str(data_dict.get("q") or "").strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matching = meta.Session.query(Row.supplier_key).filter(Row.supplier_name.ilike(pattern, escape="\\"))
        query = query.filter(Row.supplier_key.in_(matching))
    count = query.count()
    order = [in_currency.desc(), sa.func.lower(name)] if sort == "awarded" else [sa.func.lower(name)]
    rows = query.order_by(*order, Row.supplier_key).limit(limit).offset(offset).all()
    totals = _totals([key for key, *_ in rows])
    return {"count": count, "currency": currency, "results": [
        {"key": key, "name": display, "processes": processes, "totals": totals.get(key, [])}
        for key, display, _amount, processes in rows]}


def _grouped(key: str, column) -> list[dict[str, Any]]:
    query = (meta.Session.query(column, Row.currency, sa.func.sum(Row.awarded), sa.func.sum(Row.paid),
                                sa.func.count(sa.distinct(Row.package_id)))
             .join(Package, public_rows()).filter(Row.supplier_key == key).group_by(column, Row.currency)
             .order_by(column, Row.currency))
    return [{"value": value, "currency": currency, "awarded": money(awarded), "paid": money(paid), "processes": processes}
            for value, currency, awarded, paid, processes in query]


@tk.side_effect_free
def procurement_supplier_show(context, data_dict):
    """One supplier's figures from public processes: totals per currency; awarded and paid by fiscal year,
    department and category (per currency); its size and certifications, the names it was published under,
    and its processes.

    :param id: the supplier's key (``SCHEME/identifier``, else ``name/normalized name``)
    """
    tk.check_access("procurement_supplier_show", context, data_dict)
    key = str(data_dict.get("id") or "").strip()
    if not key:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    public = meta.Session.query(Row).join(Package, public_rows()).filter(Row.supplier_key == key)
    rows = public.all()
    if not rows:
        raise tk.ObjectNotFound(tk._("Supplier not found"))
    names = sorted({r.supplier_name for r in rows})
    processes = (meta.Session.query(Package.name, Package.title, Row.currency, Row.awarded, Row.contracted, Row.paid,
                                    Row.buyer_name, Row.fiscal_year)
                 .join(Package, public_rows()).filter(Row.supplier_key == key)
                 .order_by(Row.fiscal_year.desc().nullslast(), Package.title).limit(500))
    return {
        "key": key,
        "name": max(names, key=lambda n: sum(r.supplier_name == n for r in rows)),
        "names": names,
        "identifier": {"scheme": rows[0].identifier_scheme, "id": rows[0].identifier_id}
        if rows[0].identifier_scheme else None,
        "scales": sorted({r.scale for r in rows if r.scale}),
        "categories": sorted({c for r in rows for c in r.categories or []}),
        "totals": _totals([key]).get(key, []),
        "by_fiscal_year": _grouped(key, Row.fiscal_year),
        "by_department": _grouped(key, Row.buyer_name),
        "by_category": _grouped(key, Row.main_category),
        "processes": [{"name": name, "title": title, "currency": currency, "awarded": money(awarded),
                       "contracted": money(contracted), "paid": money(paid), "buyer_name": buyer,
                       "fiscal_year": year} for name, title, currency, awarded, contracted, paid, buyer, year in processes],
    }


@tk.auth_allow_anonymous_access
def supplier_auth(context, data_dict):
    """Public figures (public processes only): anyone may read them."""
    return {"success": True}


def get_actions():
    return {"procurement_supplier_list": procurement_supplier_list, "procurement_supplier_show": procurement_supplier_show}


def get_auth_functions():
    return {"procurement_supplier_list": supplier_auth, "procurement_supplier_show": supplier_auth}
