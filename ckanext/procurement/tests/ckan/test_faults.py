"""Faults lose nothing: Solr stopped, PostgreSQL and Redis restarted, a
fetch consumer killed, each in the middle of a harvest run by the real
consumers. No dataset is lost or half saved, the job ends, the next run
completes, and the database and the search index agree afterwards.

The services are this checkout's own (scripts/services.sh, ports from the
test configuration); every test leaves them running. The consumers run as
processes; `Consumers.revive` restarts a dead one, as the deployment's
restart policy does. Where ckanext-harvest waits for time to pass (it
resubmits an unacknowledged object after 3 minutes) the test moves that
clock instead of sleeping.
"""
from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import time
from urllib.parse import urlparse

import pytest

import ckan.model as model
from ckan.lib.redis import connect_to_redis
from ckan.plugins.toolkit import config
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject
from ckanext.procurement import consistency
from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, feed_ocids, processes
from ckanext.procurement.tests.conftest import REPO_ROOT

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")
CKAN = [str(REPO_ROOT / ".venv" / "bin" / "ckan"), "-c", str(REPO_ROOT / "test.ini")]
N = 30
IN_FLIGHT = ("FETCH", "IMPORT")


def _service(action: str, name: str) -> None:
    """scripts/services.sh on the services this test configuration points at."""
    env = dict(os.environ,
               PROCUREMENT_PG_PORT=str(urlparse(config["sqlalchemy.url"]).port),
               PROCUREMENT_SOLR_PORT=str(urlparse(config["solr_url"]).port),
               PROCUREMENT_REDIS_PORT=str(urlparse(config["ckan.redis.url"]).port))
    result = subprocess.run([str(REPO_ROOT / "scripts" / "services.sh"), action, name], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


class Consumers:
    """The gather and fetch consumers, each in its own process."""

    def __init__(self, logs):
        self.logs = logs
        self.procs: dict[str, subprocess.Popen] = {}
        self.restarts = 0
        for name in ("gather-consumer", "fetch-consumer"):
            self.start(name)

    def start(self, name: str) -> None:
        with open(self.logs / f"{name}.log", "a") as log:  # the consumer's tracebacks, if it dies
            self.procs[name] = subprocess.Popen(CKAN + ["harvester", name], cwd=REPO_ROOT,
                                                stdout=subprocess.DEVNULL, stderr=log)

    def revive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                self.restarts += 1
                self.start(name)

    @property
    def fetch(self) -> subprocess.Popen:
        return self.procs["fetch-consumer"]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)  # in case a test left it paused
                proc.terminate()
                proc.wait(timeout=30)


@pytest.fixture
def consumers(tmp_path):
    queue.purge_queues()
    running = Consumers(tmp_path)
    yield running
    running.stop()
    queue.purge_queues()


@pytest.fixture
def demo():
    with DemoServer(processes=N, seed=23) as server:
        yield server


def _latest_job(source_id: str) -> dict:
    model.Session.remove()  # read what the consumers committed
    return helpers.call_action("harvest_job_list", source_id=source_id)[0]


def _record_count() -> int:
    model.Session.remove()
    return model.Session.query(ProcurementRecord).count()


def _unfinished_objects() -> int:
    model.Session.remove()
    return model.Session.query(HarvestObject).filter(HarvestObject.state.in_(("WAITING",) + IN_FLIGHT)).count()


def _wait_for(predicate, seconds: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"gave up waiting for {what} after {seconds}s")


def _start_job(source_id: str) -> None:
    """`ckan harvester job SOURCE`, in this process (test_operations runs the commands themselves)."""
    helpers.call_action("harvest_job_create", source_id=source_id, run=True)


def _cron() -> None:
    """`ckan harvester run`, in this process: finish completed jobs, apply the timeout, resubmit."""
    model.Session.remove()
    helpers.call_action("harvest_jobs_run")


def _pause_mid_import(consumers: Consumers, at_least: int = 3) -> None:
    """Freeze the fetch consumer once some processes are imported, preferably inside an import."""
    _wait_for(lambda: _record_count() >= at_least, 180, f"{at_least} imported processes")
    for _ in range(50):
        os.kill(consumers.fetch.pid, signal.SIGSTOP)
        model.Session.remove()
        if model.Session.query(HarvestObject).filter(HarvestObject.state.in_(IN_FLIGHT)).count():
            return
        os.kill(consumers.fetch.pid, signal.SIGCONT)
        time.sleep(0.02)
    os.kill(consumers.fetch.pid, signal.SIGSTOP)  # between two objects: a fault all the same


def _age_unacknowledged_objects() -> None:
    """Let ckanext-harvest's 3 minutes pass for objects a consumer took and never finished:
    `ckan harvester run` puts those back on the fetch queue."""
    model.Session.remove()
    stalled_since = datetime.datetime.utcnow() - datetime.timedelta(seconds=10)
    stalled = {object_id for (object_id,) in model.Session.query(HarvestObject.id).filter(
        HarvestObject.state.in_(IN_FLIGHT), HarvestObject.fetch_started < stalled_since)}
    redis = queue.get_connection()
    long_ago = (datetime.datetime.now() - datetime.timedelta(minutes=4)).strftime("%Y-%m-%d %H:%M:%S.%f")
    for key in redis.keys(queue.get_fetch_routing_key() + ":*"):
        if key.split(":")[-1] in stalled:
            redis.set(key, long_ago)


def _while_consumers_progress(seconds: float = 60) -> None:
    """Wait while the consumers are getting through the job's objects (cron would not run meanwhile)."""
    deadline = time.monotonic() + seconds
    last, last_change = None, time.monotonic()
    while time.monotonic() < deadline:
        left = _unfinished_objects()
        # cron during a gather would queue its objects twice (ckanext-harvest resubmits every WAITING
        # object not yet on the queue): harmless, imports are idempotent, but it blurs the job's counts
        gathering = model.Session.query(HarvestJob).filter(HarvestJob.status == "Running",
                                                           HarvestJob.gather_finished.is_(None)).count()
        if left == 0 and not gathering:
            return
        if left != last:
            last, last_change = left, time.monotonic()
        elif time.monotonic() - last_change > 3:
            return  # stalled: only `ckan harvester run` can move it on
        time.sleep(0.5)


def _run_until_finished(source_id: str, consumers: Consumers, seconds: float = 240) -> dict:
    """What the deployment does: consumers restarted when they die, `ckan harvester run` from cron."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        consumers.revive()
        _while_consumers_progress()
        _cron()
        job = _latest_job(source_id)
        if job["status"] == "Finished":
            return job
        _age_unacknowledged_objects()
    model.Session.remove()
    states = model.Session.query(HarvestObject.state).all()
    pytest.fail(f"job still {job['status']} after {seconds}s; objects: {sorted(s for (s,) in states)}")


def _accounted(stats: dict) -> int:
    """Objects the job accounts for. An object whose consumer died after the import's commit but before
    marking it done is imported again when resubmitted, and found saved already: "not modified"."""
    return sum(stats.get(key, 0) for key in ("added", "errored", "not modified"))


def _assert_whole(expected_ocids: set[str], left_for_the_next_harvest: set[str] = frozenset()) -> None:
    """Every process of the feed has its dataset and record, found by search; index and database
    agree, but for index entries a dead save left and noted for the next harvest."""
    report = _settled_check()
    assert report.datasets_without_record == [] and report.records_without_dataset == [], report
    assert report.missing_from_index == [], report
    assert set(report.orphan_index_entries) <= set(left_for_the_next_harvest), report
    found = processes()
    assert {d["ocid"] for d in found["results"]} == expected_ocids
    assert {ocid for (ocid,) in model.Session.query(ProcurementRecord.ocid)} == expected_ocids


def _settled_check(allowed_missing: set[str] = frozenset(), seconds: float = 10) -> consistency.Report:
    """The agreement of database and index once Solr's autoSoftCommit (1 s) has made what a harvest
    indexed searchable: imports index without a commit each (import_indexing), so a dataset saved
    just before the fault shows up in search a moment later, with no one's help."""
    deadline = time.monotonic() + seconds
    while True:
        model.Session.remove()
        report = consistency.check()
        if set(report.missing_from_index) <= set(allowed_missing) or time.monotonic() > deadline:
            return report
        time.sleep(0.5)


def _assert_nothing_half_saved(left_for_the_next_harvest: set[str] = frozenset()) -> None:
    report = _settled_check(left_for_the_next_harvest)
    assert report.datasets_without_record == [] and report.records_without_dataset == [], report
    assert set(report.missing_from_index) <= set(left_for_the_next_harvest), report
    assert set(report.orphan_index_entries) <= set(left_for_the_next_harvest), report


def _age_index_notes() -> None:
    """Let `consistency.IN_FLIGHT_SECONDS` pass for the notes of saves that died: the next
    harvest's gather repairs their index entries."""
    redis = connect_to_redis()
    key = consistency._pending_key()
    for member in redis.zrange(key, 0, -1):
        redis.zadd(key, {member: 0})


def _next_run_completes(source_id: str, consumers: Consumers, expected: set[str]) -> dict:
    _age_index_notes()
    _start_job(source_id)
    job = _run_until_finished(source_id, consumers)
    assert job["stats"].get("errored", 0) == 0, job["stats"]
    _assert_whole(expected)
    return job


def test_solr_stopped_mid_harvest(sysadmin, organization, demo, consumers):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    expected = feed_ocids(demo.releases_url)
    _start_job(source["id"])
    _pause_mid_import(consumers)
    try:
        _service("stop", "solr")
        os.kill(consumers.fetch.pid, signal.SIGCONT)
        # the consumer lives on: every import while Solr is away fails whole, and the queue empties
        _wait_for(lambda: _unfinished_objects() == 0, 180, "the fetch queue to empty", step=0.5)
        assert consumers.fetch.poll() is None, "the fetch consumer died when Solr went away"
    finally:
        _service("start", "solr")
    # Solr may have taken a new dataset just before it stopped, and the save was then rolled
    # back: that index entry is remembered, and the next harvest removes it
    _assert_nothing_half_saved(left_for_the_next_harvest=consistency.pending())
    job = _run_until_finished(source["id"], consumers)
    assert job["stats"].get("errored", 0) > 0
    assert job["stats"].get("added", 0) + job["stats"]["errored"] == len(expected)
    report = helpers.call_action("harvest_job_report", id=job["id"])
    messages = [e["message"] for obj in report["object_errors"].values() for e in obj["errors"]]
    assert any("nothing was saved, the next harvest does it again" in m for m in messages), messages
    assert consumers.restarts == 0

    second = _next_run_completes(source["id"], consumers, expected)
    assert second["stats"].get("added") == job["stats"]["errored"]


def test_postgres_restarted_mid_harvest(sysadmin, organization, demo, consumers):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    expected = feed_ocids(demo.releases_url)
    _start_job(source["id"])
    _pause_mid_import(consumers)
    model.Session.remove()
    try:
        _service("restart", "postgres")
    finally:
        os.kill(consumers.fetch.pid, signal.SIGCONT)
        _service("start", "postgres")
    # a consumer whose connection the restart cut dies (ckanext-harvest's callbacks don't catch it);
    # restarted, it carries on, and the object it held is put back on the queue
    job = _run_until_finished(source["id"], consumers)
    # a commit cut by the restart may have happened or not: the index entry is noted and the next harvest follows the database
    _assert_nothing_half_saved(left_for_the_next_harvest=consistency.pending())
    assert _accounted(job["stats"]) == len(expected), job["stats"]
    _next_run_completes(source["id"], consumers, expected)


def test_redis_restarted_mid_harvest(sysadmin, organization, demo, consumers):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    expected = feed_ocids(demo.releases_url)
    _start_job(source["id"])
    _pause_mid_import(consumers)
    try:
        _service("restart", "redis")  # the queues live in memory only: their messages are gone
    finally:
        os.kill(consumers.fetch.pid, signal.SIGCONT)
        _service("start", "redis")
    job = _run_until_finished(source["id"], consumers)
    _assert_nothing_half_saved()
    assert _accounted(job["stats"]) == len(expected), job["stats"]
    _next_run_completes(source["id"], consumers, expected)


def test_fetch_consumer_killed_mid_import(sysadmin, organization, demo, consumers):
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    expected = feed_ocids(demo.releases_url)
    _start_job(source["id"])
    _pause_mid_import(consumers)
    consumers.fetch.kill()  # SIGKILL: no cleanup, its transaction dies with its connection
    consumers.fetch.wait(timeout=30)
    # killed after Solr took a new dataset but before the commit, the save left an index entry
    # the database never had; it noted it before indexing, and the next harvest removes it
    _assert_nothing_half_saved(left_for_the_next_harvest=consistency.pending())
    job = _run_until_finished(source["id"], consumers)
    # the object it held is put back on the queue and imported: the job ends whole
    assert _accounted(job["stats"]) == len(expected), job["stats"]
    assert job["stats"].get("errored", 0) == 0
    _assert_whole(expected, left_for_the_next_harvest=consistency.pending())
    _next_run_completes(source["id"], consumers, expected)


def test_solr_stopped_during_updates_and_withdrawals(sysadmin, organization, demo):
    """An update and a withdrawal that can't reach Solr fail whole: the stored version stays,
    found by search as it was, and the next run does them."""
    from ckanext.procurement.tests.ckan.harvest_helpers import drain, run_job

    queue.purge_queues()
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    run_job(source["id"], sysadmin["name"])
    changed, removed = sorted(feed_ocids(demo.releases_url))[2:4]
    releases_before = len(ProcurementRecord.get(changed).releases)
    demo.change(changed)
    demo.remove(removed)

    job = helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=True)
    drain(queue.get_gather_consumer(), queue.gather_callback)
    try:
        _service("stop", "solr")
        assert drain(queue.get_fetch_consumer(), queue.fetch_callback) == 2  # no exception escapes
    finally:
        _service("start", "solr")
    helpers.call_action("harvest_jobs_run", context={"user": sysadmin["name"]}, source_id=source["id"])
    shown = helpers.call_action("harvest_job_show", id=job["id"])
    assert shown["status"] == "Finished" and shown["stats"].get("errored") == 2, shown["stats"]
    model.Session.remove()
    assert len(ProcurementRecord.get(changed).releases) == releases_before
    assert model.Package.get(ProcurementRecord.get(removed).package_id).state == "active"
    assert consistency.check().agrees

    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("updated") == 1 and report["stats"].get("deleted") == 1, report["stats"]
    model.Session.remove()
    assert len(ProcurementRecord.get(changed).releases) == releases_before + 1
    assert model.Package.get(ProcurementRecord.get(removed).package_id).state == "deleted"
    assert removed not in {d["ocid"] for d in processes()["results"]}
    assert consistency.check().agrees
    queue.purge_queues()


def test_job_with_a_lost_object_ends_at_the_timeout(sysadmin, organization, demo):
    """A consumer died holding an object and its queue entry is gone (Redis restarted meanwhile):
    nothing can finish that object, so `ckan harvester run` closes the job at ckan.harvest.timeout,
    and the next run imports the process."""
    from freezegun import freeze_time

    from ckanext.procurement.tests.ckan.harvest_helpers import drain, run_job

    queue.purge_queues()
    source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
    expected = feed_ocids(demo.releases_url)
    job = helpers.call_action("harvest_job_create", source_id=source["id"], run=True)
    drain(queue.get_gather_consumer(), queue.gather_callback)
    fetch = queue.get_fetch_consumer()
    _, _, body = fetch.basic_get(None)  # taken by the consumer that dies
    lost = HarvestObject.get(json.loads(body)["harvest_object_id"])
    lost.state, lost.fetch_started = "FETCH", datetime.datetime.utcnow()
    lost.save()
    drain(fetch, queue.fetch_callback)

    _cron()
    assert _latest_job(source["id"])["status"] == "Running"  # within the timeout, the job waits
    timeout = int(config.get("ckan.harvest.timeout"))
    with freeze_time(datetime.datetime.utcnow() + datetime.timedelta(minutes=timeout + 1)):
        _cron()
    ended = _latest_job(source["id"])
    assert ended["id"] == job["id"] and ended["status"] == "Finished"
    report = helpers.call_action("harvest_job_report", id=job["id"])
    assert any("timeout" in error["message"] for error in report["gather_errors"])
    _assert_nothing_half_saved()
    assert ProcurementRecord.get(lost.guid) is None

    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 1 and report["stats"].get("not modified") == len(expected) - 1
    _assert_whole(expected)
    queue.purge_queues()
