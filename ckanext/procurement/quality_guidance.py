"""Where each next step is done "in your purchasing system": the wording, in one place.

A next step (:mod:`ckanext.procurement.ocds.quality.maturity`) names what to publish; this says
where it comes from for the harvest sources that filled the publisher's processes. For a
``procurement_csv`` source, which column of its mapping feeds the field, or that no column does
("add a column for ..."); for an ``ocds`` source, the OCDS path its feed must carry. Only sources
the viewer may see are named.
"""
from __future__ import annotations

import json
import re
from typing import NamedTuple, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.procurement import published
from ckanext.procurement.logic.auth import user_may
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.ocds.vocabulary import N_


class Field(NamedTuple):
    description: str  # what the step asks for, to fill "add a column for {field}"
    paths: tuple[str, ...]  # OCDS paths without list indices; the first is the one to name


# criterion of the maturity ladder -> the OCDS field that meets it
FIELDS: dict[str, Field] = {
    "tender": Field(N_("the tender's status"), ("tender/status", "tender/id")),
    "tender_title": Field(N_("the tender's title"), ("tender/title",)),
    "tender_period": Field(N_("the tender's closing date"), ("tender/tenderPeriod/endDate",
                                                             "tender/tenderPeriod/startDate")),
    "buyer_name": Field(N_("the buying department"), ("buyer/name",)),
    "award": Field(N_("the award"), ("awards/id",)),
    "award_value": Field(N_("the award's value"), ("awards/value/amount",)),
    "award_date": Field(N_("the award's date"), ("awards/date",)),
    "award_supplier_name": Field(N_("the supplier's name"), ("awards/suppliers/name",)),
    "contract": Field(N_("the contract"), ("contracts/id",)),
    "contract_period": Field(N_("the contract's start and end dates"), ("contracts/period/startDate",
                                                                        "contracts/period/endDate")),
    "contract_text_document": Field(N_("the link to the signed contract document"), ("contracts/documents/url",)),
    "implementation": Field(N_("the payments made under each contract"),
                            ("contracts/implementation/transactions/value/amount",)),
    "planning": Field(N_("the budget planned before tendering"), ("planning/budget/amount/amount",)),
    "award_published_within_30_days": Field(N_("the award's date"), ("awards/date",)),
    "tender_closed_by_deadline": Field(N_("the tender's status"), ("tender/status",)),
}

COLUMN_FEEDS = N_("In your purchasing system's export ({source}), the column {column} feeds {field} "
                  "({path}).")
NO_COLUMN = N_("In your purchasing system's export ({source}), no column feeds {field}: add a column for it "
               "and map it to {path} in the source's mapping.")
OCDS_PATH = N_("In the OCDS feed of your purchasing system ({source}), publish {field} at {path}.")

_INDEX = re.compile(r"/\d+(?=/|$)")


def _columns(config: Optional[str]) -> dict[str, str]:
    """OCDS path without list indices -> the column a ``procurement_csv`` mapping reads it from."""
    try:
        mapping = (json.loads(config or "{}") or {}).get("mapping") or {}
        columns = mapping.get("columns") or {}
    except (ValueError, AttributeError):
        return {}
    if not isinstance(columns, dict):
        return {}
    return {_INDEX.sub("", str(path)): str(column) for path, column in columns.items() if isinstance(column, str)}


def _visible(source_id: str, context: dict) -> bool:
    return user_may("harvest_source_show", context, {"id": source_id})


def sources(organization_id: Optional[str], context: dict) -> list[tuple[str, str, dict[str, str]]]:
    """(title, type, columns) of the visible harvest sources that filled the publisher's public
    processes, the source with most processes first."""
    from ckanext.harvest.model import HarvestSource

    scope = [organization_id] if organization_id else None
    counted = (published.records(scope).order_by(None)
               .filter(ProcurementRecord.harvest_source_id.isnot(None))
               .with_entities(ProcurementRecord.harvest_source_id, sa.func.count(ProcurementRecord.ocid))
               .group_by(ProcurementRecord.harvest_source_id).all())
    found = []
    for source_id, _count in sorted(counted, key=lambda row: (-row[1], row[0])):
        source, package = model.Session.query(HarvestSource).get(source_id), model.Package.get(source_id)
        if source is None or package is None or package.state != "active" or not _visible(source_id, context):
            continue
        found.append((package.title or package.name, source.type, _columns(source.config)))
    return found


def where(criterion: str, feeding: list[tuple[str, str, dict[str, str]]]) -> list[str]:
    """What to do in each purchasing system for ``criterion``, translated; [] when it isn't a field."""
    field = FIELDS.get(criterion)
    if field is None:
        return []
    texts = []
    for title, source_type, columns in feeding:
        params = {"source": title, "field": tk._(field.description), "path": field.paths[0]}
        if source_type == "procurement_csv":
            column = next((columns[path] for path in field.paths if path in columns), None)
            texts.append(tk._(COLUMN_FEEDS).format(column=column, **params) if column
                         else tk._(NO_COLUMN).format(**params))
        elif source_type == "ocds":
            texts.append(tk._(OCDS_PATH).format(**params))
    return texts


def add_to_steps(figures: dict, organization_id: Optional[str], context: dict) -> None:
    """Each next step gets ``in_your_system``: where to do it, per harvest source."""
    steps = figures["maturity"]["next_steps"]
    if not steps:
        return
    feeding = sources(organization_id, context)
    for step in steps:
        step["in_your_system"] = where(step["criterion"], feeding)
