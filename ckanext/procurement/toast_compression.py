"""How PostgreSQL compresses the large values this portal writes.

A contracting process is stored three times over in large values: its releases
in the harvest object that carries them to the import, in its record, and its
dataset in the activity stream. PostgreSQL compresses each (TOAST), by default
with pglz, which is slow: in a first load its compression is about a tenth of
the time, and it runs in the database server on the same cores as the imports.
lz4 (PostgreSQL 14 and later) compresses the same releases in a seventh of the
time and about half the space (BENCHMARKS.md). The method applies to values as
they are written; reading needs nothing, whatever wrote them.

The portal's own connections ask for the method (`default_toast_compression`,
a per-connection setting) when they open; a server that doesn't know it (before
PostgreSQL 14, or built without lz4) keeps its default, said once in the log.
"""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

log = logging.getLogger(__name__)

OPTION = "ckanext.procurement.db.toast_compression"
METHODS = ("lz4", "pglz")

_state = {"listening": False, "refused": False}


def _configured() -> str:
    # the declared default is in the configuration once the plugin is loaded; before that, or
    # with the plugin unloaded again (its listener stays), nothing is asked
    if not p.plugin_loaded("procurement"):
        return ""
    return (tk.config.get(OPTION, "") or "").strip().lower()


def method() -> str:
    """The configured method, or "" to leave the server's default."""
    value = _configured()
    if value and value not in METHODS:
        raise tk.ValidationError({OPTION: [f"{value!r} is not one of {', '.join(METHODS)} (or empty for the "
                                           "server's default)"]})
    return value


def set_on_connection(dbapi_connection: Any, _record: Any = None) -> None:
    """Ask a new PostgreSQL connection for the configured method; keep the server's default if it refuses."""
    chosen = _configured()
    # anything else was refused at start-up (apply): never free text in SQL, never a failed connection
    # PostgreSQL's drivers only (a connection_factory's subclass too)
    if chosen not in METHODS or not any(cls.__module__.startswith("psycopg") for cls in type(dbapi_connection).__mro__):
        return
    cursor = dbapi_connection.cursor()
    try:
        # a setting of the session: committed, or the rollback would undo it
        cursor.execute(f"SET default_toast_compression = '{chosen}'")
        dbapi_connection.commit()
    except Exception as error:  # noqa: BLE001 - any refusal leaves the server's default, which works
        dbapi_connection.rollback()
        if not _state["refused"]:
            _state["refused"] = True
            log.warning("PostgreSQL keeps its own compression of large values (%s: %s); %s needs "
                        "PostgreSQL 14 or later built with lz4", type(error).__name__,
                        str(error).strip().splitlines()[0] if str(error).strip() else "", OPTION)
    finally:
        cursor.close()


def apply() -> None:
    """Every database connection this process opens from now on asks for the method (once per process)."""
    method()  # a wrong value stops the start, with its name
    if not _state["listening"]:
        sa.event.listen(sa.engine.Engine, "connect", set_on_connection)
        _state["listening"] = True
