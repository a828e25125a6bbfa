"""Withholding fields (personal data, confidential details) before publishing OCDS data.

Paths are OCDS field paths separated by ``/`` (``parties/contactPoint/email``). When a path
segment reaches a list, it applies to every element (so ``parties/address`` removes the
address of every party); a numeric segment selects one element (``parties/0/address``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any


def _split(path: str) -> list[str]:
    return [segment for segment in path.strip().strip("/").split("/") if segment]


def _remove(node: Any, segments: list[str]) -> bool:
    """Remove the value at ``segments`` under ``node``, in place; return whether anything was removed."""
    if isinstance(node, list):
        head = segments[0]
        if head.isdigit():  # an explicit index
            index = int(head)
            if index >= len(node):
                return False
            if len(segments) == 1:
                del node[index]
                return True
            return _remove(node[index], segments[1:])
        removed = False
        for item in node:  # the segment applies to every element
            removed = _remove(item, segments) or removed
        return removed
    if not isinstance(node, dict) or segments[0] not in node:
        return False
    if len(segments) == 1:
        del node[segments[0]]
        return True
    return _remove(node[segments[0]], segments[1:])


def redact(data: Any, paths: Iterable[str]) -> tuple[Any, list[str]]:
    """Return ``(copy of data without the values at paths, paths that removed something)``.

    ``data`` (a release, compiled release or any OCDS object) is never modified. The withheld
    list keeps the order of ``paths`` and names each path once, so it can be shown to users
    ("contact emails withheld").
    """
    result = copy.deepcopy(data)
    withheld: list[str] = []
    for path in paths:
        segments = _split(path)
        if segments and _remove(result, segments) and path not in withheld:
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
