"""Texts grouped by ocid on disk, so that a 100,000-process feed or file never sits in memory.

The harvesters' gather spools every release it reads and then hashes and stores them process
by process; the flat-file converter spools rows that may come in any order (a contract's
modifications) and replays them ocid by ocid. Memory stays bounded by SQLite's page cache
whatever the number of items, at the cost of disk space about their size.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import tempfile
from collections.abc import Iterator


class Spool:
    """Texts grouped by ocid in a temporary SQLite file (in ``folder``, else the system's temp folder).

    Within an ocid, items come by ``order`` (a number; items without one after the others),
    then ``order_text``, then ``position``, then as they were added. Close the spool (or use
    ``with``) to delete its file.
    """

    def __init__(self, folder: str | None = None):
        handle, self.path = tempfile.mkstemp(prefix="spool-", suffix=".sqlite", dir=folder)
        os.close(handle)
        self.db: sqlite3.Connection | None = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")  # a scratch file: nothing to recover after a crash
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE item (seq INTEGER PRIMARY KEY, ocid TEXT NOT NULL, body TEXT NOT NULL, "
                        "note TEXT NOT NULL, order_missing INTEGER NOT NULL DEFAULT 1, order_number REAL, "
                        "order_text TEXT NOT NULL DEFAULT '', position INTEGER)")
        self.count = 0

    def add(self, ocid: str, body: str, *, note: str = "", order: float | None = None, order_text: str = "",
            position: int | None = None) -> None:
        if order is None and not order_text and position is None:  # arrival order: the gather's case, kept cheap
            self.db.execute("INSERT INTO item (ocid, body, note) VALUES (?, ?, ?)", (ocid, body, note))
        else:
            self.db.execute("INSERT INTO item (ocid, body, note, order_missing, order_number, order_text, position) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", (ocid, body, note, int(order is None), order, order_text,
                                                              position))
        self.count += 1

    def groups(self) -> Iterator[tuple[str, Iterator[tuple[str, str]]]]:
        """Yield ``(ocid, its items' (body, note))``, ocid by ocid; read each group before the next."""
        # built once every item is in (cheaper than keeping it up to date); SQLite then sorts
        # each ocid's few items on their own, never the whole spool at once
        self.db.execute("CREATE INDEX item_ocid ON item (ocid)")
        cursor = self.db.execute("SELECT ocid, body, note FROM item "
                                 "ORDER BY ocid, order_missing, order_number, order_text, position, seq")
        for ocid, rows in itertools.groupby(cursor, key=lambda row: row[0]):
            yield ocid, ((body, note) for _, body, note in rows)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
            os.unlink(self.path)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
