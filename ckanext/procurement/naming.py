"""Dataset names derived from ocids: stable, so a withdrawn process that
reappears in a later harvest gets its old dataset (and URL) back."""
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
