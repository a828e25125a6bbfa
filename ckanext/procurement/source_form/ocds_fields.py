"""The OCDS fields a column of an export can fill, with their descriptions, read from the
release schema (the packaged OCDS 1.1.5 one, or the site's): the searchable list of the form.

Arrays of objects take their first entry (`awards/0/date`), as a mapping writes them; the
fields a mapping builds itself (ocid, id, date, tag, parties) are left out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ckanext.procurement.ocds.schema import dereferenced, node_types

# an organization's address, contact point and identifier go to its entry in parties (see FlatMapping)
ORGANIZATION_REFERENCE = "#/definitions/OrganizationReference"
PARTY_FIELDS = ("address", "contactPoint", "identifier")
RESERVED_ROOTS = ("ocid", "id", "date", "tag", "parties", "initiationType", "language")
MAX_DEPTH = 6
DESCRIPTION_CHARS = 140


@dataclass(frozen=True)
class OcdsField:
    path: str
    title: str
    description: str
    type: str


def _with_party_fields(schema: dict, reference: dict) -> dict:
    organization = schema.get("definitions", {}).get("Organization", {}).get("properties", {})
    extra = {name: organization[name] for name in PARTY_FIELDS if name in organization}
    return dict(reference, properties={**(reference.get("properties") or {}), **extra})


def _short(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _walk(schema: dict, node: dict, prefix: str, depth: int, seen: tuple):
    for name, child in sorted((node.get("properties") or {}).items()):
        if not prefix and name in RESERVED_ROOTS:
            continue
        if isinstance(child, dict) and child.get("deprecated"):
            continue
        resolved = dereferenced(schema, child)
        ref = child.get("$ref") or (child.get("items") or {}).get("$ref") if isinstance(child, dict) else None
        path = f"{prefix}{name}"
        types = node_types(resolved) or node_types(child)
        if "array" in types:
            items = dereferenced(schema, child.get("items") or resolved.get("items") or {})
            if ref == ORGANIZATION_REFERENCE:
                items = _with_party_fields(schema, items)
            if "properties" in items and depth < MAX_DEPTH and ref not in seen:
                yield from _walk(schema, items, f"{path}/0/", depth + 1, seen + (ref,))
                continue
        elif "properties" in resolved:
            if ref == ORGANIZATION_REFERENCE:
                resolved = _with_party_fields(schema, resolved)
            if depth < MAX_DEPTH and ref not in seen:
                yield from _walk(schema, resolved, f"{path}/", depth + 1, seen + ((ref,) if ref else ()))
            continue
        kind = "date" if resolved.get("format") == "date-time" or child.get("format") == "date-time" else (types[0] if types else "string")
        yield OcdsField(path, child.get("title") or resolved.get("title") or name,
                        _short(child.get("description") or resolved.get("description") or ""), kind)


_CACHE: dict[str, list[OcdsField]] = {}


def ocds_fields(schema: dict) -> list[OcdsField]:
    """Every leaf field of the release schema a column can fill, sorted by path."""
    key = str(hash(json.dumps(schema.get("id") or schema.get("$id") or "")))+str(len(json.dumps(schema)))
    if key not in _CACHE:
        _CACHE[key] = sorted(_walk(schema, schema, "", 0, ()), key=lambda f: f.path)
    return _CACHE[key]


def known_paths(schema: dict) -> set[str]:
    """The fields' paths, any array index written as 0 (`awards/1/date` is `awards/0/date`)."""
    return {f.path for f in ocds_fields(schema)}


def normal_path(path: str) -> str:
    return "/".join("0" if part.isdigit() else part for part in path.strip().strip("/").split("/"))


def unknown_paths(columns: dict, schema: dict) -> list[tuple[str, str]]:
    """(column, path) of the mapped paths that are no field of the release schema (a typo, most often)."""
    known = known_paths(schema)
    return [(str(column), str(path)) for path, column in (columns or {}).items() if normal_path(str(path)) not in known]
