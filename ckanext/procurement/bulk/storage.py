"""Where the bulk files live and how they are swapped in.

Each scope (the whole portal, or one organization) has a directory of its own
under `ckanext.procurement.bulk.directory`, holding its files and a
`manifest.json` that lists them. A file is written under a temporary name in
the same directory and moved into place with `os.replace`: a download that
opened the old file keeps reading it whole, a new one gets the new file.
Only names listed in the manifest are ever served.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import IO, Iterator, Optional

import ckan.plugins.toolkit as tk

PORTAL = "portal"  # the scope of the whole portal; any other scope is an organization id
MANIFEST = "manifest.json"
TEMPORARY_PREFIX = ".tmp-"
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,150}$")
STALE_TEMPORARY_SECONDS = 24 * 3600


@dataclasses.dataclass
class BulkFile:
    """One file of a scope, as the manifest lists it."""

    name: str
    kind: str  # compiled-releases, release-package, record-package, or a registered writer's kind
    format: str
    mimetype: str
    processes: int = 0  # how many contracting processes it holds
    year: Optional[str] = None
    part: int = 1
    size: int = 0
    modified: str = ""  # ISO 8601 UTC, the file's modification time

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def root() -> Path:
    """`ckanext.procurement.bulk.directory`, by default `bulk` under `ckan.storage_path`."""
    folder = tk.config.get("ckanext.procurement.bulk.directory")
    if not folder:
        storage = tk.config.get("ckan.storage_path")
        if not storage:
            raise RuntimeError("Set ckanext.procurement.bulk.directory or ckan.storage_path: the bulk files need a directory")
        folder = os.path.join(storage, "procurement", "bulk")
    return Path(folder)


def scope_directory(scope: str, create: bool = False) -> Path:
    if not SAFE_NAME.match(scope):
        raise ValueError(f"not a bulk scope: {scope!r}")
    directory = root() / scope
    if create:
        directory.mkdir(parents=True, exist_ok=True)
    return directory


def read_manifest(scope: str) -> dict:
    """The scope's manifest: {"generated": ..., "files": [BulkFile as dict, ...]}, empty if never generated."""
    try:
        return json.loads((scope_directory(scope) / MANIFEST).read_text())
    except (FileNotFoundError, ValueError):
        return {"generated": None, "files": []}


def find(scope: str, name: str) -> Optional[tuple[Path, dict]]:
    """The path and manifest entry of a file the scope publishes, or None (any other name, e.g. ../x)."""
    if not SAFE_NAME.match(name) or name == MANIFEST:
        return None
    for entry in read_manifest(scope)["files"]:
        if entry["name"] == name:
            path = scope_directory(scope) / name
            return (path, entry) if path.is_file() else None
    return None


class Swap:
    """Temporary files of one regeneration, moved into place together at `commit()`,
    or all removed if the regeneration fails."""

    def __init__(self, scope: str):
        self.directory = scope_directory(scope, create=True)
        self.pending: dict[str, Path] = {}  # final name -> temporary path
        _remove_stale_temporaries(self.directory)

    def path(self, name: str) -> Path:
        """A new temporary path that becomes `name` at commit."""
        if not SAFE_NAME.match(name):
            raise ValueError(f"unsafe bulk file name: {name!r}")
        temporary = self.directory / f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}-{name}"
        self.pending[name] = temporary
        return temporary

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        with open(self.path(name), "wb") as out:
            yield out

    def commit(self, files: list[BulkFile]) -> dict:
        """Move every file into place, then the manifest; files no longer listed go last
        (a reader that already opened one keeps its handle)."""
        for bulk_file in files:
            final = self.directory / bulk_file.name
            os.replace(self.pending.pop(bulk_file.name), final)
            stat = final.stat()
            bulk_file.size = stat.st_size
            bulk_file.modified = _iso(stat.st_mtime)
        self.discard()
        manifest = {"generated": _iso(time.time()), "files": [f.as_dict() for f in files]}
        temporary = self.path(MANIFEST)
        temporary.write_text(json.dumps(manifest, indent=1))
        os.replace(self.pending.pop(MANIFEST), self.directory / MANIFEST)
        listed = {f.name for f in files} | {MANIFEST}
        for path in self.directory.iterdir():
            if path.name not in listed and not path.name.startswith(TEMPORARY_PREFIX):
                path.unlink(missing_ok=True)
        return manifest

    def discard(self) -> None:
        for temporary in self.pending.values():
            temporary.unlink(missing_ok=True)
        self.pending.clear()


def _remove_stale_temporaries(directory: Path) -> None:
    """Leftovers of a regeneration that was killed (a running one's files are younger)."""
    limit = time.time() - STALE_TEMPORARY_SECONDS
    for path in directory.glob(f"{TEMPORARY_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < limit:
                path.unlink()


def _iso(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
