"""The `ocds` harvester: OCDS feeds of any shape a purchasing system publishes.

Release packages, record packages, bare releases, JSON arrays, JSON Lines,
gzip; paged by `links.next` (the OCDS pagination extension); incremental
with a `since` query parameter.
"""
from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ckanext.procurement import ocds_extensions
from ckanext.procurement.harvesters.base import GatherAbort, ProcurementHarvester
from ckanext.procurement.harvesters.config import OCDS_KEYS, SourceConfig
from ckanext.procurement.ocds.errors import IntegerTooLong
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


class FeedPage:
    """One page of a feed, read to its end: iterate for its usable releases; then ``format``,
    ``next_url`` and ``package_metadata`` are the page's, and ``problems`` holds what was wrong,
    each path starting with the page's number, as a harvest reports them.

    An integer beyond 64 bits stops the fast parser: the page is fetched and read again with
    the exact one, skipping the releases already given, and a warning says so. A page that
    changed in between (another release where one was read) stops the gather: nothing is lost
    or read twice unnoticed."""

    def __init__(self, fetcher, url: str, number: int, problems: list[Problem]):
        self.fetcher, self.url, self.number, self.problems = fetcher, url, number, problems
        self.format: str | None = None
        self.next_url: str | None = None
        self.package_metadata: dict = {}

    def __iter__(self) -> Iterator[dict]:
        read: list[tuple[Any, Any]] = []  # (ocid, id) of each release read, in order
        try:
            yield from self._read(read, exact_integers=False)
        except IntegerTooLong as error:
            self.problems.append(Problem("warning", f"page {self.number}: {error}, which the fast parser can't read: "
                                         "the page was read again with a slower one"))
            yield from self._read(read, exact_integers=True)

    def _read(self, read: list[tuple[Any, Any]], exact_integers: bool) -> Iterator[dict]:
        already = len(read)  # read before the fast parser stopped: the same releases, or the page changed
        with self.fetcher.open(self.url, accept=JSON_CONTENT_TYPES) as (stream, _response):
            reader = FeedReader(stream, exact_integers=exact_integers)
            count = 0
            for index, (release, position, found) in enumerate(reader.normalized_releases()):
                count = index + 1
                seen = _identity(release)
                if index < already:
                    if read[index] != seen:
                        raise GatherAbort(f"page {self.url!r} changed while it was read again (release {position} "
                                          "is not the one read first): nothing was changed")
                    continue
                read.append(seen)
                for problem in found:
                    problem.path = f"page {self.number}: {problem.path}"
                self.problems.extend(found)
                if not any(p.severity == "error" for p in found):
                    yield release
            if count < already:
                raise GatherAbort(f"page {self.url!r} changed while it was read again (fewer releases): nothing was changed")
            self.problems.extend(reader.warnings)
            self.format, self.next_url, self.package_metadata = reader.format, reader.next_url, reader.package_metadata


def _identity(release: Any) -> tuple[Any, Any]:
    return (release.get("ocid"), release.get("id")) if isinstance(release, dict) else (None, None)


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
            this_page = FeedPage(fetcher, page_url, page, problems)
            yield from this_page
            if config.format != "auto" and this_page.format != config.format:
                raise GatherAbort(f"page {page_url!r} is a {this_page.format}, but the source is configured for {config.format}")
            config.declared_extensions.extend(ocds_extensions.accepted(
                this_page.package_metadata.get("extensions"), problems, f"page {page}: "))
            next_url = this_page.next_url
            if not next_url:
                return
            # never trust a URL the source gives: same origin only (the fetcher checks the address too)
            if not same_origin(url, next_url):
                raise GatherAbort(f"page {page_url!r} links to {next_url!r}, outside the source's site")
            page_url = next_url
        raise GatherAbort(f"more than {MAX_PAGES} pages")
