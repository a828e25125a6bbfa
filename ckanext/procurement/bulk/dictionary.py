"""The data dictionary of the flattened tables: each column's OCDS path, meaning and type.

Meanings are the titles and descriptions of the OCDS 1.1.5 release schema shipped
with the extension (or the site's configured one), so the dictionary says what the
standard says. Nothing here imports CKAN.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Iterable, Optional

DICTIONARY_HEADER = ("table", "column", "ocds_path", "meaning", "type")

# columns the flattening adds to join the tables: OCDS path and meaning
JOIN_COLUMNS = {
    "ocid": ("ocid", "The contracting process this row belongs to (joins every table to processes.ocid)."),
    "stage": ("", "Where in the process this row comes from: planning, tender, award, contract or implementation."),
    "awardID": ("awards/id", "The award this row belongs to (joins to awards.id, within the same ocid)."),
    "contractID": ("contracts/id", "The contract this row belongs to (joins to contracts.id, within the same ocid)."),
}

# flatterer's inferred types, in the words of the dictionary
INFERRED_TYPES = {"text": "string", "number": "number", "integer": "integer", "date": "date-time",
                  "boolean": "boolean", "array": "JSON"}

MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _resolve(schema: dict, node: dict) -> dict:
    """A node with its local `$ref` followed (titles and descriptions of the referring node win)."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = schema
    for part in ref[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, dict) else {}
    merged = dict(_resolve(schema, target))
    merged.update({k: v for k, v in node.items() if k != "$ref"})
    return merged


def schema_field(schema: dict, path: str) -> Optional[dict]:
    """The release schema's node of a `/`-separated OCDS path (arrays walked through), or None."""
    node = schema
    for part in path.split("/"):
        node = _resolve(schema, node)
        while node.get("type") == "array" or "array" in (node.get("type") or []):
            node = _resolve(schema, node.get("items") or {})
        node = (node.get("properties") or {}).get(part)
        if node is None:
            return None
    return _resolve(schema, node)


def _types(node: dict) -> list[str]:
    kind = node.get("type") or []
    return [t for t in ([kind] if isinstance(kind, str) else kind) if t != "null"]


def column_type(node: Optional[dict], inferred: str) -> str:
    if node is None:
        return INFERRED_TYPES.get(inferred, inferred or "string")
    types = _types(node)
    if "array" in types:
        items = node.get("items") or {}
        if "object" in _types(items) or "$ref" in items or inferred == "array":
            return "JSON"
        return "comma-separated list"
    if node.get("format") == "date-time":
        return "date-time"
    return types[0] if types else INFERRED_TYPES.get(inferred, "string")


def meaning(node: Optional[dict]) -> str:
    if node is None:
        return "Not in the OCDS release schema (an extension or the publisher's own field)."
    title = (node.get("title") or "").strip()
    description = MARKDOWN_LINK.sub(r"\1", (node.get("description") or "").strip())
    if title and description:
        return f"{title}: {description}"
    return title or description


def rows(schema: dict, tables: dict[str, Any], columns: Iterable[tuple[str, str, str]]) -> Iterable[tuple]:
    """Dictionary rows for `columns` (table, column, inferred type); `tables` gives each
    table's OCDS paths (`.paths`) and the join columns the flattening adds (`.joins`)."""
    for table, column, inferred in columns:
        if column in tables[table].joins:
            path, text = JOIN_COLUMNS[column]
            yield table, column, path, text, "string"
            continue
        paths = [f"{root}/{column}" if root else column for root in tables[table].paths]
        node = schema_field(schema, paths[0])
        yield table, column, " or ".join(paths), meaning(node), column_type(node, inferred)


def write(path: Path, dictionary_rows: Iterable[tuple]) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(DICTIONARY_HEADER)
        for row in dictionary_rows:
            writer.writerow(row)
            count += 1
    return count
