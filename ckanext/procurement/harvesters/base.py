"""What both procurement harvesters share: gather, change detection,
withdrawals, fetch and import.

Gather streams the source's releases into an on-disk spool grouped by ocid
(so a 100,000-process feed never sits in memory), hashes each process's
releases the way `procurement_process_save` does, and creates harvest
objects in batches: changed processes carry their releases, unchanged ones
are marked so fetch skips them without touching the dataset or Solr, and,
after a complete full listing only, vanished processes get a withdrawal.
Any gather error aborts the run before a single object exists, so a broken
page never changes or withdraws anything.
"""
from __future__ import annotations

import datetime
import json
import logging
import re
import sys
import time
import uuid
from typing import Any, Iterator

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.search import SearchIndexError
from ckanext.harvest import queue
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestJob, HarvestObject

from ckanext.procurement import consistency, identity, import_indexing, licenses, ocds_extensions, process, settings
from ckanext.procurement.harvesters import tables
from ckanext.procurement.harvesters.config import (
    ENV_PREFIX, ConfigError, SourceConfig, check_env_allowed, parse_config, resolve_auth_header, seal_auth_header,
)
from ckanext.procurement.fetch import Fetcher, FetchError, has_userinfo, without_userinfo
from ckanext.procurement.model import ProcurementRecord, ProcurementSecret
from ckanext.procurement.ocds.errors import OcdsError
from ckanext.procurement.ocds.parse import Problem, ocid_prefix_ok
from ckanext.procurement.ocds.redact import redact
from ckanext.procurement.ocds.spool import Spool

log = logging.getLogger(__name__)

STATUS_KEY = "status"
UNCHANGED, DELETE, CHANGED = "unchanged", "delete", "changed"
# the job being gathered and the one before it always keep their objects (the last report)
MIN_JOBS_KEPT = 2
MAX_GATHER_PROBLEMS = 200  # reported one by one; beyond that, counted
# harvest objects are written when a batch reaches either bound: the database
# driver builds each multi-row INSERT in memory, several times the content's size
BATCH_CONTENT_BYTES = 4 * 1024 * 1024


# procurement_process_save's status -> ckanext-harvest's report status of the object
REPORT_STATUS = {"created": "added", "updated": "updated", "restored": "updated", "unchanged": "not modified"}


def _called_by_gather_consumer() -> bool:
    """Whether ckanext-harvest's gather consumer (`queue.gather_callback`) runs this gather."""
    consumer = getattr(queue.gather_callback, "__code__", None)
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is consumer:
            return True
        frame = frame.f_back
    return False


class GatherAbort(Exception):
    """The gather can't be completed; nothing of this run is kept."""


def spooled_processes(spool: Spool) -> Iterator[tuple[str, list[str], list[str]]]:
    """(ocid, its releases as JSON texts, the paths withheld from them), ocid by ocid, in arrival order."""
    for ocid, items in spool.groups():
        bodies, withheld = [], set()
        for body, removed in items:
            bodies.append(body)
            if removed:
                withheld.update(removed.split("\n"))
        yield ocid, bodies, sorted(withheld)


def site_max_response_bytes() -> int:
    return int(tk.config.get("ckanext.procurement.harvest.max_response_bytes"))


class Progress:
    """Counts and rate in the log, so long command-line harvests show they are alive."""

    def __init__(self, what: str, every: int = 1000):
        self.what, self.every, self.count, self.started = what, every, 0, time.monotonic()

    def step(self, n: int = 1) -> None:
        before = self.count
        self.count += n
        if self.count // self.every > before // self.every:
            elapsed = max(time.monotonic() - self.started, 1e-6)
            log.info("%s: %d so far (%.0f per second)", self.what, self.count, self.count / elapsed)


class ProcurementHarvester(HarvesterBase):
    """Base of the `ocds` and `procurement_csv` harvesters."""

    config_keys: dict[str, str] = {}
    formats: tuple[str, ...] = ("auto",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._imported_before: set[str] = set()  # second deliveries: fetch_stage tells import_stage

    # --- config ----------------------------------------------------------------

    def parse_config(self, text: str | None) -> SourceConfig:
        return parse_config(text, self.config_keys, self.formats)

    def checked_config(self, text: str | None) -> SourceConfig:
        """The source config, parsed and checked (also at gather, for sources saved before a rule existed)."""
        config = self.parse_config(text)
        if config.license is not None:
            problem = licenses.open_license_problem(config.license)
            if problem:
                raise ConfigError("license", problem)
        self.check_source_config(config)
        return config

    def validate_config(self, config: str | None) -> str | None:
        """Raise ValueError naming the wrong key; move a literal auth header to the secret store
        (the actions saving a source did it already, before anything logged it: see logic/source_config.py)."""
        parsed = self.checked_config(config)
        self.check_site_limits(parsed)
        if parsed.auth_header and parsed.auth_header.startswith(ENV_PREFIX):
            check_env_allowed(parsed.auth_header[len(ENV_PREFIX):], settings.auth_env_allowlist())
        return seal_auth_header(config, ProcurementSecret.store)

    def check_source_config(self, config: SourceConfig) -> None:
        """Harvester-specific checks; raise ConfigError."""

    @staticmethod
    def check_site_limits(config: SourceConfig) -> None:
        """A source may lower the site's response size limit, never raise it (checked when a source
        is saved or previewed; a source saved before the site lowered its limit is capped by fetcher())."""
        limit = site_max_response_bytes()
        if config.max_response_bytes and config.max_response_bytes > limit:
            raise ConfigError("max_response_bytes", f"must be at most the site's limit of {limit:,} bytes "
                              f"(ckanext.procurement.harvest.max_response_bytes), got {config.max_response_bytes:,}")

    def fetcher(self, config: SourceConfig) -> Fetcher:
        headers = {}
        header = resolve_auth_header(config, ProcurementSecret, settings.auth_env_allowlist())
        if header:
            headers[config.auth_header_name] = header
        return Fetcher(
            timeout=config.timeout or tk.config.get("ckanext.procurement.harvest.timeout"),
            retries=config.retries if config.retries is not None else tk.config.get("ckanext.procurement.harvest.retries"),
            max_bytes=min(config.max_response_bytes or site_max_response_bytes(), site_max_response_bytes()),
            headers=headers,
            allow_private=settings.allow_private_addresses(),
        )

    # --- gather ----------------------------------------------------------------

    def iter_releases(self, url: str, config: SourceConfig, since: str | None, problems: list[Problem]) -> Iterator[dict]:
        """Yield the source's releases (already normalized); report problems; raise GatherAbort."""
        raise NotImplementedError

    def incremental_since(self, job: HarvestJob, config: SourceConfig) -> str | None:
        """For incremental sources, the start of the last error-free gather, unless a full listing is due."""
        if not config.since_parameter:
            return None
        previous = self.last_error_free_job(job)
        if previous is None or previous.gather_started is None:
            return None
        runs = model.Session.query(HarvestJob).filter(HarvestJob.source_id == job.source_id).count()
        if (runs - 1) % config.full_harvest_every == 0:
            return None
        return previous.gather_started.replace(microsecond=0).isoformat() + "Z"

    @staticmethod
    def _repair_index_left_behind() -> None:
        """Index entries an outage left behind (a save rolled back while Solr went away) are
        put right at the next harvest, before it adds its own."""
        try:
            repaired = consistency.repair_remembered()
        except Exception as error:
            log.warning("could not repair the index entries left by an earlier outage: %s", error)
        else:
            if repaired:
                log.info("Brought the index of %d dataset(s) back to what is stored", repaired)

    @staticmethod
    def _prune_history(source_id: str) -> None:
        keep = tk.config.get("ckanext.procurement.harvest.keep_jobs")
        if not keep:
            return
        try:
            deleted = tables.prune_history(source_id, max(keep, MIN_JOBS_KEPT))
        except Exception as error:  # a harvest is worth more than its tidying
            model.Session.rollback()
            log.warning("could not clear the objects of old harvest jobs: %s", error)
        else:
            if deleted:
                log.info("Cleared %d objects of harvest jobs older than the last %d", deleted, keep)

    def gather_stage(self, harvest_job: HarvestJob):
        source = harvest_job.source
        try:
            config = self.checked_config(source.config)
        except ConfigError as error:
            self._save_gather_error(f"Invalid source configuration: {error}", harvest_job)
            return None
        if has_userinfo(source.url or ""):  # saved before the rule (logic/source_config.py): public, so not used
            self._save_gather_error("Invalid source URL: it holds a user name or password, which everyone who may see "
                                    "the source reads. Remove them from the URL and give the credentials as the "
                                    "auth_header in the configuration (stored encrypted); nothing was fetched", harvest_job)
            return None
        try:
            settings.redact_paths()  # a broken site policy stops the run before anything changes
        except tk.ValidationError as error:
            self._save_gather_error(f"Invalid site configuration: {_format_errors(error.error_dict)}", harvest_job)
            return None
        config.source_id = source.id  # its secret resolves for this source only
        self._repair_index_left_behind()
        self._prune_history(source.id)
        since = self.incremental_since(harvest_job, config)
        log.info("Gathering %s (%s listing) from %s", source.title or source.id, f"incremental since {since}" if since else "full", without_userinfo(source.url))

        paths = sorted(set(settings.redact_paths() + config.redact_paths))
        spool = Spool(settings.cache_dir())
        problems: list[Problem] = []
        try:
            try:
                progress = Progress("releases read")
                for release in self.iter_releases(source.url, config, since, problems):
                    if not ocid_prefix_ok(str(release.get("ocid")), config.ocid_prefixes):
                        problems.append(Problem("warning", f"ocid {release.get('ocid')!r} has none of the accepted prefixes "
                                                f"({', '.join(config.ocid_prefixes)}): skipped", "ocid", release.get("ocid"), release.get("id")))
                        continue
                    # redacted as soon as read (copy-on-write, cheap): nothing withheld is written anywhere,
                    # not even the spool, and harvest objects only ever hold redacted releases
                    release, withheld = redact(release, paths)
                    spool.add(str(release["ocid"]), json.dumps(release), note="\n".join(withheld))
                    progress.step()
            except (GatherAbort, FetchError, OcdsError, ConfigError) as error:
                message = without_snippet(str(error), paths)
                self._save_gather_error(f"Gather stopped, nothing was changed or withdrawn: {message}", harvest_job)
                return None
            # the job report is read by the source's editors: no withheld value in it either
            self._report_problems(process.without_withheld_values(problems, paths), harvest_job)
            ocds_extensions.remember(source.id, config.declared_extensions, replace=since is None)
            return self._create_objects(harvest_job, config, spool, full=since is None)
        finally:
            spool.close()

    def _report_problems(self, problems: list[Problem], job: HarvestJob) -> None:
        for problem in problems[:MAX_GATHER_PROBLEMS]:
            self._save_gather_error(str(problem), job)  # "Warning: <ocid> at <path>: <message>"
        if len(problems) > MAX_GATHER_PROBLEMS:
            self._save_gather_error(f"... and {len(problems) - MAX_GATHER_PROBLEMS} more problems", job)

    def _create_objects(self, job: HarvestJob, config: SourceConfig, spool: Spool, full: bool) -> list[str]:
        """Harvest objects for the run, written in batches, then handed over (`_hand_over`). They wait
        in their own state until the last batch is written: nothing is imported by a gather that fails
        halfway (ckanext-harvest then deletes the job's objects), and a cron's `harvester run` during a
        long gather queues none.

        Unchanged processes get an object that is already complete ("not
        modified" in the job report) and never reaches the fetch queue, so a
        re-harvest with nothing changed costs little more than reading the feed.
        """
        known = ProcurementRecord.for_source(job.source_id)
        paths = settings.redact_paths() + config.redact_paths
        batch_size = tk.config.get("ckanext.procurement.harvest.batch_size")
        ids: list[str] = []
        seen: set[str] = set()
        rows: list[dict] = []
        extras: list[dict] = []
        pending_bytes = [0]
        unchanged_guids: list[str] = []
        counts = {CHANGED: 0, UNCHANGED: 0, DELETE: 0}
        progress = Progress("processes gathered")
        now = datetime.datetime.utcnow()
        job_id, source_id = job.id, job.source_id

        def add(ocid: str, status: str, content: str | None, package_id: str | None = None) -> None:
            row = tables.object_row(ocid, job_id, source_id, content, package_id, now)
            if status == UNCHANGED:
                tables.mark_not_modified(row, now)
                unchanged_guids.append(ocid)
            else:
                ids.append(row["id"])
            rows.append(row)
            extras.append(tables.extra_row(row["id"], STATUS_KEY, status))
            counts[status] += 1
            pending_bytes[0] += len(content or "")
            if len(rows) >= batch_size or pending_bytes[0] >= BATCH_CONTENT_BYTES:
                flush()

        def flush() -> None:
            tables.write_objects(source_id, rows, extras, demoted_guids=unchanged_guids)
            model.Session.commit()
            unchanged_guids.clear()
            progress.step(len(rows))
            rows.clear()
            extras.clear()
            pending_bytes[0] = 0

        for ocid, bodies, withheld in spooled_processes(spool):
            seen.add(ocid)
            if ocid not in known:
                # new to the catalog, so nothing to compare: the (redacted) releases go on as they were read
                add(ocid, CHANGED, object_content("[" + ",".join(bodies) + "]", withheld))
                continue
            digest, state, package_id = known[ocid]
            releases = [json.loads(body) for body in bodies]
            if not full:
                stored = ProcurementRecord.get(ocid)
                releases = process.merge_releases(stored.releases if stored else [], releases)
                withheld = sorted(set(withheld) | set(stored.withheld if stored else []))
            # redacting again changes nothing; the hash covers the policy, as procurement_process_save's does
            if state == "active" and process.prepare(releases, paths).releases_hash == digest:
                add(ocid, UNCHANGED, None, package_id)
            else:
                add(ocid, CHANGED, object_content(json.dumps(releases), withheld))
        if full:
            for ocid, (digest, state, package_id) in known.items():
                if ocid not in seen and state == "active":
                    add(ocid, DELETE, None)
        if rows:
            flush()
        log.info("Gathered %d processes: %d new or changed, %d unchanged, %d withdrawn",
                 sum(counts.values()), counts[CHANGED], counts[UNCHANGED], counts[DELETE])
        return self._hand_over(job_id, ids)

    @staticmethod
    def _hand_over(job_id: str, ids: list[str]) -> list[str]:
        """The gathered objects go on to fetch and import: WAITING, as ckanext-harvest expects.

        ckanext-harvest's gather consumer queues the ids a gather returns, one by one, once they are
        WAITING; a `harvester run` meanwhile (it re-queues every WAITING object missing from the fetch
        queue) queues the rest twice, and a copy delivered after the job finished turns an imported
        object into an error. Under that consumer the gather queues them itself, and only then makes
        them WAITING (for `harvester run` to queue again, should Redis lose them). Any other caller
        (ckanext-harvest's run-test, `ckan procurement harvest`) gets the ids to fetch and import."""
        to_fetch = ids
        if ids and _called_by_gather_consumer():
            to_fetch = []
            try:
                publisher = queue.get_fetch_publisher()
                for object_id in ids:
                    publisher.send({"harvest_object_id": object_id})
                publisher.close()
            except Exception as error:  # noqa: BLE001 - Redis away: `harvester run` queues them once it is back
                log.warning("Could not put the gathered objects on the fetch queue (%s): they wait for "
                            "`ckan harvester run` to queue them", error)
        tables.release_gathered(job_id)
        model.Session.commit()
        return to_fetch

    # --- fetch -----------------------------------------------------------------

    def fetch_stage(self, harvest_object: HarvestObject):
        # gather already holds the releases (unchanged processes never get here)
        earlier = tables.earlier_import(harvest_object)
        if earlier is not None:  # a second delivery of the object: its import stands
            if earlier == tables.NOT_MODIFIED:
                return "unchanged"
            if earlier == tables.ERRORED:
                return False
            self._imported_before.add(harvest_object.id)
        return True

    # --- import ----------------------------------------------------------------

    def import_stage(self, harvest_object: HarvestObject):
        if harvest_object.id in self._imported_before:
            # ckanext-harvest then reports it again from the database (added, updated, deleted)
            self._imported_before.discard(harvest_object.id)
            return True
        # indexed in the dataset's transaction as always; Solr's commit waits for the job's end
        with import_indexing.indexing_for_import():
            return self._import_object(harvest_object)

    def _import_object(self, harvest_object: HarvestObject):
        ocid = harvest_object.guid
        # only withdrawals come without releases: spare the others a query for the status extra
        status = CHANGED if harvest_object.content else self._status(harvest_object)
        # the harvester needs only the dataset's id: spare package_show the work of a full dict
        context = {"user": self._get_user_name(), "ignore_auth": True, "model": model, "session": model.Session,
                   "return_id_only": True}
        if status == DELETE:
            try:
                return self._withdraw(harvest_object, context)
            except SearchIndexError:
                return self._index_unavailable(harvest_object)

        config, owner_org = self._job_settings(harvest_object)
        releases, withheld = read_object_content(harvest_object.content)
        existing = identity.package_for_ocid(ocid)  # by the exact ocid, never by the derived name
        package_id = existing.id if existing is not None else str(uuid.uuid4())
        # linked before the dataset is saved, so ckanext-harvest indexes it with its source;
        # a new dataset has no earlier object to demote (purging a dataset deletes its objects)
        self._link(harvest_object, package_id, demote_others=existing is not None)
        try:
            result = tk.get_action("procurement_process_save")(context, {
                "id": package_id,
                "releases": releases,
                "withheld_paths": withheld,
                "owner_org": owner_org,
                "private": config.keep_private,
                "redact_paths": config.redact_paths,
                "redaction_reason": config.redaction_reason,
                "harvest_source_id": harvest_object.harvest_source_id,
                "license_id": config.license,  # for new processes; None: the site's default
            })
        except (tk.ValidationError, OcdsError) as error:
            model.Session.rollback()  # unlink: the previous object stays current
            message = _format_errors(error.error_dict) if isinstance(error, tk.ValidationError) else str(error)
            self._save_object_error(f"{ocid}: {message}", harvest_object, "Import")
            return False
        except SearchIndexError:
            return self._index_unavailable(harvest_object)
        for problem in result["problems"]:
            self._save_object_error(f"{problem['severity'].capitalize()}: {ocid}: {problem['message']} (at {problem['path']})",
                                    harvest_object, "Import")
        # ckanext-harvest commits the object's COMPLETE state and its report status in two saves: set
        # here, the status goes with the state, so a consumer killed between them leaves no completed
        # object the job's report doesn't count
        harvest_object.report_status = REPORT_STATUS.get(result["status"], "updated")
        return "unchanged" if result["status"] == "unchanged" else True

    def _index_unavailable(self, harvest_object: HarvestObject) -> bool:
        """Solr is away: the dataset's change and its record were rolled back together; the
        consumer lives on, and the next run finds the stored record behind the source and redoes it."""
        model.Session.rollback()
        self._save_object_error(tk._("{ocid}: the search index was unavailable; nothing was saved, "
                                     "the next harvest does it again").format(ocid=harvest_object.guid), harvest_object, "Import")
        return False

    def _withdraw(self, harvest_object: HarvestObject, context: dict) -> bool:
        """Withdraw, never purge: the dataset and its record stay, restorable by a later harvest."""
        record = ProcurementRecord.get(harvest_object.guid)
        if record is None:
            return True
        try:
            with consistency.saving(record.package_id):  # deleting unindexes before it commits
                tk.get_action("package_delete")(dict(context), {"id": record.package_id})
        except tk.ObjectNotFound:
            pass
        tables.unlink(harvest_object, record.package_id)
        harvest_object.report_status = "deleted"  # with the state, as above
        log.info("Withdrew %s: it is no longer in the source", harvest_object.guid)
        return True

    @staticmethod
    def _link(harvest_object: HarvestObject, package_id: str, demote_others: bool) -> None:
        if demote_others:
            tables.demote_others(harvest_object)
        # a new dataset is inserted later in this transaction
        tables.link(harvest_object, package_id)

    @staticmethod
    def _status(harvest_object: HarvestObject) -> str:
        for extra in harvest_object.extras:
            if extra.key == STATUS_KEY:
                return extra.value
        return CHANGED

    def _job_settings(self, harvest_object: HarvestObject) -> tuple[SourceConfig, str | None]:
        """The source's config and organization, read once per job rather than once per process."""
        cached = getattr(self, "_settings_cache", None)
        if cached is None or cached[0] != harvest_object.harvest_job_id:
            source = model.Package.get(harvest_object.harvest_source_id)
            config = self.parse_config(harvest_object.source.config)
            cached = self._settings_cache = (harvest_object.harvest_job_id, config, source.owner_org if source else None)
        return cached[1], cached[2]


def object_content(releases_json: str, withheld: list[str]) -> str:
    """A changed process's harvest object: its redacted releases and what they withhold."""
    return '{"releases": ' + releases_json + ', "withheld": ' + json.dumps(withheld) + "}"


def read_object_content(content: str) -> tuple[list[dict], list[str]]:
    payload = json.loads(content)
    if isinstance(payload, list):  # gathered before the content held what was withheld
        return payload, []
    return payload["releases"], payload.get("withheld") or []


def without_snippet(message: str, withheld_paths: list[str]) -> str:
    """An invalid-JSON error quotes the feed where it broke, which may be a withheld value: with
    anything withheld, the quote goes."""
    return re.sub(r""" near (['"]).*?(?<!\\)\1""", "", message) if withheld_paths else message


def _format_errors(error_dict: dict[str, Any]) -> str:
    parts = []
    for key, messages in error_dict.items():
        if isinstance(messages, list):
            messages = "; ".join(str(m) for m in messages)
        parts.append(f"{key}: {messages}")
    return " | ".join(parts)
