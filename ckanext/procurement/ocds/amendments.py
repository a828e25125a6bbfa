"""Amendments of a process's tender, awards and contracts, with what each changed.

What changed is read from the releases: the amended object before and after the release that
carries the amendment (its ``releaseID``, else the first release it appears in).
"""

from __future__ import annotations

import json
from typing import Any

from .access import objs, text
from .diff import iter_release_changes, path_to_str
from .schema import get_merger


def _amendments_of(container: dict) -> list[dict]:
    # 1.1 `amendments`, plus a 1.0-style `amendment` some 1.1 feeds still publish.
    found = objs(container.get("amendments"))
    if isinstance(container.get("amendment"), dict) and container["amendment"] not in found:
        found.append(container["amendment"])
    return found


def _amendable(data: dict):
    """Yield ``(scope, object id, object)`` for the tender, each award and each contract."""
    if isinstance(data.get("tender"), dict):
        yield "tender", None, data["tender"]
    for scope, field in (("award", "awards"), ("contract", "contracts")):
        for obj in objs(data.get(field)):
            yield scope, obj.get("id"), obj


def _amendment_key(scope: str, object_id: Any, amendment: dict) -> tuple:
    identity = amendment.get("id")
    if identity is None:
        identity = json.dumps(amendment, sort_keys=True, default=str)
    return scope, str(object_id), str(identity)


def _relative(key: tuple, prefix: tuple) -> tuple | None:
    if len(key) < len(prefix):
        return None
    if any(str(part) != str(expected) for part, expected in zip(key, prefix)):
        return None
    return key[len(prefix):]


def _amendment_changes(releases: list[dict], merge_rules: dict | None) -> dict[tuple, tuple[Any, list[dict]]]:
    """Map each amendment (see _amendment_key) to ``(release id, changes)`` of the release carrying it."""
    history = []  # (release, raw changes, whether the tender existed before it)
    tender_seen = False
    for release, raw in iter_release_changes(releases, merge_rules):
        history.append((release, raw, tender_seen))
        tender_seen = tender_seen or any(key[0] == "tender" for key, _, _ in raw)

    carrier: dict[tuple, int] = {}
    release_index = {str(r.get("id")): i for i, (r, _, _) in enumerate(history) if r.get("id") is not None}
    for index, (release, _, _) in enumerate(history):
        for scope, object_id, obj in _amendable(release):
            for amendment in _amendments_of(obj):
                key = _amendment_key(scope, object_id, amendment)
                declared = release_index.get(str(amendment.get("releaseID")))
                if declared is not None:
                    carrier[key] = declared
                else:
                    carrier.setdefault(key, index)

    results = {}
    for key, index in carrier.items():
        release, raw, tender_existed = history[index]
        scope, object_id, _ = key
        prefix = ("tender",) if scope == "tender" else (f"{scope}s", object_id)
        changes, new_object = [], scope == "tender" and not tender_existed
        for change_key, before, after in raw:
            rest = _relative(change_key, prefix)
            if rest is None:
                continue
            if not rest:  # the object itself is new in this release: nothing to compare with
                new_object = True
                break
            if rest[0] in ("amendments", "amendment"):
                continue
            changes.append({"field": path_to_str(rest), "before": before, "after": after})
        results[key] = (release.get("id"), [] if new_object else changes)
    return results


def amendment_rows(compiled: dict, releases: list[dict] | None, schema: dict | None) -> list[dict]:
    found = [(scope, object_id, amendment)
             for scope, object_id, obj in _amendable(compiled) for amendment in _amendments_of(obj)]
    if not found:
        return []
    changes = {}
    if releases:
        merge_rules = get_merger(schema).merge_rules if schema is not None else None
        changes = _amendment_changes(releases, merge_rules)
    rows = []
    for scope, object_id, amendment in found:
        release_id, amendment_changes = changes.get(_amendment_key(scope, object_id, amendment), (None, []))
        rows.append({
            "scope": scope,
            "contract_id": text(object_id) if scope == "contract" else None,
            "award_id": text(object_id) if scope == "award" else None,
            "id": text(amendment.get("id")),
            "date": text(amendment.get("date")),
            "rationale": text(amendment.get("rationale")),
            "description": text(amendment.get("description")),
            "release_id": text(amendment.get("releaseID")) or text(release_id),
            "changes": amendment_changes,
        })
    return rows
