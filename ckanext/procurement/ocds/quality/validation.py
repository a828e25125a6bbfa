"""Schema validation of stored releases against the OCDS release schema (1.1.5, shipped with the package).

Errors are grouped the way OCP's tools group them: by the keyword that failed (``type``,
``required``, ``enum``, ...) and the path without list indices (``awards/value/amount``), each with
how many times it occurs, how many processes it affects and a bounded list of their ocids.

Most releases are valid: each is first checked by a validator compiled from the schema with
fastjsonschema (some 40 times faster); only a release it refuses is read by jsonschema, whose
errors are the ones counted (and which, like here, checks no ``format``).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Callable

import fastjsonschema
import jsonschema

from ..access import obj, objs
from ..schema import PACKAGED_SCHEMA, load_release_schema
from .tally import add_example, merge_examples

# Distinct (keyword, path) groups kept; past it, errors are counted under "other" so memory stays bounded.
MAX_ERROR_GROUPS = 200
OTHER = "other"


@lru_cache(maxsize=4)
def _validator(location: str) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(load_release_schema(location))


@lru_cache(maxsize=4)
def _fast_validator(location: str) -> Callable[[dict], object] | None:
    """The schema compiled to Python code: no defaults filled in (the release is never changed), no
    format checked (as jsonschema here). ``None`` if the schema can't be compiled: jsonschema alone."""
    try:  # on a copy: fastjsonschema rewrites the schema it compiles, and the loaded one is shared
        return fastjsonschema.compile(copy.deepcopy(load_release_schema(location)), use_default=False,
                                      use_formats=False, detailed_exceptions=False)
    except fastjsonschema.JsonSchemaDefinitionException:
        return None


def _is_valid_fast(release: dict, location: str) -> bool:
    fast = _fast_validator(location)
    if fast is None:
        return False
    try:
        fast(release)
        return True
    except Exception:  # noqa: BLE001 (refused, or data the generated code didn't foresee: jsonschema decides)
        return False


def error_keys(release: dict, location: str = PACKAGED_SCHEMA) -> list[str]:
    """The error keys (:func:`error_key`) of one release; ``[]`` when it is valid."""
    if _is_valid_fast(release, location):
        return []
    return [error_key(e) for e in _validator(location).iter_errors(release)]


def error_key(error: jsonschema.ValidationError) -> str:
    """``keyword:path``, e.g. ``type:awards/value/amount`` or ``required:tender/id``."""
    path = [str(part) for part in error.absolute_path if not isinstance(part, int)]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [f for f in error.validator_value if f not in error.instance]
        path += missing[:1]
    return f"{error.validator}:{'/'.join(path)}"


def validate(compiled: dict, releases: list[dict] | None, schema_location: str = PACKAGED_SCHEMA) -> list:
    """``[releases checked, valid releases, {error key: occurrences}]`` of a process: its releases,
    or its compiled release when none are kept. Validation is most of the cost of the figures."""
    to_check = objs(releases) or [obj(compiled)]
    found: dict[str, int] = {}
    valid = 0
    for release in to_check:
        keys = error_keys(release, schema_location)
        valid += not keys
        for key in keys:
            found[key] = found.get(key, 0) + 1
    return [len(to_check), valid, found]


def _is_result(value: object) -> bool:
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], int) and isinstance(value[1], int)
            and isinstance(value[2], dict) and all(isinstance(c, int) for c in value[2].values()))


class Validation:
    def __init__(self, schema_location: str = PACKAGED_SCHEMA, data: dict | None = None):
        data = obj(data)
        self.schema_location = schema_location
        self.releases = int(data.get("releases", 0))
        self.valid_releases = int(data.get("valid_releases", 0))
        self.processes = int(data.get("processes", 0))
        self.valid_processes = int(data.get("valid_processes", 0))
        self.errors = {key: {"count": int(e.get("count", 0)), "processes": int(e.get("processes", 0)),
                             "examples": list(e.get("examples") or [])}
                       for key, e in obj(data.get("errors")).items() if isinstance(e, dict)}

    def add(self, ocid: str | None, compiled: dict, releases: list[dict] | None,
            result: list | None = None) -> list:
        """Count the process's validation ``result`` (:func:`validate`); validated now when not given.

        Returns the result, so a caller can keep it (by the releases' hash) and skip validating
        processes that haven't changed next time.
        """
        if not _is_result(result):
            result = validate(compiled, releases, self.schema_location)
        checked, valid, found = result
        self.releases += checked
        self.valid_releases += valid
        self.processes += 1
        self.valid_processes += not found
        for key, count in found.items():
            key = key if key in self.errors or len(self.errors) < MAX_ERROR_GROUPS else OTHER
            group = self.errors.setdefault(key, {"count": 0, "processes": 0, "examples": []})
            group["count"] += count
            group["processes"] += 1
            if ocid:
                add_example(group["examples"], ocid)
        return result

    def merge(self, other: "Validation") -> None:
        self.releases += other.releases
        self.valid_releases += other.valid_releases
        self.processes += other.processes
        self.valid_processes += other.valid_processes
        for key, theirs in other.errors.items():
            mine = self.errors.setdefault(key, {"count": 0, "processes": 0, "examples": []})
            mine["count"] += theirs["count"]
            mine["processes"] += theirs["processes"]
            mine["examples"] = merge_examples(mine["examples"], theirs["examples"])

    def to_json(self) -> dict:
        return {"releases": self.releases, "valid_releases": self.valid_releases,
                "processes": self.processes, "valid_processes": self.valid_processes,
                "errors": {key: dict(group, examples=list(group["examples"]))
                           for key, group in sorted(self.errors.items(), key=lambda kv: (-kv[1]["count"], kv[0]))}}
