"""The two errors of flat-file import: a wrong mapping, an unreadable file."""

from __future__ import annotations

from ..errors import OcdsError


class MappingError(OcdsError, ValueError):
    """A flat mapping config is wrong. ``key`` says where (e.g. ``columns.tender/title``)."""

    def __init__(self, key: str, message: str):
        super().__init__(f"mapping.{key}: {message}")
        self.key = key
        self.message = message


class FlatFileError(OcdsError):
    """A file can't be read as a CSV or XLSX table (the message says why)."""
