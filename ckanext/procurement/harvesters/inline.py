"""Running one harvest job in the current process: gather, then fetch and
import each object, then let ckanext-harvest finish the job.

The production loop is `ckan harvester run` with the gather and fetch
consumers; this is for `ckan procurement harvest` (set-up, demos, one-off
catch-ups) and the benchmarks, which both need the same sequence.
"""
from __future__ import annotations

import time
from typing import Callable

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

LOAD_BATCH = 50  # harvest objects read per query (each holds its process's releases)


class JobRunning(Exception):
    """The source already has a running job: running another beside it would import twice."""

    def __init__(self, job: HarvestJob):
        super().__init__(job.id)
        self.job = job


def _job_to_run(source_id: str, context: dict) -> HarvestJob:
    """The source's waiting (New) job if it has one, else a new job; JobRunning if one is running."""
    existing = (model.Session.query(HarvestJob)
                .filter(HarvestJob.source_id == source_id, HarvestJob.status.in_(["New", "Running"]))
                .order_by(HarvestJob.created.desc()).first())
    if existing is not None and existing.status == "Running":
        raise JobRunning(existing)
    if existing is None:
        created = tk.get_action("harvest_job_create")(dict(context), {"source_id": source_id, "run": False})
        existing = HarvestJob.get(created["id"])
    return existing


def run_job(source_id: str, user: str, on_progress: Callable[[str], None] | None = None, every: int = 100) -> dict:
    """Run a job of the source to its end (its waiting job, or a new one); return timings, object count
    and the job's stats. Raises JobRunning when the source's job is already running elsewhere."""
    context = {"user": user}
    source = tk.get_action("harvest_source_show")(dict(context), {"id": source_id})
    job_obj = _job_to_run(source["id"], context)
    job = {"id": job_obj.id}
    job_obj.status = "Running"
    job_obj.save()
    harvester = queue.get_harvester(source["source_type"])

    started = time.perf_counter()
    ids = queue.gather_stage(harvester, job_obj) or []
    gathered = time.perf_counter()
    if on_progress:
        on_progress(f"gathered {len(ids)} processes in {gathered - started:.1f}s")
    done = 0
    for start in range(0, len(ids), LOAD_BATCH):
        batch = ids[start:start + LOAD_BATCH]
        # one query per batch rather than one per object
        loaded = {obj.id: obj for obj in model.Session.query(HarvestObject).filter(HarvestObject.id.in_(batch))}
        for object_id in batch:
            queue.fetch_and_import_stages(harvester, loaded.pop(object_id))
            done += 1
            if on_progress and (done % every == 0 or done == len(ids)):
                rate = done / max(time.perf_counter() - gathered, 1e-6)
                on_progress(f"imported {done}/{len(ids)} ({rate:.1f} per second)")
    tk.get_action("harvest_jobs_run")(dict(context), {"source_id": source["id"]})
    finished = time.perf_counter()
    shown = tk.get_action("harvest_job_show")(dict(context), {"id": job["id"]})
    return {"job_id": job["id"], "status": shown["status"], "stats": shown.get("stats", {}), "objects": len(ids),
            "seconds": finished - started, "gather_seconds": gathered - started}
