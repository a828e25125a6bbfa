"""The foundation: the plugins load, and CKAN talks to real PostgreSQL, Solr and Redis."""
from __future__ import annotations

import os
import subprocess
import uuid

import pytest

import ckan.plugins as plugins
from ckan.tests import factories, helpers

from ckanext.procurement.tests.conftest import REPO_ROOT


def test_procurement_plugins_load():
    for name in ("procurement", "ocds_lifecycle", "scheming_datasets", "harvest", "ocds", "procurement_csv"):
        assert plugins.plugin_loaded(name), name


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_dataset_created_through_the_api_is_found_by_solr(sysadmin):
    org = factories.Organization()
    marker = f"zebra{uuid.uuid4().hex[:8]}"
    helpers.call_action(
        "package_create", context={"user": sysadmin["name"]},
        name="street-trees", title=f"Street trees {marker}", owner_org=org["id"],
    )
    result = helpers.call_action("package_search", q=marker)
    assert result["count"] == 1
    assert result["results"][0]["name"] == "street-trees"
    # and the search really is Solr's: a phrase that isn't there finds nothing
    assert helpers.call_action("package_search", q="giraffes")["count"] == 0


def test_status_show_lists_the_plugins():
    status = helpers.call_action("status_show")
    for name in ("procurement", "scheming_datasets", "harvest"):
        assert name in status["extensions"]


def test_redis_answers():
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    key = f"procurement-test-{uuid.uuid4().hex}"
    redis.set(key, "ok", ex=60)
    assert redis.get(key) == b"ok"
    assert redis.ping()


def _services(*args, env=None):
    return subprocess.run(
        [str(REPO_ROOT / "scripts" / "services.sh"), *args],
        capture_output=True, text=True, env=dict(os.environ, **(env or {})), timeout=600,
    )


def test_services_script_starts_reports_and_stops_a_service(tmp_path):
    # a second Redis on its own port and state folder: the suite's own services stay up
    env = {"PROCUREMENT_STATE_DIR": str(tmp_path), "PROCUREMENT_REDIS_PORT": "6391"}
    try:
        started = _services("start", "redis", env=env)
        assert started.returncode == 0, started.stderr
        status = _services("status", "redis", env=env)
        assert status.returncode == 0 and "redis: running" in status.stdout
        again = _services("start", "redis", env=env)  # idempotent
        assert "already running" in again.stderr
    finally:
        stopped = _services("stop", "redis", env=env)
    assert stopped.returncode == 0, stopped.stderr
    status = _services("status", "redis", env=env)
    assert status.returncode == 3 and "redis: stopped" in status.stdout


def test_services_script_reports_the_suites_services():
    status = _services("status")
    assert status.returncode == 0, status.stdout
    assert status.stdout.split("\n")[:3] == ["postgres: running", "redis: running", "solr: running"]


def test_services_script_starts_and_stops_its_own_solr(tmp_path):
    env = {"PROCUREMENT_STATE_DIR": str(tmp_path), "PROCUREMENT_SOLR_PORT": "8991"}
    try:
        started = _services("start", "solr", env=env)
        assert started.returncode == 0, started.stderr
        import requests

        ping = requests.get("http://127.0.0.1:8991/solr/ckan/admin/ping?wt=json", timeout=10).json()
        assert ping["status"] == "OK"
        schema = requests.get("http://127.0.0.1:8991/solr/ckan/schema/name?wt=json", timeout=10).json()
        assert schema["name"] == "ckan-2.11"
    finally:
        stopped = _services("stop", "solr", env=env)
    assert stopped.returncode == 0
    assert "solr: stopped" in _services("status", "solr", env=env).stdout


def test_services_script_starts_and_stops_its_own_postgres(tmp_path):
    env = {"PROCUREMENT_STATE_DIR": str(tmp_path), "PROCUREMENT_PG_PORT": "5441", "PROCUREMENT_PG_DATABASES": "probe"}
    try:
        started = _services("start", "postgres", env=env)
        assert started.returncode == 0, started.stderr
        assert "created database probe" in started.stderr
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=5441, user="ckan", password="ckan", dbname="probe") as connection:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                assert cursor.fetchone() == (1,)
        assert "postgres: running" in _services("status", "postgres", env=env).stdout
    finally:
        stopped = _services("stop", "postgres", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert "postgres: stopped" in _services("status", "postgres", env=env).stdout


def test_services_script_rejects_unknown_services():
    result = _services("start", "mongodb")
    assert result.returncode != 0
    assert "unknown service 'mongodb'" in result.stderr
