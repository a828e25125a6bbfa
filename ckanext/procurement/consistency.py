"""Does the search index agree with the database?

A contracting process is stored twice: its dataset and OCDS record in
PostgreSQL (one transaction) and its dataset in Solr, which the catalog
pages, facets and `package_search` read. A Solr outage, a restore of one
but not the other, or a crash can leave them apart. `check` lists every
disagreement; `repair` makes the index follow the database (the database
is the truth) and leaves records without a dataset alone unless asked.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import time

import ckan.model as model
from ckan.lib import search
from ckan.lib.redis import connect_to_redis
from ckan.lib.search.common import make_connection
from ckan.logic import NotAuthorized, NotFound as ObjectNotFound, ValidationError

from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.model import ProcurementRecord

log = logging.getLogger(__name__)

SOLR_PAGE = 1000  # ids read from Solr per request


# A save notes its dataset here before the package action indexes it, and
# clears the note once the database has committed: a save killed in between
# (SIGKILL, power cut) can't clean up, and its note is what the next harvest
# repairs. A note younger than this may belong to a save still running, whose
# uncommitted dataset the repair can't see yet.
IN_FLIGHT_SECONDS = 600


def _pending_key() -> str:
    from ckan.plugins.toolkit import config

    # a sorted set: member = dataset id, score = when its save started (0: repair at once)
    return f"{config.get('ckan.site_id')}:procurement:index-unconfirmed"


def remember(package_id: str, since: float = 0.0) -> None:
    """The index may not follow the database for this dataset (Solr was away, or went away
    while it took a change the database then lost, or the save is under way): note it, so that
    the next harvest brings the index back. If Redis is away too, `ckan procurement check-index`
    still finds it."""
    try:
        connect_to_redis().zadd(_pending_key(), {package_id: since})
    except Exception as error:
        log.warning("could not note dataset %s for re-indexing: %s", package_id, error)


def _forget(package_id: str) -> None:
    try:
        connect_to_redis().zrem(_pending_key(), package_id)
    except Exception as error:
        log.warning("could not clear the re-indexing note of dataset %s: %s", package_id, error)


@contextlib.contextmanager
def saving(package_id: str):
    """Around a package action that indexes before it commits: the index ends up following
    the database whether the action commits, fails, or its process dies half way."""
    remember(package_id, since=time.time())
    try:
        yield
    except (ValidationError, ObjectNotFound, NotAuthorized):
        _forget(package_id)  # refused before anything was written or indexed
        raise
    except BaseException:
        # the commit failed, or seemed to (the database went away, perhaps after committing)
        if follow_database(package_id):
            _forget(package_id)
        else:
            remember(package_id)
        raise
    _forget(package_id)


def confirmed(package_ids) -> None:
    """The index follows the database for these datasets again (a bulk change indexed)."""
    for package_id in package_ids:
        _forget(package_id)


def pending() -> set[str]:
    """Datasets whose index entry waits for `repair_remembered`, including saves under way."""
    members = connect_to_redis().zrange(_pending_key(), 0, -1)
    return {value.decode() if isinstance(value, bytes) else value for value in members}


def follow_database(package_id: str) -> bool:
    """Make the index entry of one dataset what the database holds (indexed if it is an active
    contracting process, else absent); False if the database or Solr can't be reached."""
    try:
        package = model.Session.get(model.Package, package_id)
        if package is not None and package.state == "active" and package.type == DATASET_TYPE:
            search.rebuild(package_id)
        else:
            search.clear(package_id)
    except Exception as error:
        model.Session.rollback()
        log.warning("could not bring the index of dataset %s back to what is stored: %s", package_id, error)
        return False
    return True


def repair_remembered() -> int:
    """Bring the index of every remembered dataset back to what is stored; returns how many.
    One that still can't be read or indexed stays remembered; a save still under way is left to finish."""
    redis = connect_to_redis()
    done = 0
    for member in redis.zrangebyscore(_pending_key(), 0, time.time() - IN_FLIGHT_SECONDS):
        package_id = member.decode() if isinstance(member, bytes) else member
        if follow_database(package_id):
            redis.zrem(_pending_key(), package_id)
            done += 1
    return done


@dataclasses.dataclass
class Report:
    # active datasets (public or private) that package_search cannot find
    missing_from_index: list[str] = dataclasses.field(default_factory=list)
    # index entries whose dataset is gone, withdrawn or not a contracting process
    orphan_index_entries: list[str] = dataclasses.field(default_factory=list)
    # OCDS records whose dataset does not exist at all (not even withdrawn)
    records_without_dataset: list[str] = dataclasses.field(default_factory=list)
    # contracting-process datasets without their OCDS record (half saved)
    datasets_without_record: list[str] = dataclasses.field(default_factory=list)
    datasets: int = 0
    index_entries: int = 0

    @property
    def agrees(self) -> bool:
        return not (self.missing_from_index or self.orphan_index_entries
                    or self.records_without_dataset or self.datasets_without_record)

    def as_dict(self) -> dict:
        return dict(dataclasses.asdict(self), agrees=self.agrees)


def indexed_ids() -> set[str]:
    """Ids of this site's contracting-process entries in Solr, whatever their state."""
    from ckan.plugins.toolkit import config

    connection = make_connection()
    filters = ["+entity_type:package", f'+site_id:"{config.get("ckan.site_id")}"', f"+dataset_type:{DATASET_TYPE}"]
    ids: set[str] = set()
    start = 0
    while True:
        # sorted on the unique key, so pages neither overlap nor skip while nothing is written
        page = connection.search(q="*:*", fq=filters, fl="id", sort="index_id asc", start=start, rows=SOLR_PAGE)
        ids.update(doc["id"] for doc in page.docs)
        start += SOLR_PAGE
        if start >= page.hits:
            return ids


def check() -> Report:
    """Compare PostgreSQL and Solr; read-only."""
    rows = model.Session.query(model.Package.id, model.Package.state).filter(model.Package.type == DATASET_TYPE).all()
    active = {package_id for package_id, state in rows if state == "active"}
    all_datasets = {package_id for package_id, _ in rows}
    indexed = indexed_ids()
    records = model.Session.query(ProcurementRecord.ocid, ProcurementRecord.package_id).all()
    recorded_packages = {package_id for _, package_id in records}
    # a record's dataset may be of any state (withdrawn datasets keep their record), but must exist
    existing = {package_id for (package_id,) in model.Session.query(model.Package.id).filter(
        model.Package.id.in_(recorded_packages))} if recorded_packages else set()
    return Report(
        missing_from_index=sorted(active - indexed),
        orphan_index_entries=sorted(indexed - active),
        records_without_dataset=sorted(ocid for ocid, package_id in records if package_id not in existing),
        datasets_without_record=sorted(all_datasets - recorded_packages),
        datasets=len(active),
        index_entries=len(indexed),
    )


def repair(report: Report, delete_orphan_records: bool = False) -> dict[str, int]:
    """Make the index follow the database; return what was done.

    Records without a dataset are the only copy of what a publisher sent:
    they are deleted only when asked. Datasets without a record can't be
    rebuilt here (their releases are gone); the next harvest of their
    source saves them whole again.
    """
    done = {"reindexed": 0, "unindexed": 0, "records_deleted": 0, "remembered": repair_remembered()}
    if report.missing_from_index:
        search.rebuild(package_ids=report.missing_from_index, defer_commit=True)
        done["reindexed"] = len(report.missing_from_index)
    index = search.index_for(model.Package)
    for package_id in report.orphan_index_entries:
        package = model.Package.get(package_id)
        if package is not None and package.state == "active":
            continue  # became active since the check: leave it indexed
        index.delete_package({"id": package_id})
        done["unindexed"] += 1
    if report.missing_from_index or report.orphan_index_entries:
        search.commit()
    if delete_orphan_records and report.records_without_dataset:
        for ocid in report.records_without_dataset:
            record = ProcurementRecord.get(ocid)
            if record is not None and model.Package.get(record.package_id) is None:
                model.Session.delete(record)
                done["records_deleted"] += 1
        model.Session.commit()
    log.info("Index repair: %s", done)
    return done
