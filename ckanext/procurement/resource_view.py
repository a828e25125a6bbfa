"""The `ocds_lifecycle` resource view: a contracting process's lifecycle
for an OCDS JSON file (release or record package) attached to any dataset.

Resources of a dataset that has a stored OCDS record (a harvested or saved
contracting process) show that record, already redacted, and nothing is
fetched. Other files are read on the server, streaming (ocds.parse.FeedReader),
and only the chosen process is compiled and rendered: a large file is never
sent to the browser. Uploaded files are read from CKAN's storage; URL
resources are fetched through the shared Fetcher (ckanext.procurement.fetch:
the harvests' address checks, a size limit and a total deadline), once per
URL and resource version: the download, or why it failed, is kept in the
cache folder for `ckanext.procurement.resource_view.cache_ttl` seconds, so
page views read the local copy and a slow URL costs one deadline per period,
not one per view. CKAN renders a view on the resource page (and its view
route) only, never on the dataset page. When the file holds several
processes, a search box (a GET form, no JavaScript) picks one by ocid or
title; at most MAX_MATCHES are listed.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from contextlib import contextmanager
from typing import Any, BinaryIO, Iterator
from urllib.parse import urlencode

import ckan.plugins as p
import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

OCDS_FORMATS = {"json", "ocds", "application/json", "ocds json", "jsonl", "json lines"}
MAX_MATCHES = 50
MAX_BYTES = 50 * 1024 * 1024
FETCH_TIMEOUT = 20
ERROR_TTL = 300  # seconds a failed download is remembered (at most cache_ttl)


class ViewError(Exception):
    """Why the file can't be shown (a translated sentence for the page)."""


class OcdsLifecycleView(p.SingletonPlugin):
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IConfigurer)

    # IConfigurer

    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    # IResourceView

    def info(self):
        return {
            "name": "ocds_lifecycle",
            "title": tk._("Contract lifecycle"),
            "icon": "clock",
            "iframed": False,
            "always_available": False,
            "default_title": tk._("Contract lifecycle"),
        }

    def can_view(self, data_dict):
        resource = data_dict["resource"]
        fmt = (resource.get("format") or "").strip().lower()
        url = (resource.get("url") or "").lower().split("?")[0]
        return fmt in OCDS_FORMATS or url.endswith((".json", ".jsonl", ".json.gz"))

    def setup_template_variables(self, context, data_dict):
        view = data_dict.get("resource_view") or {}
        package = data_dict.get("package") or {}
        stored = stored_lifecycle(package)
        if stored is not None:
            return {"ocds": stored}
        return {"ocds": explore(data_dict["resource"], tk.request.args.get("ocid", ""), tk.request.args.get("q", ""),
                                view_id=view.get("id"), base_path=tk.request.path)}

    def view_template(self, context, data_dict):
        return "procurement/resource_view.html"

    def form_template(self, context, data_dict):
        return "procurement/resource_view_form.html"


# --- reading the file -------------------------------------------------------------------------

@contextmanager
def open_resource(resource: dict[str, Any]) -> Iterator[BinaryIO]:
    """The resource's bytes: the uploaded file, or the URL's cached download."""
    if resource.get("url_type") == "upload":
        from ckan.lib import uploader

        path = uploader.get_resource_uploader(resource).get_path(resource["id"])
        if not path or not os.path.isfile(path):
            raise ViewError(tk._("The uploaded file could not be found."))
        if os.path.getsize(path) > MAX_BYTES:
            raise ViewError(tk._("The file is too large to show here ({limit} MB at most); download it instead.").format(limit=MAX_BYTES // (1024 * 1024)))
        with open(path, "rb") as handle:
            yield handle
        return

    url = (resource.get("url") or "").strip()
    version = resource.get("last_modified") or resource.get("metadata_modified") or ""
    with open(cached_download(url, version), "rb") as handle:
        yield handle


# --- the download cache -------------------------------------------------------------------------

def _cache_ttl() -> int:
    return int(tk.config.get("ckanext.procurement.resource_view.cache_ttl"))


def _deadline() -> int:
    return int(tk.config.get("ckanext.procurement.resource_view.deadline"))


def _fresh(path: str, ttl: float) -> bool:
    try:
        return time.time() - os.path.getmtime(path) < ttl
    except OSError:
        return False


def _error_from(failure: dict[str, Any]) -> ViewError:
    """The page's sentence for a failed download (kept untranslated in the cache)."""
    if failure["kind"] == "unsafe":
        return ViewError(tk._("This resource's address can't be read by the portal (only public http and https addresses are)."))
    if failure["kind"] == "deadline":
        return ViewError(tk._("The file took longer than {seconds} seconds to download, so it can't be shown here; "
                              "download it instead.").format(seconds=failure["seconds"]))
    if failure["kind"] == "too_large":
        return ViewError(tk._("The file is too large to show here ({limit} MB at most); download it instead.").format(limit=MAX_BYTES // (1024 * 1024)))
    if failure.get("status"):
        return ViewError(tk._("The file could not be downloaded: the server answered HTTP {status}.").format(status=failure["status"]))
    # no more detail on a public page: it would tell which internal hosts exist and answer
    return ViewError(tk._("The file could not be downloaded: the server could not be reached or its answer was not usable."))


def cached_download(url: str, version: str) -> str:
    """The path of a local copy of `url` (for this resource version), downloading it if needed."""
    from ckanext.procurement import settings

    folder = os.path.join(settings.cache_dir(), "resource-view")
    os.makedirs(folder, exist_ok=True)
    key = hashlib.sha256(f"{url}\n{version}".encode("utf-8")).hexdigest()
    data_path, error_path = os.path.join(folder, key + ".data"), os.path.join(folder, key + ".error")
    ttl = _cache_ttl()
    if _fresh(data_path, ttl):
        return data_path
    if _fresh(error_path, min(ttl, ERROR_TTL)):
        with open(error_path, encoding="utf-8") as handle:
            raise _error_from(json.load(handle))
    with open(os.path.join(folder, key + ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another request is downloading it: don't wait for it
            raise ViewError(tk._("The file is being downloaded; reload this page in a moment."))
        failure = download(url, data_path)
        if failure:
            with open(error_path, "w", encoding="utf-8") as handle:
                json.dump(failure, handle)
            raise _error_from(failure)
    _prune(folder, ttl)
    return data_path


def download(url: str, path: str) -> dict[str, Any] | None:
    """Fetch `url` into `path` within the deadline; return why it failed, or None."""
    from ckanext.procurement import settings
    from ckanext.procurement.fetch import DeadlineError, Fetcher, FetchError, HTTPStatusError, TooLargeError, UnsafeURLError

    fetcher = Fetcher(timeout=FETCH_TIMEOUT, retries=0, max_bytes=MAX_BYTES, deadline=_deadline(),
                      allow_private=settings.allow_private_addresses())
    partial = f"{path}.{os.getpid()}.part"
    try:
        with fetcher.open(url) as (stream, _response), open(partial, "wb") as out:
            while chunk := stream.read(65536):
                out.write(chunk)
        os.replace(partial, path)
        return None
    except UnsafeURLError as error:
        log.info("ocds_lifecycle: refused %r: %s", url, error)
        return {"kind": "unsafe"}
    except DeadlineError as error:
        log.info("ocds_lifecycle: gave up on %r: %s", url, error)
        return {"kind": "deadline", "seconds": f"{error.seconds:g}"}
    except TooLargeError as error:
        log.info("ocds_lifecycle: %s", error)
        return {"kind": "too_large"}
    except FetchError as error:
        log.info("ocds_lifecycle: could not fetch %r: %s", url, error)
        return {"kind": "fetch", "status": error.status if isinstance(error, HTTPStatusError) else ""}
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _prune(folder: str, ttl: float) -> None:
    """Forget downloads (and their locks) older than the cache period."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith((".data", ".error", ".lock")) and not _fresh(path, ttl):
            try:
                os.remove(path)
            except OSError:
                pass


# --- the stored record of a contracting process --------------------------------------------------

def stored_lifecycle(package: dict[str, Any]) -> dict[str, Any] | None:
    """The view's variables from the dataset's stored (redacted) OCDS record, or None if it has none."""
    from ckanext.procurement import lifecycle
    from ckanext.procurement.model import ProcurementRecord

    if not package.get("id") or ProcurementRecord.by_package(package["id"]) is None:
        return None
    result: dict[str, Any] = {"error": None, "query": "", "selected": "", "view_id": None, "total": 1, "matches": [],
                              "match_count": 0, "lc": None, "max_matches": MAX_MATCHES, "base_path": "", "all_url": ""}
    try:
        # procurement_record_show applies the dataset's visibility rules again, for the
        # signed-in user (CKAN gives views an empty context)
        user = tk.current_user if tk.current_user and tk.current_user.is_authenticated else None
        record = tk.get_action("procurement_record_show")(
            {"user": user.name if user else "", "auth_user_obj": user}, {"id": package["id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        result["error"] = tk._("This contracting process's record is not available.")
        return result
    result["selected"] = record["ocid"]
    try:
        result["lc"] = lifecycle.from_dataset(package, record)
    except Exception:  # releases no one foresaw: say so rather than fail the resource page
        log.exception("ocds_lifecycle: could not build the lifecycle of %s", record["ocid"])
        result["error"] = tk._("The releases of this process could not be read.")
    return result


def _release_title(release: dict) -> str:
    from ckanext.procurement.ocds.access import obj, objs

    planning = obj(release.get("planning"))
    candidates = [obj(release.get("tender")).get("title"), obj(planning.get("project")).get("title")]
    candidates += [o.get("title") for block in ("contracts", "awards") for o in objs(release.get(block))]
    return next((c.strip() for c in candidates if isinstance(c, str) and c.strip()), "")


def scan(stream: BinaryIO, selected: str, query: str, exact_integers: bool = False) -> dict[str, Any]:
    """One streaming pass: every process's ocid, title and release count, the releases of
    the selected one (or of the only one), and up to MAX_MATCHES processes matching `query`."""
    from ckanext.procurement.ocds.parse import FeedReader

    counts: dict[str, int] = {}
    titles: dict[str, str] = {}
    chosen: list[dict] = []
    first: list[dict] = []
    for release, _position in FeedReader(stream, exact_integers=exact_integers).releases():
        if not isinstance(release, dict):
            continue
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip():
            continue
        counts[ocid] = counts.get(ocid, 0) + 1
        title = _release_title(release)
        if title:
            titles[ocid] = title
        if selected:
            if ocid == selected:
                chosen.append(release)
        elif len(counts) == 1:
            first.append(release)
    if not selected and len(counts) == 1:
        selected, chosen = next(iter(counts)), first
    needle = query.strip().casefold()
    matches = []
    for ocid, count in counts.items():
        title = titles.get(ocid, "")
        if needle and needle not in ocid.casefold() and needle not in title.casefold():
            continue
        matches.append({"ocid": ocid, "title": title or ocid, "releases": count})
    return {
        "total": len(counts),
        "selected": selected if chosen else "",
        "releases": chosen,
        "match_count": len(matches),
        "matches": matches[:MAX_MATCHES],
    }


def _scan_resource(resource: dict[str, Any], selected: str, query: str) -> dict[str, Any]:
    from ckanext.procurement.ocds.errors import IntegerTooLong

    try:
        with open_resource(resource) as stream:
            return scan(stream, selected, query)
    except IntegerTooLong:  # valid JSON the fast parser can't read: read again (cached) with the exact one
        with open_resource(resource) as stream:
            return scan(stream, selected, query, exact_integers=True)


def explore(resource: dict[str, Any], selected: str = "", query: str = "", *, view_id: str | None = None,
            base_path: str = "") -> dict[str, Any]:
    """Everything the view template needs: an error, or the list of processes and/or one lifecycle."""
    from ckanext.procurement import lifecycle, process, settings
    from ckanext.procurement.ocds.errors import FeedError

    selected, query = (selected or "").strip()[:200], (query or "").strip()[:200]
    result: dict[str, Any] = {"error": None, "query": query, "selected": selected, "view_id": view_id,
                              "total": 0, "matches": [], "match_count": 0, "lc": None, "max_matches": MAX_MATCHES,
                              "base_path": base_path}
    try:
        found = _scan_resource(resource, selected, query)
    except ViewError as error:
        result["error"] = str(error)
        return result
    except FeedError as error:
        result["error"] = tk._("The file is not OCDS data this view can read: {error}").format(error=str(error)[:300])
        return result
    except (OSError, ValueError) as error:
        log.warning("ocds_lifecycle: could not read resource %s: %s", resource.get("id"), error)
        result["error"] = tk._("The file could not be read.")
        return result

    result.update(total=found["total"], match_count=found["match_count"])
    for match in found["matches"]:
        params = {"ocid": match["ocid"]}
        if view_id:
            params = {"view_id": view_id, **params}
        match["url"] = f"{base_path}?{urlencode(params)}"
    result["matches"] = found["matches"]
    if selected and not found["releases"]:
        result["error"] = tk._("No contracting process with ocid {ocid} is in this file.").format(ocid=selected)
    if found["releases"]:
        prepared = process.prepare(found["releases"], settings.redact_paths())
        if prepared.releases and not prepared.errors:
            result["selected"] = found["selected"]
            try:
                result["lc"] = lifecycle.from_releases(prepared.releases, withheld=prepared.withheld)
            except Exception:  # releases no one foresaw: say so rather than fail the resource page
                log.exception("ocds_lifecycle: could not build the lifecycle of %s", found["selected"])
                result["error"] = tk._("The releases of this process could not be read.")
        else:
            result["error"] = tk._("The releases of this process could not be read.")
    if view_id:
        result["all_url"] = f"{base_path}?{urlencode({'view_id': view_id})}"
    else:
        result["all_url"] = base_path
    return result
