"""Dataset names derived from ocids, readable and stable across runs.

A name is only ever given to a new dataset, never used to find one: ocids
that differ in case or punctuation derive the same name, so processes are
found by their exact ocid (`ckanext.procurement.identity`).
"""
from __future__ import annotations

import hashlib
import re

MAX_NAME_LENGTH = 100


def name_from_ocid(ocid: str) -> str:
    """`ocds-213czf-000-00001` -> `ocds-213czf-000-00001`; `ocds-34a6hz-01B68-1_CY` -> `ocds-34a6hz-01b68-1_cy`.

    CKAN names are lower case letters, digits, `-` and `_`. Anything else
    becomes `-`; a name too long for CKAN keeps its start and gets a hash of
    the whole ocid so that it stays unique.
    """
    name = re.sub(r"[^a-z0-9_-]+", "-", ocid.strip().lower()).strip("-") or "process"
    if len(name) < 2:
        name = f"process-{name}"
    if len(name) > MAX_NAME_LENGTH:
        digest = hashlib.sha1(ocid.encode("utf-8")).hexdigest()[:10]
        name = f"{name[: MAX_NAME_LENGTH - 11]}-{digest}"
    return name


def disambiguated_name(ocid: str, attempt: int = 0) -> str:
    """The derived name plus a short hash of the exact ocid, for when the derived name is taken.

    `ocds-abc123-1/2` and `ocds-abc123-1.2` both derive `ocds-abc123-1-2`;
    the second process to arrive gets `ocds-abc123-1-2-<8 hex>`, the same
    on every run. `attempt` (if even that name is taken) adds a counter.
    """
    digest = hashlib.sha1(ocid.encode("utf-8")).hexdigest()[:8]
    suffix = f"-{digest}" + (f"-{attempt}" if attempt else "")
    return name_from_ocid(ocid)[: MAX_NAME_LENGTH - len(suffix)].rstrip("-") + suffix
