"""The production loop, as cities run it: gather and fetch consumers on
Redis, `ckan harvester job` to start a run and `ckan harvester run` (cron)
to finish it; and the progress a command-line harvest prints."""
from __future__ import annotations

import subprocess
import time

import pytest

from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes
from ckanext.procurement.tests.conftest import REPO_ROOT

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
CKAN = [str(REPO_ROOT / ".venv" / "bin" / "ckan"), "-c", str(REPO_ROOT / "test.ini")]


def _ckan(*args, timeout=300):
    return subprocess.run(CKAN + list(args), capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)


def test_consumers_and_scheduler_run_a_harvest(sysadmin, organization):
    with DemoServer(processes=12, seed=11) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
        consumers = [subprocess.Popen(CKAN + ["harvester", name], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
                     for name in ("gather-consumer", "fetch-consumer")]
        try:
            started = _ckan("harvester", "job", source["id"])
            assert started.returncode == 0, started.stderr
            deadline = time.monotonic() + 240
            status = None
            while time.monotonic() < deadline:
                _ckan("harvester", "run")  # what cron runs: finishes jobs whose objects are all done
                jobs = helpers.call_action("harvest_job_list", source_id=source["id"])
                status = jobs[0]["status"] if jobs else None
                if status == "Finished":
                    break
                time.sleep(2)
            assert status == "Finished", [c.poll() for c in consumers]
        finally:
            for consumer in consumers:
                consumer.terminate()
                consumer.wait(timeout=30)
        job = helpers.call_action("harvest_job_list", source_id=source["id"])[0]
        assert job["stats"].get("added", 0) == processes()["count"] > 0
        assert job["stats"].get("errored", 0) == 0


def test_command_line_harvest_prints_progress(sysadmin, organization):
    with DemoServer(processes=8, seed=5) as demo:
        create_source(sysadmin["name"], organization["id"], demo.releases_url, name="cli-source")
        result = _ckan("procurement", "harvest", "cli-source")
    assert result.returncode == 0, result.stderr
    assert "gathered" in result.stdout and "processes" in result.stdout
    assert "per second" in result.stdout
    assert '"added": ' in result.stdout
    assert processes()["count"] > 0


def test_harvest_timeout_is_set():
    from ckan.plugins.toolkit import config

    # jobs never stay Running forever: the ini sets a timeout (minutes)
    assert int(config.get("ckan.harvest.timeout")) > 0


def test_refresh_status_moves_closed_tenders_to_evaluation(sysadmin, organization):
    import datetime

    from freezegun import freeze_time

    release = {
        "ocid": "ocds-demo01-refresh-1", "id": "r1", "date": "2026-01-05T10:00:00Z", "tag": ["tender"],
        "initiationType": "tender", "parties": [],
        "tender": {"id": "t1", "title": "Snow plows", "status": "active",
                   "tenderPeriod": {"startDate": "2026-01-05T10:00:00Z", "endDate": "2026-02-01T17:00:00Z"}},
    }
    with freeze_time(datetime.datetime(2026, 1, 10)):
        saved = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                    releases=[release], owner_org=organization["id"])
    assert saved["package"]["status"] == "open"
    result = _ckan("procurement", "refresh-status")
    assert result.returncode == 0, result.stderr
    assert "refreshed 1 processes" in result.stdout
    assert helpers.call_action("package_show", id=saved["package"]["id"])["status"] == "evaluation"


def test_rederive_fills_what_an_upgrade_added_and_keeps_what_was_withheld(sysadmin, organization):
    """After an upgrade that adds derived figures, `ckan procurement rederive` derives every active process
    again from its record: the supplier rows come back, the withheld paths and reason stay named, a
    withdrawn process stays withdrawn."""
    import ckan.model as model

    from ckanext.procurement.model import ProcurementSupplierAward

    def release(ocid, title):
        return {"ocid": ocid, "id": "r1", "date": "2026-01-05T10:00:00Z", "tag": ["award"], "initiationType": "tender",
                "parties": [{"id": "s1", "name": "Acme Salt", "roles": ["supplier"], "contactPoint": {"email": "sales@acme.example"}}],
                "tender": {"id": "t1", "title": title, "status": "complete"},
                "awards": [{"id": "a1", "status": "active", "value": {"amount": 1200, "currency": "USD"},
                            "suppliers": [{"id": "s1", "name": "Acme Salt"}]}]}

    kept = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                               releases=[release("ocds-demo01-rederive-1", "Road salt")], owner_org=organization["id"],
                               redact_paths=["parties/contactPoint/email"], redaction_reason="Staff contact details")["package"]
    withdrawn = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                    releases=[release("ocds-demo01-rederive-2", "Grit")], owner_org=organization["id"])["package"]
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=withdrawn["id"])
    model.Session.query(ProcurementSupplierAward).delete()  # as before the migration that added the table
    model.Session.commit()

    result = _ckan("procurement", "rederive")
    assert result.returncode == 0, result.stderr
    assert "derived 1 processes again" in result.stdout
    model.Session.remove()
    assert {row.package_id for row in model.Session.query(ProcurementSupplierAward)} == {kept["id"]}
    shown = helpers.call_action("package_show", id=kept["id"])
    assert shown["withheld_paths"] == ["parties/contactPoint/email"]
    assert shown["withheld_reason"] == "Staff contact details"
    assert "sales@acme.example" not in str(helpers.call_action("procurement_record_show", id="ocds-demo01-rederive-1"))
    assert helpers.call_action("package_show", context={"user": sysadmin["name"]}, id=withdrawn["id"])["state"] == "deleted"

    result = _ckan("procurement", "rederive", "--organization", "no-such-org")
    assert result.returncode != 0 and "no organization no-such-org" in result.stderr


def test_command_line_harvest_runs_the_waiting_job(sysadmin, organization):
    with DemoServer(processes=6, seed=5) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.releases_url, name="cli-source")
        waiting = helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]},
                                      source_id=source["id"], run=False)
        result = _ckan("procurement", "harvest", "cli-source")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    jobs = helpers.call_action("harvest_job_list", source_id=source["id"])
    assert [job["id"] for job in jobs] == [waiting["id"]]  # that job ran, no second one
    assert jobs[0]["status"] == "Finished" and jobs[0]["stats"].get("added", 0) == processes()["count"] > 0


def test_command_line_harvest_explains_a_running_job(sysadmin, organization):
    with DemoServer(processes=6, seed=5) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.releases_url, name="cli-source")
        running = helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"])
        queue.purge_queues()  # no consumer here: the job stays Running
        result = _ckan("procurement", "harvest", "cli-source")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "HarvestJobExists" not in result.stderr
    assert f"already has a running job, {running['id']} (started " in result.stderr
    assert "ckan harvester job-abort cli-source" in result.stderr
    assert processes()["count"] == 0
    assert [job["status"] for job in helpers.call_action("harvest_job_list", source_id=source["id"])] == ["Running"]


def test_command_line_harvest_names_an_unknown_source():
    result = _ckan("procurement", "harvest", "no-such-source")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "No harvest source 'no-such-source'" in result.stderr
