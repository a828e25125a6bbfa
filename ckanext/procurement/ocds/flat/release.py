"""Shaping a release built from a row: setting mapped paths, then the ids, document types,
formats and currencies OCDS expects, and a readable key order.

Also the row as it waits in the spool (:class:`Row`) and the problems reported on it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from ..parse import Problem
from .fields import path_str


# Organization references: (path pattern, party role). "*" is any array index.
ORGANIZATION_REFERENCES = (
    (("buyer",), "buyer"),
    (("tender", "procuringEntity"), "procuringEntity"),
    (("tender", "tenderers", "*"), "tenderer"),
    (("awards", "*", "suppliers", "*"), "supplier"),
    (("contracts", "*", "implementation", "transactions", "*", "payer"), "payer"),
    (("contracts", "*", "implementation", "transactions", "*", "payee"), "payee"),
)
# Documents and their default documentType, by the block they are in.
_DOCUMENT_LISTS = (
    (("planning", "documents"), "procurementPlan"),
    (("tender", "documents"), "tenderNotice"),
    (("awards", "*", "documents"), "awardNotice"),
    (("contracts", "*", "documents"), "contractSigned"),
    (("contracts", "*", "implementation", "documents"), None),
)
# Other arrays whose objects need an id; a missing one becomes the 1-based position.
_ID_LISTS = (
    ("tender", "items"), ("tender", "milestones"), ("awards", "*", "items"), ("contracts", "*", "items"),
    ("contracts", "*", "milestones"), ("contracts", "*", "implementation", "milestones"),
    ("contracts", "*", "implementation", "transactions"), ("planning", "milestones"),
)
_FORMATS = {
    ".pdf": "application/pdf", ".htm": "text/html", ".html": "text/html", ".txt": "text/plain",
    ".csv": "text/csv", ".json": "application/json", ".xml": "application/xml", ".zip": "application/zip",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".tif": "image/tiff", ".tiff": "image/tiff",
}
_RELEASE_ORDER = ("ocid", "id", "date", "tag", "initiationType", "language", "parties", "buyer", "planning",
                  "tender", "awards", "contracts", "relatedProcesses")


def set_path(target: dict, segments: tuple, value: Any) -> None:
    """Set ``value`` at a parsed path, making the objects and arrays on the way (holes are ``None``)."""
    node: Any = target
    for segment, following in zip(segments, segments[1:]):
        container: Any = [] if isinstance(following, int) else {}
        if isinstance(segment, int):
            while len(node) <= segment:
                node.append(None)
            if node[segment] is None:
                node[segment] = container
            node = node[segment]
        else:
            node = node.setdefault(segment, container)
    node[segments[-1]] = value


def compact(value: Any) -> Any:
    """Drop the holes (``None``) and empty objects and arrays left by unmapped or empty cells."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                item = compact(item)
            if item is not None and item != {} and item != []:
                out[key] = item
        return out
    if isinstance(value, list):
        items = [compact(item) if isinstance(item, (dict, list)) else item for item in value if item is not None]
        return [item for item in items if item != {} and item != []]
    return value


def find(node: Any, pattern: tuple) -> Iterator[tuple[Any, Any, Any]]:
    """Yield ``(parent, key, value)`` for each value at ``pattern`` ("*" = every array item)."""
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                if rest:
                    yield from find(item, rest)
                else:
                    yield node, i, item
        return
    if isinstance(node, dict) and head in node:
        if rest:
            yield from find(node[head], rest)
        else:
            yield node, head, node[head]


def _add_currency(node: Any, currency: str) -> None:
    """Give every value object with a numeric ``amount`` and no ``currency`` the ``currency``."""
    items = node.values() if isinstance(node, dict) else node
    if isinstance(node, dict):
        amount = node.get("amount")
        if isinstance(amount, (int, float)) and not isinstance(amount, bool):
            node.setdefault("currency", currency)
    for item in items:
        if isinstance(item, (dict, list)):
            _add_currency(item, currency)


def ordered(release: dict) -> dict:
    """The release with its keys in the order a reader expects (ocid, id, date, tag, ...)."""
    out = {key: release[key] for key in _RELEASE_ORDER if key in release}
    out.update((key, value) for key, value in release.items() if key not in out)
    return out


@dataclass
class Row:
    """One converted row: its release so far, and what modification mode needs to replay it."""

    number: int
    ocid: str
    release_id: str
    release: dict
    problems: list[Problem]
    revision: str | None = None
    delta: str | None = None  # a Decimal as text (JSON has no decimals)

    def dumps(self) -> str:
        return json.dumps({"number": self.number, "ocid": self.ocid, "release_id": self.release_id,
                           "release": self.release, "problems": [asdict(p) for p in self.problems],
                           "revision": self.revision, "delta": self.delta})

    @classmethod
    def loads(cls, text: str) -> Row:
        data = json.loads(text)
        data["problems"] = [Problem(**p) for p in data["problems"]]
        return cls(**data)



def add_problem(problems: list[Problem], severity: str, message: str, path: tuple | str = "",
                ocid: str | None = None, release_id: str | None = None) -> None:
    if isinstance(path, tuple):
        path = path_str(path)
    problems.append(Problem(severity=severity, message=message, path=path, ocid=ocid, release_id=release_id))


def dedupe_id(converted: Row, seen: set[str]) -> None:
    """Give a row whose release id is in ``seen`` another one (with a warning); add it to ``seen``."""
    if converted.release_id in seen:
        new_id = f"{converted.release_id}-{converted.number}"
        add_problem(converted.problems, "warning",
                    f"row {converted.number}: release id {converted.release_id!r} is already used by an earlier "
                    f"row (is the release_id template unique?); this row's release is {new_id!r}",
                    "id", converted.ocid, new_id)
        converted.release_id = new_id
        converted.release["id"] = new_id
    seen.add(converted.release_id)


def fill_defaults(release: dict, base_id: str, currency: str) -> None:
    """Fill the ids OCDS requires, document types and formats, and currencies."""
    ocid = release["ocid"]
    if "tender" in release:
        release["tender"].setdefault("id", ocid)
    # awards/N and contracts/N come from the same row, so they pair up: a missing id is
    # the other's id, else derived from base_id.
    awards, contracts = release.get("awards", []), release.get("contracts", [])
    for i in range(max(len(awards), len(contracts))):
        award = awards[i] if i < len(awards) else None
        contract = contracts[i] if i < len(contracts) else None
        default = base_id if i == 0 else f"{base_id}-{i + 1}"
        if award is not None:
            award.setdefault("id", (contract or {}).get("id") or default)
        if contract is not None:
            contract.setdefault("id", award["id"] if award else default)
            contract.setdefault("awardID", award["id"] if award else contract["id"])
    for pattern, document_type in _DOCUMENT_LISTS:
        for parent, key, documents in list(find(release, pattern)):
            kept = []
            for document in documents:
                url = document.get("url")
                # A URL's hash keeps the id stable across releases and harvests.
                document = {"id": "doc-" + hashlib.sha1(url.encode()).hexdigest()[:12] if url
                            else f"doc-{len(kept) + 1}", **document}
                if document_type and url:
                    document.setdefault("documentType", document_type)
                if url:
                    extension = os.path.splitext(urlsplit(url).path)[1].lower()
                    if extension in _FORMATS:
                        document.setdefault("format", _FORMATS[extension])
                if set(document) - {"id", "documentType"}:
                    kept.append(document)
            if kept:
                parent[key] = kept
            else:
                del parent[key]
    for pattern in _ID_LISTS:
        for _parent, _key, items in find(release, pattern):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    item.setdefault("id", str(i + 1))
    _add_currency(release, currency)

