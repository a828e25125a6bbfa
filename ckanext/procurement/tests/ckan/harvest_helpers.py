"""Running harvest jobs the production way: harvest_job_create puts the job
on the Redis gather queue; the gather and fetch consumers' callbacks take
the messages off Redis; harvest_jobs_run finishes the job."""
from __future__ import annotations

import json

from ckan.tests import helpers
from ckanext.harvest import queue


def drain(consumer, callback) -> int:
    handled = 0
    while True:
        method, channel, body = consumer.basic_get(None)
        if body is None:
            return handled
        callback(channel, method, None, body)
        handled += 1


def run_job(source_id: str, user: str) -> dict:
    """Run one harvest job of `source_id` to its end and return harvest_job_show."""
    context = {"user": user}
    job = helpers.call_action("harvest_job_create", context=dict(context), source_id=source_id, run=True)
    drain(queue.get_gather_consumer(), queue.gather_callback)
    drain(queue.get_fetch_consumer(), queue.fetch_callback)
    helpers.call_action("harvest_jobs_run", context=dict(context), source_id=source_id)
    shown = helpers.call_action("harvest_job_show", context=dict(context), id=job["id"])
    report = helpers.call_action("harvest_job_report", context=dict(context), id=job["id"])
    return dict(shown, **report)


def create_source(user: str, owner_org: str, url: str, source_type: str = "ocds", config: dict | None = None, name: str = "city-purchasing") -> dict:
    return helpers.call_action(
        "harvest_source_create", context={"user": user},
        name=name, title="City purchasing system", url=url, source_type=source_type,
        owner_org=owner_org, config=json.dumps(config) if config is not None else "",
    )


def processes(fq: str = "", **params) -> dict:
    params.setdefault("rows", 1000)
    params.setdefault("include_private", True)
    return helpers.call_action("package_search", fq=f"+dataset_type:contracting-process {fq}", **params)


def feed_ocids(url: str) -> set[str]:
    """Every ocid a release feed lists, following its `links.next` pages."""
    import requests

    ocids = set()
    while url:
        page = requests.get(url, timeout=30).json()
        ocids.update(r["ocid"] for r in page["releases"])
        url = (page.get("links") or {}).get("next")
    return ocids
