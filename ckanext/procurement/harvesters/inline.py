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


def run_job(source_id: str, user: str, on_progress: Callable[[str], None] | None = None, every: int = 100) -> dict:
    """Run a new job of the source to its end; return timings, object count and the job's stats."""
    context = {"user": user}
    source = tk.get_action("harvest_source_show")(dict(context), {"id": source_id})
    job = tk.get_action("harvest_job_create")(dict(context), {"source_id": source["id"], "run": False})
    job_obj = HarvestJob.get(job["id"])
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
