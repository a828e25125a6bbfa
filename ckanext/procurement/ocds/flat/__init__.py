"""Turning flat purchasing-system exports (CSV or XLSX) into OCDS releases.

Cities' ERP and financial systems export one row per purchase order, award, solicitation or
contract modification. A :class:`FlatMapping`, built from a JSON-able config (part of a
harvest source's config), says which column goes to which OCDS field, in the spirit of
flatten-tool and the OCDS mapping templates::

    mapping = FlatMapping.from_config(source_config["mapping"])
    with open("contracts.csv", "rb") as f:
        for release, problems in iter_releases(f, mapping, filename="contracts.csv"):
            ...  # release is None when the row was skipped; problems say why

The modules, one job each:

- :mod:`.mapping` - :class:`FlatMapping`: the config, checked against ``mapping-schema.json``
- :mod:`.fields` - OCDS paths (``awards/0/value/amount``) and :func:`field_type`
- :mod:`.table` - :func:`open_table`, :func:`read_rows`: CSV (UTF-8, UTF-16 or cp1252; ``,``,
  ``;``, tab or ``|``) and XLSX, streamed; row numbers as a spreadsheet shows them
- :mod:`.values` - converting a cell to a number, a date, a yes/no, a list
- :mod:`.converter` - :class:`FlatConverter`, :func:`rows_to_releases`: one release per row;
  a value that can't be converted is dropped with a warning naming the row, the column and
  the OCDS path; a row without an ocid or a date is skipped (yielded as ``(None, problems)``)
- :mod:`.release` - ids, document types, formats and currencies a release gets by default
- :mod:`.modifications` - the replay of a contract's modification rows in revision order

Memory: rows of every mode but ``"modification"`` are converted and yielded one at a time.
Modification rows may come in any order, and a contract's current value is the running total
of its rows' amounts, so they are converted as they come (problems are found in one pass)
and spooled to a temporary on-disk SQLite database (``ocds.spool.Spool``), then replayed per
ocid by revision in :meth:`FlatConverter.finish`. Memory stays bounded by SQLite's page cache
whatever the file size, at the cost of disk space about the size of the releases, and of
yielding the releases only once the whole file is read. The same spool gives releases grouped by ocid in any mode
with ``group_by_ocid=True``.

Nothing here imports CKAN.
"""

from __future__ import annotations

from .converter import FlatConverter, iter_releases, rows_to_releases
from .errors import FlatFileError, MappingError
from .fields import field_type
from .mapping import FlatMapping
from .table import FlatTable, open_table, read_rows

__all__ = [
    "FlatConverter",
    "FlatFileError",
    "FlatMapping",
    "FlatTable",
    "MappingError",
    "field_type",
    "iter_releases",
    "open_table",
    "read_rows",
    "rows_to_releases",
]
