"""OCDS paths as a mapping writes them (``awards/0/suppliers/0/name``) and the type of the field at each.

A path is parsed into a tuple of field names and array indexes; :func:`field_type` says what
a cell must become to fill it (a number, a date, a list of strings...), read from the release
schema when it describes the path, else from the field's name.
"""

from __future__ import annotations

import re

from ..schema import dereferenced, node_types
from .errors import MappingError

# Field types, by field name, for paths the schema doesn't describe (no schema given, or an
# extension field). Derived from the OCDS 1.1.5 release schema; a test checks they agree.
_NUMBER_FIELDS = frozenset(["amount", "quantity"])
_INTEGER_FIELDS = frozenset(["numberOfTenderers", "durationInDays"])
_BOOLEAN_FIELDS = frozenset(["hasEnquiries"])
_DATE_FIELDS = frozenset(["date", "dateMet", "dateModified", "datePublished", "dateSigned", "dueDate",
                          "endDate", "maxExtentDate", "startDate"])
_STRING_LIST_FIELDS = frozenset(["submissionMethod", "additionalProcurementCategories", "roles", "relationship", "tag"])
_OBJECT_FIELDS = frozenset([
    "address", "amendment", "awardPeriod", "budget", "buyer", "classification", "contactPoint", "contractPeriod",
    "details", "enquiryPeriod", "implementation", "minValue", "payee", "payer", "period", "planning",
    "procuringEntity", "providerOrganization", "receiverOrganization", "tender", "tenderPeriod", "unit", "value",
])
_ARRAY_FIELDS = frozenset([
    "additionalClassifications", "additionalIdentifiers", "amendments", "awards", "changes", "contracts",
    "documents", "items", "milestones", "parties", "relatedProcesses", "suppliers", "tenderers",
    "transactions",
])


def parse_path(path: object, key: str) -> tuple:
    """Parse ``tender/items/0/id`` into ``("tender", "items", 0, "id")``; raise MappingError at ``key``."""
    if not isinstance(path, str) or not path.strip():
        raise MappingError(key, "an OCDS path must be a non-empty string like tender/title")
    segments = path.strip().strip("/").split("/")
    parsed: list[str | int] = []
    for segment in segments:
        if not segment:
            raise MappingError(key, f"{path!r} has an empty segment")
        if segment.isdigit():
            if not parsed or isinstance(parsed[-1], int):
                raise MappingError(key, f"{path!r}: an array index must follow a field name")
            parsed.append(int(segment))
        elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", segment):
            raise MappingError(key, f"{path!r}: {segment!r} is not a field name")
        else:
            parsed.append(segment)
    if isinstance(parsed[-1], int):
        raise MappingError(key, f"{path!r} ends with an array index: map a field of the array's objects")
    return tuple(parsed)


def path_str(segments: tuple) -> str:
    """The path as a mapping writes it, slash-separated."""
    return "/".join(str(s) for s in segments)


def _classify(node: dict) -> str:
    if node.get("format") == "date-time":
        return "date"
    types = node_types(node)
    if types == ["array"]:
        items = node.get("items", {})
        return "strings" if isinstance(items, dict) and items.get("type") in ("string", ["string"]) else "array"
    if types == ["object"] or (not types and ("properties" in node or "$ref" in node)):
        return "object"
    if len(types) == 1 and types[0] in ("number", "integer", "boolean"):
        return types[0]
    return "string"


def _schema_field_type(schema: dict, segments: tuple) -> str | None:
    node: dict = schema
    for segment in segments:
        node = dereferenced(schema, node)
        if isinstance(segment, int):
            if "items" not in node:
                return None
            node = node["items"]
        else:
            properties = node.get("properties")
            if not isinstance(properties, dict) or segment not in properties:
                return None
            node = properties[segment]
    return _classify(dereferenced(schema, node))


def field_type(segments: tuple, schema: dict | None = None) -> str:
    """Return the type of the OCDS field at ``segments`` (a parsed path like ``("awards", 0, "date")``).

    One of ``"string"``, ``"number"``, ``"integer"``, ``"boolean"``, ``"date"`` (a date-time),
    ``"strings"`` (an array of strings), ``"object"`` or ``"array"`` (of objects). Read from
    ``schema`` (a release schema dict, possibly patched with extensions) when it describes the
    path, else from the field's name.
    """
    if schema is not None:
        found = _schema_field_type(schema, segments)
        if found is not None:
            return found
    name, parent, grandparent = segments[-1], segments[-2:-1], segments[-3:-2]
    if name == "amount" and (parent == ("budget",) or grandparent == ("transactions",)):
        return "object"  # the deprecated Budget.amount and Transaction.amount are Values
    if name == "identifier":  # an organization's Identifier, but a related process's string
        return "string" if grandparent == ("relatedProcesses",) else "object"
    for names, kind in ((_NUMBER_FIELDS, "number"), (_INTEGER_FIELDS, "integer"), (_BOOLEAN_FIELDS, "boolean"),
                        (_DATE_FIELDS, "date"), (_STRING_LIST_FIELDS, "strings"), (_OBJECT_FIELDS, "object"),
                        (_ARRAY_FIELDS, "array")):
        if name in names:
            return kind
    return "string"

