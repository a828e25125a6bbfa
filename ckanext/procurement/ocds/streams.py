"""Byte streams of a feed and the sniffing of its format (see parse.FeedReader).

The reader looks at a feed's first bytes before ijson parses it: gzip or not, a
byte-order mark, JSON Lines or one JSON value; what it read is put back in front.
"""
from __future__ import annotations

import io
import json
import zlib
from typing import BinaryIO

import ijson

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
FORMATS = ("release_package", "record_package", "record", "release", "array", "json_lines")
RELEASE_KEYS = frozenset(["ocid", "id", "date", "tag", "initiationType"])
_HEAD_SIZE = 65536  # bytes sniffed to tell JSON Lines from a single JSON value


# --- Byte streams -------------------------------------------------------------------------------

class _Prepended(io.RawIOBase):
    """A readable stream that returns ``head`` and then the rest of ``fileobj``."""

    def __init__(self, head: bytes, fileobj: BinaryIO):
        self._head = head
        self._fileobj = fileobj

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._fileobj.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._fileobj.read(size)

    def readinto(self, buffer) -> int:  # used by gzip
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Counting:
    """Counts the bytes handed to the parser and keeps the last ones, to locate JSON errors."""

    def __init__(self, fileobj):
        self._fileobj = fileobj
        self.offset = 0  # bytes read before `tail`
        self.newlines = 0  # newlines before `tail`
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        data = self._fileobj.read(size)
        # Keep the previous chunk too: an error snippet can straddle two chunks.
        keep = self.tail[-4096:]
        dropped = len(self.tail) - len(keep)
        self.offset += dropped
        self.newlines += self.tail[:dropped].count(b"\n")
        self.tail = keep + data
        return data


def _read_head(fileobj, size: int) -> bytes:
    chunks, total = [], 0
    while total < size:
        chunk = fileobj.read(size - total)
        if not chunk:
            break
        if isinstance(chunk, str):
            raise TypeError("FeedReader needs a binary file object (open the file with 'rb')")
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _first_line_is_complete_value(head: bytes) -> bool:
    """Whether ``head`` starts with one complete JSON value on its first line followed by another value."""
    head = head.lstrip()
    newline = head.find(b"\n")
    if newline < 0:
        return False
    rest = head[newline + 1:].lstrip()
    if not rest or rest[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(head[:newline])
    except ValueError:
        return False
    return True


def detect_format(first_bytes: bytes) -> str | None:
    """Guess a feed's format from its first bytes (gzip is decompressed); ``None`` if unknown.

    This is a cheap sniff (for a "check this URL" button, or logging); :class:`FeedReader` sets
    the definitive ``format`` while it reads. Returns one of :data:`FORMATS`.
    """
    data = first_bytes or b""
    if data.startswith(GZIP_MAGIC):
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
        except zlib.error:
            return None
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    data = data.lstrip()
    if not data:
        return None
    if _first_line_is_complete_value(data):
        return "json_lines"
    if data[:1] == b"[":
        return "array"
    if data[:1] != b"{":
        return None
    keys = set()
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(data), multiple_values=True):
            if prefix == "" and event == "map_key":
                keys.add(value)
            elif prefix == "" and event == "end_map":
                break
    except ijson.JSONError:
        pass  # the sniffed bytes end mid-document: decide on the keys seen so far
    return _classify_keys(keys)


def _classify_keys(keys) -> str | None:
    if "records" in keys:
        return "record_package"
    if "compiledRelease" in keys or "versionedRelease" in keys:
        return "record"
    if "releases" in keys:
        return "record" if "ocid" in keys else "release_package"
    if keys & RELEASE_KEYS:
        return "release"
    return None


def _is_linked_release(item: object) -> bool:
    # A linked release is {"url", "date", "tag"}; an embedded release has an ocid.
    return isinstance(item, dict) and "url" in item and "ocid" not in item
