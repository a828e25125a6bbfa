"""Every write the harvesters make into ckanext-harvest's own tables, past its API.

Gather writes harvest objects in bulk (SQLAlchemy Core rows: the ORM would
keep every object and its content in memory), and import links each object
to its dataset inside the dataset's own transaction. Both rely on details of
ckanext-harvest's schema (column names, object states, the `current` flag,
the name of a deferrable foreign key) that an upgrade of ckanext-harvest may
change: they are kept here, and tests/ckan/test_harvest_tables.py checks each
one against ckanext-harvest's model and the live database.
"""
from __future__ import annotations

import datetime
import uuid

import ckan.model as model
import sqlalchemy as sa
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

OBJECTS = HarvestObject.__table__
OBJECT_EXTRAS = HarvestObjectExtra.__table__

# object states and the report status ckanext-harvest's queue and job report use
WAITING, COMPLETE = "WAITING", "COMPLETE"
# this extension's own state of an object written by a gather still running, or being queued:
# ckanext-harvest's `harvester run` re-queues every WAITING object missing from the fetch queue,
# which would queue such an object twice; it ignores this state
GATHERED = "GATHERED"
NOT_MODIFIED, ERRORED = "not modified", "errored"
# ckanext-harvest declares harvest_object.package_id deferrable (its migrations name it so)
PACKAGE_FOREIGN_KEY = "harvest_object_package_id_fkey"


def object_row(guid: str, job_id: str, source_id: str, content: str | None, package_id: str | None,
               gathered: datetime.datetime) -> dict:
    """A new harvest object for fetch and import, GATHERED until its gather ends (`release_gathered`)."""
    return {"id": str(uuid.uuid4()), "guid": guid, "harvest_job_id": job_id, "harvest_source_id": source_id,
            "content": content, "package_id": package_id, "gathered": gathered, "state": GATHERED,
            "current": False, "retry_times": 0, "report_status": None, "fetch_started": None, "fetch_finished": None}


def mark_not_modified(row: dict, now: datetime.datetime) -> None:
    """The object of an unchanged process: already complete and current, reported "not modified"."""
    row.update(state=COMPLETE, report_status=NOT_MODIFIED, current=True, fetch_started=now, fetch_finished=now)


def extra_row(object_id: str, key: str, value: str) -> dict:
    return {"id": str(uuid.uuid4()), "harvest_object_id": object_id, "key": key, "value": value}


def write_objects(source_id: str, rows: list[dict], extras: list[dict], demoted_guids: list[str]) -> None:
    """Insert a batch of objects and their extras; the source's objects of `demoted_guids`
    stop being current first (their new objects are current)."""
    if demoted_guids:
        model.Session.execute(
            OBJECTS.update()
            .where(OBJECTS.c.harvest_source_id == source_id)
            .where(OBJECTS.c.guid.in_(demoted_guids))
            .where(OBJECTS.c.current == True)  # noqa: E712
            .values(current=False)
        )
    model.Session.execute(OBJECTS.insert(), rows)
    model.Session.execute(OBJECT_EXTRAS.insert(), extras)


def release_gathered(job_id: str) -> int:
    """The job's gathered objects become WAITING, for ckanext-harvest to put on the fetch queue."""
    return model.Session.execute(OBJECTS.update().where(OBJECTS.c.harvest_job_id == job_id)
                                 .where(OBJECTS.c.state == GATHERED).values(state=WAITING)).rowcount


def demote_others(harvest_object: HarvestObject) -> None:
    """The source's other objects of the same guid stop being current."""
    model.Session.query(HarvestObject).filter(
        HarvestObject.guid == harvest_object.guid,
        HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
        HarvestObject.current == True,  # noqa: E712
        HarvestObject.id != harvest_object.id,
    ).update({"current": False}, synchronize_session=False)


def link(harvest_object: HarvestObject, package_id: str) -> None:
    """Make the object the current one of `package_id`, which may be inserted later in this transaction."""
    harvest_object.package_id = package_id
    harvest_object.current = True
    model.Session.execute(sa.text(f"SET CONSTRAINTS {PACKAGE_FOREIGN_KEY} DEFERRED"))
    model.Session.add(harvest_object)
    model.Session.flush()


def unlink(harvest_object: HarvestObject, package_id: str) -> None:
    """A withdrawn dataset: its object is no longer current (ckanext-harvest reports it "deleted")."""
    harvest_object.package_id = package_id
    demote_others(harvest_object)
    harvest_object.current = False


def prune_history(source_id: str, keep_jobs: int) -> int:
    """Forget the objects of the source's jobs older than its newest `keep_jobs`: each job adds
    an object per process (unchanged ones too), so a daily harvest of 100,000 processes would
    add 36 million rows a year. Current objects stay (they link the datasets to the source),
    and so do the jobs themselves (a row each, and the full-listing cadence counts them).
    Returns how many objects were deleted."""
    from ckanext.harvest.model import HarvestJob, HarvestObjectError

    jobs = model.Session.query(HarvestJob.id, HarvestJob.status).filter(
        HarvestJob.source_id == source_id).order_by(HarvestJob.created.desc()).all()
    old = [job_id for job_id, status in jobs[keep_jobs:] if status != "Running"]
    deleted = 0
    for start in range(0, len(old), 50):
        stale = sa.select(OBJECTS.c.id).where(OBJECTS.c.harvest_job_id.in_(old[start:start + 50])).where(
            OBJECTS.c.current == False)  # noqa: E712
        errors = HarvestObjectError.__table__
        model.Session.execute(errors.delete().where(errors.c.harvest_object_id.in_(stale)))
        model.Session.execute(OBJECT_EXTRAS.delete().where(OBJECT_EXTRAS.c.harvest_object_id.in_(stale)))
        deleted += model.Session.execute(OBJECTS.delete().where(OBJECTS.c.id.in_(stale))).rowcount
    model.Session.commit()
    return deleted


def earlier_import(harvest_object: HarvestObject) -> str | None:
    """The report status of an import of this object that already finished, or None.

    ckanext-harvest's `harvester run` re-queues every object it finds WAITING but
    not in the fetch queue, which includes one a consumer has just taken: the same
    object then arrives twice. The second delivery must not turn the first's
    "added" into "not modified"."""
    row = model.Session.query(OBJECTS.c.import_finished, OBJECTS.c.report_status).filter(
        OBJECTS.c.id == harvest_object.id).one()
    return (row.report_status or "") if row.import_finished is not None else None
