"""Cross-site request forgery guard for ckanext-harvest's state-changing pages.

ckanext-harvest 1.6.3 re-harvests, clears, deletes a source and stops a job
on a plain GET (`/harvest/refresh/<id>`, `/harvest/clear/<id>`,
`/harvest/delete/<id>`, `/harvest/<source>/job/<id>/abort`). A link or an
image on any other site would do it with a signed-in coordinator's cookies,
which SameSite=Lax still sends on top-level navigations, and CSRF tokens are
only checked on POST. Here:

- GET on those endpoints changes nothing: it shows a confirmation page whose
  form POSTs back with the CSRF token;
- POST on them, and on this extension's own forms (source preview, review
  decisions), always needs the CSRF token, even where the site leaves
  `ckan.csrf_protection.ignore_extensions` at CKAN's default (true);
- delete and abort, GET-only in ckanext-harvest, also accept POST (the
  confirm-action buttons of CKAN 2.11 POST), handled by ckanext-harvest's own views.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckanext.harvest import utils as harvest_utils
from flask import Blueprint, current_app

STATE_CHANGING_ENDPOINTS = {"harvester.refresh", "harvester.clear", "harvester.delete", "harvester.job_abort"}
# the POST twins of the GET-only endpoints, registered below, and this extension's own forms
# (CKAN's default ignore_extensions would exempt them: a preview fetches with a stored secret,
# a review decision publishes)
POST_ENDPOINTS = {"procurement_harvest.delete", "procurement_harvest.job_abort",
                  "procurement_source_form.preview", "procurement_source_form.preview_source",
                  "procurement_review.decide"}

harvest_guard = Blueprint("procurement_harvest", __name__)


def _delete(id: str):
    return harvest_utils.delete_view(id)


def _job_abort(source: str, id: str):
    return harvest_utils.job_abort_view(source, id)


harvest_guard.add_url_rule("/harvest/delete/<id>", endpoint="delete", view_func=_delete, methods=["POST"])
harvest_guard.add_url_rule("/harvest/<source>/job/<id>/abort", endpoint="job_abort", view_func=_job_abort, methods=["POST"])


@harvest_guard.before_app_request
def guard_state_changing_harvest_endpoints():
    endpoint = tk.request.endpoint or ""
    if endpoint not in STATE_CHANGING_ENDPOINTS and endpoint not in POST_ENDPOINTS:
        return None
    if tk.request.method in ("GET", "HEAD"):
        return _confirmation_page(endpoint)
    # CKAN exempts requests signed in by an API token header: a browser
    # never sends one by itself, so they cannot be forged cross-site.
    if not getattr(tk.g, "_csrf_exempt_view", False):
        current_app.extensions["csrf"].protect()  # CSRFError: HTTP 400
    return None


def _question(endpoint: str) -> str:
    return {
        "harvester.refresh": tk._("Re-harvest this source now?"),
        "harvester.clear": tk._("Remove all datasets and job reports of this source?"),
        "harvester.delete": tk._("Delete this harvest source?"),
        "harvester.job_abort": tk._("Stop this harvest job?"),
    }[endpoint]


def _confirmation_page(endpoint: str):
    tk.c.dataset_type = harvest_utils.DATASET_TYPE_NAME
    return tk.render(
        "procurement/confirm_harvest_action.html",
        extra_vars={"question": _question(endpoint), "action_url": tk.request.script_root + tk.request.full_path.rstrip("?")},
    )


def get_blueprints():
    return [harvest_guard]
