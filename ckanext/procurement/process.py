"""Preparing a process's releases for storage: normalize, redact, hash.

Used by `procurement_process_save` and by the harvesters' gather stage (to
tell unchanged processes without touching their datasets), so both agree on
what "unchanged" means: the same releases after redaction, under the same
redaction policy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ckanext.procurement.ocds import compile as ocds_compile
from ckanext.procurement.ocds import parse
from ckanext.procurement.ocds.redact import redact_releases


@dataclass
class Prepared:
    ocid: str
    releases: list[dict]
    withheld: list[str]
    releases_hash: str
    problems: list[parse.Problem] = field(default_factory=list)
    errors: list[parse.Problem] = field(default_factory=list)


def prepare(releases: list[dict], redact_paths: list[str]) -> Prepared:
    """Normalize each release (problems name their JSON path), drop unusable
    ones, de-duplicate by release id (a later copy wins), and redact."""
    usable: dict[str, dict] = {}
    problems: list[parse.Problem] = []
    ocids: list[str] = []  # of every release, before de-duplication can drop one
    for index, release in enumerate(releases):
        normalized, found = parse.normalize_release(release, f"releases/{index}")
        problems.extend(found)
        if any(p.severity == "error" for p in found):
            continue
        if normalized["ocid"] not in ocids:
            ocids.append(normalized["ocid"])
        key = str(normalized.get("id") or f"#{index}")
        usable.pop(key, None)
        usable[key] = normalized
    paths = sorted(set(redact_paths))
    redacted, withheld = redact_releases(list(usable.values()), paths)
    errors = [p for p in problems if p.severity == "error"]
    if len(ocids) > 1:
        errors.append(parse.Problem(
            severity="error", path="releases/ocid",
            message="all releases must belong to one contracting process, found " + ", ".join(map(repr, ocids[:5])),
        ))
    digest = ocds_compile.releases_hash(redacted + [{"redact_paths": paths}])
    return Prepared(ocids[0] if ocids else "", redacted, withheld, digest, problems, errors)


def merge_releases(stored: list[dict], new: list[dict]) -> list[dict]:
    """Stored releases plus new ones from an incremental run, a new copy of a release id replacing the old."""
    new_ids = {r.get("id") for r in new}
    return [r for r in stored if r.get("id") not in new_ids] + list(new)


def _words(path: str) -> list[str]:
    return [word for word in re.split(r"[^A-Za-z0-9_]+", path) if word and not word.isdigit()]


def touches_withheld(path: str, redact_paths: list[str]) -> bool:
    """Whether a problem's path (``page 2: releases/3/parties/0/contactPoint/email``,
    ``parties/contactPoint``) lies in a withheld field: the redaction path's names
    appear in it in a row (array indexes ignored). Errs on the side of withholding."""
    words = _words(path)
    for redact_path in redact_paths:
        wanted = _words(redact_path)
        if wanted and any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
            return True
    return False


def without_withheld_values(problems: list[parse.Problem], redact_paths: list[str]) -> list[parse.Problem]:
    """The problems as they may be reported: one about a withheld field loses its
    message, which may quote the value (`'jane@example.org' is not ...`)."""
    if not redact_paths:
        return problems
    return [
        replace(problem, message=WITHHELD_PROBLEM) if touches_withheld(problem.path, redact_paths) else problem
        for problem in problems
    ]


WITHHELD_PROBLEM = "a withheld field has a problem; its value is not shown (redaction policy)"
