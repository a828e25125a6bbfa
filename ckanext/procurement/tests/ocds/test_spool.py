"""The on-disk spool both the harvesters' gather and the flat-file converter use."""
from __future__ import annotations

import os

from ckanext.procurement.ocds.spool import Spool


def _groups(spool: Spool) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(ocid, list(items)) for ocid, items in spool.groups()]


def test_items_come_grouped_by_ocid_in_arrival_order(tmp_path):
    with Spool(str(tmp_path)) as spool:
        for ocid, body, note in [("b", "b1", ""), ("a", "a1", "x"), ("b", "b2", "y\nz"), ("a", "a2", "")]:
            spool.add(ocid, body, note=note)
        assert spool.count == 4
        assert [p.parent for p in tmp_path.iterdir()] == [tmp_path]  # its file is in the folder given
        assert _groups(spool) == [("a", [("a1", "x"), ("a2", "")]), ("b", [("b1", ""), ("b2", "y\nz")])]
    assert list(tmp_path.iterdir()) == []  # closing deletes the file


def test_items_come_by_order_then_text_then_position():
    spool = Spool()
    path = spool.path
    spool.add("o", "no number, row 2", order_text="draft", position=2)
    spool.add("o", "10", order=10, order_text="10", position=3)
    spool.add("o", "2 at row 9", order=2, order_text="2", position=9)
    spool.add("o", "no number, row 1", order_text="draft", position=1)
    spool.add("o", "2 at row 4", order=2, order_text="2", position=4)
    assert [body for body, _ in next(spool.groups())[1]] == [
        "2 at row 4", "2 at row 9", "10", "no number, row 1", "no number, row 2"]
    spool.close()
    spool.close()  # twice is harmless
    assert not os.path.exists(path)
