"""How deeply JSON is nested, measured without recursion.

Python's json module, ocdsmerge, redaction and hashing all recurse, and
fail with RecursionError (or worse, a 500) on a value nested a few thousand
levels deep. Real OCDS data is about ten levels deep; anything deeper than
:data:`MAX_DEPTH` is refused early, before those steps see it.
A NUL character, which PostgreSQL stores in neither text nor JSONB, is
found the same way (:func:`nul_path`), and so are a lone surrogate, which
is not text in UTF-8 (:func:`surrogate_path`), and a number that can't be
used (:func:`non_finite_path`). :func:`plainly_storable` answers them all at
once for the common case, without building a path.
"""

from __future__ import annotations

import io
import math
import re
import sys
from typing import Any, Callable

import ijson

MAX_DEPTH = 64  # levels of objects and arrays in one release (the release itself is level 1)


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` (decoded JSON) holds objects or arrays nested more than ``limit`` levels."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


_SCALARS = frozenset([bool, type(None)])
# Python's parser keeps a lone surrogate (`"\\ud800"`), which UTF-8 can't encode
_SURROGATE = re.compile("[\ud800-\udfff]")
# an integer beyond the largest float: amounts are summed as floats
_LARGEST = sys.float_info.max


def plainly_storable(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when ``value`` is certainly nested at most ``limit`` levels and holds no NUL
    character, no lone surrogate and no number that can't be used; False means "look closer"
    with the functions that say where. One walk, no paths: every release of a harvest goes
    through it."""
    if type(value) not in (dict, list):
        return (deeper_than(value, limit) is False and nul_path(value) is None and surrogate_path(value) is None
                and non_finite_path(value) is None)
    stack = [(value, 1)]
    pop, push, scalars = stack.pop, stack.append, _SCALARS
    while stack:
        node, depth = pop()
        if depth > limit:
            return False
        if type(node) is dict:
            for key in node:
                if type(key) is not str or "\x00" in key or not key.isascii() and _SURROGATE.search(key):
                    return False
            children = node.values()
        else:
            children = node
        for child in children:
            kind = type(child)
            if kind is str:
                if "\x00" in child or not child.isascii() and _SURROGATE.search(child):
                    return False
            elif kind is dict or kind is list:
                push((child, depth + 1))
            elif kind is int:
                if child > _LARGEST or child < -_LARGEST:
                    return False
            elif kind is float:
                if not math.isfinite(child):
                    return False
            elif kind not in scalars:  # anything else: let the precise walks judge it
                return False
    return True


def json_deeper_than(data: bytes, limit: int) -> bool:
    """Whether the JSON text ``data`` nests objects or arrays more than ``limit`` levels.

    Streams the text with ijson (no recursion, nothing built); invalid JSON is
    not judged here (the caller's parser reports it).
    """
    depth = 0
    try:
        for event, _value in ijson.basic_parse(io.BytesIO(data), multiple_values=True):
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > limit:
                    return True
            elif event in ("end_map", "end_array"):
                depth -= 1
    except ijson.JSONError:
        return False
    return False


def nul_path(value: Any) -> str | None:
    """The path of the first key or string holding a NUL character, if any (no recursion)."""
    return _first_path(value, lambda node: isinstance(node, str) and "\x00" in node)


def surrogate_path(value: Any) -> str | None:
    """The path of the first key or string holding a lone surrogate, if any (no recursion)."""
    return _first_path(value, lambda node: isinstance(node, str) and _SURROGATE.search(node) is not None)


def non_finite_path(value: Any) -> str | None:
    """The path of the first number that can't be used, if any (no recursion): infinity (1e400
    parses as one) or NaN, which PostgreSQL's JSONB refuses, or an integer beyond the largest
    float, which no sum of amounts can take."""
    def unusable(node: Any) -> bool:
        if isinstance(node, float):
            return not math.isfinite(node)
        return type(node) is int and (node > _LARGEST or node < -_LARGEST)
    return _first_path(value, unusable)


def _first_path(value: Any, bad: Callable[[Any], bool]) -> str | None:
    """The path of the first value (or key: its object's path) that is `bad`, if any."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if bad(key):
                    return path
                stack.append((child, f"{path}/{key}" if path else str(key)))
        elif isinstance(node, list):
            stack.extend((child, f"{path}/{index}" if path else str(index)) for index, child in enumerate(node))
        elif bad(node):
            return path
    return None
