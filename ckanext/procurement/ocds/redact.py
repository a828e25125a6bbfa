"""Withholding fields (personal data, confidential details) before publishing OCDS data.

Paths are OCDS field paths separated by ``/`` (``parties/contactPoint/email``). When a path
segment reaches a list, it applies to every element (so ``parties/address`` removes the
address of every party); a numeric segment selects one element (``parties/0/address``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


IDENTIFYING_FIELDS = ("ocid", "id")  # what makes a release a release of one process: never withheld


def identifying_paths(paths: Iterable[str]) -> list[str]:
    """The paths that would remove what identifies a release (its ``ocid`` or ``id``)."""
    return [path for path in paths if _split(path) in ([field] for field in IDENTIFYING_FIELDS)]


def _split(path: str) -> list[str]:
    return [segment for segment in path.strip().strip("/").split("/") if segment]


def _without(node: Any, segments: list[str]) -> tuple[Any, bool]:
    """``node`` without the value at ``segments``, and whether anything was removed.

    Copy-on-write: only the lists and objects on the way to a removed value are copied, the
    rest is shared with the input, which is never modified. (Most releases hold nothing to
    withhold, and deep-copying every release was most of a harvest's gather time.)
    """
    head, rest = segments[0], segments[1:]
    if isinstance(node, list):
        if head.isdigit():  # an explicit index
            index = int(head)
            if index >= len(node):
                return node, False
            if not rest:
                return node[:index] + node[index + 1:], True
            item, removed = _without(node[index], rest)
            return (node[:index] + [item] + node[index + 1:], True) if removed else (node, False)
        items, removed = [], False
        for item in node:  # the segment applies to every element
            item, changed = _without(item, segments)
            items.append(item)
            removed = removed or changed
        return (items, True) if removed else (node, False)
    if not isinstance(node, dict) or head not in node:
        return node, False
    if not rest:
        return {key: value for key, value in node.items() if key != head}, True
    child, removed = _without(node[head], rest)
    return ({**node, head: child}, True) if removed else (node, False)


def redact(data: Any, paths: Iterable[str]) -> tuple[Any, list[str]]:
    """Return ``(data without the values at paths, paths that removed something)``.

    ``data`` (a release, compiled release or any OCDS object) is never modified; the result
    shares what was not changed with it. The withheld list keeps the order of ``paths`` and
    names each path once, so it can be shown to users ("contact emails withheld").
    """
    result = data
    withheld: list[str] = []
    for path in paths:
        segments = _split(path)
        if not segments:
            continue
        result, removed = _without(result, segments)
        if removed and path not in withheld:
            withheld.append(path)
    return result, withheld


def redact_releases(releases: Iterable[Any], paths: Iterable[str]) -> tuple[list[Any], list[str]]:
    """Redact each release; return ``(redacted releases, paths that removed something in any)``."""
    paths = list(paths)
    redacted: list[Any] = []
    withheld: list[str] = []
    for release in releases:
        clean, removed = redact(release, paths)
        redacted.append(clean)
        withheld.extend(p for p in removed if p not in withheld)
    return redacted, sorted(withheld, key=paths.index)
