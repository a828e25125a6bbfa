"""The OCDS extensions a publication uses: the `extensions` its source packages declare.

A harvest keeps the `extensions` list of the packages it read (per harvest
source; a full listing replaces it, an incremental one adds to it), and every
package the portal writes from that source's processes (bulk files, the OCDS
API) declares them again. Each URL is taken from the publisher's data, so it
passes the same rule as any harvested link (`ocds.urls.is_web_url`: absolute
http(s) with a host, no control characters); anything else is reported and
dropped.
"""
from __future__ import annotations

import datetime
from typing import Iterable, Optional

from ckan import model

from ckanext.procurement.model import ProcurementRecord, ProcurementSourceExtension
from ckanext.procurement.ocds.parse import Problem
from ckanext.procurement.ocds.urls import is_web_url

MAX_URL_LENGTH = 2000
MAX_EXTENSIONS = 200  # per source: a list past this is not a publication's, it is an attack on the packages


def accepted(declared: object, problems: list[Problem], where: str = "") -> list[str]:
    """The URLs of a package's `extensions` that may be published again; a problem for each one refused."""
    if declared is None:
        return []
    if not isinstance(declared, list):
        problems.append(Problem("warning", "the package's extensions is not a list of URLs: ignored", f"{where}extensions"))
        return []
    urls = []
    for index, url in enumerate(declared):
        if isinstance(url, str) and len(url) <= MAX_URL_LENGTH and is_web_url(url):
            urls.append(url.strip())
        else:
            shown = url[:100] if isinstance(url, str) else url
            problems.append(Problem("warning", f"extension {shown!r} is not an http(s) URL: not published",
                                    f"{where}extensions/{index}"))
    return urls


def remember(source_id: str, urls: Iterable[str], replace: bool) -> None:
    """Keep what a gather read for its source: all of it after a full listing (an extension no
    package declares any more goes), added to what was known after an incremental one."""
    row = model.Session.get(ProcurementSourceExtension, source_id)
    known = [] if row is None or replace else list(row.extensions or [])
    merged = list(dict.fromkeys(known + list(urls)))[:MAX_EXTENSIONS]
    if row is None:
        if not merged:
            return
        row = ProcurementSourceExtension(harvest_source_id=source_id)
        model.Session.add(row)
    row.extensions = merged
    row.modified = datetime.datetime.utcnow()
    model.Session.commit()


def for_sources(source_ids: Iterable[Optional[str]]) -> tuple[str, ...]:
    ids = sorted({source_id for source_id in source_ids if source_id})
    if not ids:
        return ()
    rows = (model.Session.query(ProcurementSourceExtension.extensions)
            .filter(ProcurementSourceExtension.harvest_source_id.in_(ids)).all())
    return tuple(sorted({url for (urls,) in rows for url in urls or [] if is_web_url(url)}))


def for_records(records_query) -> tuple[str, ...]:
    """The extensions of the sources of the processes a `published.records()` query selects."""
    sources = records_query.with_entities(ProcurementRecord.harvest_source_id).order_by(None).distinct()
    return for_sources(source_id for (source_id,) in sources)


def for_ocids(ocids: Iterable[str]) -> tuple[str, ...]:
    """The extensions of the sources of these processes (the records of one API page)."""
    ocids = list(dict.fromkeys(ocids))
    if not ocids:
        return ()
    sources = (model.Session.query(ProcurementRecord.harvest_source_id)
               .filter(ProcurementRecord.ocid.in_(ocids), ProcurementRecord.harvest_source_id.isnot(None))
               .distinct())
    return for_sources(source_id for (source_id,) in sources)

