"""The OCDS API's endpoints: release and record packages at the top level of the
response (not in CKAN's {"success", "result"}), paged by `links.next`/`links.prev`.

No sign-in is needed for public data; a signed-in user (cookie or API token in the
Authorization header) also gets the private processes of the organizations they are
a member of. Withdrawn processes are never served.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.common import request

from ckanext.procurement import ocds_extensions, published
from ckanext.procurement.api import openapi, params, queries
from ckanext.procurement.ocds import packages

ocds_api = Blueprint("ocds_api", __name__, url_prefix="/api/ocds")


def _json(body: dict, status: int = 200) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                        mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, read by browsers too; no cookies sent
    return response


def _error(parameter: Optional[str], message: str, status: int) -> Response:
    return _json(params.ParameterError(parameter, message, status).as_dict(), status)


def _visible_private_organizations() -> list[str]:
    """The organizations whose private processes the signed-in user may see (none when anonymous)."""
    user = tk.current_user
    if not user or not user.is_authenticated:
        return []
    organizations = tk.get_action("organization_list_for_user")(
        {"user": user.name, "ignore_auth": True}, {"permission": "read", "include_dataset_count": False})
    return [organization["id"] for organization in organizations]


def _publisher(name: Optional[str]) -> Optional[model.Group]:
    if name is None:
        return None
    group = model.Group.get(name)
    if group is None or not group.is_organization or group.state != "active":
        raise params.ParameterError("publisher", tk._("No publisher (organization) named {name!r}").format(name=name), 404)
    return group


def _publication(uri: str, publisher: Optional[model.Group], ocids: list[str]) -> packages.Publication:
    """The package metadata, its extensions those the sources of the processes it holds declare."""
    organization = {"name": publisher.name, "title": publisher.title} if publisher is not None else None
    return published.publication(uri, organization, extensions=ocds_extensions.for_ocids(ocids))


def _links(endpoint: str, query: params.Query, first_key, last_key, more: bool, count: int) -> dict[str, str]:
    """`next` unless this is the last page; `prev` unless it is the first (a page reached backwards
    knows whether anything is before it; one reached forwards only that it did not start the crawl)."""
    def url(cursor: Optional[params.Cursor]) -> str:
        arguments = dict(query.filters(), limit=query.limit)
        if cursor is not None:
            arguments["cursor"] = cursor.encode()
        return tk.url_for(endpoint, _external=True, **arguments)

    cursor = query.cursor
    forward = cursor is None or cursor.forward
    links = {}
    if first_key is None:  # an empty page
        if cursor is not None and not forward:
            links["next"] = url(None)
        elif cursor is not None:
            links["prev"] = url(params.Cursor(cursor.key, forward=False, count=count))
        return links
    if (more and forward) or not forward:
        links["next"] = url(params.Cursor(last_key, count=count))
    if (more and not forward) or (forward and cursor is not None):
        links["prev"] = url(params.Cursor(first_key, forward=False, count=count))
    return links


def _page(endpoint: str, key_shape: tuple, fetch: Callable, count: Callable, key: Callable, item: Callable,
          make_package: Callable) -> Response:
    try:
        query = params.parse(request.args, key_shape)
        publisher = _publisher(query.publisher)
        organizations = _visible_private_organizations()
        if query.ocid is not None and not queries.record_rows(
                params.Query(limit=1, ocid=query.ocid), organizations):
            raise params.ParameterError("ocid", tk._("No contracting process with ocid {ocid!r}").format(ocid=query.ocid), 404)
    except params.ParameterError as error:
        return _json(error.as_dict(), error.status)
    publisher_id = publisher.id if publisher is not None else None
    rows = fetch(query, organizations, publisher_id)
    more = len(rows) > query.limit
    if more:
        rows = rows[:query.limit] if query.cursor is None or query.cursor.forward else rows[-query.limit:]
    total = query.cursor.count if query.cursor is not None and query.cursor.count is not None \
        else count(query, organizations, publisher_id)
    links = _links(endpoint, query, key(rows[0]) if rows else None, key(rows[-1]) if rows else None, more, total)
    uri = tk.url_for(endpoint, _external=True, **dict(query.filters(), limit=query.limit,
                                                       **({"cursor": request.args["cursor"]} if query.cursor else {})))
    package = make_package([item(row) for row in rows], _publication(uri, publisher, [row.ocid for row in rows]),
                           links or None)
    package["count"] = total
    return _json(package)


def releases():
    return _page("ocds_api.releases", queries.RELEASE_KEY, queries.release_rows, queries.count_releases,
                 key=lambda row: (row.ocid, row.release_id, row.tiebreak), item=lambda row: row.release,
                 make_package=packages.release_package)


def _record(row) -> dict[str, Any]:
    return packages.record(row.ocid, row.releases, row.compiled_release)


def records():
    return _page("ocds_api.records", queries.RECORD_KEY, queries.record_rows, queries.count_records,
                 key=lambda row: (row.ocid,), item=_record, make_package=packages.record_package)


def record(ocid: str):
    """One process's record package: 404 for an unknown ocid, and for one the caller may not see."""
    for name in request.args:
        return _error(name, tk._("Unknown parameter {name!r}; this endpoint accepts none").format(name=name), 400)
    if "\x00" in ocid:
        rows = []
    else:
        rows = queries.record_rows(params.Query(limit=1, ocid=ocid), _visible_private_organizations())
    if not rows:
        return _error("ocid", tk._("No contracting process with ocid {ocid!r}").format(ocid=ocid), 404)
    uri = tk.url_for("ocds_api.record", ocid=ocid, _external=True)
    package = packages.record_package([_record(rows[0])], _publication(uri, model.Group.get(rows[0].owner_org), [ocid]))
    return _json(package)


def description():
    """The OpenAPI 3 description of this API."""
    return _json(openapi.description())


ocds_api.add_url_rule("/releases", view_func=releases)
ocds_api.add_url_rule("/records", view_func=records)
ocds_api.add_url_rule("/records/<path:ocid>", view_func=record)
ocds_api.add_url_rule("/openapi.json", view_func=description)


def get_blueprints():
    return [ocds_api]
