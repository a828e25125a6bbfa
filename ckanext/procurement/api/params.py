"""The OCDS API's query parameters: read, checked, and named in every error.

Plain functions rather than a navl schema: each parameter is one value of the
query string, and an error must name the parameter it is about (a crawler's
log shows the message as is)."""
from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import json
from typing import Any, Mapping, Optional

import ckan.plugins.toolkit as tk

from ckanext.procurement.ocds.dates import parse_date

# `since`/`until` are on the release date (of each release; of any release of a record),
# `modified_since`/`modified_until` on the time the portal last changed the process
DATE_PARAMETERS = ("since", "until", "modified_since", "modified_until")
FILTERS = DATE_PARAMETERS + ("publisher", "ocid")
PAGING = ("limit", "cursor")


class ParameterError(Exception):
    """A bad parameter: HTTP `status` (400, or 404 for something that does not exist)."""

    def __init__(self, parameter: str, message: str, status: int = 400):
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"parameter": self.parameter, "message": self.message, "status": self.status}}


@dataclasses.dataclass(frozen=True)
class Query:
    """What a page asks for. Dates are naive UTC, as the database keeps them."""

    limit: int
    since: Optional[datetime.datetime] = None
    until: Optional[datetime.datetime] = None
    modified_since: Optional[datetime.datetime] = None
    modified_until: Optional[datetime.datetime] = None
    publisher: Optional[str] = None  # the organization's name, as asked
    ocid: Optional[str] = None
    cursor: Optional["Cursor"] = None

    def filters(self) -> dict[str, str]:
        """The filters as query-string values, to carry into `links`."""
        values = {name: getattr(self, name) for name in FILTERS}
        return {name: _format(value) for name, value in values.items() if value is not None}


@dataclasses.dataclass(frozen=True)
class Cursor:
    """Where a page starts: just after (`forward`) or just before (not `forward`) `key`.

    It carries the crawl's `count`, counted once on its first page: counting is the one
    part of a page whose cost grows with the portal (every process is visited)."""

    key: tuple
    forward: bool = True
    count: Optional[int] = None

    def encode(self) -> str:
        raw = json.dumps([list(self.key), "n" if self.forward else "p", self.count], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _format(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
    return str(value)


def limits() -> tuple[int, int]:
    """(default, maximum) items per page, from the site's settings."""
    maximum = max(1, tk.config.get("ckanext.procurement.api.max_page_size"))
    return max(1, min(tk.config.get("ckanext.procurement.api.page_size"), maximum)), maximum


def parse(args: Mapping[str, str], key_shape: tuple[type, ...], allowed: tuple[str, ...] = FILTERS + PAGING) -> Query:
    """The page asked for by the query string `args` (a werkzeug MultiDict or a dict).

    `key_shape` is the types of the cursor's key, as the endpoint pages by it."""
    getlist = getattr(args, "getlist", lambda name: [args[name]])
    for name in args:
        if name not in allowed:
            raise ParameterError(name, tk._("Unknown parameter {name!r}; this endpoint accepts {allowed}").format(
                name=name, allowed=", ".join(allowed)))
        if len(getlist(name)) > 1:
            raise ParameterError(name, tk._("Parameter {name!r} is given more than once").format(name=name))
    values: dict[str, Any] = {"limit": _limit(args.get("limit"))}
    for name in DATE_PARAMETERS:
        if name in allowed and args.get(name) is not None:
            values[name] = _date(name, args[name])
    for start, end in (("since", "until"), ("modified_since", "modified_until")):
        if values.get(start) and values.get(end) and values[start] >= values[end]:
            raise ParameterError(end, tk._("{end!r} must be later than {start!r}").format(end=end, start=start))
    for name in ("publisher", "ocid"):
        if name in allowed and args.get(name) is not None:
            values[name] = _text(name, args[name])
    if args.get("cursor") is not None:
        values["cursor"] = _cursor(args["cursor"], key_shape)
    return Query(**values)


def _limit(raw: Optional[str]) -> int:
    default, maximum = limits()
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= maximum or not raw.strip().isdigit():
        raise ParameterError("limit", tk._("'limit' must be a whole number from 1 to {maximum}; got {value!r}").format(
            maximum=maximum, value=raw[:50]))
    return limit


def _date(name: str, raw: str) -> datetime.datetime:
    parsed = parse_date(raw) if "\x00" not in raw else None
    if parsed is None:
        raise ParameterError(name, tk._(
            "{name!r} must be an ISO 8601 date or date-time (2024-01-31 or 2024-01-31T12:00:00Z); got {value!r}").format(
            name=name, value=raw[:50]))
    try:
        return parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 (or 9999-12-31T23:00:00-05:00) is out of Python's range in UTC
        return datetime.datetime.min if parsed.year == 1 else datetime.datetime.max


def _text(name: str, raw: str) -> str:
    if not raw.strip() or "\x00" in raw or len(raw) > 500:
        raise ParameterError(name, tk._("{name!r} must be a non-empty text of at most 500 characters").format(name=name))
    return raw


def _cursor(raw: str, key_shape: tuple[type, ...]) -> Cursor:
    """A cursor is only ever made by `Cursor.encode`: anything else is refused, naming it."""
    try:
        key, direction, count = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            raise ValueError(raw)
        if direction not in ("n", "p") or len(key) != len(key_shape) or not all(
                isinstance(part, kind) and not isinstance(part, bool) for part, kind in zip(key, key_shape)):
            raise ValueError(raw)
        for part in key:  # text PostgreSQL can't hold: a NUL, or a lone surrogate JSON allows ("\\ud800")
            if isinstance(part, str) and ("\x00" in part or not _utf8(part)):
                raise ValueError(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ParameterError("cursor", tk._(
            "'cursor' is not one this API made: start again from the first page, or follow links.next"))
    return Cursor(tuple(key), forward=direction == "n", count=count)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
