"""The harvesters' writes into ckanext-harvest's own tables (harvesters/tables.py)
checked against ckanext-harvest's model and the live database: an upgrade of
ckanext-harvest that renames a column, a state or the deferrable key fails here,
not in a city's nightly harvest."""
from __future__ import annotations

import datetime
import json

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import helpers
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ckanext.procurement.harvesters import tables
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, drain, run_job
from ckanext.procurement.tests.ckan.test_schema import release
from ckanext.procurement.tests.feed_server import Reply

NOW = datetime.datetime(2024, 1, 1)


def _live_columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(model.Session.get_bind()).get_columns(table)}


def test_the_rows_written_have_only_columns_of_the_model_and_the_database():
    row = tables.object_row("ocds-1", "job", "source", "{}", None, NOW)
    tables.mark_not_modified(row, NOW)
    extra = tables.extra_row(row["id"], "status", "changed")
    assert set(row) <= set(HarvestObject.__table__.c.keys())
    assert set(extra) <= set(HarvestObjectExtra.__table__.c.keys())
    assert set(row) <= _live_columns("harvest_object")
    assert set(extra) <= _live_columns("harvest_object_extra")


@pytest.mark.usefixtures("clean_db")
def test_the_states_are_ckanext_harvests():
    from ckanext.harvest.logic.dictization import harvest_job_dictize
    from ckanext.harvest.model import HarvestJob

    assert HarvestObject.__table__.c.state.default.arg == tables.WAITING  # a new object's state
    # the report status is one the job report counts: its stats of a job without objects
    stats = harvest_job_dictize(HarvestJob(id="no-objects"), {"model": model, "return_stats": True})["stats"]
    assert tables.NOT_MODIFIED in stats


def test_the_deferred_foreign_key_exists_and_is_deferrable():
    key = next(fk for fk in HarvestObject.__table__.c.package_id.foreign_keys)
    assert key.column.table.name == "package" and key.deferrable
    deferrable = model.Session.execute(
        sa.text("SELECT condeferrable FROM pg_constraint WHERE conname = :name AND conrelid = 'harvest_object'::regclass"),
        {"name": tables.PACKAGE_FOREIGN_KEY},
    ).scalar()
    assert deferrable is True, f"{tables.PACKAGE_FOREIGN_KEY} is not a deferrable key of harvest_object"


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
def test_an_unchanged_process_gets_a_complete_current_object_that_ckanext_harvest_reports(sysadmin, organization, feed):
    url = feed.route("/feed.json", Reply(json.dumps({"releases": [release("ocds-213czf-t-1", title="Parks")]}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    first = run_job(source["id"], sysadmin["name"])
    second = run_job(source["id"], sysadmin["name"])
    assert first["stats"].get("added") == 1
    assert second["status"] == "Finished" and second["stats"].get(tables.NOT_MODIFIED) == 1

    objects = model.Session.query(HarvestObject).filter(HarvestObject.harvest_source_id == source["id"]) \
        .order_by(HarvestObject.gathered).all()
    assert [(o.harvest_job_id, o.state, o.current) for o in objects] == [
        (first["id"], tables.COMPLETE, False), (second["id"], tables.COMPLETE, True)]
    assert objects[0].package_id == objects[1].package_id is not None


def test_the_report_status_is_committed_with_the_complete_state(clean_db, clean_index, sysadmin, organization, feed, purged_queues):
    """ckanext-harvest saves an imported object's COMPLETE state, then its report status, in two commits: a
    consumer killed between them must not leave a completed object that the job's report doesn't count."""
    from ckanext.harvest import queue

    from ckanext.procurement.harvesters.ocds import OcdsHarvester

    url = feed.route("/feed.json", Reply(json.dumps({"releases": [release("ocds-213czf-t-2", title="Benches")]}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=True)
    drain(queue.get_gather_consumer(), queue.gather_callback)
    harvest_object = model.Session.query(HarvestObject).filter(HarvestObject.harvest_source_id == source["id"]).one()
    harvester = OcdsHarvester()
    assert harvester.fetch_stage(harvest_object) is True
    assert harvester.import_stage(harvest_object) is True
    harvest_object.state = "COMPLETE"
    harvest_object.save()  # ckanext-harvest's first save after the import; the consumer dies here
    model.Session.remove()
    stored = model.Session.get(HarvestObject, harvest_object.id)
    assert (stored.state, stored.report_status) == ("COMPLETE", "added")


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
@pytest.mark.ckan_config("ckanext.procurement.harvest.keep_jobs", 3)
def test_objects_of_jobs_older_than_the_kept_ones_are_cleared_but_the_current_ones(sysadmin, organization, feed):
    """Each job adds an object per process, unchanged or not: beyond the last `keep_jobs` jobs
    only the objects that link datasets to the source stay, and the job rows."""
    from ckanext.harvest.model import HarvestJob

    stable = release("ocds-213czf-h-1", title="Street lights")
    feed_route = lambda *releases: feed.route("/feed.json", Reply(json.dumps({"releases": list(releases)}).encode()))  # noqa: E731
    url = feed_route(stable, release("ocds-213czf-h-2", title="Bridges"))
    source = create_source(sysadmin["name"], organization["id"], url)
    jobs = [run_job(source["id"], sysadmin["name"])]
    feed_route(stable, release("ocds-213czf-h-2", title="Bridges, repainted"))
    jobs.append(run_job(source["id"], sysadmin["name"]))
    feed_route(stable)  # h-2 withdrawn
    jobs.append(run_job(source["id"], sysadmin["name"]))
    first_objects = {o.id for o in model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == jobs[0]["id"])}
    for _ in range(2):
        jobs.append(run_job(source["id"], sysadmin["name"]))
    model.Session.remove()

    def objects_of(job):
        return model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job["id"]).all()

    # the fifth job's gather cleared the first two jobs' objects: none of them is current any more
    assert objects_of(jobs[0]) == [] and objects_of(jobs[1]) == []
    assert model.Session.query(HarvestObjectExtra).filter(HarvestObjectExtra.harvest_object_id.in_(first_objects)).count() == 0
    assert all(objects_of(job) for job in jobs[2:])
    # the kept jobs' reports are whole: the third still counts its withdrawal
    assert helpers.call_action("harvest_job_show", id=jobs[2]["id"])["stats"].get("deleted") == 1
    assert model.Session.query(HarvestJob).filter(HarvestJob.source_id == source["id"]).count() == 5
    current = model.Session.query(HarvestObject.guid).filter(
        HarvestObject.harvest_source_id == source["id"], HarvestObject.current == True).all()  # noqa: E712
    assert {guid for (guid,) in current} == {"ocds-213czf-h-1"}
    # the datasets are untouched, and the next harvest still sees the stable process unchanged
    assert helpers.call_action("package_search", fq="+dataset_type:contracting-process", include_private=True)["count"] == 1
    sixth = run_job(source["id"], sysadmin["name"])
    assert sixth["stats"].get(tables.NOT_MODIFIED) == 1 and not sixth["stats"].get("added")
    assert objects_of(jobs[2]) == []  # one more job, one more cleared


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
def test_an_object_delivered_twice_keeps_the_report_of_its_import(sysadmin, organization, feed):
    """`harvester run` re-queues objects it sees WAITING but not in the fetch queue, which includes one
    a consumer has just taken: the second delivery neither imports again nor turns "added" into
    "not modified", and an object that failed stays failed, its error said once."""
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObjectError

    taken = feed.route("/other.json", Reply(json.dumps({"releases": [release("ocds-213czf-t-4", title="Taken")]}).encode()))
    run_job(create_source(sysadmin["name"], organization["id"], taken, name="other-source")["id"], sysadmin["name"])
    url = feed.route("/feed.json", Reply(json.dumps({"releases": [
        release("ocds-213czf-t-3", title="Fountains"),
        release("ocds-213czf-t-4", title="Published by the other source"),  # refused at import
    ]}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    job = helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=True)
    drain(queue.get_gather_consumer(), queue.gather_callback)
    drain(queue.get_fetch_consumer(), queue.fetch_callback)

    def objects() -> dict:
        model.Session.remove()
        return {o.guid: (o.state, o.report_status, o.retry_times) for o in model.Session.query(HarvestObject)
                .filter(HarvestObject.harvest_job_id == job["id"])}

    def counts() -> tuple[int, int, int]:
        activities = model.Session.execute(sa.text("SELECT count(*) FROM activity WHERE activity_type = 'new package'")).scalar()
        errors = model.Session.query(HarvestObjectError).count()
        return activities, errors, model.Session.query(model.Package).filter(model.Package.type == "contracting-process").count()

    first, before = objects(), counts()
    assert first["ocds-213czf-t-3"] == ("COMPLETE", "added", 1)
    assert first["ocds-213czf-t-4"][:2] == ("ERROR", "errored")
    publisher = queue.get_fetch_publisher()
    for harvest_object in model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job["id"]):
        publisher.send({"harvest_object_id": harvest_object.id})  # as resubmit_objects does
    publisher.close()
    drain(queue.get_fetch_consumer(), queue.fetch_callback)

    assert objects() == {"ocds-213czf-t-3": ("COMPLETE", "added", 2), "ocds-213czf-t-4": ("ERROR", "errored", 2)}
    assert counts() == before
    helpers.call_action("harvest_jobs_run", context={"user": sysadmin["name"]}, source_id=source["id"])
    stats = helpers.call_action("harvest_job_show", context={"user": sysadmin["name"]}, id=job["id"])["stats"]
    assert (stats.get("added"), stats.get(tables.NOT_MODIFIED, 0)) == (1, 0) and stats.get("errored")


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
def test_harvester_run_during_a_gather_queues_no_object_twice(sysadmin, organization, feed, monkeypatch):
    """A cron's `harvester run` in the middle of a long gather re-queues every WAITING object missing
    from the fetch queue, and ckanext-harvest queues the gather's objects once more when it ends: a copy
    arriving after the job finished would turn its object, imported already, into an error. The
    gather's objects are not WAITING until it ends (tables.GATHERED), so the cron finds none."""
    from ckanext.harvest import queue
    from ckanext.procurement.harvesters import base

    url = feed.route("/feed.json", Reply(json.dumps({"releases": [
        release(f"ocds-213czf-r-{n}", title=f"Process {n}") for n in range(7)]}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    monkeypatch.setitem(helpers.config, "ckanext.procurement.harvest.batch_size", 3)
    original_step = base.Progress.step

    def step_then_cron(self, n=1):
        original_step(self, n)
        if self.what == "processes gathered":
            queue.resubmit_objects()  # what `harvester run` does first

    monkeypatch.setattr(base.Progress, "step", step_then_cron)
    job = helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=True)
    drain(queue.get_gather_consumer(), queue.gather_callback)
    queued = [json.loads(message)["harvest_object_id"]
              for message in queue.get_connection().lrange(queue.get_fetch_routing_key(), 0, -1)]
    assert len(queued) == len(set(queued)) == 7

    drain(queue.get_fetch_consumer(), queue.fetch_callback)
    helpers.call_action("harvest_jobs_run", context={"user": sysadmin["name"]}, source_id=source["id"])
    shown = helpers.call_action("harvest_job_show", context={"user": sysadmin["name"]}, id=job["id"])
    model.Session.remove()
    states = {(o.state, o.report_status, o.retry_times) for o in model.Session.query(HarvestObject)
              .filter(HarvestObject.harvest_job_id == job["id"])}
    assert shown["status"] == "Finished" and states == {("COMPLETE", "added", 1)}, (shown["stats"], states)


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
def test_harvester_run_while_the_gathered_objects_are_queued_queues_none_twice(sysadmin, organization, feed, monkeypatch):
    """The same cron at the end of the gather, between the queueing of one object and the next (the
    load run of the 100,000-process benchmark caught it there: 315 of 2,000 objects errored): were the
    objects WAITING before they are all on the queue, the cron would queue the rest a second time."""
    from ckanext.harvest import queue

    url = feed.route("/feed.json", Reply(json.dumps({"releases": [
        release(f"ocds-213czf-q-{n}", title=f"Process {n}") for n in range(5)]}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    fetch_publisher = queue.get_fetch_publisher
    in_cron = [False]

    class CronBeforeEachSend:
        def __init__(self):
            self.publisher = fetch_publisher()

        def send(self, body, **kw):
            if not in_cron[0]:  # (the cron's own sends go straight to the queue)
                in_cron[0] = True
                try:
                    queue.resubmit_objects()  # what `harvester run` does first
                finally:
                    in_cron[0] = False
            return self.publisher.send(body, **kw)

        def close(self):
            return self.publisher.close()

    monkeypatch.setattr(queue, "get_fetch_publisher", CronBeforeEachSend)
    job = helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=True)
    drain(queue.get_gather_consumer(), queue.gather_callback)
    monkeypatch.undo()
    queued = [json.loads(message)["harvest_object_id"]
              for message in queue.get_connection().lrange(queue.get_fetch_routing_key(), 0, -1)]
    assert len(queued) == len(set(queued)) == 5
    model.Session.remove()
    assert {o.state for o in model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job["id"])} \
        == {tables.WAITING}  # for `harvester run` to queue again, should Redis lose them

    drain(queue.get_fetch_consumer(), queue.fetch_callback)
    helpers.call_action("harvest_jobs_run", context={"user": sysadmin["name"]}, source_id=source["id"])
    model.Session.remove()
    states = {(o.state, o.report_status, o.retry_times) for o in model.Session.query(HarvestObject)
              .filter(HarvestObject.harvest_job_id == job["id"])}
    assert states == {("COMPLETE", "added", 1)}, states
