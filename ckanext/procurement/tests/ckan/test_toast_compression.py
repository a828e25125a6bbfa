"""The portal's database connections ask PostgreSQL for lz4 compression of large values
(toast_compression.py): what a harvest writes (harvest objects, records, activities) is stored
with it, the option can leave the server's default, and a server that refuses keeps its own."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.plugins.toolkit import ValidationError, config
from ckan.tests import factories
from ckanext.procurement import toast_compression
from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.ckan.logs import messages_logged

OPTION = toast_compression.OPTION


def _new_connection_setting() -> str:
    """default_toast_compression on a connection opened now, by an engine of its own."""
    engine = sa.create_engine(config["sqlalchemy.url"], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SHOW default_toast_compression")).scalar()
    finally:
        engine.dispose()


def _methods(table: str, column: str) -> set[str]:
    """How the values of `table.column` that PostgreSQL compressed are compressed."""
    rows = model.Session.execute(sa.text(
        f"SELECT DISTINCT pg_column_compression({column}) FROM {table} WHERE pg_column_compression({column}) IS NOT NULL"))
    return {method for (method,) in rows}


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
def test_what_a_harvest_writes_is_compressed_with_lz4():
    user = factories.Sysadmin()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "admin"}])
    with DemoServer(processes=40, seed=7) as demo:
        job = run_job(create_source(user["name"], org["id"], demo.releases_url + "?limit=100")["id"], user["name"])
    assert job["status"] == "Finished" and job["stats"]["added"] >= 30
    model.Session.remove()
    assert model.Session.execute(sa.text("SHOW default_toast_compression")).scalar() == "lz4"
    # every large value the harvest wrote, in each table a process is stored in
    assert _methods("harvest_object", "content") == {"lz4"}
    assert _methods("procurement_record", "releases") == {"lz4"}
    assert _methods("activity", "data") == {"lz4"}


def test_each_new_connection_asks_for_the_configured_method(monkeypatch):
    assert _new_connection_setting() == "lz4"
    monkeypatch.setitem(config, OPTION, "pglz")
    assert _new_connection_setting() == "pglz"


def test_empty_leaves_the_servers_default(monkeypatch):
    with sa.create_engine(config["sqlalchemy.url"], poolclass=sa.pool.NullPool).connect() as plain:
        # the server's own default, as a connection that asks for nothing has it
        server_default = plain.execute(sa.text("SELECT boot_val FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    monkeypatch.setitem(config, OPTION, "")
    assert _new_connection_setting() == server_default


def test_a_method_the_server_refuses_leaves_its_default_and_a_usable_connection(monkeypatch):
    # PostgreSQL knows no "zstd" compression: the real server refuses it, as one before 14 refuses lz4
    monkeypatch.setattr(toast_compression, "METHODS", toast_compression.METHODS + ("zstd",))
    monkeypatch.setitem(toast_compression._state, "refused", False)
    monkeypatch.setitem(config, OPTION, "zstd")
    with messages_logged(toast_compression.log) as said:
        first = _new_connection_setting()
        second = _new_connection_setting()
    assert first == second == "pglz"  # and the connection went on to answer
    assert len(said) == 1 and OPTION in said[0] and "zstd" in said[0], said


def test_an_unknown_method_is_refused_by_name(monkeypatch):
    monkeypatch.setitem(config, OPTION, "gzip")
    with pytest.raises(ValidationError) as raised:
        toast_compression.apply()
    assert OPTION in raised.value.error_dict and "'gzip'" in raised.value.error_dict[OPTION][0]
    assert _new_connection_setting() == "pglz"  # connections still open, with the server's default
