"""Flattened OCDS: compiled releases as related tables, for spreadsheets and databases.

`write_flat()` writes three files from an iterable of compiled releases:

- a zip of CSV tables (`TABLES`), one row per process, tender, award, supplier,
  contract, amendment, transaction, item, document, milestone and party, joined
  by `ocid` and, within a process, by `awardID` and `contractID`;
- an XLSX workbook with one sheet per table (tables without any row are left out);
- a data dictionary (CSV): each column's table, OCDS path, meaning (from the OCDS
  release schema's titles and descriptions) and type.

Each release is first reshaped (`shape()`) so that every list of OCDS objects the
tables are about becomes a top-level list of rows carrying its join keys; lists
below those (an item's additional classifications, a tender's tenderers) stay in
their row's cell as JSON, lists of codes as comma-separated text, so nothing is
lost. flatterer (Rust) then writes the CSV tables, streaming, and XlsxWriter in
its constant-memory mode copies them into the workbook row by row, so memory
stays flat however many releases there are (flatterer's own XLSX writer keeps
every string of the workbook in memory). Text that a spreadsheet would run
as a formula (`=`, `+`, `-`, `@`...) gets a leading apostrophe (`neutralise()`),
in both files.

What is flattened is what the caller gives: records are redacted before they are
stored, and only published processes are passed in. Nothing here imports CKAN.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from ckanext.procurement.bulk import dictionary
from ckanext.procurement.ocds.schema import PACKAGED_SCHEMA_DIR


@dataclass(frozen=True)
class Table:
    paths: tuple[str, ...]  # the OCDS paths its rows come from
    joins: tuple[str, ...]  # the columns added to join it to the other tables
    meaning: str


TABLES = {
    "processes": Table(("",), (), "One row per contracting process (its compiled release): ocid, dates, buyer, "
                                  "planning and budget, and any other field not in a table below"),
    "tenders": Table(("tender",), ("ocid",), "The tender of each process (at most one per ocid)"),
    "awards": Table(("awards",), ("ocid",), "Awards"),
    "suppliers": Table(("awards/suppliers",), ("ocid", "awardID"), "The suppliers of each award"),
    "contracts": Table(("contracts",), ("ocid",), "Contracts (awardID names their award)"),
    "amendments": Table(("tender/amendments", "awards/amendments", "contracts/amendments"),
                        ("ocid", "stage", "awardID", "contractID"), "Amendments of tenders, awards and contracts"),
    "transactions": Table(("contracts/implementation/transactions",), ("ocid", "contractID"),
                          "Payments made under each contract"),
    "items": Table(("tender/items", "awards/items", "contracts/items"), ("ocid", "stage", "awardID", "contractID"),
                   "Items (goods, works, services) of tenders, awards and contracts"),
    "documents": Table(("planning/documents", "tender/documents", "awards/documents", "contracts/documents",
                        "contracts/implementation/documents"), ("ocid", "stage", "awardID", "contractID"),
                       "Documents of every stage"),
    "milestones": Table(("planning/milestones", "tender/milestones", "contracts/milestones",
                         "contracts/implementation/milestones"), ("ocid", "stage", "contractID"),
                        "Milestones of every stage"),
    "parties": Table(("parties",), ("ocid",), "The organizations the process names, with their roles"),
}

# where each stage's lists are split out: (stage, list field) -> table
STAGE_LISTS = {
    "planning": {"documents": "documents", "milestones": "milestones"},
    "tender": {"items": "items", "documents": "documents", "amendments": "amendments", "milestones": "milestones"},
    "award": {"suppliers": "suppliers", "items": "items", "documents": "documents", "amendments": "amendments"},
    "contract": {"items": "items", "documents": "documents", "amendments": "amendments", "milestones": "milestones"},
    "implementation": {"transactions": "transactions", "documents": "documents", "milestones": "milestones"},
}

# text a spreadsheet reads as a formula (OWASP's CSV injection list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# the integers flatterer's JSON encoder takes
INT64_MIN, UINT64_MAX = -(2 ** 63), 2 ** 64 - 1

DICTIONARY_IN_ZIP = "dictionary.csv"
# rows a worksheet holds below its header
XLSX_MAX_ROW = 1_048_575

log = logging.getLogger(__name__)


def neutralise(value: str) -> str:
    """Text that would start a formula in a spreadsheet, quoted so it stays text (`'=1+1`).
    Numbers (`-5`, `+1.5`) are left alone."""
    if not value or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def _inline(value: Any) -> Any:
    """A value for one cell tree: objects stay objects (flatterer makes them columns),
    lists of plain values stay lists (joined with commas), lists of objects become JSON;
    text that a spreadsheet would run as a formula is neutralised, field names too (an
    extension's field name is a column header, a cell like any other). Called for every
    value of every release: the common cases come first, without a call."""
    if isinstance(value, str):
        return neutralise(value) if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, dict):
        return {(neutralise(key) if key.startswith(FORMULA_STARTS) else key): _inline(item)
                for key, item in value.items()}
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            return [_inline(item) if isinstance(item, (str, int)) else item for item in value]
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= UINT64_MAX:
        return str(value)  # flatterer's JSON encoder (orjson) stops at 64 bits; JSON numbers don't
    return value


class _Shaper:
    """Reshapes one compiled release at a time, counting the rows of each table."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def shape(self, release: dict[str, Any]) -> dict[str, Any]:
        release = dict(release)
        ocid = release.get("ocid")
        tables: dict[str, list[dict]] = {name: [] for name in TABLES if name != "processes"}

        def add(table: str, obj: Any, joins: dict[str, Any]) -> None:
            if not isinstance(obj, dict):  # an entry that isn't an object is kept too, as JSON
                obj = {"entryJSON": json.dumps(obj, ensure_ascii=False)}
            row = _inline({"ocid": ocid, **{key: joins.get(key, "") for key in TABLES[table].joins if key != "ocid"}})
            for key, value in _inline(obj).items():
                row.setdefault(key, value)
            tables[table].append(row)

        def split(stage: str, obj: Any, joins: dict[str, Any]) -> Any:
            """The object without the lists that have tables of their own (added to them)."""
            if not isinstance(obj, dict):
                return obj
            obj = dict(obj)
            for field, table in STAGE_LISTS[stage].items():
                entries = obj.get(field)
                if isinstance(entries, list):
                    obj.pop(field)
                    for entry in entries:
                        add(table, entry, dict(joins, stage=stage))
            return obj

        for name in ("planning", "tender"):
            if isinstance(release.get(name), dict):
                part = split(name, release.pop(name), {})
                if name == "planning":
                    release["planning"] = part
                else:
                    add("tenders", part, {})
        for table, field, stage, key in (("awards", "awards", "award", "awardID"),
                                         ("contracts", "contracts", "contract", "contractID")):
            if isinstance(release.get(field), list):
                for entry in release.pop(field):
                    joins = {key: entry.get("id", "")} if isinstance(entry, dict) else {}
                    if isinstance(entry, dict) and isinstance(entry.get("implementation"), dict):
                        entry = dict(entry)
                        entry["implementation"] = split("implementation", entry["implementation"], joins)
                        if not entry["implementation"]:
                            entry.pop("implementation")
                    add(table, split(stage, entry, joins), {})
        if isinstance(release.get("parties"), list):
            for party in release.pop("parties"):
                add("parties", party, {})

        shaped = _inline({"ocid": ocid, **release})
        self.counts["processes"] += 1
        for name, rows in tables.items():
            if rows:
                shaped[name] = rows
                self.counts[name] += len(rows)
        return shaped


def _columns(fields_csv: Path) -> dict[str, list[tuple[str, str]]]:
    """flatterer's fields.csv: each table's columns in order, with the type it inferred."""
    columns: dict[str, list[tuple[str, str]]] = {}
    with open(fields_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            columns.setdefault(row["table_name"], []).append((row["field_name"], row["field_type"]))
    return columns


def _header_only(table: str) -> list[tuple[str, str]]:
    """The columns of a table without any row: its join columns."""
    return [(column, "text") for column in (TABLES[table].joins or ("ocid",))]


def _write_zip(zip_path: Path, csv_dir: Path, columns: dict[str, list[tuple[str, str]]], dictionary_path: Path) -> None:
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            source = csv_dir / f"{table}.csv"
            if table in columns and source.is_file():
                archive.write(source, f"{table}.csv")
            else:
                header = io.StringIO()
                csv.writer(header).writerow(column for column, _ in _header_only(table))
                archive.writestr(_entry(f"{table}.csv"), header.getvalue())
        archive.write(dictionary_path, DICTIONARY_IN_ZIP)


def _entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _write_xlsx(xlsx_path: Path, csv_dir: Path, columns: dict[str, list[tuple[str, str]]]) -> None:
    """One sheet per table, written row by row from the CSV tables (XlsxWriter's constant
    memory mode flushes each row, so memory stays flat); text is always written as text."""
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
               "strings_to_urls": False, "use_zip64": True}
    with xlsxwriter.Workbook(str(xlsx_path), options) as workbook:
        for table in TABLES:
            sheet = workbook.add_worksheet(table)
            source = csv_dir / f"{table}.csv"
            if table not in columns or not source.is_file():
                sheet.write_row(0, 0, [column for column, _ in _header_only(table)])
                continue
            numeric = [inferred in ("number", "integer") for _, inferred in columns[table]]
            with open(source, newline="", encoding="utf-8") as handle:
                _write_sheet(sheet, csv.reader(handle), numeric, table)


def _write_sheet(sheet, rows: Iterator[list[str]], numeric: list[bool], table: str) -> None:
    sheet.write_row(0, 0, next(rows))
    for index, row in enumerate(rows, 1):
        if index > XLSX_MAX_ROW:
            log.warning("The %s table has more rows than a spreadsheet holds: the XLSX stops at %d (the CSV has them all)",
                        table, XLSX_MAX_ROW)
            return
        for column, value in enumerate(row):
            if not value:
                continue
            if numeric[column] if column < len(numeric) else False:
                try:
                    sheet.write_number(index, column, float(value))
                    continue
                except ValueError:
                    pass
            sheet.write_string(index, column, value)


def write_flat(
    compiled_releases: Iterable[dict],
    zip_path: Path,
    xlsx_path: Path,
    dictionary_path: Path,
    schema: Optional[dict] = None,
) -> dict[str, int]:
    """Write the CSV zip, the XLSX and the data dictionary; return the rows of each table.

    `schema` is the OCDS release schema the meanings come from (default: the 1.1.5
    schema shipped with the extension)."""
    zip_path, xlsx_path, dictionary_path = Path(zip_path), Path(xlsx_path), Path(dictionary_path)
    schema = schema or _packaged_schema()
    shaper = _Shaper()
    shaped = (shaper.shape(release) for release in compiled_releases)
    workdir = Path(tempfile.mkdtemp(prefix="flat-", dir=zip_path.parent))
    try:
        csv_dir, columns = workdir / "out" / "csv", {}
        first = next(shaped, None)
        if first is not None:  # flatterer needs one object at least
            import flatterer  # with pandas: loaded by the job that writes the files, not by every web worker

            flatterer.flatten(
                itertools.chain([first], shaped), str(workdir / "out"), csv=True,
                main_table_name="processes", path_separator="/", no_link=True, force=True,
            )
            columns = _columns(workdir / "out" / "fields.csv")
        _write_dictionary(dictionary_path, schema, {table: columns.get(table) or _header_only(table) for table in TABLES})
        _write_zip(zip_path, csv_dir, columns, dictionary_path)
        _write_xlsx(xlsx_path, csv_dir, columns)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {table: shaper.counts.get(table, 0) for table in TABLES}


def _write_dictionary(path: Path, schema: dict, columns: dict[str, list[tuple[str, str]]]) -> int:
    listed = ((table, column, inferred) for table in TABLES for column, inferred in columns.get(table, []))
    return dictionary.write(path, dictionary.rows(schema, TABLES, listed))


def _packaged_schema() -> dict:
    with open(PACKAGED_SCHEMA_DIR / "release-schema.json", encoding="utf-8") as handle:
        return json.load(handle)
