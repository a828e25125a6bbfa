"""The review actions: publish the processes waiting for review, or withhold them with a reason,
many at once, and list an organization's queue.

Authorization is checked per dataset against the organization that owns it as
stored (never one sent): the user must edit datasets of each one (editor, admin,
sysadmin). A request naming any process the user may not review, or that does
not exist, is refused whole (403), naming the ids sent but not telling the two
apart, so a private process's existence does not leak. Nothing is ever half done.

A decision is one transaction for every process (one UPDATE of the datasets,
one of their review fields, an activity each, who and when), then one pass of
the search index. Like CKAN's ``bulk_update_public``, the package actions and
their IPackageController hooks are not called; what they would trigger here is
done directly: modification dates for API crawls, bulk files regenerated,
index notes for a repair if Solr fails half way.
"""
from __future__ import annotations

import json

import datetime
import logging
import time
from typing import Any, Iterable

import sqlalchemy as sa

import ckan.authz as authz
import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
from ckan.lib import search
from ckan.lib.plugins import get_permission_labels
from ckan.model.package_extra import package_extra_table

from ckanext.procurement import consistency, published
from ckanext.procurement.bulk import triggers as bulk_triggers
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.logic.auth import user_may
from ckanext.procurement.review import state
from ckanext.procurement.review.state import PENDING, PUBLISHED, WITHHELD

log = logging.getLogger(__name__)

MAX_IDS = 1000  # processes decided in one request
MAX_REASON = 1000  # characters of a withholding reason
MAX_ROWS = 200  # processes listed per page


# ---------------------------------------------------------------- input


def _ids(data_dict: dict) -> list[str]:
    ids = data_dict.get("ids")
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i.strip() and "\x00" not in i for i in ids):
        raise tk.ValidationError({"ids": [tk._("Must be a list of the ids or names of contracting processes")]})
    if len(ids) > MAX_IDS:
        raise tk.ValidationError({"ids": [tk._("At most {limit} processes at once, got {count}").format(limit=MAX_IDS, count=len(ids))]})
    return list(dict.fromkeys(i.strip() for i in ids))


def _reason(data_dict: dict) -> str:
    reason = data_dict.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise tk.ValidationError({"reason": [tk._("Say why these processes are withheld")]})
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise tk.ValidationError({"reason": [tk._("The reason must be text of at most {limit} characters").format(limit=MAX_REASON)]})
    return reason.strip()


def resolve(ids: Iterable[str]) -> tuple[dict[str, model.Package], list[str]]:
    """The contracting-process datasets named (by id or name), and the names that are none."""
    ids = list(ids)
    packages = (model.Session.query(model.Package)
                .options(sa.orm.selectinload(model.Package._extras))
                .filter(model.Package.type == DATASET_TYPE)
                .filter(sa.or_(model.Package.id.in_(ids), model.Package.name.in_(ids))).all())
    found = {}
    for package in packages:
        for key in (package.id, package.name):
            if key in ids:
                found[key] = package
    return found, [i for i in ids if i not in found]


def may_review(user: str, organization_id: str | None) -> bool:
    """Editors and admins of the organization (and sysadmins) review its processes."""
    return bool(user and organization_id) and (
        authz.is_sysadmin(user) or authz.has_user_permission_for_group_or_org(organization_id, user, "update_dataset"))


# ---------------------------------------------------------------- auth


def _auth_decide(context, data_dict):
    ids = data_dict.get("ids") if isinstance(data_dict.get("ids"), list) else []
    found, refused = resolve(ids)
    user = context.get("user")
    allowed = {org: may_review(user, org) for org in {p.owner_org for p in found.values()}}
    refused += [key for key, package in found.items() if not allowed[package.owner_org]]
    if refused or not ids:
        return {"success": False, "msg": tk._(
            "Not authorized to review {ids}: only editors of the organization that publishes a process review it").format(
            ids=", ".join(sorted(refused))[:500])}
    return {"success": True}


def procurement_review_publish_auth(context, data_dict):
    return _auth_decide(context, data_dict)


def procurement_review_withhold_auth(context, data_dict):
    return _auth_decide(context, data_dict)


def procurement_review_list_auth(context, data_dict):
    if may_review(context.get("user"), data_dict.get("owner_org")):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of the organization may see its review queue")}


# ---------------------------------------------------------------- actions


def procurement_review_publish(context, data_dict):
    """Publish contracting processes waiting for review (or withheld earlier): each becomes
    public, in search, on its page, in the OCDS API and in the bulk files.

    All or nothing: the whole request is refused (403) if the user may not review one of
    them (authorized against the organization that owns each, as stored), and (409) if
    one is not under review (made private on purpose, withdrawn, or public without review).

    :param ids: ids or names of the processes (at most 1000)
    :type ids: list of strings
    :returns: ``{"published": [ids], "unchanged": [ids already published]}``
    """
    ids = _ids(data_dict)
    tk.check_access("procurement_review_publish", context, {"ids": ids})
    packages = _packages(ids)
    decided = [p for p in packages if _under_review(p)]
    unchanged = [p for p in packages if p.state == "active" and not p.private and state.stored(p, state.STATUS) == PUBLISHED]
    _refuse_others(packages, decided + unchanged)
    _decide(context, decided, {state.STATUS: PUBLISHED, state.REASON: None}, make_public=True)
    return {"published": [p.id for p in decided], "unchanged": [p.id for p in unchanged]}


def procurement_review_withhold(context, data_dict):
    """Keep contracting processes waiting for review private, with a reason recorded for
    the organization's editors (the public sees nothing of them). Authorized and all or
    nothing like ``procurement_review_publish``.

    :param ids: ids or names of the processes (at most 1000)
    :type ids: list of strings
    :param reason: why they are withheld (at most 1000 characters)
    :returns: ``{"withheld": [ids]}``
    """
    ids = _ids(data_dict)
    reason = _reason(data_dict)
    tk.check_access("procurement_review_withhold", context, {"ids": ids})
    packages = _packages(ids)
    decided = [p for p in packages if _under_review(p)]
    _refuse_others(packages, decided)
    _decide(context, decided, {state.STATUS: WITHHELD, state.REASON: reason}, make_public=False)
    return {"withheld": [p.id for p in decided]}


def _under_review(package: model.Package) -> bool:
    """Active, private and waiting for review or withheld (a withdrawn process stays withdrawn)."""
    return package.state == "active" and package.private and state.stored(package, state.STATUS) in (PENDING, WITHHELD)


def _packages(ids: list[str]) -> list[model.Package]:
    found, missing = resolve(ids)
    if missing:  # only sysadmins get here (the auth function refused everyone else)
        raise tk.ObjectNotFound(tk._("No contracting process {ids}").format(ids=", ".join(missing)[:500]))
    return list({p.id: p for p in found.values()}.values())


def _refuse_others(packages: list[model.Package], reviewable: list[model.Package]) -> None:
    others = [p.name for p in packages if p not in reviewable]
    if others:
        raise tk.ValidationError({"ids": [tk._(
            "Not waiting for review (made private on purpose, withdrawn, or public without review): {names}").format(
            names=", ".join(others)[:500])]})


def _decide(context, packages: list[model.Package], values: dict[str, Any], make_public: bool) -> None:
    if not packages:
        return
    user = model.User.get(context.get("user") or "")
    ids = [p.id for p in packages]
    now = datetime.datetime.utcnow()
    values = dict(values, **{state.REVIEWED_BY: user.name if user else "", state.REVIEWED_AT: now.isoformat(timespec="seconds")})
    started = time.time()
    for package_id in ids:
        consistency.remember(package_id, since=started)  # repaired by the next harvest if the index never follows
    try:
        changes = {"metadata_modified": now, **({"private": False} if make_public else {})}
        model.Session.query(model.Package).filter(model.Package.id.in_(ids)).update(changes, synchronize_session=False)
        _store_fields(ids, values)
        model.Session.expire_all()
        _record_activities(user, ids)
        if make_public:  # newly public: bulk files regenerated, modified for API crawls
            bulk_triggers.processes_changed({p.owner_org for p in packages})
            published.touch_datasets(ids)  # commits
        model.Session.commit()
    except Exception:
        model.Session.rollback()
        consistency.confirmed(ids)  # nothing was written
        raise
    _reindex(ids)


def also_after_bulk_update_public(chained):
    """`chained` (this plugin's bulk_update_public), then made_public(): a plugin has one chained
    action per name, so the plugin composes them."""

    @tk.chained_action
    def bulk_update_public(next_action, context, data_dict):
        result = chained(next_action, context, data_dict)
        made_public(context, list(data_dict.get("datasets") or []))
        return result

    bulk_update_public.__doc__ = chained.__doc__
    return bulk_update_public


def made_public(context, ids: Iterable[Any]) -> None:
    """After CKAN's ``bulk_update_public`` (an organization page's "Make public"): the processes it
    made public that were waiting for review (or withheld) are published by that user, as a review
    would, so they are decided and never come back to the queue by themselves."""
    model.Session.expire_all()  # the bulk update wrote past the session
    found, _ = resolve(i for i in ids if isinstance(i, str))
    packages = [p for p in {p.id: p for p in found.values()}.values() if p.state == "active" and not p.private
                and state.stored(p, state.STATUS) in (PENDING, WITHHELD)]
    if not packages:
        return
    user = model.User.get(context.get("user") or "")
    ids = [p.id for p in packages]
    started = time.time()
    for package_id in ids:
        consistency.remember(package_id, since=started)
    try:
        _store_fields(ids, {state.STATUS: PUBLISHED, state.REASON: None, state.REVIEWED_BY: user.name if user else "",
                            state.REVIEWED_AT: datetime.datetime.utcnow().isoformat(timespec="seconds")})
        model.Session.commit()
    except Exception:
        model.Session.rollback()
        consistency.confirmed(ids)
        raise
    _reindex(ids)


def _store_fields(ids: list[str], values: dict[str, Any]) -> None:
    """The review fields of every dataset in two statements (the extras' rows, replaced)."""
    table = package_extra_table
    model.Session.execute(table.delete().where(table.c.package_id.in_(ids), table.c.key.in_(list(values))))
    rows = [{"id": model.types.make_uuid(), "package_id": package_id, "key": key, "value": value, "state": "active"}
            for package_id in ids for key, value in values.items() if value]
    if rows:
        model.Session.execute(table.insert(), rows)


def _record_activities(user, ids: list[str]) -> None:
    """A "changed package" activity each, by the reviewer, as the package actions would."""
    if not plugins.plugin_loaded("activity") or user is None:
        return
    create = tk.get_action("activity_create")
    labels = get_permission_labels()
    for package_id in ids:
        dataset = tk.get_action("package_show")({"ignore_auth": True, "for_view": False, "use_cache": False},
                                                {"id": package_id, "include_tracking": False})
        create({"ignore_auth": True, "defer_commit": True, "user": user.name, "model": model, "session": model.Session}, {
            "user_id": user.id, "object_id": package_id, "activity_type": "changed package",
            "data": {"package": dataset, "actor": user.name},
            "permission_labels": labels.get_dataset_labels(model.Package.get(package_id)),
        })


def _reindex(ids: list[str]) -> None:
    """One pass of the index for every dataset decided. The decision is stored: if Solr
    fails, the notes left stay for the repair (next harvest, or `ckan procurement check-index`)."""
    try:
        search.rebuild(package_ids=ids, defer_commit=True)
        search.commit()
    except search.SearchIndexError:
        log.exception("Review decision stored, but %d datasets not reindexed: noted for repair", len(ids))
        for package_id in ids:
            consistency.remember(package_id)
        return
    consistency.confirmed(ids)


# ---------------------------------------------------------------- the queue

QUEUE_FACETS = ("harvest_source_id", "buyer_name", "stage")


@tk.side_effect_free
def procurement_review_list(context, data_dict):
    """An organization's review queue: its processes waiting for review (or withheld), newest first.

    Only the organization's editors and admins (and sysadmins) may list it.

    :param owner_org: the organization's name or id
    :param status: ``pending`` (default) or ``withheld``
    :param harvest_source_id: only the processes of this harvest source
    :param buyer_name: only this department
    :param stage: only processes at this stage
    :param date_from: only processes whose last release is on or after this date (YYYY-MM-DD)
    :param date_to: only processes whose last release is on or before this date (YYYY-MM-DD)
    :param page: page number, from 1 (default 1)
    :param rows: processes per page (default 50, at most 200)
    :returns: ``{"count", "results", "facets", "waiting", "withheld", "owner_org"}``
    """
    owner_org = data_dict.get("owner_org")
    if not isinstance(owner_org, str) or "\x00" in owner_org or len(owner_org) > 1000:
        raise tk.ValidationError({"owner_org": [tk._("Must be the name or id of an organization")]})
    organization = model.Group.get(owner_org) if owner_org else None
    if organization is None or not organization.is_organization or organization.state != "active":
        raise tk.ObjectNotFound(tk._("Organization not found"))
    tk.check_access("procurement_review_list", context, {"owner_org": organization.id})
    query = _queue_query(data_dict)
    base = f'+dataset_type:{DATASET_TYPE} +owner_org:"{organization.id}" +capacity:private'
    fq = f"{base} +{state.STATUS}:{query['status']}" + "".join(
        f" +{field}:{_quote(query[field])}" for field in QUEUE_FACETS if query.get(field))
    if query.get("date_from") or query.get("date_to"):
        start = f"{query['date_from']}T00:00:00Z" if query.get("date_from") else "*"
        end = f"{query['date_to']}T00:00:00Z+1DAY" if query.get("date_to") else "*"
        fq += f" +last_release_date:[{start} TO {end}}}"
    search_context = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    result = tk.get_action("package_search")(dict(search_context), {
        "fq": fq, "include_private": True, "rows": query["rows"], "start": (query["page"] - 1) * query["rows"],
        "sort": "last_release_date desc, name asc", "facet.field": list(QUEUE_FACETS), "facet.limit": 200,
    })
    counts = tk.get_action("package_search")(dict(search_context), {
        "fq": base, "include_private": True, "rows": 0, "facet.field": [state.STATUS]})
    statuses = {item["name"]: item["count"] for item in counts["search_facets"].get(state.STATUS, {}).get("items", [])}
    return {
        "owner_org": organization.id,
        "count": result["count"],
        "results": _with_decisions(result["results"]),
        "facets": {field: result["search_facets"].get(field, {}).get("items", []) for field in QUEUE_FACETS},
        "waiting": statuses.get(PENDING, 0),
        "withheld": statuses.get(WITHHELD, 0),
    }


def _with_decisions(results: list[dict]) -> list[dict]:
    """Search results hide who decided and why (after_dataset_search): the queue's readers may know."""
    table = package_extra_table
    rows = model.Session.execute(sa.select(table.c.package_id, table.c.key, table.c.value).where(
        table.c.package_id.in_([r["id"] for r in results]), table.c.key.in_(PRIVATE_FIELDS), table.c.state == "active"))
    stored: dict[str, dict[str, str]] = {}
    for package_id, key, value in rows:
        stored.setdefault(package_id, {})[key] = value
    return [dict(result, **stored.get(result["id"], {})) for result in results]


# ---------------------------------------------------------------- who decided: for the organization's editors

PRIVATE_FIELDS = (state.REVIEWED_BY, state.REVIEWED_AT, state.REASON)


def after_dataset_show(context: dict, pkg_dict: dict) -> dict:
    """Who reviewed a process, when and why is for those who may edit it (the index and the
    package actions read it with ignore_auth), not for every visitor of a published process.
    The index's stored copy never holds them (see before_dataset_index): a package_show
    answered from it gets them from the database, for those who may see them."""
    if pkg_dict.get("type") != DATASET_TYPE or not (pkg_dict.get(state.STATUS) or any(pkg_dict.get(f) for f in PRIVATE_FIELDS)):
        return pkg_dict
    if context.get("ignore_auth") or _may_edit(context, pkg_dict["id"]):
        if not any(pkg_dict.get(f) for f in PRIVATE_FIELDS):
            package = model.Package.get(pkg_dict["id"])
            for field in PRIVATE_FIELDS:
                value = package.extras.get(field) if package is not None else None
                if value:
                    pkg_dict[field] = value
        return pkg_dict
    for field in PRIVATE_FIELDS:
        pkg_dict.pop(field, None)
    return pkg_dict


def after_dataset_search(search_results: dict) -> dict:
    # no user here: search results never say who decided (the queue adds it back for its readers);
    # any result, since one asked for with `fl` has no type
    for result in search_results.get("results", []):
        for field in PRIVATE_FIELDS:
            result.pop(field, None)
    return search_results


def before_dataset_index(pkg_dict: dict) -> dict:
    """Neither searchable nor stored in the index: who decided, when and why (anyone may ask
    package_search for the stored copies, `fl=validated_data_dict`), nor as the `extras_*` copy
    CKAN's indexer makes of every extra (stored, and returned to `fl=extras_reviewed_by`)."""
    for field in PRIVATE_FIELDS:
        pkg_dict.pop(field, None)
        pkg_dict.pop(f"extras_{field}", None)
    for copy in ("validated_data_dict", "data_dict"):
        stored = pkg_dict.get(copy)
        if isinstance(stored, str) and any(f'"{field}"' in stored for field in PRIVATE_FIELDS):
            pkg_dict[copy] = json.dumps(_without_reviewer(json.loads(stored)))
    return pkg_dict


def _without_reviewer(dataset: dict) -> dict:
    """A stored copy of a dataset without who decided: as a field, as an extra, and in the
    validated copy CKAN nests in `data_dict`."""
    for field in PRIVATE_FIELDS:
        dataset.pop(field, None)
    if isinstance(dataset.get("extras"), list):
        dataset["extras"] = [extra for extra in dataset["extras"]
                             if not (isinstance(extra, dict) and extra.get("key") in PRIVATE_FIELDS)]
    if isinstance(dataset.get("validated_data_dict"), str):
        dataset["validated_data_dict"] = json.dumps(_without_reviewer(json.loads(dataset["validated_data_dict"])))
    return dataset


def _may_edit(context: dict, package_id: str) -> bool:
    return user_may("package_update", context, {"id": package_id})


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _queue_query(data_dict: dict) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    query: dict[str, Any] = {"status": data_dict.get("status") or PENDING}
    if query["status"] not in (PENDING, WITHHELD):
        errors["status"] = [tk._("Must be pending or withheld")]
    for field in QUEUE_FACETS:
        value = data_dict.get(field)
        if value not in (None, ""):
            if not isinstance(value, str) or "\x00" in value or len(value) > 1000:
                errors[field] = [tk._("Must be text")]
            query[field] = value
    for field in ("date_from", "date_to"):
        value = data_dict.get(field)
        if value not in (None, ""):
            try:
                query[field] = datetime.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors[field] = [tk._("{value!r} is not a date (YYYY-MM-DD)").format(value=str(value)[:100])]
    for field, default, limit in (("page", 1, 10**6), ("rows", 50, MAX_ROWS)):
        value = data_dict.get(field) or default
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= limit:
            errors[field] = [tk._("Must be a whole number from 1 to {limit}").format(limit=limit)]
        query[field] = number
    if errors:
        raise tk.ValidationError(errors)
    return query


def get_actions() -> dict:
    return {
        "procurement_review_publish": procurement_review_publish,
        "procurement_review_withhold": procurement_review_withhold,
        "procurement_review_list": procurement_review_list,
    }


def get_auth_functions() -> dict:
    return {
        "procurement_review_publish": procurement_review_publish_auth,
        "procurement_review_withhold": procurement_review_withhold_auth,
        "procurement_review_list": procurement_review_list_auth,
    }


def waiting_count(user: str, organization_id: str) -> int | None:
    """How many of the organization's processes wait for review; None for those who may not review them."""
    if not may_review(user, organization_id):
        return None
    result = tk.get_action("package_search")({"user": user}, {
        "fq": f'+dataset_type:{DATASET_TYPE} +owner_org:"{organization_id}" +capacity:private +{state.STATUS}:{PENDING}',
        "include_private": True, "rows": 0})
    return result["count"]
