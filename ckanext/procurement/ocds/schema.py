"""Loading the OCDS release schema and building the ocdsmerge merger from it.

The release schema tells ocdsmerge how to merge (which fields are omitted,
which lists are replaced whole). The standard's 1.1.5 schema and codelists ship
with this package (``standard/1.1.5/``, Apache-2.0) and are the default, so nothing
needs the network. We always hand ocdsmerge a schema *dict*, so it never goes to
the network itself; a site that sets a schema URL gets our only download, done
once and cached on disk so that harvests keep working offline.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import ocdsmerge

from .errors import SchemaError

log = logging.getLogger(__name__)

DEFAULT_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
# The same schema and its codelists, shipped as package data: the default location.
PACKAGED_SCHEMA_DIR = Path(__file__).resolve().parent / "standard" / "1.1.5"
PACKAGED_SCHEMA = str(PACKAGED_SCHEMA_DIR / "release-schema.json")

_lock = threading.Lock()
# location -> schema dict. Callers share the dict: treat it as read-only.
_schemas: dict[str, dict] = {}
# id(schema) -> (schema, merger). The schema is kept so its id can't be reused.
_mergers: dict[int, tuple[dict, ocdsmerge.Merger]] = {}


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _local_path(location: str) -> Path:
    if location.startswith("file://"):
        return Path(unquote(urlparse(location).path))
    return Path(location).expanduser()


def _cache_path(url: str, cache_dir: str) -> Path:
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
    return Path(cache_dir) / f"ocds-schema-{digest}.json"


def _check(schema: object, location: str) -> dict:
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        raise SchemaError(f"{location} is not a JSON Schema with 'properties'; is it the OCDS release schema?")
    return schema


def _read_json(path: Path, location: str) -> dict:
    try:
        with path.open("rb") as f:
            return _check(json.load(f), location)
    except (OSError, ValueError) as e:
        raise SchemaError(f"Could not load the OCDS release schema from {location}: {e}") from e


def _download(url: str, timeout: float) -> bytes:
    import requests  # only needed for URLs

    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as e:
        raise SchemaError(f"Could not download the OCDS release schema from {url}: {e}") from e
    return response.content


def _write_atomically(path: Path, content: bytes) -> None:
    # Write then rename, so a concurrent reader never sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_release_schema(location: str, cache_dir: str | None = None, timeout: float = 30) -> dict:
    """Return the release schema at ``location`` (a file path, ``file://`` URL or http(s) URL).

    A URL is downloaded once with requests and, if ``cache_dir`` is given, saved there under a
    name derived from a hash of the URL; later calls and offline runs read that file. Results are
    memoized per location in this process, so the returned dict is shared: don't modify it.

    :raises SchemaError: naming the location, if it can't be read, downloaded or parsed.
    """
    if not location:
        raise SchemaError("No location given for the OCDS release schema")
    with _lock:
        if location in _schemas:
            return _schemas[location]

    if _is_url(location):
        cached = _cache_path(location, cache_dir) if cache_dir else None
        if cached is not None and cached.is_file():
            schema = _read_json(cached, f"{location} (cached at {cached})")
        else:
            content = _download(location, timeout)
            try:
                schema = _check(json.loads(content), location)
            except ValueError as e:
                raise SchemaError(f"The OCDS release schema at {location} is not valid JSON: {e}") from e
            if cached is not None:
                try:
                    _write_atomically(cached, content)
                except OSError as e:  # we have the schema; only offline runs would miss the cache
                    log.warning("Could not cache the OCDS release schema from %s in %s: %s", location, cache_dir, e)
    else:
        schema = _read_json(_local_path(location), location)

    with _lock:
        return _schemas.setdefault(location, schema)


def get_merger(schema: dict) -> ocdsmerge.Merger:
    """Return an :class:`ocdsmerge.Merger` for ``schema``, built once per schema dict.

    Building the merge rules walks the whole schema, so this is worth memoizing. Passing the
    dict (not a URL) guarantees ocdsmerge never fetches anything.
    """
    with _lock:
        entry = _mergers.get(id(schema))
        if entry is not None and entry[0] is schema:
            return entry[1]
    merger = ocdsmerge.Merger(schema=schema)
    with _lock:
        _mergers[id(schema)] = (schema, merger)
    return merger


def codelist(location_of_schema: str, name: str) -> dict[str, str]:
    """Return ``{code: title}`` from ``codelists/<name>.csv`` beside a local release schema.

    ``name`` may be given with or without ``.csv`` (e.g. ``"tenderStatus"``). Returns ``{}``
    for schema URLs and when the codelist file doesn't exist: labels then fall back to codes.
    """
    if _is_url(location_of_schema):
        return {}
    filename = name if name.endswith(".csv") else f"{name}.csv"
    path = _local_path(location_of_schema).parent / "codelists" / filename
    try:
        with path.open(newline="", encoding="utf-8") as f:
            return {row["Code"]: row.get("Title") or row["Code"] for row in csv.DictReader(f) if row.get("Code")}
    except OSError:
        return {}


def dereferenced(schema: dict, node: dict) -> dict:
    """The schema node itself, its ``$ref`` to the schema's definitions followed (a few levels at
    most, so a ref to itself can't loop); ``{}`` when it points nowhere."""
    for _ in range(10):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not ref or not ref.startswith("#/definitions/"):
            break
        node = schema.get("definitions", {}).get(ref[len("#/definitions/"):], {})
    return node if isinstance(node, dict) else {}


def node_types(node: dict) -> list[str]:
    """A schema node's JSON types, ``null`` left out (OCDS allows null for most fields)."""
    types = node.get("type", [])
    return [types] if isinstance(types, str) else [t for t in types if t != "null"]
