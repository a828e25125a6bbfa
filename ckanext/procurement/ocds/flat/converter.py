"""Converting rows to releases, streaming (:class:`FlatConverter`, :func:`rows_to_releases`).

One release per row, except in ``"modification"`` mode, where each contract's rows are
spooled to disk and replayed in revision order (see :mod:`.modifications`). A value that
can't be converted is dropped from its release with a warning naming the row, the column and
the OCDS path; a row without an ocid or a date is skipped with an error (yielded as
``(None, problems)``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from ..parse import Problem
from ..spool import Spool
from ..urls import is_web_url
from .fields import path_str
from .mapping import FlatMapping, Template, normal_text
from .modifications import replay, revision_number
from .release import (
    ORGANIZATION_REFERENCES, Row, add_problem, compact, dedupe_id, fill_defaults, find, ordered, set_path,
)
from .table import open_table
from .values import ConversionError, blank, cell_text, convert, json_number, slug, split_list, to_datetime, to_decimal


class FlatConverter:
    """Converts rows to releases, streaming: call :meth:`feed` for each row, then :meth:`finish`.

    Both return lists/iterators of ``(release, problems)``; ``release`` is ``None`` when the row
    was skipped (no ocid or no valid date), and ``problems`` says why. Problems name the row,
    column and OCDS path in their message, and carry the OCDS path, ocid and release id.

    ``rows_are`` modes:

    - ``"award"``: each row is an award and its contract (tags ``award``, ``contract``).
      Default ids: award = release id; contract = award id; ``awardID`` = award id.
    - ``"contract"``: each row is a contract (tag ``contract``), id defaulting to the release id.
    - ``"tender"``: each row is a solicitation (tag ``tender``).
    - ``"modification"``: rows are grouped by ocid and replayed by revision (numerically when
      revisions are numbers), whatever their order in the file. The first revision (normally 0)
      is the original award and contract (tags ``award``, ``contract``), valued at its amount.
      Each later row is a ``contractAmendment`` release whose amount is a *delta* (negative
      allowed): it carries the contract (``id``, ``awardID``, its mapped ``contracts/0/…``
      fields but ``dateSigned``) with ``value.amount`` = the running total and every
      ``amendments`` entry so far (``id`` = revision, ``date``, ``description`` like
      ``"Modification 2: -$1,200.00"``, ``amendsReleaseID``, ``releaseID``). Award and
      contract ids default to the ocid. A release dated before the release it amends is
      re-dated to it (with a warning; ``amendment.date`` keeps the row's date), so compiling
      by date replays the revisions in order.

    In every mode a tender gets ``id`` = ocid by default, organizations become ``parties``
    (ids from the mapped ``id`` field, else a slug of the name) and every amount gets
    ``currency``.

    ``group_by_ocid`` (default: only in modification mode) spools rows to disk and yields
    releases grouped by ocid (in the spool's order: by ocid, then revision or row) from
    :meth:`finish`.
    """

    def __init__(self, mapping: FlatMapping, *, group_by_ocid: bool | None = None):
        self.mapping = mapping
        self.group_by_ocid = mapping.rows_are == "modification" if group_by_ocid is None else group_by_ocid
        if mapping.rows_are == "modification" and not self.group_by_ocid:
            raise ValueError("modification rows must be grouped by ocid")
        self._columns: dict[str, str] | None = None
        self._reported: set[tuple] = set()
        self._release_ids: set[str] = set()
        self._spool: Spool | None = None
        self._amount_paths = {path for path, name in mapping.columns.items()
                              if mapping.rows_are == "modification" and name == mapping.amount}

    # Header and rows -------------------------------------------------------------------------

    def set_header(self, header: Iterable[object]) -> None:
        """Check the header against the mapping (see :meth:`FlatMapping.check_header`)."""
        self._columns = self.mapping.check_header(header)

    def feed(self, number: int, row: dict) -> list[tuple[dict | None, list[Problem]]]:
        """Convert one row; return the releases ready now (none while grouping, but skipped rows)."""
        if self._columns is None:
            self.set_header(row.keys())
        converted = self._convert_row(number, row)
        if converted.release is None:
            return [(None, converted.problems)]
        if self.group_by_ocid:
            self._store(converted)
            return []
        dedupe_id(converted, self._release_ids)
        return [(self._finish_release(converted), converted.problems)]

    def finish(self) -> Iterator[tuple[dict | None, list[Problem]]]:
        """Yield the releases held back for grouping, then free the spool."""
        if self._spool is None:
            return
        try:
            for _ocid, group in self._spool.groups():
                rows = (Row.loads(data) for data, _note in group)
                if self.mapping.rows_are == "modification":
                    yield from replay(rows, self.mapping.currency)
                else:
                    seen: set[str] = set()
                    for converted in rows:
                        dedupe_id(converted, seen)
                        yield self._finish_release(converted), converted.problems
        finally:
            self.close()

    def close(self) -> None:
        """Drop the spool without yielding what it holds (if the caller stops early)."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    # Internals ------------------------------------------------------------------------------

    def _header(self, name: str) -> str:
        """The file's name for a mapped column (they may differ in case or spacing)."""
        return self._columns.get(name, name) if self._columns else name

    def _cell(self, row: dict, name: str) -> object:
        return row.get(self._header(name))

    def _render(self, template: Template, row: dict, extra: dict[str, str]) -> tuple[str | None, list[str]]:
        values, empty = dict(extra), []
        for name in template.columns(tuple(extra)):
            text = cell_text(self._cell(row, name))
            safe = slug(text) if text else ""
            if not safe:
                empty.append(name)
            values[name] = safe
        return (None, empty) if empty else (template.render(values), [])

    def _convert_row(self, number: int, row: dict) -> Row:
        mapping = self.mapping
        problems: list[Problem] = []
        where = f"row {number}"

        ocid, empty = self._render(mapping.ocid, row, {})
        if ocid is None:
            columns = ", ".join(repr(self._header(n)) for n in empty)
            add_problem(problems, "error", f"{where}: no ocid, because column(s) {columns} are empty; "
                        "the row is skipped", "ocid")
            return Row(number, "", "", None, problems)
        release_id, empty = self._render(mapping.release_id, row, {"ocid": ocid, "row": str(number)})
        if release_id is None:
            columns = ", ".join(repr(self._header(n)) for n in empty)
            add_problem(problems, "error", f"{where}: no release id, because column(s) {columns} are empty; "
                        "the row is skipped", "id", ocid)
            return Row(number, ocid, "", None, problems)

        def report(severity: str, message: str, path: tuple | str = "") -> None:
            add_problem(problems, severity, message, path, ocid, release_id)

        date_column = self._header(mapping.date)
        raw_date = self._cell(row, mapping.date)
        if blank(raw_date):
            report("error", f'{where}, column "{date_column}" (date): the release date is empty; the row is skipped',
                   "date")
            return Row(number, ocid, release_id, None, problems)
        try:
            release_date = to_datetime(raw_date, mapping.tz, mapping.date_order)
        except ConversionError:
            report("error", f'{where}, column "{date_column}" (date): "{cell_text(raw_date)}" is not a date; '
                   "the row is skipped", "date")
            return Row(number, ocid, release_id, None, problems)

        revision = None
        if mapping.rows_are == "modification":
            revision = cell_text(self._cell(row, mapping.revision))
            if revision is None:
                report("error", f'{where}, column "{self._header(mapping.revision)}" (revision): the revision is '
                       "empty; the row is skipped")
                return Row(number, ocid, release_id, None, problems)

        release: dict = {}
        for path, value in mapping.constants.items():
            set_path(release, path, value)

        delta = None
        if mapping.rows_are == "modification":
            raw = self._cell(row, mapping.amount)
            if not blank(raw):
                try:
                    delta = to_decimal(raw)
                except ConversionError as e:
                    contract_amount = ("contracts", 0, "value", "amount")
                    target = path_str(contract_amount if contract_amount in self._amount_paths
                                      else min(self._amount_paths, default=("amount",)))
                    report("warning", f'{where}, column "{self._header(mapping.amount)}" ({target}): '
                           f'"{cell_text(raw)}" {e}', target)

        for path, name in mapping.columns.items():
            raw = self._cell(row, name)
            if blank(raw):
                continue
            if path in self._amount_paths:
                if delta is not None:
                    set_path(release, path, json_number(delta))
                continue
            kind = mapping.types[path]
            try:
                value = convert(raw, kind, mapping.tz, mapping.date_order)
            except ConversionError as e:
                report("warning", f'{where}, column "{self._header(name)}" ({path_str(path)}): "{cell_text(raw)}" {e}',
                       path)
                continue
            if value in (None, [], ""):
                continue
            if path in mapping.value_maps:
                value = self._map_value(value, path, name, number, report)
            if path[-1] in ("url", "uri") and not is_web_url(str(value)):
                report("warning", f'{where}, column "{self._header(name)}" ({path_str(path)}): '
                       f'"{str(value)[:200]}" is not an http(s) URL; it is dropped', path)
                continue
            set_path(release, path, value)

        parties = self._build_parties(release, row, number, report)
        release = compact(release)
        if parties:
            release["parties"] = parties

        release = {"ocid": ocid, "id": release_id, "date": release_date,
                   "initiationType": release.pop("initiationType", "tender"), **release}
        return Row(number, ocid, release_id, release, problems, revision,
                   None if delta is None else str(delta))

    def _map_value(self, value: Any, path: tuple, column: str, number: int, report) -> Any:
        table = self.mapping.value_maps[path]

        def one(item: Any) -> Any:
            key = normal_text(str(item))
            if key in table:
                return table[key]
            if (path, key) not in self._reported:
                self._reported.add((path, key))
                report("warning", f'row {number}, column "{self._header(column)}" ({path_str(path)}): "{item}" is '
                       "not in value_maps; kept as published (later rows with this value aren't reported)", path)
            return item

        return [one(item) for item in value] if isinstance(value, list) else one(value)

    def _build_parties(self, release: dict, row: dict, number: int, report) -> list[dict]:
        """Replace organization references by ``{id, name}`` and return their ``parties`` entries."""
        parties: dict[str, dict] = {}
        for pattern, role in ORGANIZATION_REFERENCES:
            for parent, key, reference in list(find(release, pattern)):
                if not isinstance(reference, dict):
                    continue
                name, party_id = reference.get("name"), reference.get("id")
                party_id = str(party_id) if party_id not in (None, "") else (slug(name, lower=True) if name else "")
                if not party_id:
                    parent[key] = None  # details without a name or id can't become a party
                    continue
                parent[key] = {"id": party_id, **({"name": name} if name else {})}
                party = parties.setdefault(party_id, {"id": party_id, "roles": []})
                for field_name, value in reference.items():
                    if field_name != "id":
                        party.setdefault(field_name, value)
                if role not in party["roles"]:
                    party["roles"].append(role)
                if role == "supplier":
                    self._supplier_details(party, row, number, report)
        return [{"id": p["id"], **({"name": p["name"]} if "name" in p else {}),
                 **{k: v for k, v in p.items() if k not in ("id", "name")}}
                for p in parties.values()]

    def _supplier_details(self, party: dict, row: dict, number: int, report) -> None:
        mapping = self.mapping
        details: dict = {}
        if mapping.supplier_scale:
            raw = cell_text(self._cell(row, mapping.supplier_scale))
            if raw:
                key = normal_text(raw)
                scale = mapping.scale_values.get(key)
                if scale is None:
                    scale = raw
                    if ("scale", key) not in self._reported:
                        self._reported.add(("scale", key))
                        column = self._header(mapping.supplier_scale)
                        report("warning", f'row {number}, column "{column}" (parties/details/scale): '
                               f'"{raw}" is not in scale_values; kept as published (later rows with this value '
                               "aren't reported)", "parties/details/scale")
                details["scale"] = scale
        if mapping.supplier_certifications:
            raw = cell_text(self._cell(row, mapping.supplier_certifications))
            codes = split_list(raw) if raw else []
            if codes:
                labels = mapping.certification_labels
                details["classifications"] = [
                    {"scheme": mapping.certification_scheme, "id": code,
                     **({"description": labels[normal_text(code)]} if normal_text(code) in labels else {})}
                    for code in codes
                ]
        if details:
            party.setdefault("details", {}).update(details)

    def _finish_release(self, converted: Row) -> dict:
        release = converted.release
        mode = self.mapping.rows_are
        if mode == "award":
            release.setdefault("awards", [{}])
            release.setdefault("contracts", [{}])
            release["tag"] = ["award", "contract"]
        elif mode == "contract":
            release.setdefault("contracts", [{}])
            release["tag"] = ["contract"]
        else:
            release.setdefault("tender", {})
            release["tag"] = ["tender"]
        fill_defaults(release, converted.release_id, self.mapping.currency)
        for name in ("buyer", "tender", "awards", "contracts"):  # drop blocks left empty
            if release.get(name) in ({}, []):
                del release[name]
        return ordered(release)

    def _store(self, converted: Row) -> None:
        if self._spool is None:
            self._spool = Spool()
        # by ocid, then revision (numerically when it is a number), then row
        self._spool.add(converted.ocid, converted.dumps(), order=revision_number(converted.revision),
                        order_text=converted.revision or "", position=converted.number)


def rows_to_releases(rows: Iterable[tuple[int, dict]], mapping: FlatMapping, *, header: Iterable[str] | None = None,
                     group_by_ocid: bool | None = None) -> Iterator[tuple[dict | None, list[Problem]]]:
    """Yield ``(release, problems)`` for ``(row number, row)`` pairs, e.g. from :func:`read_rows`.

    The header is checked against the mapping first (``header``, else the first row's keys):
    :class:`MappingError` is raised on the first ``next()``. See :class:`FlatConverter`.
    """
    converter = FlatConverter(mapping, group_by_ocid=group_by_ocid)
    if header is not None:
        converter.set_header(header)
    try:
        for number, row in rows:
            yield from converter.feed(number, row)
        yield from converter.finish()
    finally:
        converter.close()


def iter_releases(fileobj: BinaryIO | str | os.PathLike, mapping: FlatMapping, filename: str | None = None,
                  content_type: str | None = None, *, group_by_ocid: bool | None = None,
                  ) -> Iterator[tuple[dict | None, list[Problem]]]:
    """Read a CSV or XLSX file and yield ``(release, problems)``: :func:`open_table` then :func:`rows_to_releases`.

    Raises :class:`FlatFileError` (unreadable file) or :class:`MappingError` (a mapped column
    isn't in the header) on the first ``next()``, before any release is yielded.
    """
    with open_table(fileobj, filename, content_type, mapping.sheet) as table:
        yield from rows_to_releases(table.rows(), mapping, header=table.header, group_by_ocid=group_by_ocid)
