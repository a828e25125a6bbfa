"""The bulk files of a scope, written in one pass over its public processes.

`WRITERS` lists what a regeneration writes; each writer gets a `Target` (the
scope's processes, where to write, the package metadata) and returns the
`BulkFile`s it wrote under `target.swap`. Every writer streams: one process at
a time, however many there are.

Which year a file holds:
- compiled releases per year: the year of the process's earliest release date
  (when it was first published; it doesn't move as the process goes on);
- release packages per year: each release's own `date`.
Releases or processes without a usable date go in the `undated` files.
"""
from __future__ import annotations

import dataclasses
import gzip
import json
import re
from typing import IO, Callable, Iterator, Optional

from ckanext.procurement.bulk.flatten import write_flat
from ckanext.procurement.bulk.storage import BulkFile, Swap
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.ocds import packages

GZIP = "application/gzip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNDATED = "undated"
YEAR = re.compile(r"^(\d{4})-")
PROGRESS_EVERY = 1000


@dataclasses.dataclass(frozen=True)
class Limits:
    """OCP's hosting guidance for one release package file: about 1 GB unzipped, 250,000 awards and contracts."""

    max_bytes: int = 1_000_000_000
    max_items: int = 250_000


@dataclasses.dataclass
class Facts:
    """What the scope's dataset says about its processes, gathered on the way."""

    first_date: Optional[str] = None
    last_date: Optional[str] = None
    stages: set = dataclasses.field(default_factory=set)
    ocid_prefixes: set = dataclasses.field(default_factory=set)

    def add(self, record: ProcurementRecord) -> None:
        for release in record.releases:
            date = str(release.get("date") or "")[:10]
            if YEAR.match(date):
                self.first_date = min(self.first_date or date, date)
                self.last_date = max(self.last_date or date, date)
        self.stages.update(stages(record.compiled_release))
        if len(self.ocid_prefixes) < 2:  # only a single prefix is worth saying
            self.ocid_prefixes.add(record.ocid[:11])


@dataclasses.dataclass
class Target:
    scope: str
    swap: Swap
    rows: Callable[[], Iterator[tuple[ProcurementRecord, str]]]  # a new stream of the scope's public processes
    publication: Callable[[str], packages.Publication]  # package metadata of the file of that name
    limits: Limits = dataclasses.field(default_factory=Limits)
    facts: Facts = dataclasses.field(default_factory=Facts)
    on_progress: Optional[Callable[[int], None]] = None


def stages(compiled_release: dict) -> set[str]:
    contracts = compiled_release.get("contracts") or []
    present = {
        "planning": bool(compiled_release.get("planning")),
        "tender": bool(compiled_release.get("tender")),
        "award": bool(compiled_release.get("awards")),
        "contract": bool(contracts),
        "implementation": any(contract.get("implementation") for contract in contracts),
    }
    return {stage for stage, here in present.items() if here}


def year_of(date) -> str:
    match = YEAR.match(str(date or ""))
    return match.group(1) if match else UNDATED


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _GzipFile:
    """A gzip file under a swap's temporary name that counts what it holds (bytes unzipped, processes)."""

    def __init__(self, swap: Swap, name: str):
        self.name = name
        self._raw: IO[bytes] = open(swap.path(name), "wb")
        # the name inside the gzip header is the final one, not the temporary one
        self._gzip = gzip.GzipFile(filename=name[:-3], mode="wb", fileobj=self._raw, compresslevel=6)
        self.bytes = self.items = self.processes = 0
        self._last_ocid = None

    def write(self, data: bytes) -> None:
        self._gzip.write(data)
        self.bytes += len(data)

    def counts(self, ocid: str) -> None:
        if ocid != self._last_ocid:  # a process's releases come together
            self.processes += 1
            self._last_ocid = ocid

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()


class _PackageFile(_GzipFile):
    """A release or record package written one item at a time; the envelope is packages.py's."""

    def __init__(self, swap: Swap, name: str, envelope: dict, key: str):
        super().__init__(swap, name)
        head = _json(envelope)
        closing = f'"{key}":[]}}'.encode()
        assert head.endswith(closing), "the package's list comes last"
        self.write(head[:-2])  # up to and with the list's "["
        self.entries = 0

    def add(self, ocid: str, item: bytes, items: int = 0) -> None:
        self.write(b"," + item if self.entries else item)
        self.entries += 1
        self.items += items
        self.counts(ocid)

    def close(self) -> None:
        self.write(b"]}")
        super().close()


class _ReleasePackages:
    """The release packages of one year: a new part whenever the next release would pass a limit."""

    def __init__(self, target: Target, year: str):
        self.target, self.year = target, year
        self.current: Optional[_PackageFile] = None
        self.done: list[BulkFile] = []

    def add(self, ocid: str, release: dict) -> None:
        data = _json(release)
        items = len(release.get("awards") or []) + len(release.get("contracts") or [])
        limits, current = self.target.limits, self.current
        if current is not None and current.entries and (
                current.bytes + len(data) > limits.max_bytes or current.items + items > limits.max_items):
            self._close()
        if self.current is None:
            self._open()
        self.current.add(ocid, data, items)

    def _open(self) -> None:
        part = len(self.done) + 1
        name = f"release-package-{self.year}.json.gz" if part == 1 else f"release-package-{self.year}-part{part}.json.gz"
        envelope = packages.release_package([], self.target.publication(name))
        self.current = _PackageFile(self.target.swap, name, envelope, "releases")

    def _close(self) -> None:
        current, self.current = self.current, None
        current.close()
        self.done.append(BulkFile(current.name, "release-package", "JSON", GZIP, processes=current.processes,
                                  year=self.year, part=len(self.done) + 1))

    def close(self) -> list[BulkFile]:
        if self.current is not None:
            self._close()
        return self.done


def write_ocds_files(target: Target) -> list[BulkFile]:
    """Compiled releases (JSON Lines: all years and one file per year), release packages per
    year (split by `target.limits`) and one record package, in one pass."""
    compiled_all = _GzipFile(target.swap, "compiled-releases.jsonl.gz")
    compiled_by_year: dict[str, _GzipFile] = {}
    releases_by_year: dict[str, _ReleasePackages] = {}
    records = _PackageFile(target.swap, "record-package.json.gz",
                           packages.record_package([], target.publication("record-package.json.gz")), "records")
    for count, (record, _) in enumerate(target.rows(), 1):
        ocid, compiled = record.ocid, record.compiled_release
        line = _json(compiled) + b"\n"
        compiled_all.write(line)
        compiled_all.counts(ocid)
        first = min((str(r.get("date") or "") for r in record.releases if YEAR.match(str(r.get("date") or ""))), default="")
        year = year_of(first)
        if year not in compiled_by_year:
            compiled_by_year[year] = _GzipFile(target.swap, f"compiled-releases-{year}.jsonl.gz")
        compiled_by_year[year].write(line)
        compiled_by_year[year].counts(ocid)
        for release in record.releases:
            year = year_of(release.get("date"))
            releases_by_year.setdefault(year, _ReleasePackages(target, year)).add(ocid, release)
        records.add(ocid, _json(packages.record(ocid, record.releases, compiled)))
        target.facts.add(record)
        if target.on_progress and count % PROGRESS_EVERY == 0:
            target.on_progress(count)

    files = []
    for kind, gzip_file, year in [("compiled-releases", compiled_all, None)] + [
            ("compiled-releases", compiled_by_year[y], y) for y in sorted(compiled_by_year)]:
        gzip_file.close()
        files.append(BulkFile(gzip_file.name, kind, "JSONL", GZIP, processes=gzip_file.processes, year=year))
    for year in sorted(releases_by_year):
        files.extend(releases_by_year[year].close())
    records.close()
    files.append(BulkFile(records.name, "record-package", "JSON", GZIP, processes=records.processes))
    return files


@dataclasses.dataclass(frozen=True)
class FileSpec:
    name: str
    kind: str
    format: str
    mimetype: str


class FromCompiledReleases:
    """A writer of files made from the compiled releases alone:
    `function(compiled_releases, *paths)` writes one file per `FileSpec`, in order."""

    def __init__(self, function: Callable[..., object], files: tuple[FileSpec, ...]):
        self.function, self.files = function, files

    def __call__(self, target: Target) -> list[BulkFile]:
        written = 0

        def compiled_releases():
            nonlocal written
            for record, _ in target.rows():
                written += 1
                yield record.compiled_release

        self.function(compiled_releases(), *[target.swap.path(spec.name) for spec in self.files])
        return [BulkFile(spec.name, spec.kind, spec.format, spec.mimetype, processes=written) for spec in self.files]


# The flattened tables (bulk/flatten.py's write_flat(compiled_releases, zip_path, xlsx_path, dictionary_path))
FLAT_FILES = (
    FileSpec("flat-csv.zip", "flat-csv", "ZIP", "application/zip"),
    FileSpec("flat.xlsx", "flat-xlsx", "XLSX", XLSX),
    FileSpec("data-dictionary.csv", "data-dictionary", "CSV", "text/csv"),
)

# What a regeneration writes, in order.
WRITERS: list[Callable[[Target], list[BulkFile]]] = [write_ocds_files, FromCompiledReleases(write_flat, FLAT_FILES)]
