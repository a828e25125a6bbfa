"""Reading flat exports: CSV or XLSX tables, streamed row by row.

CSV in UTF-8 (with or without BOM), UTF-16 (with BOM) or cp1252, delimited by ``,``, ``;``,
tab or ``|``; XLSX through openpyxl's read-only mode. Row numbers are those a spreadsheet
shows: the header is row 1 (or the first non-empty row).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from ..parse import _Prepended, _read_head
from .errors import FlatFileError
from .values import blank

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # XLS (Excel 97-2003)
_FALLBACK_ERRORS = "ckanext-procurement-cp1252"
_HEAD_SIZE = 65536
_SPOOL_SIZE = 16 * 1024 * 1024


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode bytes that aren't valid UTF-8 as cp1252 (or Latin-1, for cp1252's 5 unused bytes)."""
    bad = error.object[error.start:error.end]
    try:
        return bad.decode("cp1252"), error.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), error.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


def _guess_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3 or len(head) < _HEAD_SIZE:  # not just a character cut at the sample's end
            return "cp1252"
    return "utf-8"


def _sniff_delimiter(text: str) -> str:
    line = next((line for line in text.splitlines() if line.strip()), "")
    best, best_count = ",", 1
    for delimiter in (",", ";", "\t", "|"):
        count = len(next(csv.reader([line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


class FlatTable:
    """An open CSV or XLSX table: ``header`` (list of column names) and ``rows()``.

    Use :func:`open_table` to make one; close it (or use ``with``) when done.
    """

    def __init__(self, header: list[str], header_row: int, rows: Iterator[tuple[int, list]], close=None,
                 kind: str = "csv", encoding: str | None = None, delimiter: str | None = None):
        self.header = header
        self.header_row = header_row
        self.kind = kind
        self.encoding = encoding
        self.delimiter = delimiter
        self._rows = rows
        self._close = close

    def rows(self) -> Iterator[tuple[int, dict]]:
        """Yield ``(row number, {column: value})`` for each non-empty row after the header.

        CSV values are strings; XLSX values are what openpyxl reads (str, int, float, datetime,
        bool or None). Cells beyond the header are ignored; a repeated column name keeps its
        first column.
        """
        width = len(self.header)
        positions = {}
        for i, name in enumerate(self.header):
            if name and name not in positions:
                positions[name] = i
        for number, cells in self._rows:
            if all(blank(c) for c in cells):
                continue
            cells = list(cells[:width]) + [None] * (width - len(cells))
            yield number, {name: cells[i] for name, i in positions.items()}

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> FlatTable:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _header_from(rows: Iterator[tuple[int, list]], what: str) -> tuple[list[str], int]:
    for number, cells in rows:
        if not all(blank(c) for c in cells):
            header = ["" if blank(c) else str(c).strip() for c in cells]
            while header and not header[-1]:
                header.pop()
            return header, number
    raise FlatFileError(f"The {what} has no header row: it is empty")


def _open_csv(stream: BinaryIO, head: bytes) -> FlatTable:
    encoding = _guess_encoding(head)
    errors = "strict" if encoding == "utf-16" else _FALLBACK_ERRORS
    delimiter = _sniff_delimiter(head.decode(encoding, errors="replace"))
    text = io.TextIOWrapper(io.BufferedReader(_Prepended(head, stream)), encoding=encoding, errors=errors, newline="")
    reader = csv.reader(text, delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, cells
        except csv.Error as e:
            raise FlatFileError(f"CSV row {number + 1} can't be read: {e}") from None
        except UnicodeDecodeError as e:
            raise FlatFileError(f"CSV row {number + 1} isn't valid {encoding}: {e}") from None

    rows = numbered()
    header, header_row = _header_from(rows, "CSV file")
    return FlatTable(header, header_row, rows, kind="csv", encoding=encoding, delimiter=delimiter)


def _open_xlsx(stream: BinaryIO, head: bytes, sheet: str | None) -> FlatTable:
    import openpyxl  # only needed for XLSX

    seekable = False
    try:
        seekable = stream.seekable()
    except (AttributeError, OSError):
        pass
    if seekable:
        stream.seek(stream.tell() - len(head))
        source = stream
    else:  # openpyxl needs to seek (a zip's directory is at its end)
        source = tempfile.SpooledTemporaryFile(max_size=_SPOOL_SIZE)
        source.write(head)
        while chunk := stream.read(1024 * 1024):
            source.write(chunk)
        source.seek(0)
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a broken zip or workbook
        raise FlatFileError(f"The file looks like XLSX but can't be opened: {e}") from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                sheets = ", ".join(workbook.sheetnames)
                raise FlatFileError(f"The workbook has no sheet {sheet!r}; its sheets are: {sheets}")
            worksheet = workbook[sheet]
        elif workbook.worksheets:
            worksheet = workbook.worksheets[0]
        else:
            raise FlatFileError("The workbook has no worksheet")
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()  # some writers store wrong dimensions
        rows = enumerate((list(r) for r in worksheet.iter_rows(min_row=1, values_only=True)), start=1)
        header, header_row = _header_from(rows, "worksheet")
    except BaseException:
        workbook.close()
        raise
    return FlatTable(header, header_row, rows, close=workbook.close, kind="xlsx")


def open_table(fileobj: BinaryIO | str | os.PathLike, filename: str | None = None, content_type: str | None = None,
               sheet: str | None = None) -> FlatTable:
    """Open a CSV or XLSX table from a binary file object (or a path) and read its header.

    XLSX is recognised by its zip magic bytes; anything else is read as CSV. ``filename`` and
    ``content_type`` only improve error messages (an ``.xls`` file gets a clear one).

    :raises FlatFileError: if the file is empty, an XLS or a broken XLSX.
    """
    if isinstance(fileobj, (str, os.PathLike)):
        handle = open(fileobj, "rb")  # noqa: SIM115 - closed with the table
        table = open_table(handle, filename or os.fspath(fileobj), content_type, sheet)
        inner_close = table._close

        def close() -> None:
            try:
                if inner_close is not None:
                    inner_close()
            finally:
                handle.close()
        table._close = close
        return table
    head = _read_head(fileobj, _HEAD_SIZE)
    name = (filename or "").lower()
    if head.startswith(_XLSX_MAGIC):
        return _open_xlsx(fileobj, head, sheet)
    if head.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise FlatFileError("XLS files (Excel 97-2003) aren't supported: save the sheet as XLSX or CSV")
    if name.endswith(".xlsx") or "spreadsheetml" in (content_type or ""):
        raise FlatFileError(f"{filename or 'The file'} is said to be XLSX but isn't a zip file")
    if not head.strip():
        raise FlatFileError("The file is empty")
    return _open_csv(fileobj, head)


def read_rows(fileobj: BinaryIO | str | os.PathLike, filename: str | None = None, content_type: str | None = None,
              sheet: str | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(row number, {column: value})`` for each non-empty data row of a CSV or XLSX file.

    See :func:`open_table`. The header row is the first non-empty row; row numbers count it
    (as a spreadsheet does), so the first data row is usually 2.
    """
    with open_table(fileobj, filename, content_type, sheet) as table:
        yield from table.rows()

