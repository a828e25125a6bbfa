"""Regeneration in the background, on CKAN's job queue: at most one pending job per scope.

A change to a public process marks its scopes (its organization and the
portal) dirty and asks for a job; the job runs in `ckan jobs worker`, never in
a web request. While a harvest of that organization (any harvest, for the
portal) is running, the job waits for it: the harvest's end asks again
(`triggers.harvest_source_reindex`). A scope dirty for longer than
`ckanext.procurement.bulk.max_delay` is regenerated even during a harvest.
The state lives in Redis, beside the queue.
"""
from __future__ import annotations

import logging
import time

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.redis import connect_to_redis

from ckanext.procurement.bulk.storage import PORTAL

log = logging.getLogger(__name__)

PENDING_SECONDS = 6 * 3600  # a job lost with its worker no longer blocks the scope after this


def _key(*parts: str) -> str:
    return ":".join(("ckanext-procurement", tk.config.get("ckan.site_id"), "bulk") + parts)


def mark_dirty(scopes) -> None:
    redis = connect_to_redis()
    now = str(time.time())
    for scope in scopes:
        redis.hsetnx(_key("dirty"), scope, now)  # since when: the first change not yet written


def dirty_scopes() -> list[str]:
    return sorted(key.decode() for key in connect_to_redis().hkeys(_key("dirty")))


def request(scopes, harvest_finished: bool = False) -> list[str]:
    """Enqueue a regeneration of each scope without one pending; returns the scopes enqueued.

    While a scope waits for a harvest, changes only mark it dirty, unless the harvest has finished."""
    redis = connect_to_redis()
    enqueued = []
    for scope in scopes:
        if harvest_finished:
            redis.delete(_key("waiting", scope))
        elif redis.exists(_key("waiting", scope)):
            continue
        if not redis.set(_key("pending", scope), "1", nx=True, ex=PENDING_SECONDS):
            continue
        tk.enqueue_job(run, [scope], title=f"Regenerate the bulk files of {scope}",
                       rq_kwargs={"timeout": int(tk.config.get("ckanext.procurement.bulk.job_timeout"))})
        enqueued.append(scope)
    return enqueued


def run(scope: str) -> None:
    """The job: regenerate `scope` if it is dirty and no harvest of it is under way."""
    from ckanext.procurement.bulk import regenerate

    redis = connect_to_redis()
    redis.delete(_key("pending", scope))  # from now on a change asks for another job
    since = redis.hget(_key("dirty"), scope)
    if since is None:
        return
    max_delay = int(tk.config.get("ckanext.procurement.bulk.max_delay"))
    if harvest_running(scope) and time.time() - float(since) < max_delay:
        redis.set(_key("waiting", scope), "1", ex=max_delay)
        log.info("Bulk files of %s: a harvest is running, regenerated when it ends", scope)
        return
    redis.hdel(_key("dirty"), scope)  # a change committed from here on is read below, or asks again
    regenerate.generate(scope)
    if scope != PORTAL:  # the publication quality figures follow the same changes (the portal's are their sum)
        from ckanext.procurement import quality

        quality.recompute([scope])


def harvest_running(scope: str) -> bool:
    from ckanext.harvest.model import HarvestJob


    query = (model.Session.query(HarvestJob.id)
             .join(model.Package, model.Package.id == HarvestJob.source_id)
             .filter(HarvestJob.status == "Running"))
    if scope != PORTAL:
        query = query.filter(model.Package.owner_org == scope)
    return query.first() is not None


def forget() -> None:
    """Drop every mark (tests, and a site that regenerated everything by hand)."""
    redis = connect_to_redis()
    for key in redis.scan_iter(_key("*")):
        redis.delete(key)
