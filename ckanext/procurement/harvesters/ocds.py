"""The `ocds` harvester: OCDS feeds of any shape a purchasing system publishes.

Release packages, record packages, bare releases, JSON arrays, JSON Lines,
gzip; paged by `links.next` (the OCDS pagination extension); incremental
with a `since` query parameter.
"""
from __future__ import annotations

from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ckanext.procurement import ocds_extensions
from ckanext.procurement.harvesters.base import GatherAbort, ProcurementHarvester
from ckanext.procurement.harvesters.config import OCDS_KEYS, SourceConfig
from ckanext.procurement.ocds.parse import FORMATS, FeedReader, Problem

JSON_CONTENT_TYPES = (
    "json", "application/x-ndjson", "application/jsonl", "application/jsonlines", "text/plain",
    "application/octet-stream", "application/gzip", "application/x-gzip",
)
MAX_PAGES = 100_000


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def same_origin(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


class OcdsHarvester(ProcurementHarvester):
    config_keys = OCDS_KEYS
    formats = ("auto",) + FORMATS

    def info(self):
        return {
            "name": "ocds",
            "title": "OCDS feed (Open Contracting Data Standard)",
            "description": "Contracting processes from an OCDS release or record package feed, paged by links.next, "
                           "optionally incremental.",
            "form_config_interface": "Text",
        }

    def iter_releases(self, url: str, config: SourceConfig, since: str | None, problems: list[Problem]) -> Iterator[dict]:
        fetcher = self.fetcher(config)
        page_url = with_query(url, **{config.since_parameter: since}) if since and config.since_parameter else url
        visited: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            if page_url in visited:
                raise GatherAbort(f"page {page_url!r} links back to a page already read")
            visited.add(page_url)
            with fetcher.open(page_url, accept=JSON_CONTENT_TYPES) as (stream, response):
                reader = FeedReader(stream)
                for release, position, found in reader.normalized_releases():
                    for problem in found:
                        problem.path = f"page {page}: {problem.path}"
                    problems.extend(found)
                    if any(p.severity == "error" for p in found):
                        continue
                    yield release
                if config.format != "auto" and reader.format != config.format:
                    raise GatherAbort(f"page {page_url!r} is a {reader.format}, but the source is configured for {config.format}")
                problems.extend(reader.warnings)
                config.declared_extensions.extend(ocds_extensions.accepted(
                    reader.package_metadata.get("extensions"), problems, f"page {page}: "))
                next_url = reader.next_url
            if not next_url:
                return
            # never trust a URL the source gives: same origin only (the fetcher checks the address too)
            if not same_origin(url, next_url):
                raise GatherAbort(f"page {page_url!r} links to {next_url!r}, outside the source's site")
            page_url = next_url
        raise GatherAbort(f"more than {MAX_PAGES} pages")
