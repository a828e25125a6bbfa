"""Publication quality per organization and for the whole portal, computed after harvests, stored, shown.

The measures live in the OCDS package (:mod:`ckanext.procurement.ocds.quality`); this module
feeds them the public processes (:func:`ckanext.procurement.published.records`) one batch at a
time, stores each organization's figures as JSON in CKAN's ``system_info`` table (no table of
our own), and adds the organizations' figures up into the portal's. Pages and the API only
read what is stored: nothing is computed on a request.
"""
from __future__ import annotations

import datetime
import json
import logging
from typing import Callable, Iterable, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.procurement import identity, published
from ckanext.procurement.ocds.quality import Accumulator
from ckanext.procurement.ocds.schema import PACKAGED_SCHEMA
from ckanext.procurement.ocds.vocabulary import STAGE_LABELS

log = logging.getLogger(__name__)

KEY_PREFIX = "procurement_quality:"
SITE = "site"
BATCH_SIZE = 200
# Releases are validated against the OCDS 1.1.5 schema shipped with the package: never a download,
# and the same yardstick for every publisher whatever schema the site compiles with.
VALIDATION_SCHEMA = PACKAGED_SCHEMA
# schema validation results by releases hash, per organization (named after the schema they hold for)
VALIDATED_PREFIX = "procurement_quality_validated_1.1.5:"


def _key(organization_id: str) -> str:
    return f"{KEY_PREFIX}{organization_id}"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _organization_ids() -> list[str]:
    rows = (model.Session.query(model.Group.id)
            .filter(model.Group.is_organization.is_(True), model.Group.state == "active")
            .order_by(model.Group.name))
    return [row[0] for row in rows]


def compute(organization_id: str, now: Optional[datetime.datetime] = None) -> Accumulator:
    """The figures of one organization's public processes, read in batches (memory stays flat).

    Schema validation, most of the cost, is kept per record by the hash of its releases, so a
    recompute after a harvest validates only the processes that changed.
    """
    accumulator = Accumulator(now or _now(), VALIDATION_SCHEMA, registered_prefixes(organization_id))
    known = _validated(organization_id)
    kept = {}
    query = published.records([organization_id])
    for record, _owner in published.stream(query, BATCH_SIZE):
        kept[record.releases_hash] = accumulator.add(record.compiled_release, record.releases, record.modified,
                                                     record.ocid, known.get(record.releases_hash))
    # only the current records' results: the entry never grows past the organization's processes
    model.set_system_info(_validated_key(organization_id), json.dumps(kept, separators=(",", ":")))
    return accumulator


def registered_prefixes(organization_id: str) -> tuple[str, ...]:
    """The ocid prefixes ``ckanext.procurement.ocid_prefixes`` registers to the organization."""
    try:
        owners = identity.prefix_owners()
    except tk.ValidationError as error:  # the site's setting is wrong: no prefix counts as registered
        log.warning("ckanext.procurement.ocid_prefixes can't be read: %s", error.error_dict)
        return ()
    group = model.Group.get(organization_id)
    names = {group.id, group.name} if group is not None else {organization_id}
    return tuple(sorted(prefix for prefix, owner in owners.items() if owner in names))


def _validated_key(organization_id: str) -> str:
    return f"{VALIDATED_PREFIX}{organization_id}"


def _validated(organization_id: str) -> dict:
    raw = model.get_system_info(_validated_key(organization_id))
    try:
        known = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return known if isinstance(known, dict) else {}


def _store(name: str, accumulator: Accumulator) -> None:
    model.set_system_info(_key(name), json.dumps(accumulator.to_json(), separators=(",", ":")))


def stored(name: str) -> Optional[Accumulator]:
    """The figures last stored for an organization id (or ``SITE``), ``None`` if never computed."""
    raw = model.get_system_info(_key(name))
    if not raw:
        return None
    try:
        return Accumulator.from_json(json.loads(raw), VALIDATION_SCHEMA)
    except (ValueError, TypeError) as error:  # an unreadable entry is recomputed next time, not shown
        log.warning("Stored quality figures for %s can't be read: %s", name, error)
        return None


def recompute(organization_ids: Optional[Iterable[str]] = None,
              progress: Optional[Callable[[str, int], None]] = None) -> dict[str, int]:
    """Recompute the figures of ``organization_ids`` (every organization when ``None``), then the portal's.

    Called by the background job after each harvest with the harvested organization, and by
    ``ckan procurement quality recompute``. ``progress(organization_id, processes)`` is called
    after each organization. Returns ``{organization_id: processes}``.
    """
    now = _now()
    every = _organization_ids()
    wanted = every if organization_ids is None else [o for o in organization_ids if o in set(every)]
    counts = {}
    for organization_id in wanted:
        accumulator = compute(organization_id, now)
        _store(organization_id, accumulator)
        counts[organization_id] = accumulator.processes
        if progress is not None:
            progress(organization_id, accumulator.processes)
    _store(SITE, _site_figures(every, now))
    return counts


def _site_figures(organization_ids: list[str], now: datetime.datetime) -> Accumulator:
    """The portal's figures: every organization's stored figures added up (computed if missing)."""
    site = Accumulator(now, VALIDATION_SCHEMA)
    for organization_id in organization_ids:
        figures = stored(organization_id)
        if figures is None:
            figures = compute(organization_id, now)
            _store(organization_id, figures)
        site.merge(figures)
    site.now = now
    return site


# --- What the API and the page show ------------------------------------------------------------

def _translate_labels(node) -> None:
    """Translate, in place, the English labels the OCDS package marked with N_."""
    if isinstance(node, dict):
        for key in ("label", "of", "explanation", "level_label"):
            if isinstance(node.get(key), str):
                node[key] = tk._(node[key])
        for value in node.values():
            _translate_labels(value)
    elif isinstance(node, list):
        for value in node:
            _translate_labels(value)


def _offered_in_bulk(organization_id: Optional[str]) -> bool:
    """Bulk files written for the publisher (or the portal); the OCDS API serves every public process."""
    from ckanext.procurement.bulk import storage

    return bool((storage.read_manifest(organization_id or storage.PORTAL) or {}).get("files"))


def report(organization_id: Optional[str] = None) -> dict:
    """Every figure of an organization (``None``: the portal), translated, with the maturity ladder."""
    accumulator = stored(organization_id or SITE)
    computed = accumulator is not None
    figures = (accumulator or Accumulator(_now(), VALIDATION_SCHEMA)).report(bulk=_offered_in_bulk(organization_id))
    figures["computed_at"] = figures["computed_at"] if computed else None
    for stage, tally in figures["stages"].items():
        tally["label"] = STAGE_LABELS[stage]
    _translate_labels(figures)
    _drop_examples_no_longer_public(figures)
    for step in figures["maturity"]["next_steps"]:
        message = step["message"]  # marked in the OCDS package, translated here
        step["text"] = tk._(message).format(**step["params"])
    return figures


def _example_ocids(node, found: set) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "examples" and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
            elif key == "examples" and isinstance(value, dict):
                _example_ocids({"examples": [o for v in value.values() if isinstance(v, list) for o in v]}, found)
            else:
                _example_ocids(value, found)
    elif isinstance(node, list):
        for value in node:
            _example_ocids(value, found)
    return found


def _public_ocids(ocids: set) -> set:
    from ckanext.procurement.model import ProcurementRecord

    if not ocids:
        return set()
    query = published.records().filter(ProcurementRecord.ocid.in_(ocids)).with_entities(ProcurementRecord.ocid)
    return {ocid for (ocid,) in query}


def _drop_examples_no_longer_public(figures: dict) -> None:
    """The examples are the ocids listed by the last recompute: a process made private (back to
    review) or withdrawn since is left out, never named to the public until the next one."""
    public = _public_ocids(_example_ocids(figures, set()))

    def prune(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "examples" and isinstance(value, list):
                    value[:] = [ocid for ocid in value if ocid in public]
                elif key == "examples" and isinstance(value, dict):  # a check's {"failed": [...], "unreadable": [...]}
                    for listed in value.values():
                        if isinstance(listed, list):
                            listed[:] = [ocid for ocid in listed if ocid in public]
                else:
                    prune(value)
        elif isinstance(node, list):
            for value in node:
                prune(value)

    prune(figures)


def process_names(figures: dict) -> dict[str, str]:
    """ocid -> dataset name of the listed processes that are still public (to link them)."""
    ocids = _example_ocids(figures, set())
    if not ocids:
        return {}
    from ckanext.procurement.model import ProcurementRecord

    query = published.records().filter(ProcurementRecord.ocid.in_(ocids)).with_entities(
        ProcurementRecord.ocid, model.Package.name)
    return dict(query.all())
