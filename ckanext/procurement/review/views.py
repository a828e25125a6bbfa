"""The review queue of an organization: /procurement-review/<organization>.

GET lists the processes waiting for review (or withheld), filtered and paginated;
POST (CKAN's CSRF token required, like every form) publishes or withholds those
selected through the review actions, then returns to the same list (303).
Only the organization's editors and admins see it: anyone else gets a 404 for an
organization that doesn't exist and a 403 otherwise, and never a count.
"""
from __future__ import annotations

import math
from typing import Any

from flask import Blueprint

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.procurement.review import logic, state

review = Blueprint("procurement_review", __name__)

FILTERS = ("status", *logic.QUEUE_FACETS, "date_from", "date_to")
ROWS = 50


def _context() -> dict[str, Any]:
    user = tk.current_user
    return {"user": user.name if user and user.is_authenticated else "", "auth_user_obj": user}


def _organization(id: str) -> model.Group:
    organization = model.Group.get(id) if "\x00" not in id else None
    if organization is None or not organization.is_organization or organization.state != "active":
        tk.abort(404, tk._("Organization not found"))
    if not logic.may_review(_context()["user"], organization.id):
        tk.abort(403, tk._("Only editors of the organization may see its review queue"))
    return organization


def queue(id: str):
    organization = _organization(id)
    filters = {key: tk.request.args[key] for key in FILTERS if tk.request.args.get(key)}
    page = tk.h.get_page_number(tk.request.args)
    try:
        result = tk.get_action("procurement_review_list")(_context(), dict(filters, owner_org=organization.id, page=page, rows=ROWS))
    except tk.ValidationError as error:
        tk.abort(400, "; ".join(f"{key}: {' '.join(map(str, messages))}" for key, messages in error.error_dict.items()))
    sources = {item["name"]: _source_title(item["name"]) for item in result["facets"]["harvest_source_id"]}
    return tk.render("procurement/review.html", {
        "organization": tk.get_action("organization_show")({"ignore_auth": True}, {"id": organization.id, "include_datasets": False}),
        "result": result,
        "filters": filters,
        "status": filters.get("status") or state.PENDING,
        "sources": sources,
        "page": page,
        "pages": max(1, math.ceil(result["count"] / ROWS)),
    })


def decide(id: str):
    organization = _organization(id)
    form = tk.request.form
    ids = form.getlist("ids")
    if form.get("all_on_page"):
        ids = list(dict.fromkeys(ids + form.getlist("page_ids")))
    decision = form.get("decision")
    back = tk.redirect_to(tk.url_for("procurement_review.queue", id=organization.name,
                                     **{key: form[key] for key in (*FILTERS, "page") if form.get(key)}))
    back.status_code = 303
    if not ids:
        tk.h.flash_error(tk._("Select the processes to publish or withhold first."))
        return back
    try:
        if decision == "publish":
            done = tk.get_action("procurement_review_publish")(_context(), {"ids": ids})
            tk.h.flash_success(tk.ungettext("{n} process published.", "{n} processes published.",
                                            len(done["published"])).format(n=len(done["published"])))
        elif decision == "withhold":
            done = tk.get_action("procurement_review_withhold")(_context(), {"ids": ids, "reason": form.get("reason")})
            tk.h.flash_success(tk.ungettext("{n} process withheld.", "{n} processes withheld.",
                                            len(done["withheld"])).format(n=len(done["withheld"])))
        else:
            tk.abort(400, tk._("Choose to publish or to withhold"))
    except tk.ValidationError as error:
        tk.h.flash_error(" ".join(" ".join(map(str, messages)) for messages in error.error_dict.values()))
    except (tk.NotAuthorized, tk.ObjectNotFound) as error:
        tk.h.flash_error(str(error) or tk._("Not authorized"))
    return back


def _source_title(source_id: str) -> str:
    source = model.Package.get(source_id)
    return (source.title or source.name) if source is not None else source_id


review.add_url_rule("/procurement-review/<id>", view_func=queue, methods=["GET"])
review.add_url_rule("/procurement-review/<id>", view_func=decide, methods=["POST"], endpoint="decide")


def get_blueprints():
    return [review]
