"""`ckan procurement check-index`: the database and the Solr index agree,
and when they don't (an outage, a restore of one but not the other), the
command says exactly where and repairs the index without losing data."""
from __future__ import annotations

import json
import os
import time
import uuid

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.cli.cli import ckan as ckan_command
from ckan.lib import search
from ckan.tests import helpers
from ckanext.procurement import consistency
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes, run_job
from ckanext.procurement.tests.feed_server import Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def _save(user: str, org_id: str, n: int, private: bool = False) -> list[dict]:
    saved = []
    for i in range(n):
        release = {"ocid": f"ocds-cons01-{uuid.uuid4().hex[:8]}", "id": "r1", "date": "2026-01-05T10:00:00Z",
                   "tag": ["tender"], "initiationType": "tender", "parties": [],
                   "tender": {"id": "t1", "title": f"Road salt lot {i}", "status": "active"}}
        saved.append(helpers.call_action("procurement_process_save", context={"user": user},
                                         releases=[release], owner_org=org_id, private=private)["package"])
    return saved


def _orphan_index_entry(dataset: dict) -> str:
    """An index entry of a dataset the database doesn't have (as after restoring an older database)."""
    ghost = dict(helpers.call_action("package_show", id=dataset["id"]), id=str(uuid.uuid4()), name=f"ghost-{uuid.uuid4().hex[:8]}")
    search.index_for(model.Package).index_package(ghost)
    return ghost["id"]


def test_saved_processes_agree(sysadmin, organization):
    _save(sysadmin["name"], organization["id"], 2)
    _save(sysadmin["name"], organization["id"], 1, private=True)
    report = consistency.check()
    assert report.agrees, report
    assert report.datasets == report.index_entries == 3


def test_withdrawn_dataset_is_neither_missing_nor_orphan(sysadmin, organization):
    first, _ = _save(sysadmin["name"], organization["id"], 2)
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=first["id"])
    report = consistency.check()
    assert report.agrees, report
    assert report.datasets == 1


def test_check_names_every_disagreement(sysadmin, organization):
    lost, deindexed, kept = _save(sysadmin["name"], organization["id"], 3)
    search.index_for(model.Package).delete_package({"id": deindexed["id"]})
    ghost = _orphan_index_entry(kept)
    # a dataset whose record is gone, and a record whose dataset is gone
    record = ProcurementRecord.by_package(lost["id"])
    stray = ProcurementRecord(ocid="ocds-cons01-stray", package_id=str(uuid.uuid4()), releases=record.releases,
                              compiled_release=record.compiled_release, releases_hash="x", withheld=[])
    model.Session.delete(record)
    model.Session.add(stray)
    model.Session.commit()

    report = consistency.check()
    assert not report.agrees
    assert report.missing_from_index == [deindexed["id"]]
    assert report.orphan_index_entries == [ghost]
    assert report.records_without_dataset == ["ocds-cons01-stray"]
    assert report.datasets_without_record == [lost["id"]]


def test_command_reports_then_repairs_the_index(cli, sysadmin, organization):
    deindexed, kept = _save(sysadmin["name"], organization["id"], 2)
    search.index_for(model.Package).delete_package({"id": deindexed["id"]})
    ghost = _orphan_index_entry(kept)
    assert processes()["count"] == 2  # the ghost is found, the lost dataset is not

    result = cli.invoke(ckan_command, ["procurement", "check-index"])
    assert result.exit_code == 1, result.output
    assert f"1 missing from the index: {deindexed['id']}" in result.output
    assert f"1 index entries without an active dataset: {ghost}" in result.output
    assert "disagree" in result.output
    assert not consistency.check().agrees  # checking alone changes nothing

    result = cli.invoke(ckan_command, ["procurement", "check-index", "--repair"])
    assert result.exit_code == 0, result.output
    assert "repaired: 1 reindexed, 1 unindexed" in result.output
    assert result.output.rstrip().endswith("index and database agree")
    assert {d["id"] for d in processes()["results"]} == {deindexed["id"], kept["id"]}

    result = cli.invoke(ckan_command, ["procurement", "check-index"])
    assert result.exit_code == 0, result.output


def test_records_without_dataset_are_deleted_only_when_asked(cli, sysadmin, organization):
    (dataset,) = _save(sysadmin["name"], organization["id"], 1)
    record = ProcurementRecord.by_package(dataset["id"])
    model.Session.add(ProcurementRecord(ocid="ocds-cons01-stray", package_id=str(uuid.uuid4()), releases=record.releases,
                                        compiled_release=record.compiled_release, releases_hash="x", withheld=[]))
    model.Session.commit()

    result = cli.invoke(ckan_command, ["procurement", "check-index", "--repair"])
    assert result.exit_code == 1, result.output
    assert "1 records without a dataset (ocids): ocds-cons01-stray" in result.output
    assert "--delete-orphan-records" in result.output
    model.Session.remove()
    assert ProcurementRecord.get("ocds-cons01-stray") is not None

    result = cli.invoke(ckan_command, ["procurement", "check-index", "--delete-orphan-records"])
    assert result.exit_code != 0 and ProcurementRecord.get("ocds-cons01-stray") is not None

    result = cli.invoke(ckan_command, ["procurement", "check-index", "--repair", "--delete-orphan-records"])
    assert result.exit_code == 0, result.output
    model.Session.remove()
    assert ProcurementRecord.get("ocds-cons01-stray") is None
    assert ProcurementRecord.by_package(dataset["id"]) is not None  # a record with its dataset stays


class _ConnectionCutAtCommit:
    """PostgreSQL drops the session's connection as it is about to commit (a restart, a
    network cut): a real server-side fault, after CKAN has already indexed the dataset."""

    def __init__(self):
        import sqlalchemy as sa

        self.killer = sa.create_engine(model.Session.get_bind().url)

    def __enter__(self):
        import sqlalchemy as sa

        def cut(session):
            pid = session.connection().execute(sa.text("SELECT pg_backend_pid()")).scalar()
            with self.killer.connect() as connection:
                connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        self.cut = cut
        sa.event.listen(model.Session, "before_commit", cut, once=True)
        return self

    def __exit__(self, *exc):
        import sqlalchemy as sa

        if sa.event.contains(model.Session, "before_commit", self.cut):
            sa.event.remove(model.Session, "before_commit", self.cut)
        self.killer.dispose()
        model.Session.remove()


def _release(ocid: str, title: str, release_id: str = "r1") -> dict:
    return {"ocid": ocid, "id": release_id, "date": "2026-01-05T10:00:00Z", "tag": ["tender"],
            "initiationType": "tender", "parties": [], "tender": {"id": "t1", "title": title, "status": "active"}}


def test_a_new_process_whose_commit_is_lost_leaves_nothing_in_the_index(sysadmin, organization):
    ocid = f"ocds-cons01-{uuid.uuid4().hex[:8]}"
    with _ConnectionCutAtCommit(), pytest.raises(Exception):
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                            releases=[_release(ocid, "Snow plough blades")], owner_org=organization["id"])
    assert ProcurementRecord.get(ocid) is None
    found = helpers.call_action("package_search", q='"Snow plough blades"', include_private=True)
    assert found["count"] == 0, "the index kept a dataset the database lost"
    assert consistency.check().agrees


def test_an_update_whose_commit_is_lost_leaves_the_stored_version_in_the_index(sysadmin, organization):
    ocid = f"ocds-cons01-{uuid.uuid4().hex[:8]}"
    helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                        releases=[_release(ocid, "Snow plough blades")], owner_org=organization["id"])
    with _ConnectionCutAtCommit(), pytest.raises(Exception):
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                            releases=[_release(ocid, "Snow plough blades"), _release(ocid, "Salt spreaders", "r2")],
                            owner_org=organization["id"])
    assert len(ProcurementRecord.get(ocid).releases) == 1
    assert helpers.call_action("package_search", q='"Salt spreaders"', include_private=True)["count"] == 0
    assert helpers.call_action("package_search", q='"Snow plough blades"', include_private=True)["count"] == 1
    assert consistency.check().agrees


def test_what_an_outage_left_behind_is_repaired_at_the_next_harvest(sysadmin, organization, feed, purged_queues):
    """A save rolled back after Solr took its dataset (Solr stopping mid-request) leaves an index
    entry the database never had; the save remembers it and the next harvest's gather removes it."""
    kept, changed = _save(sysadmin["name"], organization["id"], 2)
    ghost = _orphan_index_entry(kept)
    model.Session.query(model.Package).filter(model.Package.id == changed["id"]).update({"title": "Renamed while Solr was away"})
    model.Session.commit()
    consistency.remember(ghost)
    consistency.remember(changed["id"])
    assert consistency.pending() == {ghost, changed["id"]}
    assert consistency.check().orphan_index_entries == [ghost]

    release = {"ocid": "ocds-cons01-next", "id": "r1", "date": "2026-01-05T10:00:00Z", "tag": ["tender"],
               "initiationType": "tender", "tender": {"id": "t1", "title": "Next harvest", "status": "active"}}
    url = feed.route("/releases.json", Reply(json.dumps({"uri": "x", "publishedDate": "2026-01-01T00:00:00Z",
                                                         "releases": [release]}).encode()))
    source = create_source(sysadmin["name"], organization["id"], url)
    run_job(source["id"], sysadmin["name"])
    assert consistency.pending() == set()
    report = consistency.check()
    assert report.agrees, report
    found = helpers.call_action("package_search", fq=f'id:"{changed["id"]}"')["results"]
    assert found[0]["title"] == "Renamed while Solr was away"


def test_a_save_killed_between_index_and_commit_is_repaired_by_the_next_harvest(sysadmin, organization, feed, purged_queues):
    """A save dies (SIGKILL, power cut) after Solr took its new dataset and before PostgreSQL
    committed it: no code of its own runs, so it noted the dataset before indexing, and the next
    harvest, once the note is older than any save takes, removes the entry."""
    ocid = f"ocds-cons01-{uuid.uuid4().hex[:8]}"
    package_id = str(uuid.uuid4())
    model.Session.remove()
    child = os.fork()
    if child == 0:  # the save, in a process of its own that dies at the commit
        try:
            model.meta.engine.dispose(close=False)  # the parent's connections stay the parent's
            sa.event.listen(model.Session, "before_commit", lambda session: os._exit(0))
            helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]}, id=package_id,
                                releases=[_release(ocid, "Grit bins")], owner_org=organization["id"])
        finally:
            os._exit(1)  # the commit was never reached
    assert os.waitpid(child, 0)[1] == 0
    report = consistency.check()
    assert report.orphan_index_entries == [package_id], "the save died before Solr took the dataset"
    assert consistency.pending() == {package_id}

    assert consistency.repair_remembered() == 0  # as far as anyone can tell, it may still be saving
    consistency.remember(package_id, since=time.time() - consistency.IN_FLIGHT_SECONDS - 1)
    url = feed.route("/releases.json", Reply(json.dumps({"uri": "x", "publishedDate": "2026-01-01T00:00:00Z",
                                                         "releases": [_release("ocds-cons01-next", "Next harvest")]}).encode()))
    run_job(create_source(sysadmin["name"], organization["id"], url)["id"], sysadmin["name"])
    assert consistency.pending() == set()
    assert consistency.check().agrees


def test_a_save_that_commits_leaves_no_note(sysadmin, organization):
    (saved,) = _save(sysadmin["name"], organization["id"], 1)
    assert saved["id"] not in consistency.pending()
    with pytest.raises(Exception):
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                            releases=[{"ocid": "not an ocid"}], owner_org=organization["id"])
    assert consistency.pending() == set()


def test_a_note_younger_than_a_save_may_take_is_left_alone(sysadmin, organization):
    """A save under way has no committed dataset yet: repairing its note would unindex what is
    about to be committed. Notes older than IN_FLIGHT_SECONDS are of saves that died."""
    kept, = _save(sysadmin["name"], organization["id"], 1)
    ghost = _orphan_index_entry(kept)
    consistency.remember(ghost, since=time.time())
    assert consistency.repair_remembered() == 0
    assert consistency.check().orphan_index_entries == [ghost]
    consistency.remember(ghost, since=time.time() - consistency.IN_FLIGHT_SECONDS - 1)
    assert consistency.repair_remembered() == 1
    assert consistency.pending() == set()
    assert consistency.check().agrees
