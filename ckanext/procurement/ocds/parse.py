"""Reading OCDS feeds of any real-world shape, streaming, and normalizing messy releases.

:class:`FeedReader` reads a binary file object (gzip is detected and decompressed) and
yields releases one at a time with ijson, so a feed of any size is never held in memory:
only one release (or one record) at a time, plus the package metadata.

Shapes it understands (``reader.format`` after iteration):

=================== ==================================================================
``release_package`` ``{"uri": ..., "releases": [release, ...], "links": {"next": ...}}``
``record_package``  ``{"records": [{"ocid", "releases": [...], "compiledRelease"}]}``
``record``          one record object at the top level (how Colombia and Canada publish
                    per-process files: ``{"releases": [...], "compiledRelease": ...}``)
``release``         one bare release object
``array``           a JSON array of releases (or of packages)
``json_lines``      one release or package per line (also concatenated JSON values)
=================== ==================================================================

A record whose ``releases`` are only *linked* (``{"url", "date", "tag"}``, no data) falls
back to its ``compiledRelease`` as a single release, with a warning.

Positions: every release comes with its JSON path in the input, e.g. ``releases/3``,
``records/0/releases/2``, ``records/0/compiledRelease``, ``7`` (array item) or
``5/releases/0`` (sixth JSON Lines value, counting JSON values, not blank lines). A bare
release's position is ``""``. :class:`Problem` paths extend these (``releases/3/date``).
JSON Lines are recognised from the first 64 KB; if the first line is longer than that, the
feed is still read, but the first line's positions lack their ``0/`` prefix.

Invalid JSON stops the reader with a :class:`FeedError` giving the parser's message, the
byte offset and line, and the position being read; ijson can't resynchronise after an error.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

import ijson

from .dates import parse_date
from .depth import MAX_DEPTH, deeper_than, non_finite_path, nul_path, plainly_storable, surrogate_path
from .errors import FeedError, IntegerTooLong
from .streams import (  # noqa: F401 (FORMATS, detect_format, _Prepended, _read_head: public here too)
    _HEAD_SIZE, FORMATS, GZIP_MAGIC, UTF8_BOM, _classify_keys, _Counting, _first_line_is_complete_value,
    _is_linked_release, _Prepended, _read_head, detect_format,
)

PACKAGE_METADATA_FIELDS = ("uri", "publisher", "publishedDate", "license", "publicationPolicy", "version", "extensions")
# Registered prefixes are "ocds-" plus 6 characters: https://standard.open-contracting.org/1.1/en/schema/identifiers/
REGISTERED_OCID = re.compile(r"^ocds-[a-z0-9]{6}-", re.IGNORECASE)

_WHITESPACE_AS_SPACE = bytes.maketrans(b"\n\r\t", b"   ")
_EXACT_PARSER = ijson.get_backend("python")
_UNEXPECTED_SYMBOL = re.compile(r"Unexpected symbol '(.*)'(?: at \d+)?", re.DOTALL)
_DIGITS = re.compile(r"-?\d+")


@dataclass
class Problem:
    """A data-quality problem found while reading or normalizing a feed.

    ``severity`` is ``"error"`` (the release can't be used) or ``"warning"`` (it is used as is
    or after a fix). ``path`` is a JSON path in the input, like ``releases/3/tag``.
    """

    severity: str
    message: str
    path: str = ""
    ocid: str | None = None
    release_id: str | None = None

    def __str__(self) -> str:
        subject = []
        if self.ocid:
            subject.append(self.ocid)
        if self.release_id:
            subject.append(f"release {self.release_id}")
        where = " ".join(subject)
        if self.path:
            where = f"{where} at {self.path}" if where else f"at {self.path}"
        prefix = f"{self.severity.capitalize()}: {where}" if where else self.severity.capitalize()
        return f"{prefix}: {self.message}"

    def as_dict(self) -> dict:
        """Return the problem as a JSON-serialisable dict."""
        return asdict(self)


def _join(base: str, *parts: object) -> str:
    return "/".join(str(p) for p in (base, *parts) if p != "")


def ocid_prefix_ok(ocid: str, accepted_prefixes: list[str] | tuple[str, ...] | None) -> bool:
    """Return whether ``ocid`` starts with one of ``accepted_prefixes`` (an empty list accepts all)."""
    prefixes = [p.strip() for p in (accepted_prefixes or []) if p and p.strip()]
    if not prefixes:
        return True
    return isinstance(ocid, str) and ocid.startswith(tuple(prefixes))


# --- Normalizing releases ---------------------------------------------------------------------

def _needs_upgrade(release: dict, package_version: str | None) -> bool:
    version = release.get("version") or package_version
    if isinstance(version, str) and version.strip():
        return version.strip().startswith("1.0")
    # No version anywhere: the standard says 1.0, but many 1.1 publishers omit it, so use the
    # same heuristic as ocdskit (1.1 releases have a `parties` array).
    return "parties" not in release


def _upgrade_10_11(release: dict) -> dict:
    from ocdskit.upgrade import upgrade_release_10_11

    upgraded = copy.deepcopy(release)  # ocdskit upgrades in place
    upgrade_release_10_11(upgraded, reorder=False)
    return upgraded


def _unstorable(release: dict, path: str) -> Problem | None:
    """Why PostgreSQL can't store the release, or why it mustn't go further, if so."""
    ocid = release.get("ocid") if isinstance(release.get("ocid"), str) and "\x00" not in release["ocid"] else None
    if deeper_than(release, MAX_DEPTH):
        # checked first: every later step (upgrade, compiling, hashing, storing) recurses
        return Problem("error", f"the release is nested more than {MAX_DEPTH} levels deep; it can't be stored", path, ocid)
    nul = nul_path(release)
    if nul is not None:  # PostgreSQL stores no NUL character, in text or in JSONB
        return Problem("error", "the release holds a NUL character (\\u0000); it can't be stored", _join(path, nul), ocid)
    surrogate = surrogate_path(release)
    if surrogate is not None:  # not text: UTF-8 has no encoding of it
        return Problem("error", "the release holds a lone surrogate (\\ud800 to \\udfff), which is not text; "
                       "it can't be stored", _join(path, surrogate), ocid)
    non_finite = non_finite_path(release)
    if non_finite is not None:
        return Problem("error", "the release holds a number too large to use (or NaN); it can't be stored",
                       _join(path, non_finite), ocid)
    return None


def normalize_release(release: Any, path: str = "", *, package_version: str | None = None) -> tuple[Any, list[Problem]]:
    """Return ``(release, problems)``: the release made usable, and what was wrong with it.

    - ``tag`` as a string becomes a one-item list; a missing or odd ``tag`` is reported.
    - OCDS 1.0 data (declared ``version`` 1.0, or no version and no ``parties``) is upgraded to
      1.1 with ocdskit (organizations into ``parties``, ``amendment`` into ``amendments``, …).
    - A missing or blank ``ocid`` is an *error*: the release can't be grouped or merged.
      An ocid without a registered ``ocds-xxxxxx-`` prefix is a warning.
    - A missing ``id`` or a missing/invalid ``date`` is a warning; the release is kept (undated
      releases are merged last).

    Every other key is kept untouched, and the input dict is never modified. ``path`` is the
    release's position in the input (from :meth:`FeedReader.releases`), used in problem paths.
    """
    if not isinstance(release, dict):
        return release, [Problem("error", f"expected a release object, got {type(release).__name__}", path)]
    if not plainly_storable(release):  # the usual release is walked once; the rest closer
        unstorable = _unstorable(release, path)
        if unstorable is not None:
            return release, [unstorable]

    out = dict(release)  # shallow copy: we only replace top-level keys, or deep-copy to upgrade
    problems: list[Problem] = []
    ocid = out.get("ocid")
    release_id = out.get("id")

    def report(severity: str, message: str, field: str) -> None:
        problems.append(Problem(
            severity,
            message,
            _join(path, field),
            ocid if isinstance(ocid, str) and ocid.strip() else None,
            str(release_id) if isinstance(release_id, (str, int)) and not isinstance(release_id, bool) else None,
        ))

    if not isinstance(ocid, str) or not ocid.strip():
        report("error", "the release has no ocid, so it can't be assigned to a contracting process", "ocid")
    elif ocid != ocid.strip():
        out["ocid"] = ocid = ocid.strip()
        report("warning", f"the ocid has spaces around it; read as {ocid!r}", "ocid")
    if isinstance(ocid, str) and ocid.strip() and not REGISTERED_OCID.match(ocid):
        report("warning", f"the ocid {ocid!r} doesn't start with a registered prefix (ocds-xxxxxx-)", "ocid")

    if release_id in (None, ""):
        report("warning", "the release has no id", "id")

    date = out.get("date")
    if date in (None, ""):
        report("warning", "the release has no date; it is merged after the dated releases", "date")
    elif parse_date(date) is None:
        report("warning", f"the date {date!r} is not an ISO 8601 date-time; it is merged after the dated releases", "date")

    tag = out.get("tag")
    if tag is None:
        report("warning", "the release has no tag", "tag")
    elif isinstance(tag, str):
        out["tag"] = [tag]
        report("warning", f"tag is the string {tag!r}, not an array; read as [{tag!r}]", "tag")
    elif not isinstance(tag, list) or not all(isinstance(t, str) for t in tag):
        report("warning", f"tag should be an array of strings, got {json.dumps(tag)[:80]}", "tag")

    if _needs_upgrade(out, package_version):
        try:
            upgraded = _upgrade_10_11(out)
        except (TypeError, AttributeError, KeyError, ValueError) as error:  # ocdskit expects 1.0's shapes
            report("error", f"the release reads as OCDS 1.0 (it has no parties) but can't be upgraded to OCDS 1.1: "
                   f"{type(error).__name__}: {error}", "")
            return release, problems
        if upgraded != out:
            out = upgraded
            report("warning", "OCDS 1.0 data was upgraded to OCDS 1.1", "")

    for field, value, expected in _mistyped_values(out):
        if expected == "an ISO 4217 currency code":
            report("warning", f"{value!r} is not {expected}; kept as published", field)
        else:
            report("warning", f"{value!r} is not {expected}; the value is kept in the record but not used in totals", field)

    return out, problems


# Where a number is expected: amounts of value objects and the count of tenderers. A
# publisher's text in these places would otherwise vanish from totals without a word.
_AMOUNT_PARENTS = frozenset(["value", "amount", "minValue", "maxValue"])
_ISO_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _mistyped_values(release: dict) -> Iterator[tuple[str, Any, str]]:
    """(path, value, what was expected) of each mistyped value, in document order. Walked
    without recursion; a path is joined into text only for the rare value reported."""
    # each level: (its remaining (key or index, value) pairs, its path as nested pairs, parent key)
    levels: list[tuple[Iterator, Any, str]] = [(iter(release.items()), (), "")]
    while levels:
        pairs, where, parent = levels[-1]
        for key, value in pairs:
            if type(key) is str:
                if key == "amount" and parent in _AMOUNT_PARENTS and value is not None and type(value) is not dict:
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        yield _path_text(where, key), value, "a number"
                    continue
                if key == "currency" and value is not None and not (isinstance(value, str) and _ISO_CURRENCY.match(value)):
                    yield _path_text(where, key), value, "an ISO 4217 currency code"
                    continue
                if key == "numberOfTenderers" and value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    yield _path_text(where, key), value, "a whole number"
                    continue
            if type(value) is dict:  # an array's objects keep the array's parent key
                levels.append((iter(value.items()), (where, key), key if type(key) is str else parent))
                break
            if type(value) is list:
                levels.append((enumerate(value), (where, key), key if type(key) is str else parent))
                break
        else:
            levels.pop()


def _path_text(where: Any, key: Any) -> str:
    parts = [key]
    while where:
        where, step = where
        parts.append(step)
    return "/".join(map(str, reversed(parts)))


# --- The reader -------------------------------------------------------------------------------

class FeedReader:
    """Stream the releases of an OCDS feed from a binary file object.

    >>> with open("feed.json.gz", "rb") as f:
    ...     reader = FeedReader(f)
    ...     for release, position in reader.releases():
    ...         ...
    ...     reader.format, reader.next_url, reader.package_metadata, reader.warnings

    After iteration: ``format`` (one of :data:`FORMATS`), ``next_url`` (the pagination
    extension's ``links.next``, wherever it appears in the package), ``package_metadata``
    (``uri``, ``publisher``, ``publishedDate``, ``license``, ``publicationPolicy``, ``version``,
    ``extensions`` of the first package; for a bare release, its non-standard ``packageInfo``)
    and ``warnings`` (:class:`Problem` list about the feed's shape). Numbers are ``int`` or
    ``float``, never ``Decimal``.

    :raises FeedError: if the feed isn't valid JSON (the message says what and where) or isn't OCDS.
    :raises IntegerTooLong: at an integer beyond 64 bits, which the fast parser can't read;
        ``exact_integers=True`` reads the feed with ijson's own parser, slower, which can.
    """

    def __init__(self, fileobj: BinaryIO, *, exact_integers: bool = False):
        self.format: str | None = None
        self.next_url: str | None = None
        self.package_metadata: dict = {}
        self.warnings: list[Problem] = []
        self._fileobj = fileobj
        # yajl (ijson's C backend) stops at an integer beyond 64 bits; ijson's own parser reads it
        self._exact = exact_integers
        self._parse = _EXACT_PARSER.basic_parse if exact_integers else ijson.basic_parse
        self._multi = False
        self._started = False
        self._version: str | None = None
        self._position = ""
        self._metadata_owner: dict | None = None

    # Opening the stream

    def _open(self) -> _Counting:
        head = _read_head(self._fileobj, 2)
        stream: Any = _Prepended(head, self._fileobj)
        if head.startswith(GZIP_MAGIC):
            stream = gzip.GzipFile(fileobj=stream, mode="rb")
        try:
            head = _read_head(stream, _HEAD_SIZE)
        except (OSError, EOFError, zlib.error) as e:
            raise FeedError(f"The feed looks gzipped but can't be decompressed: {e}") from e
        if head.startswith(UTF8_BOM):
            head = head[len(UTF8_BOM):]
        if not head.strip():
            raise FeedError("The feed is empty")
        self._multi = _first_line_is_complete_value(head)
        return _Counting(_Prepended(head, stream))

    def _events(self, source: _Counting) -> Iterator[tuple[str, Any]]:
        # basic_parse: we track structure ourselves, so ijson needn't build a prefix per event.
        try:
            yield from self._parse(source, use_float=True, multiple_values=True)
        except ijson.JSONError as e:
            # yajl's own message, not the snippet of the feed it quotes on the next lines
            if not self._exact and str(e).split("\n", 1)[0].strip() == "parse error: integer overflow":
                inside = f" (inside {self._position})" if self._position else ""
                raise IntegerTooLong(f"The feed holds an integer longer than 64 bits after byte "
                                     f"{source.offset + len(source.tail)}{inside}") from None
            raise self._json_error(e, source) from None
        except (OSError, EOFError, zlib.error) as e:
            raise FeedError(f"The feed can't be read after byte {source.offset + len(source.tail)}: {e}") from e

    def _json_error(self, error: Exception, source: _Counting) -> FeedError:
        lines = [line for line in str(error).splitlines() if line.strip()]
        what = lines[0] if lines else str(error)
        where = f"after byte {source.offset + len(source.tail)}"
        inside = f", inside {self._position}" if self._position else ""
        symbol = _UNEXPECTED_SYMBOL.fullmatch(str(error)) if self._exact else None
        if symbol and _DIGITS.fullmatch(symbol.group(1)):  # Python reads no integer longer than its limit
            return FeedError(f"The feed holds an integer of {len(symbol.group(1).lstrip('-'))} digits, more than "
                             f"{sys.get_int_max_str_digits()} can be read, {where}{inside}")
        if symbol:  # ijson's own parser quotes the symbol: as yajl's snippet, it is named the same way
            what = f"Unexpected symbol near {symbol.group(1)[:40]!r}"
        # yajl shows a snippet and a caret under the error: find the snippet in what we read.
        if len(lines) >= 3 and "^" in lines[2]:
            snippet_line, caret_line = lines[1], lines[2]
            snippet = snippet_line.lstrip()
            column = caret_line.index("^") - (len(snippet_line) - len(snippet))
            # yajl prints newlines and tabs in the snippet as spaces; do the same (same length).
            tail = source.tail.translate(_WHITESPACE_AS_SPACE)
            found = tail.find(snippet.encode("utf-8", "replace")) if snippet else -1
            if found >= 0 and 0 <= column <= len(snippet):
                offset_in_tail = found + len(snippet[:column].encode("utf-8"))
                line = source.newlines + source.tail[:offset_in_tail].count(b"\n") + 1
                where = f"at byte {source.offset + offset_in_tail} (line {line})"
            if snippet:
                what = f"{what} near {snippet.strip()!r}"
        return FeedError(f"The feed is not valid JSON: {what}, {where}{inside}")

    # Building values from events

    @staticmethod
    def _build(events, event: str, value: Any) -> Any:
        # the reader's hot loop (hundreds of events a release): ijson's ObjectBuilder, inlined
        if event == "start_map":
            root: Any = {}
        elif event == "start_array":
            root = []
        else:
            return value
        parents: list = []
        node, key = root, None
        for event, value in events:
            if event == "map_key":
                key = value
            elif event == "start_map" or event == "start_array":
                child = {} if event == "start_map" else []
                if type(node) is dict:
                    node[key] = child
                else:
                    node.append(child)
                parents.append(node)
                node = child
            elif event == "end_map" or event == "end_array":
                if not parents:
                    return root
                node = parents.pop()
            elif type(node) is dict:
                node[key] = value
            else:
                node.append(value)
        raise FeedError("The feed ended in the middle of a JSON value")  # ijson reports this first

    def _array_items(self, events, path: str) -> Iterator[tuple[int, Any]]:
        index = 0
        for event, value in events:
            if event == "end_array":
                return
            self._position = _join(path, index)
            yield index, self._build(events, event, value)
            index += 1

    # Interpreting documents

    def _note_package(self, package: dict) -> None:
        # Metadata comes from the first package; a streamed package may be noted more than once
        # (before and after its records), so keep filling in from the same one.
        if self._metadata_owner is None or self._metadata_owner is package:
            self._metadata_owner = package
            self.package_metadata.update((k, package[k]) for k in PACKAGE_METADATA_FIELDS if k in package)
        links = package.get("links")
        if isinstance(links, dict) and isinstance(links.get("next"), str) and links["next"]:
            self.next_url = links["next"]

    def _set_format(self, document_format: str) -> None:
        if self.format not in ("array", "json_lines"):
            self.format = document_format

    def _record_releases(self, record: Any, base: str) -> Iterator[tuple[dict, str, str | None]]:
        if not isinstance(record, dict):
            self.warnings.append(Problem("error", "a record must be a JSON object; skipped", base))
            return
        releases: list = record["releases"] if isinstance(record.get("releases"), list) else []
        embedded = [(j, r) for j, r in enumerate(releases) if isinstance(r, dict) and not _is_linked_release(r)]
        for j, release in embedded:
            yield release, _join(base, "releases", j), self._version
        yield from self._record_fallback(record, base, linked=len(releases) - len(embedded), embedded=len(embedded))

    def _record_fallback(self, record: dict, base: str, *, linked: int, embedded: int):
        ocid = record.get("ocid") if isinstance(record.get("ocid"), str) else None
        if embedded:
            if linked:
                self.warnings.append(Problem(
                    "warning", f"{linked} linked release(s) without data were skipped", _join(base, "releases"), ocid))
            return
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            self.warnings.append(Problem(
                "warning",
                "the record only links to its releases (no data); its compiledRelease is used as a single release",
                _join(base, "compiledRelease"),
                ocid or compiled.get("ocid"),
            ))
            yield compiled, _join(base, "compiledRelease"), self._version
        else:
            self.warnings.append(Problem(
                "error", "the record has neither embedded releases nor a compiledRelease; nothing to import", base, ocid))

    def _from_dict(self, obj: Any, base: str) -> Iterator[tuple[dict, str, str | None]]:
        """Releases of a document already in memory (an array item)."""
        if not isinstance(obj, dict):
            self.warnings.append(Problem("error", f"expected a JSON object, got {type(obj).__name__}; skipped", base))
            return
        kind = _classify_keys(obj.keys())
        self._version = obj.get("version") if isinstance(obj.get("version"), str) else None
        if kind == "record_package":
            self._note_package(obj)
            for j, record in enumerate(obj["records"] if isinstance(obj["records"], list) else []):
                yield from self._record_releases(record, _join(base, "records", j))
        elif kind == "record":
            self._note_package(obj)
            yield from self._record_releases(obj, base)
        elif kind == "release_package":
            self._note_package(obj)
            releases = obj["releases"] if isinstance(obj["releases"], list) else []
            for j, release in enumerate(releases):
                if not _is_linked_release(release):
                    yield release, _join(base, "releases", j), self._version
        elif kind == "release":
            if not self.package_metadata and isinstance(obj.get("packageInfo"), dict):
                self._note_package(obj["packageInfo"])
            yield obj, base, self._version
        else:
            self.warnings.append(Problem(
                "error", f"not an OCDS release, record or package (keys: {', '.join(sorted(obj)[:8])}); skipped", base))
            return
        self._set_format(kind)

    def _stream_object(self, events, base: str) -> Iterator[tuple[dict, str, str | None]]:
        """Releases of a top-level object, streaming its ``releases`` or ``records`` array."""
        shell: dict = {}
        arrays = set()
        linked = embedded = 0
        self._version = None
        for event, key in events:
            if event == "end_map":
                break
            event, value = next(events)
            if key == "releases" and event == "start_array":
                arrays.add(key)
                for j, item in self._array_items(events, _join(base, "releases")):
                    if _is_linked_release(item):
                        linked += 1
                        continue
                    embedded += 1
                    yield item, _join(base, "releases", j), self._version
            elif key == "records" and event == "start_array":
                arrays.add(key)
                self._note_package(shell)
                for j, record in self._array_items(events, _join(base, "records")):
                    yield from self._record_releases(record, _join(base, "records", j))
            else:
                self._position = _join(base, key)
                shell[key] = self._build(events, event, value)
                if key == "version" and isinstance(shell[key], str):
                    self._version = shell[key]

        if "records" in arrays:
            self._note_package(shell)
            self._set_format("record_package")
        elif "releases" in arrays:
            self._note_package(shell)
            if "compiledRelease" in shell or "ocid" in shell:
                self._set_format("record")
                yield from self._record_fallback(shell, base, linked=linked, embedded=embedded)
            else:
                self._set_format("release_package")
                if linked:
                    self.warnings.append(Problem(
                        "warning", f"{linked} linked release(s) without data were skipped", _join(base, "releases")))
        else:
            yield from self._from_dict(shell, base)

    def _iter(self) -> Iterator[tuple[dict, str, str | None]]:
        if self._started:
            raise RuntimeError("a FeedReader can only be read once")
        self._started = True
        events = self._events(self._open())
        values = 0
        if self._multi:
            self.format = "json_lines"
        for event, value in events:
            index = values
            values += 1
            if values == 2:
                self.format = "json_lines"
            base = str(index) if (self._multi or index > 0) else ""
            if event == "start_map":
                yield from self._stream_object(events, base)
            elif event == "start_array":
                if not self._multi and index == 0:
                    self.format = "array"
                for j, item in self._array_items(events, base):
                    yield from self._from_dict(item, _join(base, j))
            else:
                raise FeedError(f"The feed's top-level value is a {event}, not an OCDS object or array")
        if values == 0:
            raise FeedError("The feed is empty")
        if self.format is None:  # one JSON value, and not OCDS (e.g. an API's error message)
            problem = self.warnings[-1] if self.warnings else None
            raise FeedError(f"The feed is JSON but not OCDS: {problem.message if problem else 'no releases'}")
        if self._multi or values > 1:
            self.format = "json_lines"
        self._position = ""

    def releases(self) -> Iterator[tuple[dict, str]]:
        """Yield ``(release, position)`` for every release in the feed, streaming."""
        for release, position, _version in self._iter():
            yield release, position

    __iter__ = releases

    def normalized_releases(self) -> Iterator[tuple[Any, str, list[Problem]]]:
        """Yield ``(release, position, problems)``, each release passed through :func:`normalize_release`.

        The package's ``version`` (when it precedes the releases, as usual) decides whether data
        without ``parties`` is OCDS 1.0. Releases with an ``error`` problem are still yielded: the
        caller skips them and reports the problems.
        """
        for release, position, version in self._iter():
            normalized, problems = normalize_release(release, position, package_version=version)
            yield normalized, position, problems
