"""What each release changed in a process's compiled state (like OCDS Show's release view).

Releases are merged one at a time, in merge order (see :func:`~.compile.merge_order`), into
one ocdsmerge ``CompiledRelease``. Before merging a release we compare its flattened fields
with the flattened state so far, so the whole history costs one merge per release (O(n)),
not a recompilation per release.

Path notation (used in ``changes[].path``): field names joined by ``/``; an object in an
array that is merged by ``id`` is written ``name[id=VALUE]``, e.g.
``contracts[id=c1]/value/amount`` or ``tender/documents[id=6.0]/title``. An array item
without an ``id`` (ocdsmerge appends those) is written ``name[*]``. Lists that are replaced
whole (lists of strings, ``additionalClassifications``, …) are one change with list values.

When a release adds a whole new object to an array (a new award, a new document), that is
*one* change whose ``before`` is ``None`` and whose ``after`` is the new object, rather than
one change per field of it. A field set to ``null`` (removed) has ``after: None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ocdsmerge import CompiledRelease
from ocdsmerge.flatten import IdValue, flatten, unflatten

from .compile import merge_order
from .schema import get_merger

# Used when no schema is at hand: the release-level fields that are never merged.
FALLBACK_MERGE_RULES = {("id",): "omitWhenMerged", ("date",): "omitWhenMerged", ("tag",): "omitWhenMerged"}
DEFAULT_MAX_CHANGES = 1000

RawChange = tuple[tuple, Any, Any]  # (flattened key, before, after)


def path_to_str(key: Iterable) -> str:
    """Render an ocdsmerge flattened key, e.g. ``('contracts', IdValue('c1'), 'value')`` → ``contracts[id=c1]/value``."""
    parts: list[str] = []
    for part in key:
        if type(part) is IdValue:
            identifier = part.original_value
            suffix = "[*]" if identifier is None else f"[id={identifier}]"
            if parts:
                parts[-1] += suffix
            else:
                parts.append(suffix)
        else:
            parts.append(str(part))
    return "/".join(parts)


class _NewItem:
    """The fields of an object that a release adds to an array, reported as one change."""

    __slots__ = ("fields", "key")

    def __init__(self, key: tuple):
        self.key = key
        self.fields: dict[tuple, Any] = {}

    def as_change(self) -> RawChange:
        return (self.key, None, unflatten(self.fields))


class ChangeTracker:
    """Merge releases one by one and report what each changed in the compiled state."""

    def __init__(self, merge_rules: dict | None = None, rule_overrides: dict | None = None):
        self.merge_rules = FALLBACK_MERGE_RULES if merge_rules is None else merge_rules
        self.rule_overrides = rule_overrides or {}
        self.compiled = CompiledRelease(merge_rules=self.merge_rules, rule_overrides=self.rule_overrides)
        self.known_items: set[tuple] = set()  # flattened keys of array items already in the state

    def _new_item(self, key: tuple) -> tuple | None:
        for i, part in enumerate(key):
            if type(part) is IdValue and key[: i + 1] not in self.known_items:
                return key[: i + 1]
        return None

    def step(self, release: dict) -> list[RawChange]:
        """Merge ``release`` and return its changes as ``(key, before, after)`` tuples."""
        release = release.copy()
        tag = release.pop("tag", None)  # ocdsmerge does the same: `tag` is never merged
        flat = flatten(release, self.merge_rules, self.rule_overrides, flattened={})
        state = self.compiled.data

        changes: list[Any] = []  # RawChange tuples, or _NewItem placeholders kept in document order
        new_items: dict[tuple, _NewItem] = {}
        for key, after in flat.items():
            item = self._new_item(key)
            if item is not None:
                if item not in new_items:
                    new_items[item] = _NewItem(item)
                    changes.append(new_items[item])
                new_items[item].fields[key[len(item):]] = after
                continue
            before = state.get(key)
            if before != after:  # numbers compare by value: 1 and 1.0 are no change
                changes.append((key, before, after))
        result = [entry.as_change() if isinstance(entry, _NewItem) else entry for entry in changes]

        self.compiled.flat_append(flat, release.get("ocid"), release.get("id"), release.get("date"), tag)
        for key in flat:
            for i, part in enumerate(key):
                if type(part) is IdValue:
                    self.known_items.add(key[: i + 1])
        return result


def iter_release_changes(
    releases: Iterable[dict], merge_rules: dict | None = None, rule_overrides: dict | None = None
) -> Iterator[tuple[dict, list[RawChange]]]:
    """Yield ``(release, raw_changes)`` in merge order; the low-level form of :func:`release_changes`."""
    tracker = ChangeTracker(merge_rules, rule_overrides)
    for release in merge_order(releases):
        yield release, tracker.step(release)


def release_changes(releases: list[dict], schema: dict | None, *, max_changes: int = DEFAULT_MAX_CHANGES) -> list[dict]:
    """Return, for each release in merge order, what it changed in the compiled state.

    Each item is ``{"id", "date", "tag", "changes": [{"path", "before", "after"}],
    "change_count", "truncated"}``: ``changes`` holds at most ``max_changes`` entries
    (``truncated`` says whether some were left out; ``change_count`` is the full count).
    The first release's changes are everything it sets. See the module docstring for the
    path notation. ``schema`` is the release schema dict (``None`` uses minimal merge rules).
    """
    merger = get_merger(schema) if schema is not None else None
    history = []
    for release, raw in iter_release_changes(
        releases, merger.merge_rules if merger else None, merger.rule_overrides if merger else None
    ):
        history.append({
            "id": release.get("id"),
            "date": release.get("date"),
            "tag": release.get("tag"),
            "changes": [
                {"path": path_to_str(key), "before": before, "after": after} for key, before, after in raw[:max_changes]
            ],
            "change_count": len(raw),
            "truncated": len(raw) > max_changes,
        })
    return history
