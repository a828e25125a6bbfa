"""The preview of a harvest source: its first page read as a harvest reads it, nothing saved.

Same fetcher (address checks, size limits, timeouts, retries, the authentication header's
origin rule), same parsers and the same redaction as the gather stage; the processes shown
are the first few as the public would see them. For an export: its columns, with the OCDS
field suggested for each, and, once a mapping is given, what it makes of the file.
"""
from __future__ import annotations

import datetime
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk

from ckanext.procurement import process, settings
from ckanext.procurement.fetch import DeadlineError, FetchError
from ckanext.procurement.harvesters.base import GatherAbort, without_snippet
from ckanext.procurement.harvesters.config import ConfigError, SourceConfig
from ckanext.procurement.harvesters.flat import FLAT_CONTENT_TYPES, ProcurementCsvHarvester
from ckanext.procurement.harvesters.ocds import FeedPage, OcdsHarvester, same_origin, with_query
from ckanext.procurement.ocds import compile as ocds_compile
from ckanext.procurement.ocds.derive import summarize
from ckanext.procurement.ocds.errors import OcdsError
from ckanext.procurement.ocds.flat import FlatFileError, MappingError, iter_releases, open_table
from ckanext.procurement.ocds.parse import Problem, ocid_prefix_ok

from . import fields, ocds_fields, suggest

SAMPLE_PROCESSES = 3
SAMPLE_ROWS = 20  # rows read for each column's sample values and suggestion
SHOWN_SAMPLES = 3
MAX_PROBLEMS = 200


@dataclass
class Preview:
    source_type: str
    url: str
    error: str | None = None
    format: str | None = None
    releases: int = 0
    processes: int = 0
    rows: int | None = None
    paging: str | None = None  # what was found out about paging
    paging_ok: bool | None = None
    incremental: str | None = None
    incremental_ok: bool | None = None
    samples: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    columns: list[dict] = field(default_factory=list)  # an export's: name, samples, suggested
    suggested_roles: dict = field(default_factory=dict)
    mapping_ready: bool = False

    @property
    def suggested(self) -> dict[str, str]:
        return {c["name"]: c["suggested"] for c in self.columns}


class PreviewTimeout(Exception):
    """The preview's time limit passed."""


class TimeLimitedFetcher:
    """A fetcher whose fetches share one time limit: a preview runs in a web request, and a
    source that trickles its bytes (or its retries) must not hold the web worker for long."""

    def __init__(self, fetcher, seconds: float):
        self.fetcher, self.seconds = fetcher, seconds
        self.end = time.monotonic() + seconds

    def _timeout(self) -> PreviewTimeout:
        return PreviewTimeout(tk._("The preview stopped after {seconds} seconds: the source answers too slowly "
                                   "(ckanext.procurement.preview.timeout). A harvest, which runs in the background, "
                                   "may still read it.").format(seconds=self.seconds))

    @contextmanager
    def open(self, url: str, accept: tuple[str, ...] = ()):
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise self._timeout()
        self.fetcher.deadline = remaining
        try:
            with self.fetcher.open(url, accept=accept) as opened:
                yield opened
        except DeadlineError:
            raise self._timeout() from None


def harvester_for(source_type: str):
    return ProcurementCsvHarvester() if source_type == "procurement_csv" else OcdsHarvester()


def run(source_type: str, url: str, config_text: str, source_id: str | None = None) -> Preview:
    """Preview `url` as a source of `source_type` with `config_text`; never raises for the source's faults."""
    preview = Preview(source_type, url)
    harvester = harvester_for(source_type)
    paths: list[str] = []
    try:
        config = harvester.parse_config(config_text)
        harvester.check_site_limits(config)
        config.source_id = source_id  # a stored secret resolves for its own source only
        paths = sorted(set(settings.redact_paths() + config.redact_paths))
        fetcher = TimeLimitedFetcher(harvester.fetcher(config), settings.preview_timeout())
        if source_type == "procurement_csv":
            _preview_export(preview, harvester, fetcher, config, paths)
        else:
            _preview_feed(preview, fetcher, config, paths)
    except (ConfigError, FetchError, OcdsError, GatherAbort, FlatFileError, MappingError, tk.ValidationError,
            PreviewTimeout) as error:
        message = str(error) if not isinstance(error, tk.ValidationError) else "; ".join(
            f"{k}: {v}" for k, v in error.error_dict.items())
        preview.error = without_snippet(message, paths)
    preview.problems = process.without_withheld_values(preview.problems, paths)
    preview.more_problems = max(0, len(preview.problems) - MAX_PROBLEMS)
    preview.problems = preview.problems[:MAX_PROBLEMS]
    return preview


# --- OCDS feeds ---------------------------------------------------------------------------------

def _read_page(fetcher, url: str, page: int, config: SourceConfig, problems: list[Problem] | None):
    """(format, releases of the page, next url); problems (if a list is given) as a harvest reports them."""
    this_page = FeedPage(fetcher, url, page, problems if problems is not None else [])
    releases = list(this_page)
    if config.format != "auto" and this_page.format != config.format:
        raise GatherAbort(tk._("the page is a {found}, but the source is configured for {configured}")
                          .format(found=this_page.format, configured=config.format))
    return this_page.format, releases, this_page.next_url


def _preview_feed(preview: Preview, fetcher, config: SourceConfig, paths: list[str]) -> None:
    preview.format, releases, next_url = _read_page(fetcher, preview.url, 1, config, preview.problems)
    _summarize(preview, releases, config, paths)
    if not next_url:
        preview.paging = tk._("The first page has no links.next: it holds the whole source.")
    elif not same_origin(preview.url, next_url):
        preview.paging, preview.paging_ok = tk._("links.next points outside the source's site ({url}): "
                                                 "a harvest stops there.").format(url=next_url), False
    else:
        try:
            _, second, _ = _read_page(fetcher, next_url, 2, config, None)
            preview.paging, preview.paging_ok = tk._("links.next works: the second page holds {n} releases.").format(n=len(second)), True
        except (FetchError, OcdsError, GatherAbort) as error:
            preview.paging, preview.paging_ok = tk._("links.next fails: {error}").format(
                error=without_snippet(str(error), paths)), False
    if config.since_parameter:
        _check_incremental(preview, fetcher, config, len(releases), paths)


def _check_incremental(preview: Preview, fetcher, config: SourceConfig, full_count: int, paths: list[str]) -> None:
    """Ask for what changed since now: a source that honours the parameter answers (almost) nothing."""
    since = datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z"
    try:
        _, recent, _ = _read_page(fetcher, with_query(preview.url, **{config.since_parameter: since}), 1, config, None)
    except (FetchError, OcdsError, GatherAbort) as error:
        preview.incremental, preview.incremental_ok = tk._("Asking for changes since {since} failed: {error}").format(
            since=since, error=without_snippet(str(error), paths)), False
        return
    if full_count and len(recent) >= full_count:
        preview.incremental, preview.incremental_ok = tk._(
            "The source seems to ignore {parameter}: asked for changes since {since}, it sent the whole page again "
            "({n} releases).").format(parameter=config.since_parameter, since=since, n=len(recent)), False
    else:
        preview.incremental, preview.incremental_ok = tk._(
            "{parameter} works: asked for changes since {since}, the source sent {n} releases.").format(
            parameter=config.since_parameter, since=since, n=len(recent)), True


# --- exports ---------------------------------------------------------------------------------

def _preview_export(preview: Preview, harvester: ProcurementCsvHarvester, fetcher, config: SourceConfig, paths: list[str]) -> None:
    with tempfile.NamedTemporaryFile(dir=settings.cache_dir(), suffix=".preview") as local:
        with fetcher.open(preview.url, accept=FLAT_CONTENT_TYPES) as (stream, response):
            shutil.copyfileobj(stream, local)
            content_type = response.headers.get("Content-Type")
        local.flush()
        filename = os.path.basename(urlsplit(preview.url).path) or None
        if config.format == "xlsx":
            filename = (filename or "export") + ".xlsx"
        _read_columns(preview, local.name, filename, content_type, (config.mapping or {}).get("sheet"))
        try:
            mapping = harvester.mapping(config)
        except ConfigError as error:
            preview.problems.append(Problem("error", tk._("The mapping is not complete yet: {error}").format(error=error), "mapping"))
            return
        unknown = _unknown_fields(config.mapping)
        if unknown:
            preview.problems.extend(unknown)
            return
        releases = []
        for release, found in iter_releases(local.name, mapping, filename=filename, content_type=content_type):
            preview.problems.extend(found)
            if release is not None:
                releases.append(release)
        preview.mapping_ready = True
        _summarize(preview, releases, config, paths)


def _read_columns(preview: Preview, local, filename: str | None, content_type: str | None, sheet: str | None) -> None:
    with open_table(local, filename, content_type, sheet) as table:
        preview.format = table.kind
        samples: dict[str, list] = {name: [] for name in table.header if name}
        count = 0
        for count, (_number, row) in enumerate(table.rows(), start=1):
            if count <= SAMPLE_ROWS:
                for name in samples:
                    samples[name].append(row.get(name))
        preview.rows = count
    fields = ocds_fields.ocds_fields(settings.release_schema())
    suggested = suggest.suggest(samples, fields)
    preview.suggested_roles = suggest.suggest_roles(samples, suggested)
    preview.columns = [{"name": name, "samples": [str(v) for v in values if v not in (None, "")][:SHOWN_SAMPLES],
                        "suggested": suggested.get(name, "")} for name, values in samples.items()]


def _unknown_fields(mapping: dict) -> list[Problem]:
    """Columns mapped to something that is no field of the release schema."""
    return [Problem("error", fields.unknown_field_message(column, path), f"columns/{column}")
            for column, path in ocds_fields.unknown_paths(mapping.get("columns"), settings.release_schema())]


# --- what the public would see ---------------------------------------------------------------

def _summarize(preview: Preview, releases: list[dict], config: SourceConfig, paths: list[str]) -> None:
    by_ocid: dict[str, list[dict]] = {}
    for release in releases:
        if not ocid_prefix_ok(str(release.get("ocid")), config.ocid_prefixes):
            preview.problems.append(Problem("warning", tk._("ocid {ocid!r} has none of the accepted prefixes: skipped")
                                            .format(ocid=release.get("ocid")), "ocid", release.get("ocid"), release.get("id")))
            continue
        by_ocid.setdefault(str(release["ocid"]), []).append(release)
    preview.releases = sum(len(group) for group in by_ocid.values())
    preview.processes = len(by_ocid)
    schema = settings.release_schema()
    for ocid, group in list(by_ocid.items())[:SAMPLE_PROCESSES]:
        prepared = process.prepare(group, paths)
        if not prepared.releases:
            continue
        compiled = ocds_compile.compile_releases(prepared.releases, schema)
        summary = summarize(compiled, prepared.releases, schema=schema)
        preview.samples.append({
            "ocid": ocid, "title": summary.get("title"), "buyer": summary.get("buyer_name"),
            "stage": summary.get("stage"), "status": summary.get("status"), "value": summary.get("value"),
            "currency": summary.get("currency"), "suppliers": summary.get("supplier_names") or [],
            "releases": len(prepared.releases), "withheld": prepared.withheld,
            "reason": config.redaction_reason,
        })
