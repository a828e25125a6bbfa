"""The `procurement_csv` harvester: flat exports (CSV or XLSX) of a city's ERP.

A mapping (see `ckanext.procurement.ocds.flat`) turns columns into OCDS
fields and rows into releases; the rest is the same as the `ocds` harvester.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Iterator
from urllib.parse import urlsplit

from ckanext.procurement import settings
from ckanext.procurement.harvesters.base import ProcurementHarvester
from ckanext.procurement.harvesters.config import FLAT_KEYS, ConfigError, SourceConfig
from ckanext.procurement.ocds.flat import FlatMapping, MappingError, iter_releases
from ckanext.procurement.ocds.parse import Problem

FLAT_CONTENT_TYPES = (
    "text/csv", "text/plain", "application/csv", "application/vnd.ms-excel", "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip",
)


class ProcurementCsvHarvester(ProcurementHarvester):
    config_keys = FLAT_KEYS
    formats = ("auto", "csv", "xlsx")

    def info(self):
        return {
            "name": "procurement_csv",
            "title": "Purchasing system export (CSV or XLSX)",
            "description": "Contracting processes from a flat export of purchase orders, awards or contract modifications, "
                           "mapped to OCDS.",
            "form_config_interface": "Text",
        }

    def mapping(self, config: SourceConfig) -> FlatMapping:
        if not config.mapping:
            # every ERP names its columns its own way: there is no sensible default
            raise ConfigError("mapping", "is required for procurement_csv sources: it says how the export's columns become OCDS fields (see the README)")
        try:
            return FlatMapping.from_config(config.mapping, schema=settings.release_schema())
        except MappingError as error:
            raise ConfigError(f"mapping.{error.key}" if not str(error.key).startswith("mapping") else error.key, error.message)

    def check_source_config(self, config: SourceConfig) -> None:
        self.mapping(config)

    def iter_releases(self, url: str, config: SourceConfig, since: str | None, problems: list[Problem]) -> Iterator[dict]:
        mapping = self.mapping(config)
        fetcher = self.fetcher(config)
        # the file is downloaded whole first: XLSX needs seeking, and a
        # broken download must fail before any row is used
        with tempfile.NamedTemporaryFile(dir=settings.cache_dir(), suffix=".download") as local:
            with fetcher.open(url, accept=FLAT_CONTENT_TYPES) as (stream, response):
                shutil.copyfileobj(stream, local)
                content_type = response.headers.get("Content-Type")
            local.flush()
            local.seek(0)
            filename = os.path.basename(urlsplit(url).path) or None
            if config.format == "xlsx":
                filename = (filename or "export") + ".xlsx"
            for release, found in iter_releases(local, mapping, filename=filename, content_type=content_type):
                problems.extend(found)
                if release is not None:
                    yield release
