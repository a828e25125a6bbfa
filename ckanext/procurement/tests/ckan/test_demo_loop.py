"""What `make demo` runs in the background: the portal under gunicorn, the
gather and fetch consumers, CKAN's job worker and the scheduler loop (scripts/harvest-scheduler.sh),
each a process group with a pid file that `make stop` (scripts/demo.sh stop)
ends; and the loop itself, which harvests with no command typed."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from ckan.tests import factories, helpers
from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.tests.ckan.harvest_helpers import processes
from ckanext.procurement.tests.ckan.web_session import csrf_token, sign_in
from ckanext.procurement.tests.conftest import REPO_ROOT

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
CKAN = [str(REPO_ROOT / ".venv" / "bin" / "ckan"), "-c", str(REPO_ROOT / "test.ini")]
PERIOD = 5  # seconds between two `ckan harvester run` (the demo: 30)
PASSWORD = "correct-horse-battery"


@pytest.fixture
def harvest_loop():
    """The consumers, the job worker and the scheduler script, as scripts/demo.sh starts them."""
    from ckan.lib import jobs

    from ckanext.procurement.bulk import queue

    queue.forget()
    jobs.get_queue().empty()
    # two fetch consumers, as the demo runs them: each object is imported once, by one of them
    commands = [CKAN + ["harvester", "gather-consumer"], CKAN + ["harvester", "fetch-consumer"],
                CKAN + ["harvester", "fetch-consumer"], CKAN + ["jobs", "worker"],
                [str(REPO_ROOT / "scripts" / "harvest-scheduler.sh"), str(REPO_ROOT / "test.ini"), str(PERIOD)]]
    running = [subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True) for command in commands]
    yield running
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
    for process in running:
        process.wait(timeout=60)


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    return predicate()


def _jobs(source_name: str) -> list[dict]:
    return helpers.call_action("harvest_job_list", source_id=helpers.call_action("harvest_source_show", id=source_name)["id"])


def _finished_jobs(source_name: str) -> list[dict]:
    return [job for job in _jobs(source_name) if job["status"] == "Finished"]


def test_the_loop_runs_web_jobs_and_follows_the_purchasing_system(app, harvest_loop):
    admin = factories.Sysadmin(password=PASSWORD)
    with DemoServer(processes=12, seed=3, allow_remote_control=True) as demo:
        setup = subprocess.run(CKAN + ["procurement", "demo-setup", "--url", demo.url, "--admin", admin["name"]],
                               capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
        assert setup.returncode == 0, setup.stderr

        # a harvest source of frequency ALWAYS: the scheduler harvests it by itself
        first = _wait_for(lambda: _finished_jobs("springfield-purchasing"), 180)
        assert first, _jobs("springfield-purchasing")
        assert first[0]["stats"].get("added", 0) == processes()["count"] > 0
        # the job worker wrote the bulk files of the harvest, and their dataset
        from ckanext.procurement.bulk import datasets, storage

        def bulk_files_written():
            compiled = [f for f in storage.read_manifest(storage.PORTAL)["files"] if f["name"] == "compiled-releases.jsonl.gz"]
            return compiled and compiled[0]["processes"] == processes()["count"] and \
                helpers.call_action("package_search", fq=f'+id:"{datasets.dataset_id(storage.PORTAL)}"')["count"] == 1
        assert _wait_for(bulk_files_written, 120)
        releases_before = sum(len(helpers.call_action("procurement_record_show", id=p["name"])["releases"])
                              for p in processes()["results"])

        # the purchasing system moves on; nobody types a command
        demo.advance(days=60)
        advanced_at = time.monotonic()

        def new_releases_harvested():
            total = sum(len(helpers.call_action("procurement_record_show", id=p["name"])["releases"])
                        for p in processes()["results"])
            return total > releases_before

        assert _wait_for(new_releases_harvested, 150), _jobs("springfield-purchasing")
        assert time.monotonic() - advanced_at < 150

        # a job started from the web (the admin page's Reharvest form) of a
        # MANUAL source: the consumers run it, the scheduler finishes it
        browser = sign_in(app, admin["name"], PASSWORD)
        page = browser.get("/harvest/admin/springfield-contracts-export")
        source_id = helpers.call_action("harvest_source_show", id="springfield-contracts-export")["id"]
        response = browser.post(f"/harvest/refresh/{source_id}", data={"_csrf_token": csrf_token(page.get_data(as_text=True))},
                                follow_redirects=False)
        assert response.status_code == 302
        started = time.monotonic()
        finished = _wait_for(lambda: _finished_jobs("springfield-contracts-export"), 120)
        assert finished, _jobs("springfield-contracts-export")
        # the consumers' work plus at most one scheduler period and one `ckan harvester run`
        assert time.monotonic() - started < 120
        assert finished[0]["stats"].get("errored", 0) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(line) for line in result.stdout.split()]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_background_processes_start_and_make_stop_ends_them(tmp_path):
    port, demo_port = _free_port(), _free_port()
    env = dict(os.environ, PROCUREMENT_CKAN_INI=str(REPO_ROOT / "test.ini"), PROCUREMENT_STATE_DIR=str(tmp_path),
               PROCUREMENT_CKAN_PORT=str(port), PROCUREMENT_CKAN_WORKERS="2", PROCUREMENT_HARVEST_PERIOD="5",
               PROCUREMENT_DEMO_PORT=str(demo_port), PROCUREMENT_DEMO_PROCESSES="5")
    pids: dict[str, int] = {}
    bystander = subprocess.Popen(["sleep", "300"])  # not the demo's: must survive the stop

    def demo(command: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(REPO_ROOT / "scripts" / "demo.sh"), command], env=env, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=300)

    try:
        served = demo("serve")
        assert served.returncode == 0, served.stderr
        pids = {name: int((tmp_path / "demo" / f"{name}.pid").read_text())
                for name in ("purchasing", "portal", "gather", "fetch", "fetch2", "jobs", "scheduler")}
        assert demo("status").stdout.count(": running") == 7

        # the portal: gunicorn's master and its workers, answering HTTP
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/3/action/status_show", timeout=60) as response:
            assert response.status == 200
        assert len(_children(pids["portal"])) == 2
        assert all(_group_alive(pid) for pid in pids.values())
        with open("/proc/%d/cmdline" % pids["portal"], "rb") as cmdline:
            assert b"gunicorn" in cmdline.read()
    finally:
        stopped = demo("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not any(_group_alive(pid) for pid in pids.values())
    assert not list((tmp_path / "demo").glob("*.pid"))
    assert bystander.poll() is None
    bystander.kill()
    bystander.wait()
    # `make stop` stops the demo's processes, then the services
    makefile = (REPO_ROOT / "Makefile").read_text()
    stop_recipe = makefile.split("\nstop:")[1].split("\n\n")[0]
    assert stop_recipe.index("scripts/demo.sh stop") < stop_recipe.index("scripts/services.sh stop")
