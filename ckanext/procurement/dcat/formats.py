"""Media types and update frequencies of procurement datasets, in the vocabularies catalogs use."""
from __future__ import annotations

from typing import Any

GENERIC_MEDIA_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# a file's ending or a CKAN format -> the media type of the file as downloaded
# (JSON Lines has no registered type: gzipped, it is served as application/gzip)
MEDIA_TYPES = {
    "gz": "application/gzip",
    "gzip": "application/gzip",
    "zip": "application/zip",
    "json": "application/json",
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "xlsx": XLSX,
    "xls": "application/vnd.ms-excel",
    "xml": "application/xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "md": "text/markdown",
}

# procurement-dataset `update_frequency` -> EU frequency authority (DCAT-AP)
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_FREQUENCIES = {
    "realtime": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annually": "ANNUAL",
    "irregular": "IRREG",
}
# ... -> ISO 8601 repeating durations (DCAT-US 1.1 `accrualPeriodicity`)
ISO_FREQUENCIES = {
    "realtime": "R/PT1S",
    "daily": "R/P1D",
    "weekly": "R/P1W",
    "monthly": "R/P1M",
    "quarterly": "R/P3M",
    "annually": "R/P1Y",
    "irregular": "irregular",
}


def media_type(resource: dict[str, Any]) -> str | None:
    """The media type of a resource's download: its `mimetype`, else from its URL's ending or its format."""
    mimetype = str(resource.get("mimetype") or "").strip().lower()
    if mimetype not in GENERIC_MEDIA_TYPES and "/" in mimetype:
        return mimetype
    path = str(resource.get("url") or "").split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1].lower()
    if "." in path and path.rsplit(".", 1)[-1] in MEDIA_TYPES:
        return MEDIA_TYPES[path.rsplit(".", 1)[-1]]
    fmt = str(resource.get("format") or "").strip().lower()
    # "JSONL.GZ", "CSV (zip)": the outer container is what is downloaded
    for container in ("gz", "gzip", "zip"):
        if fmt.endswith((f".{container}", f"({container})", f" {container}")):
            return MEDIA_TYPES[container]
    return MEDIA_TYPES.get(fmt)


def iana_uri(mimetype: str) -> str:
    """A media type in IANA's register, as DCAT-AP wants it."""
    return f"http://www.iana.org/assignments/media-types/{mimetype}"
