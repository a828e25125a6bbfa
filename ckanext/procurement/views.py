"""Public pages: open opportunities (with Atom feeds) and record downloads.

The process page itself is the scheming dataset page with our templates
(templates/scheming/package/read.html); its data comes from the dataset and
the stored OCDS record.
"""
from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk

from ckanext.procurement import atom, labels, search_download
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.ocds.depth import MAX_DEPTH, json_deeper_than
from ckanext.procurement.search import OPEN_FOR_BIDS_FQ

procurement = Blueprint("procurement", __name__)

OPPORTUNITY_FILTERS = {"main_category": "procurementCategory", "buyer_name": None}


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user and tk.current_user.is_authenticated else "", "auth_user_obj": tk.current_user}


def _solr_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_opportunities(filters: dict[str, str], page: int, rows: int, include_private: bool) -> dict[str, Any]:
    """Solicitations open for bids, soonest deadline first, through package_search (so visibility rules apply)."""
    fq = f"+dataset_type:{DATASET_TYPE} {OPEN_FOR_BIDS_FQ}"
    for field, value in filters.items():
        fq += f" +{field}:{_solr_quote(value)}"
    return tk.get_action("package_search")(
        _context(),
        {
            "fq": fq,
            "sort": "tender_end_date asc, metadata_modified desc",
            "rows": rows,
            "start": (page - 1) * rows,
            "facet.field": json.dumps(list(OPPORTUNITY_FILTERS)),
            "facet.limit": 100,
            "include_private": include_private,
        },
    )


def _filters() -> dict[str, str]:
    return {field: tk.request.args[field] for field in OPPORTUNITY_FILTERS if tk.request.args.get(field)}


# Solr's `start` is a 32-bit integer: a page past it is a 400, not a Solr error
MAX_START = 2**31 - 1


def _page(rows: int) -> int:
    """The `page` parameter, checked like the dataset search page does (a positive integer, else 400)."""
    page = tk.h.get_page_number(tk.request.args)
    last = MAX_START // rows
    if page > last:
        tk.abort(400, tk._('"page" parameter must be at most {last}').format(last=last))
    return page


def opportunities():
    rows = tk.config.get("ckanext.procurement.opportunities_per_page")
    filters, page = _filters(), _page(rows)
    result = search_opportunities(filters, page, rows, include_private=True)
    facets = {field: result["search_facets"].get(field, {}).get("items", []) for field in OPPORTUNITY_FILTERS}
    for field, items in facets.items():
        items.sort(key=lambda item: item["display_name"].lower())
    return tk.render(
        "procurement/opportunities.html",
        {
            "results": result["results"],
            "count": result["count"],
            "filters": filters,
            "facets": facets,
            "page": page,
            "pages": max(1, math.ceil(result["count"] / rows)),
            "feed_url": tk.url_for("procurement.opportunities_feed", **filters),
        },
    )


def opportunities_feed():
    """An Atom feed of the open solicitations (whole list or filtered), public processes only."""
    rows = tk.config.get("ckanext.procurement.opportunities_per_page")
    filters = _filters()
    result = search_opportunities(filters, 1, rows, include_private=False)
    return Response(atom_feed(result["results"], filters), mimetype="application/atom+xml")


def atom_feed(datasets: list[dict[str, Any]], filters: dict[str, str]) -> bytes:
    title = tk._("Open bid opportunities")
    if filters:
        title += " — " + ", ".join(labels.label(OPPORTUNITY_FILTERS.get(k) or "", v) or v for k, v in filters.items())
    return atom.feed(title, tk.url_for("procurement.opportunities_feed", _external=True, **filters),
                     tk.url_for("procurement.opportunities", _external=True, **filters), datasets, _opportunity_summary)


def _opportunity_summary(dataset: dict[str, Any]) -> str:
    summary = tk._("Bid deadline: {deadline}").format(deadline=dataset.get("tender_end_date") or "")
    if dataset.get("main_category"):
        summary += " · " + labels.label("procurementCategory", dataset["main_category"])
    if dataset.get("notes"):
        summary += "\n\n" + dataset["notes"][:1000]
    return summary


def record_download(id: str):
    """The process's OCDS record as a JSON file."""
    import ckan.model as model

    if "\x00" in id:  # PostgreSQL can't look it up; no dataset has it
        return tk.abort(404, tk._("Contracting process not found"))
    # the page's dataset (by name or id) decides: another process's ocid may equal this name
    package = model.Package.get(id)
    try:
        record = tk.get_action("procurement_record_show")(_context(), {"id": package.id if package else id})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return tk.abort(404, tk._("Contracting process not found"))
    body = json.dumps(
        {"ocid": record["ocid"], "releases": record["releases"], "compiledRelease": record["compiledRelease"]},
        ensure_ascii=False, indent=2,
    )
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(record["ocid"])}.json"'
    return response


def publication_quality(id: str | None = None):
    """The publication quality page of an organization (``id``) or of the whole portal."""
    from ckanext.procurement import quality

    if id is not None and "\x00" in id:
        return tk.abort(404, tk._("Organization not found"))
    try:
        figures = tk.get_action("procurement_quality_show")(_context(), {"owner_org": id} if id else {})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Organization not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only members of the organization may see its publication quality"))
    organization = tk.get_action("organization_show")(
        {"ignore_auth": True}, {"id": figures["owner_org"], "include_datasets": False}) if id else None
    return tk.render("procurement/quality.html", {
        "figures": figures, "organization": organization, "names": quality.process_names(figures)})


def _filename(ocid: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in ocid)


PROCUREMENT_ACTIONS = ("procurement_process_save", "procurement_record_show")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@procurement.before_app_request
def never_share_a_signed_in_response():
    """What a signed-in user gets may hold their organizations' private processes. CKAN marks
    a rendered page `Cache-Control: private` for them, but a view returning its own response
    (the OCDS API, downloads, DCAT documents) would be `public, max-age=ckan.cache_expires`,
    which lets a shared cache keep a member's answer (sent with an API token) for anyone."""
    user = tk.current_user
    if user and user.is_authenticated:
        tk.request.environ["__no_cache__"] = True


@procurement.before_app_request
def refuse_too_deep_json():
    """CKAN parses an action's JSON body with Python's json module, which recurses and
    fails (RecursionError, a 500) about a thousand levels deep: a body nested deeper
    than any release can be is refused with a 400 before it is parsed."""
    action = tk.request.path.rstrip("/").rsplit("/", 1)[-1]
    if tk.request.method != "POST" or action not in PROCUREMENT_ACTIONS or "/action/" not in tk.request.path:
        return None
    limit = MAX_DEPTH + 2  # the body, its releases list, then each release
    if not any(json_deeper_than(text, limit) for text in _json_texts()):
        return None
    message = tk._("JSON Error: the request body is nested more than {limit} levels deep").format(limit=limit)
    body = {"success": False, "error": {"__type": "Bad request", "message": message}}
    return Response(json.dumps(body), status=400, mimetype="application/json")


def _json_texts() -> list[bytes]:
    """What CKAN's API view parses as JSON: the body, or the one key of a form body
    whose value is '' or '1' (ckan.views.api._get_request_data)."""
    if tk.request.mimetype not in FORM_TYPES:
        return [tk.request.get_data(cache=True)]
    form = tk.request.form
    if len(form) == 1 and list(form.values()) in (["1"], [""]):
        return [next(iter(form)).encode("utf-8")]
    return []


procurement.add_url_rule("/opportunities", view_func=opportunities)
procurement.add_url_rule("/opportunities.atom", view_func=opportunities_feed)
procurement.add_url_rule(f"/{DATASET_TYPE}/<id>/record.json", view_func=record_download)
search_download.register(procurement)
procurement.add_url_rule("/publication-quality", view_func=publication_quality)
procurement.add_url_rule("/publication-quality/<id>", view_func=publication_quality)


def get_blueprints():
    return [procurement]
