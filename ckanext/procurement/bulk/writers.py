"""The bulk files of a scope, written in one pass over its public processes.

`write_files()` gets a `Target` (the scope's processes, where to write, the
package metadata) and returns the `BulkFile`s it wrote under `target.swap`.
It streams: one process at a time, however many there are; each process is
read once and each release serialized once, whatever number of files hold it.

Which year a file holds:
- compiled releases per year: the year of the process's earliest release date
  (when it was first published; it doesn't move as the process goes on);
- release packages per year: each release's own `date`.
Release packages (per year) and the record package (all years) are split into
parts (`-part2`...) past `Limits`, OCP's hosting guidance for one file.
Releases or processes without a usable date go in the `undated` files.
"""
from __future__ import annotations

import dataclasses
import gzip
import json
import re
from typing import IO, Callable, Iterator, Optional

import orjson

from ckanext.procurement.bulk.flatten import write_flat
from ckanext.procurement.bulk.storage import BulkFile, Swap
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.ocds import packages

GZIP = "application/gzip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNDATED = "undated"
YEAR = re.compile(r"^(\d{4})-")
PROGRESS_EVERY = 1000
# gzip's level (its default): a lower one writes faster but makes every download bigger
COMPRESS_LEVEL = 6


@dataclasses.dataclass(frozen=True)
class Limits:
    """OCP's hosting guidance for one package file: about 1 GB unzipped, 250,000 awards and contracts
    (a record package counts those of its releases and of its compiled release)."""

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


def encode(value) -> bytes:
    """Compact UTF-8 JSON (as `json.dumps(ensure_ascii=False, separators=(",", ":"))`, in a tenth of
    the time); the standard library for what orjson declines (integers past 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encoded_record(ocid: str, releases: list[bytes], compiled_release: bytes) -> bytes:
    """`packages.record()` from releases already encoded: each release is serialized once for every file."""
    return b"".join((b'{"ocid":', encode(ocid), b',"releases":[', b",".join(releases),
                     b'],"compiledRelease":', compiled_release, b"}"))


class _GzipFile:
    """A gzip file under a swap's temporary name that counts what it holds (bytes unzipped, processes)."""

    def __init__(self, swap: Swap, name: str):
        self.name = name
        self._raw: IO[bytes] = open(swap.path(name), "wb")
        # the name inside the gzip header is the final one, not the temporary one
        self._gzip = gzip.GzipFile(filename=name[:-3], mode="wb", fileobj=self._raw, compresslevel=COMPRESS_LEVEL)
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
        head = encode(envelope)
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


class _PackageParts:
    """The release or record packages of one file name: a new part whenever the next item would
    pass a limit (`name`, then `name-part2`...), so that no file breaks OCP's hosting guidance."""

    def __init__(self, target: Target, kind: str, stem: str, year: Optional[str] = None):
        self.target, self.kind, self.stem, self.year = target, kind, stem, year
        self.current: Optional[_PackageFile] = None
        self.done: list[BulkFile] = []

    def add(self, ocid: str, data: bytes, items: int) -> None:
        limits, current = self.target.limits, self.current
        if current is not None and current.entries and (
                current.bytes + len(data) > limits.max_bytes or current.items + items > limits.max_items):
            self._close()
        if self.current is None:
            self._open()
        self.current.add(ocid, data, items)

    def _open(self) -> None:
        part = len(self.done) + 1
        name = f"{self.stem}.json.gz" if part == 1 else f"{self.stem}-part{part}.json.gz"
        if self.kind == "release-package":
            envelope, key = packages.release_package([], self.target.publication(name)), "releases"
        else:
            envelope, key = packages.record_package([], self.target.publication(name)), "records"
        self.current = _PackageFile(self.target.swap, name, envelope, key)

    def _close(self) -> None:
        current, self.current = self.current, None
        current.close()
        self.done.append(BulkFile(current.name, self.kind, "JSON", GZIP, processes=current.processes,
                                  year=self.year, part=len(self.done) + 1))

    def close(self) -> list[BulkFile]:
        if self.current is not None:
            self._close()
        return self.done


def _awards_and_contracts(release: dict) -> int:
    return sum(len(entries) for entries in (release.get("awards"), release.get("contracts")) if isinstance(entries, list))


class _OcdsFiles:
    """Compiled releases (JSON Lines: all years and one file per year), release packages per year
    and the record package (both split by `target.limits`), one process at a time. Each release and
    compiled release is serialized once, and its bytes go to every file that holds it."""

    def __init__(self, target: Target):
        self.target = target
        self.compiled_all = _GzipFile(target.swap, "compiled-releases.jsonl.gz")
        self.compiled_by_year: dict[str, _GzipFile] = {}
        self.releases_by_year: dict[str, _PackageParts] = {}
        self.records = _PackageParts(target, "record-package", "record-package")

    def add(self, record: ProcurementRecord) -> None:
        ocid, compiled = record.ocid, record.compiled_release
        compiled_bytes = encode(compiled)
        line = compiled_bytes + b"\n"
        self.compiled_all.write(line)
        self.compiled_all.counts(ocid)
        first = min((str(r.get("date") or "") for r in record.releases if YEAR.match(str(r.get("date") or ""))), default="")
        year = year_of(first)
        if year not in self.compiled_by_year:
            self.compiled_by_year[year] = _GzipFile(self.target.swap, f"compiled-releases-{year}.jsonl.gz")
        self.compiled_by_year[year].write(line)
        self.compiled_by_year[year].counts(ocid)
        encoded, items = [], _awards_and_contracts(compiled)
        for release in record.releases:
            data = encode(release)
            encoded.append(data)
            release_items = _awards_and_contracts(release)
            items += release_items
            year = year_of(release.get("date"))
            if year not in self.releases_by_year:
                self.releases_by_year[year] = _PackageParts(self.target, "release-package", f"release-package-{year}", year)
            self.releases_by_year[year].add(ocid, data, release_items)
        self.records.add(ocid, encoded_record(ocid, encoded, compiled_bytes), items)

    def close(self) -> list[BulkFile]:
        files = []
        for kind, gzip_file, year in [("compiled-releases", self.compiled_all, None)] + [
                ("compiled-releases", self.compiled_by_year[y], y) for y in sorted(self.compiled_by_year)]:
            gzip_file.close()
            files.append(BulkFile(gzip_file.name, kind, "JSONL", GZIP, processes=gzip_file.processes, year=year))
        for year in sorted(self.releases_by_year):
            files.extend(self.releases_by_year[year].close())
        files.extend(self.records.close())
        return files


@dataclasses.dataclass(frozen=True)
class FileSpec:
    name: str
    kind: str
    format: str
    mimetype: str


# The flattened tables (bulk/flatten.py's write_flat(compiled_releases, zip_path, xlsx_path, dictionary_path))
FLAT_FILES = (
    FileSpec("flat-csv.zip", "flat-csv", "ZIP", "application/zip"),
    FileSpec("flat.xlsx", "flat-xlsx", "XLSX", XLSX),
    FileSpec("data-dictionary.csv", "data-dictionary", "CSV", "text/csv"),
)


def write_files(target: Target) -> list[BulkFile]:
    """Every bulk file of the scope, in one pass over its processes: each process goes to the
    OCDS files, then its compiled release on to the flattening (which pulls them one by one)."""
    ocds = _OcdsFiles(target)
    written = 0

    def compiled_releases() -> Iterator[dict]:
        nonlocal written
        for record, _ in target.rows():
            ocds.add(record)
            target.facts.add(record)
            written += 1
            if target.on_progress and written % PROGRESS_EVERY == 0:
                target.on_progress(written)
            yield record.compiled_release

    write_flat(compiled_releases(), *[target.swap.path(spec.name) for spec in FLAT_FILES])
    flat = [BulkFile(spec.name, spec.kind, spec.format, spec.mimetype, processes=written) for spec in FLAT_FILES]
    return ocds.close() + flat
