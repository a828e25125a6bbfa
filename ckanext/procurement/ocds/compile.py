"""Compiling the releases of one contracting process into its current state, with ocdsmerge.

Order matters when merging, and ocdsmerge's own order isn't what real feeds need:
``ocdsmerge.util.sorted_releases`` sorts on the raw ``date`` *string* (so ``…+01:00`` and
``…Z`` times compare wrongly), raises on a missing or null date, and returns a one-release
list as is. So we order releases ourselves with :func:`merge_order` (a *stable* sort on the
parsed date: releases with equal dates - real publishers often give all releases one
timestamp - keep their input order; undated releases go last, in input order) and feed them
to ocdsmerge's ``CompiledRelease.append`` one by one, which never re-sorts.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable

from ocdsmerge import CompiledRelease, VersionedRelease
from ocdsmerge.exceptions import OCDSMergeWarning

from .dates import date_sort_key, parse_date
from .parse import Problem
from .schema import get_merger


def merge_order(releases: Iterable[dict]) -> list[dict]:
    """Return the releases in the order they are merged: by date, stable, undated last."""
    return sorted(releases, key=lambda release: date_sort_key(release.get("date")))


def _merge(cls, releases: list[dict], schema: dict, problems: list[Problem] | None):
    merger = get_merger(schema)
    merged = cls(merge_rules=merger.merge_rules, rule_overrides=merger.rule_overrides)
    ordered = merge_order(releases)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OCDSMergeWarning)
        for release in ordered:
            merged.append(release)
    for warning in caught:
        if problems is not None and issubclass(warning.category, OCDSMergeWarning):
            ocid = ordered[0].get("ocid") if ordered else None
            problems.append(Problem("warning", str(warning.message), "", ocid))
        else:  # nobody collects them: let them through as usual
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return merged.asdict(), ordered


def compile_releases(releases: list[dict], schema: dict, *, problems: list[Problem] | None = None) -> dict:
    """Return the compiled release (current state) of one process's releases.

    ``schema`` is the release schema dict (see :func:`~.schema.load_release_schema`). The result
    has ``tag: ["compiled"]``, ``date`` = the latest release date and ``id`` = ``{ocid}-{date}``,
    as ocdsmerge makes them. If ``problems`` is a list, ocdsmerge's warnings (e.g. two objects
    with the same ``id`` in one array) are appended to it as :class:`~.parse.Problem` instead
    of being emitted as Python warnings.
    """
    if not releases:
        raise ValueError("compile_releases() needs at least one release")
    compiled, ordered = _merge(CompiledRelease, releases, schema, problems)
    # ocdsmerge takes `date` from the last release merged; if that one was undated, use the
    # latest real date instead, so the compiled release keeps a valid date and id.
    dated = [r["date"] for r in ordered if parse_date(r.get("date")) is not None]
    if dated and compiled.get("date") != dated[-1]:
        compiled["date"] = dated[-1]
        compiled["id"] = f"{compiled.get('ocid')}-{dated[-1]}"
    return compiled


def versioned_release(releases: list[dict], schema: dict, *, problems: list[Problem] | None = None) -> dict:
    """Return the versioned release (every field's history) in the same order as :func:`compile_releases`."""
    if not releases:
        raise ValueError("versioned_release() needs at least one release")
    return _merge(VersionedRelease, releases, schema, problems)[0]


def releases_hash(releases: Iterable[dict]) -> str:
    """Return a sha256 hex digest of the releases, for change detection between harvests.

    Hashes canonical JSON (sorted keys, no whitespace) of the releases in merge order, so a
    publisher re-ordering its feed doesn't look like a change unless it changes the result.
    """
    digest = hashlib.sha256()
    for release in merge_order(releases):
        digest.update(json.dumps(release, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def group_by_ocid(releases: Iterable[dict]) -> dict[str, list[dict]]:
    """Group releases by ``ocid``, keeping first-seen order; releases without an ocid are dropped.

    Meant for small inputs and tests: a harvester groups big feeds on disk instead.
    """
    groups: dict[str, list[dict]] = {}
    for release in releases:
        ocid = release.get("ocid") if isinstance(release, dict) else None
        if isinstance(ocid, str) and ocid:
            groups.setdefault(ocid, []).append(release)
    return groups
