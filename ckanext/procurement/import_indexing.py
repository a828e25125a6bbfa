"""How a harvest's imports reach Solr: each dataset indexed once, Solr committed once per job.

CKAN indexes a new dataset twice in the commit that creates it (once as new,
and once more as changed, through its resources and extras), each time with a
``package_show`` and, with ``ckan.search.solr_commit``, a Solr commit that
opens a new searcher: the most expensive part of saving a dataset. While a
harvester imports an object, the dataset is still indexed inside its
transaction (so a Solr that is away fails the save as before), but once per
commit, and its commit is left to Solr's own ``autoSoftCommit`` during the run
and to one explicit commit before ckanext-harvest declares the job finished,
so search is complete the moment the job says it is.

Until that commit Solr cannot show a dataset just indexed, so ``package_show``
(the activity stream's copy of the dataset, among others) would validate it
from the database again; inside the block it reads what was just sent to Solr,
as it would read it from the index once committed.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, Iterator

import ckan.lib.search as search
import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import requests
import sqlalchemy as sa
from ckan.lib.search.common import make_connection

log = logging.getLogger(__name__)

SOLR_COMMIT = "ckan.search.solr_commit"
# above this, a harvest's datasets take too long to show up in search while it runs
SOFT_COMMIT_ADVISED_MS = 60_000

_importing = threading.local()
# what package_show reads of a dataset's index document
STORED_FIELDS = ("id", "name", "validated_data_dict", "data_dict", "metadata_modified")


def deferred() -> bool:
    return tk.asbool(tk.config.get("ckanext.procurement.harvest.defer_solr_commit"))


@contextlib.contextmanager
def indexing_for_import() -> Iterator[None]:
    """Inside the block (a harvest's import of one object) a dataset is indexed once per
    database commit, and without a Solr commit.

    CKAN reads both from process-wide state (its configuration, its one search
    plugin); harvest imports run in the fetch consumer or the CLI, one at a time,
    so switching them around one import touches nothing else (a thread of a web
    server never enters this block)."""
    if not deferred() or getattr(_importing, "active", False):
        yield
        return
    indexer = plugins.get_plugin("synchronous_search")
    previous = tk.config.get(SOLR_COMMIT)
    indexed: set[str] = set()
    sent: dict[str, dict[str, Any]] = {}
    show_from_solr = search.show

    def show(reference: str) -> dict[str, Any]:
        # package_show still checks the copy against the dataset's metadata_modified
        if reference not in sent:
            return show_from_solr(reference)
        return {key: sent[reference][key] for key in STORED_FIELDS if key in sent[reference]}

    def forget(session: Any, *args: Any) -> None:
        indexed.clear()

    def notify_once(entity: Any, operation: str) -> None:
        # all of a commit's changes are flushed before its first notification,
        # so the dataset's first index already holds its resources and extras
        if operation != model.DomainObjectOperation.deleted and isinstance(entity, model.Package):
            if entity.id in indexed:
                return
            indexed.add(entity.id)
        type(indexer).notify(indexer, entity, operation)

    _importing.active = True
    _importing.sent = sent
    tk.config[SOLR_COMMIT] = False
    indexer.notify = notify_once
    search.show = show
    for event in ("after_commit", "after_rollback"):
        sa.event.listen(model.Session, event, forget)
    try:
        yield
    finally:
        for event in ("after_commit", "after_rollback"):
            sa.event.remove(model.Session, event, forget)
        del indexer.notify
        search.show = show_from_solr
        tk.config[SOLR_COMMIT] = previous
        _importing.active = False
        _importing.sent = None


def remember_indexed(pkg_dict: dict[str, Any]) -> None:
    """Inside an import, keep the document CKAN is about to send to Solr for a dataset, for
    ``package_show`` to read until Solr commits. The dict itself is kept, not a copy: the
    plugins after this one (ckanext-harvest adds its extras) change it in place."""
    sent = getattr(_importing, "sent", None)
    if sent is not None and "validated_data_dict" in pkg_dict and pkg_dict.get("id"):
        sent[pkg_dict["id"]] = pkg_dict


def soft_commit_problem(timeout: float = 5) -> str | None:
    """What is wrong with the site's Solr for deferred commits, in a sentence, or None.

    Without ``autoSoftCommit`` a harvest's datasets become searchable only when its
    job finishes; that is still correct, but a long first load shows nothing new
    for an hour. The official ckan-solr configuration sets it (1 s)."""
    url = tk.config.get("solr_url")
    if not url:
        return None
    try:
        response = requests.get(url.rstrip("/") + "/config/updateHandler", timeout=timeout,
                                params={"wt": "json"})
        response.raise_for_status()
        soft = response.json()["config"]["updateHandler"].get("autoSoftCommit", {})
    except (requests.RequestException, ValueError, KeyError) as error:
        return f"could not read Solr's autoSoftCommit setting ({type(error).__name__})"
    max_time = soft.get("maxTime")
    if max_time is None or int(max_time) < 0:
        return ("Solr has no autoSoftCommit: a harvest's new datasets become searchable only when its job "
                "finishes. Set <autoSoftCommit><maxTime>1000</maxTime></autoSoftCommit> in solrconfig.xml "
                "(as the official ckan-solr image does), or ckanext.procurement.harvest.defer_solr_commit = false")
    if int(max_time) > SOFT_COMMIT_ADVISED_MS:
        return (f"Solr's autoSoftCommit maxTime is {int(max_time)} ms: a harvest's new datasets take that long "
                "to become searchable while it runs (1000 ms is the ckan-solr default)")
    return None


_checked = False


def check_solr_at_startup() -> None:
    """Say once, at startup, when the site's Solr does not suit deferred commits."""
    global _checked
    if _checked or not deferred():
        return
    _checked = True
    problem = soft_commit_problem()
    if problem:
        log.warning("ckanext-procurement: %s", problem)


@tk.chained_action
def harvest_jobs_run(next_action, context, data_dict):
    """ckanext-harvest declares a job finished here once its objects are all imported: Solr
    commits just before the job's Finished state does, so the finished job's datasets are
    searchable (and package_show reads them from the index) the moment it says so. Committing
    before ckanext-harvest counts the objects would miss one that completes in between."""
    if not deferred():
        return next_action(context, data_dict)
    # before the flush that writes the Finished state (a commit's, or an earlier autoflush)
    sa.event.listen(model.Session, "before_flush", _commit_search_before_a_job_finishes)
    try:
        return next_action(context, data_dict)
    finally:
        sa.event.remove(model.Session, "before_flush", _commit_search_before_a_job_finishes)


def _commit_search_before_a_job_finishes(session: Any, *args: Any) -> None:
    from ckanext.harvest.model import HarvestJob

    for job in list(session.dirty):
        if isinstance(job, HarvestJob) and job.status == "Finished" and sa.inspect(job).attrs.status.history.has_changes():
            _commit_and_wait()
            return


def _commit_and_wait() -> None:
    """A Solr commit that returns once the new searcher is open (CKAN's own does not wait for it)."""
    try:
        make_connection().commit(waitSearcher=True)
    except Exception:  # Solr away: the job still ends; autoSoftCommit or the next commit catches up
        log.warning("Solr commit before finishing a harvest job failed", exc_info=True)


harvest_jobs_run.auth_audit_exempt = True  # the action it wraps checks access


def get_chained_actions() -> dict:
    return {"harvest_jobs_run": harvest_jobs_run} if plugins.plugin_loaded("harvest") else {}
