"""/forecast: what the city plans to buy (planning notices, tenders announced but not open yet),
filterable and sortable, with Atom and iCalendar feeds of any filtered list.

The list is a package_search (visibility rules apply; the feeds are public processes only). A
process is planned when its status is `planned` and its expected solicitation date
(tender/tenderPeriod/startDate) has not passed: a status saved before that date would otherwise
keep a process on the forecast after its tender opened. The contact is the buyer's contact point,
read from the stored records of the listed processes only (as published, after redaction).
"""
from __future__ import annotations

import datetime
import json
import math
from typing import Any

import icalendar
from flask import Response

import ckan.plugins.toolkit as tk

from ckanext.procurement import atom, labels
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.formatting import format_date, format_money, parse_datetime
from ckanext.procurement.ocds.access import obj, objs, text
from ckanext.procurement.ocds.amounts import value_sort_key
from ckanext.procurement.search import FORECAST_FQ
from ckanext.procurement.views import _context, _page, _solr_quote

FILTERS = ("main_category", "buyer_name")
SORTS = {
    "date": "if(exists(tender_start_date),0,1) asc, tender_start_date asc, metadata_modified desc",  # undated last
    "value_desc": "value_sort desc, tender_start_date asc",
    "value_asc": "value_sort asc, tender_start_date asc",
}
FEED_ROWS = 1000  # CKAN's default ckan.search.rows_max: a feed is the whole filtered list, up to that


def _arguments() -> tuple[dict[str, str], str]:
    """The filters (category, department, minimum value) and the sort of the request; bad ones are a 400."""
    args = tk.request.args
    filters = {field: args[field] for field in FILTERS if args.get(field)}
    if args.get("value_min"):
        try:
            minimum = float(args["value_min"])
        except ValueError:
            minimum = -1
        if not (0 <= minimum < 1e15):
            tk.abort(400, tk._('"value_min" must be a positive amount, such as 100000'))
        filters["value_min"] = args["value_min"]
    sort = args.get("sort") or "date"
    if sort not in SORTS:
        tk.abort(400, tk._('"sort" must be one of: {sorts}').format(sorts=", ".join(SORTS)))
    return filters, sort


def search_forecast(filters: dict[str, str], sort: str, page: int, rows: int, include_private: bool) -> dict[str, Any]:
    fq = FORECAST_FQ
    for field in FILTERS:
        if filters.get(field):
            fq += f" +{field}:{_solr_quote(filters[field])}"
    if filters.get("value_min"):
        fq += f' +value_sort:["{value_sort_key(float(filters["value_min"]))}" TO *]'
    return tk.get_action("package_search")(_context(), {
        "fq": fq, "sort": SORTS[sort], "rows": rows, "start": (page - 1) * rows,
        "facet.field": json.dumps(list(FILTERS)), "facet.limit": 100, "include_private": include_private,
    })


def _contacts(package_ids: list[str]) -> dict[str, dict[str, str]]:
    """package id -> the buyer's contact point (name, email, telephone, url), from the stored records."""
    from ckan.model import meta

    from ckanext.procurement.model import ProcurementRecord

    if not package_ids:
        return {}
    rows = meta.Session.query(ProcurementRecord.package_id, ProcurementRecord.compiled_release["buyer"],
                              ProcurementRecord.compiled_release["parties"]) \
        .filter(ProcurementRecord.package_id.in_(package_ids))
    contacts = {}
    for package_id, buyer, parties in rows:
        buyer_id = text(obj(buyer).get("id"))
        party = next((p for p in objs(parties) if buyer_id and text(p.get("id")) == buyer_id), None) or next(
            (p for p in objs(parties) if "buyer" in (p.get("roles") or [])), {})
        point = obj(party.get("contactPoint"))
        contact = {key: text(point.get(key)) for key in ("name", "email", "telephone", "url") if text(point.get(key))}
        if contact:
            contacts[package_id] = contact
    return contacts


def _estimate(dataset: dict[str, Any]) -> Any:
    """The estimated value: the tender's, else the budget."""
    for key in ("tender_value", "budget_amount"):
        if dataset.get(key) not in (None, ""):
            return dataset[key]
    return None


def forecast():
    rows = tk.config.get("ckanext.procurement.forecast_per_page")
    filters, sort = _arguments()
    page = _page(rows)
    result = search_forecast(filters, sort, page, rows, include_private=True)
    facets = {field: sorted(result["search_facets"].get(field, {}).get("items", []),
                            key=lambda item: item["display_name"].lower()) for field in FILTERS}
    query = dict(filters, **({"sort": sort} if sort != "date" else {}))
    return tk.render("procurement/forecast.html", {
        "results": result["results"], "count": result["count"], "filters": filters, "sort": sort, "query": query,
        "facets": facets, "page": page, "pages": max(1, math.ceil(result["count"] / rows)),
        "contacts": _contacts([d["id"] for d in result["results"]]),
        "estimates": {d["id"]: _estimate(d) for d in result["results"]},
        "atom_url": tk.url_for("procurement_insights.forecast_atom", **query),
        "ics_url": tk.url_for("procurement_insights.forecast_ics", **query),
        "sorts": [("date", tk._("Expected date, soonest first")), ("value_desc", tk._("Estimated value, highest first")),
                  ("value_asc", tk._("Estimated value, lowest first"))],
    })


def _feed_results() -> tuple[dict[str, str], str, list[dict[str, Any]]]:
    filters, sort = _arguments()
    return filters, sort, search_forecast(filters, sort, 1, FEED_ROWS, include_private=False)["results"]


def _summary(dataset: dict[str, Any], contact: dict[str, str] | None) -> str:
    parts = [tk._("Expected solicitation: {date}").format(date=format_date(dataset.get("tender_start_date")) or tk._("not published"))]
    if dataset.get("buyer_name"):
        parts.append(tk._("Department: {name}").format(name=dataset["buyer_name"]))
    if dataset.get("main_category"):
        parts.append(tk._("Category: {category}").format(category=labels.label("procurementCategory", dataset["main_category"])))
    estimate = _estimate(dataset)
    if estimate is not None:
        parts.append(tk._("Estimated value: {amount}").format(amount=format_money(estimate, dataset.get("currency"))))
    if contact:
        parts.append(tk._("Contact: {contact}").format(contact=", ".join(contact.values())))
    return "\n".join(parts)


def forecast_atom():
    """An Atom feed of the planned procurements (whole list or filtered), public processes only."""
    filters, sort, datasets = _feed_results()
    query = dict(filters, **({"sort": sort} if sort != "date" else {}))
    contacts = _contacts([d["id"] for d in datasets])
    body = atom.feed(tk._("Procurement forecast"), tk.url_for("procurement_insights.forecast_atom", _external=True, **query),
                     tk.url_for("procurement_insights.forecast", _external=True, **query), datasets,
                     lambda dataset: _summary(dataset, contacts.get(dataset["id"])))
    return Response(body, mimetype="application/atom+xml")


def _utc(value: Any) -> datetime.datetime | None:
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def _event(uid: str, summary: str, start: datetime.datetime, stamp: datetime.datetime, url: str, description: str):
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtstamp", stamp)
    event.add("url", url)
    event.add("description", description)
    return event


def forecast_ics():
    """An iCalendar feed: each planned procurement's expected solicitation date, and its bid deadline when announced."""
    filters, _sort, datasets = _feed_results()
    contacts = _contacts([d["id"] for d in datasets])
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ckanext-procurement//forecast//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{tk._('Procurement forecast')} · {tk.config.get('ckan.site_title')}")
    host = tk.config.get("ckan.site_url", "").split("//")[-1].strip("/") or "ckan"
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    for dataset in datasets:
        url = tk.url_for(f"{DATASET_TYPE}.read", id=dataset["name"], _external=True)
        title = atom.clean_text(dataset.get("title") or dataset["name"])  # no control characters from harvested text
        description = atom.clean_text(_summary(dataset, contacts.get(dataset["id"])) + "\n" + url)
        stamp = _utc(dataset.get("metadata_modified")) or now
        opening, deadline = _utc(dataset.get("tender_start_date")), _utc(dataset.get("tender_end_date"))
        if opening is not None:
            calendar.add_component(_event(f"{dataset['id']}-solicitation@{host}", tk._("Expected solicitation: {title}").format(
                title=title), opening, stamp, url, description))
        if deadline is not None:
            calendar.add_component(_event(f"{dataset['id']}-deadline@{host}", tk._("Bid deadline: {title}").format(
                title=title), deadline, stamp, url, description))
    response = Response(calendar.to_ical(), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="forecast.ics"'
    return response
