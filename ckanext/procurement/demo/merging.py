"""Compiling the demo's records: an ocdsmerge Merger, from a release schema or,
offline, from the OCDS 1.1.5 merge rules written out here."""

from __future__ import annotations

import os

#: OCDS 1.1.5 merge rules (what ocdsmerge derives from the release schema), so
#: records can be compiled offline without the schema file.
MERGE_RULES = {
    ("id",): "omitWhenMerged",
    ("date",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    ("parties", "additionalIdentifiers"): "wholeListMerge",
    ("parties", "roles"): "wholeListMerge",
    ("buyer", "additionalIdentifiers"): "wholeListMerge",
    ("tender", "procuringEntity", "additionalIdentifiers"): "wholeListMerge",
    ("tender", "items", "additionalClassifications"): "wholeListMerge",
    ("tender", "additionalProcurementCategories"): "wholeListMerge",
    ("tender", "submissionMethod"): "wholeListMerge",
    ("tender", "tenderers", "additionalIdentifiers"): "wholeListMerge",
    ("tender", "amendments", "changes"): "wholeListMerge",
    ("tender", "amendment", "changes"): "wholeListMerge",
    ("awards", "suppliers", "additionalIdentifiers"): "wholeListMerge",
    ("awards", "items", "additionalClassifications"): "wholeListMerge",
    ("awards", "amendments", "changes"): "wholeListMerge",
    ("awards", "amendment", "changes"): "wholeListMerge",
    ("contracts", "items", "additionalClassifications"): "wholeListMerge",
    ("contracts", "implementation", "transactions", "payer", "additionalIdentifiers"): "wholeListMerge",
    ("contracts", "implementation", "transactions", "payee", "additionalIdentifiers"): "wholeListMerge",
    ("contracts", "relatedProcesses", "relationship"): "wholeListMerge",
    ("contracts", "amendments", "changes"): "wholeListMerge",
    ("contracts", "amendment", "changes"): "wholeListMerge",
    ("relatedProcesses", "relationship"): "wholeListMerge",
}


def make_merger(schema: str | dict | None = None):
    """An ocdsmerge Merger from ``schema`` (path or dict), $PROCUREMENT_SCHEMA, or the built-in rules.

    Returns None if ocdsmerge is not installed (records then have no compiledRelease).
    """
    try:
        import ocdsmerge
    except ImportError:  # pragma: no cover - ocdsmerge is a dependency of the extension
        return None
    schema = schema or os.environ.get("PROCUREMENT_SCHEMA") or None
    if schema:
        return ocdsmerge.Merger(schema=schema)
    return ocdsmerge.Merger(merge_rules=MERGE_RULES)
