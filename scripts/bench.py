#!/usr/bin/env python
"""Benchmarks of ckanext-procurement (`make bench`): prints a table and writes JSON.

Every figure is a ratio against a baseline measured in the same process, on
the same machine, just before or after:
- first harvest of N demo processes, by ckanext-harvest's gather consumer and
  two fetch consumers (processes of their own; --fetch-consumers), vs the floor:
  the same N datasets (same fields and resources) created with plain
  package_create calls in this process;
- re-harvest with nothing changed, and with 5% of processes changed, vs the
  first harvest;
- gather's peak memory on a 100,000-process feed (a separate process, so the
  figure is the gather's own);
- CKAN's `search-index rebuild` of the harvested processes vs the same rebuild without this
  extension's indexing hook;
- rendering a process page with 100 releases vs CKAN's own page of a plain dataset;
- crawling the OCDS API (/api/ocds/releases, 100 releases a page) at N processes,
  at the start and deep in the crawl, vs a plain SELECT of the same records.

Usage: .venv/bin/python scripts/bench.py [--sizes 2000,10000] [--gather-processes 100000] [--out bench-results/latest.json]
The database (ckan_bench) and site id are the benchmark's own: the test suite's data is never touched.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CKAN_SQLALCHEMY_URL", "postgresql://ckan:ckan@127.0.0.1:5433/ckan_bench")
os.environ.setdefault("CKAN_SITE_ID", "procurement_bench")
os.environ.setdefault("CKAN_INI", str(ROOT / "test.ini"))


def boot():
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    config = load_config(os.environ["CKAN_INI"])
    config["ckan.site_id"] = os.environ["CKAN_SITE_ID"]
    app = make_app(config)
    return app


_pooled_engine = None


def reset():
    import ckan.lib.search as search
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy
    from ckan.cli.db import _run_migrations
    from ckan.tests.helpers import reset_db

    global _pooled_engine
    if _pooled_engine is None:
        _pooled_engine = sqlalchemy.engine_from_config(tk.config, prefix="sqlalchemy.", pool_pre_ping=True)
    reset_db()
    for plugin in ("activity", "harvest", "procurement"):
        _run_migrations(plugin)
    search.clear_all()
    # CKAN's migrations rebind the session to a NullPool engine (a new connection
    # per transaction); a running CKAN keeps one pooled engine, so measure with that
    model.init_model(_pooled_engine)


def setup_portal():
    from ckan.tests import factories

    user = factories.Sysadmin()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "admin"}])
    return user, org


def harvest(source_id: str, user: str) -> dict:
    """One harvest job, inline, as `ckan procurement harvest` runs it."""
    from ckanext.procurement.harvesters.inline import run_job

    return run_job(source_id, user)


def _waiting_consumers() -> int:
    """Clients blocked on a Redis queue: a harvest consumer waiting for messages."""
    from ckan.lib.redis import connect_to_redis

    return sum(1 for client in connect_to_redis().client_list() if client.get("cmd") in ("blpop", "brpop"))


def _job_done(job_id: str) -> bool:
    """The job's gather has finished and none of its objects is waiting or being imported."""
    import ckan.model as model
    from ckanext.harvest.model import HarvestJob, HarvestObject

    job = model.Session.get(HarvestJob, job_id)
    if job is None or job.gather_finished is None:
        return False
    return not model.Session.query(HarvestObject.id).filter(
        HarvestObject.harvest_job_id == job_id, HarvestObject.state.notin_(["COMPLETE", "ERROR"])).first()


def harvest_with_consumers(source_id: str, user: str, fetch_consumers: int) -> dict:
    """One harvest job the production way: ckanext-harvest's gather consumer and `fetch_consumers`
    fetch consumers, each a process of its own, and `harvest_jobs_run` (cron's part) until the job
    is finished. Timed from the job's creation, with the consumers already waiting on their queues."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    command = [str(ROOT / ".venv" / "bin" / "ckan"), "-c", os.environ["CKAN_INI"], "harvester"]
    waiting = _waiting_consumers()
    consumers = [subprocess.Popen(command + [name], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for name in ["gather-consumer"] + ["fetch-consumer"] * fetch_consumers]
    try:
        deadline = time.monotonic() + 300
        while _waiting_consumers() < waiting + len(consumers):
            if time.monotonic() > deadline or any(proc.poll() is not None for proc in consumers):
                raise RuntimeError("the harvest consumers did not start")
            time.sleep(0.2)
        context = {"user": user}
        started = time.perf_counter()
        job = tk.get_action("harvest_job_create")(dict(context), {"source_id": source_id, "run": True})
        while True:
            time.sleep(0.25)
            model.Session.remove()
            # cron's `harvester run` only once the objects are done: run every 0.25 s, its re-queueing
            # of objects a consumer has just taken would deliver many twice
            if not _job_done(job["id"]):
                continue
            tk.get_action("harvest_jobs_run")(dict(context), {"source_id": source_id})
            shown = tk.get_action("harvest_job_show")(dict(context), {"id": job["id"]})
            if shown["status"] == "Finished":
                break
            if any(proc.poll() is not None for proc in consumers):
                raise RuntimeError("a harvest consumer died")
        seconds = time.perf_counter() - started
        # searchable the moment the job says it is finished
        found = tk.get_action("package_search")(dict(context), {"fq": "+dataset_type:contracting-process",
                                                                "rows": 0, "include_private": True})["count"]
    finally:
        for proc in consumers:
            proc.terminate()
        for proc in consumers:
            proc.wait(timeout=60)
    return {"job_id": job["id"], "status": shown["status"], "stats": shown.get("stats", {}),
            "seconds": seconds, "searchable_when_finished": found, "fetch_consumers": fetch_consumers}


def floor_datasets(demo, n: int, org_id: str) -> list[dict]:
    """The datasets a harvest of the same processes makes (computed before timing)."""
    from ckanext.procurement import dataset as process_dataset, process, settings
    from ckanext.procurement.ocds import compile_releases, summarize

    schema = settings.release_schema()
    dicts = []
    for index in range(n):
        releases = demo.system.releases(index)
        if not releases:
            continue
        prepared = process.prepare(releases, settings.redact_paths())
        summary = summarize(compile_releases(prepared.releases, schema), prepared.releases, schema=schema)
        fields = process_dataset.dataset_fields(summary)
        fields["name"] = "floor-" + fields["name"]
        fields["owner_org"] = org_id
        fields["resources"], _ = process_dataset.resources(summary["documents"])
        dicts.append(fields)
    return dicts


# what a contracting process costs in the database: its dataset, record, harvest objects, activities
STORAGE_TABLES = ("package", "package_extra", "resource", "package_tag", "procurement_record", "activity",
                  "harvest_object", "harvest_object_extra", "harvest_object_error")


def database_bytes() -> dict[str, int]:
    import ckan.model as model
    import sqlalchemy as sa

    model.Session.remove()
    with model.meta.engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
        return {table: connection.execute(sa.text("SELECT pg_total_relation_size(to_regclass(:t))"), {"t": table}).scalar() or 0
                for table in STORAGE_TABLES}


def bench_size(n: int, fetch_consumers: int = 2) -> dict:
    import ckan.plugins.toolkit as tk
    from ckanext.procurement.demo.server import DemoServer

    result = {"processes": n}
    with DemoServer(processes=n, seed=2026) as demo:
        reset()
        user, org = setup_portal()
        datasets = floor_datasets(demo, n, org["id"])
        started = time.perf_counter()
        for fields in datasets:
            tk.get_action("package_create")({"user": user["name"]}, dict(fields))
        result["floor_seconds"] = time.perf_counter() - started
        result["datasets"] = len(datasets)
        result["floor_bytes"] = database_bytes()

        reset()
        user, org = setup_portal()
        source = tk.get_action("harvest_source_create")({"user": user["name"]}, {
            "name": "bench", "url": demo.releases_url + "?limit=1000", "source_type": "ocds", "owner_org": org["id"]})
        def run() -> dict:
            if fetch_consumers:
                return harvest_with_consumers(source["id"], user["name"], fetch_consumers)
            return harvest(source["id"], user["name"])

        first = run()
        result["first"] = first
        result["first_bytes"] = database_bytes()
        unchanged = run()
        result["unchanged"] = unchanged
        ocids = [demo.system.ocid(i) for i in range(n) if demo.system.releases(i)]
        for ocid in ocids[:: 20]:  # 5%
            demo.change(ocid)
        result["changed_5pct"] = run()
        result["changed_count"] = len(ocids[::20])
        result["after_three_harvests_bytes"] = database_bytes()
        result["rebuild"] = bench_rebuild()
    result["first_vs_floor"] = result["first"]["seconds"] / result["floor_seconds"]
    result["unchanged_speedup"] = result["first"]["seconds"] / result["unchanged"]["seconds"]
    result["changed_speedup"] = result["first"]["seconds"] / result["changed_5pct"]["seconds"]
    result["records_per_second"] = result["datasets"] / result["first"]["seconds"]
    result["floor_records_per_second"] = result["datasets"] / result["floor_seconds"]
    return result


def bench_rebuild(sample: int | None = None, chunk: int = 2000) -> dict:
    """CKAN's `search-index rebuild` of the catalog's datasets, against the same rebuild without this
    extension's indexing hook (IPackageController.before_dataset_index: list facets, Solr dates, the
    value that counts, the review state, a site's IProcurement hooks).

    The datasets are rebuilt a chunk at a time, each chunk both ways in turns (which way first
    alternates, so neither side always finds the database warm): a drift of the machine during a
    long rebuild reaches both sides alike. The chunks last rebuilt without the hook are rebuilt
    with it at the end, untimed, so the index is left as it should be."""
    import ckan.model as model
    import ckan.plugins as plugins
    from ckan.lib import search

    from ckanext.procurement import dataset as process_dataset

    model.Session.remove()
    ids = [package_id for (package_id,) in model.Session.query(model.Package.id).filter(
        model.Package.state == "active").order_by(model.Package.id)]
    ids = ids[:sample] if sample else ids
    chunk = max(100, min(chunk, len(ids) // 10 or 1))

    plugin = plugins.get_plugin("procurement")
    # the baseline's hook only drops what CKAN's stock Solr schema cannot take (dates as published,
    # lists of objects): this instance only, for this measurement
    unindexable = set(process_dataset.LIST_FIELDS) | set(process_dataset.REPEATING) | {"withheld_paths"}

    def without_hook(pkg_dict: dict) -> dict:
        return {key: value for key, value in pkg_dict.items() if key not in unindexable and not key.endswith("_date")}

    def rebuild(package_ids: list[str], hooked: bool) -> float:
        if not hooked:
            plugin.before_dataset_index = without_hook
        try:
            started = time.perf_counter()
            search.rebuild(package_ids=package_ids, defer_commit=True, quiet=True)
            search.commit()
            return time.perf_counter() - started
        finally:
            plugin.__dict__.pop("before_dataset_index", None)

    seconds = {True: 0.0, False: 0.0}
    left_without_hook = []
    for number, start in enumerate(range(0, len(ids), chunk)):
        part = ids[start:start + chunk]
        order = (False, True) if number % 2 == 0 else (True, False)
        for hooked in order:
            seconds[hooked] += rebuild(part, hooked)
        if order[-1] is False:
            left_without_hook += part
    rebuild(left_without_hook, True)
    return {"datasets": len(ids), "chunk": chunk, "seconds": seconds[True], "without_hooks_seconds": seconds[False],
            "ratio": seconds[True] / seconds[False]}


def long_process_releases(count: int = 100) -> list[dict]:
    """The releases of a demo process that reached its contract, changed until it has `count` releases."""
    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=60, seed=9) as demo:
        index = next(i for i in range(60) if demo.system.stage(i) in ("contract", "implementation"))
        ocid = demo.system.ocid(index)
        while len(demo.system.releases(index)) < count:
            demo.change(ocid)
        return demo.system.releases(index)[:count]


def median_ms(client, url: str, renders: int = 7, headers: dict | None = None) -> float:
    """Median time of `renders` requests for `url` through the whole WSGI stack, after one to warm
    caches and templates; anything but 200 stops the benchmark."""
    client.get(url, headers=headers)
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return statistics.median(times) * 1000


def paired_median_ms(client, url: str, baseline_url: str, renders: int = 9) -> tuple[float, float]:
    """Median times of `url` and of its baseline, rendered in turns (after one of each to warm):
    a drift of the machine during the run (another process, Solr opening a searcher) reaches
    both sides of the ratio alike, not only the side measured while it lasted."""
    for warm in (url, baseline_url):
        client.get(warm)
    times: dict[str, list[float]] = {url: [], baseline_url: []}
    for _ in range(renders):
        for each in (baseline_url, url):
            started = time.perf_counter()
            response = client.get(each)
            times[each].append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{each}: HTTP {response.status_code}")
    return statistics.median(times[url]) * 1000, statistics.median(times[baseline_url]) * 1000


def bench_page(app) -> dict:
    """Median render time of a 100-release process page vs CKAN's page of a plain dataset."""
    import ckan.plugins.toolkit as tk
    from ckan.tests import factories

    with app._wsgi_app.test_request_context():
        reset()
        user = factories.SysadminWithToken()
        org = factories.Organization(users=[{"name": user["name"], "capacity": "admin"}])
        releases = long_process_releases()
        saved = tk.get_action("procurement_process_save")({"user": user["name"]}, {"releases": releases, "owner_org": org["id"]})
        plain = factories.Dataset(owner_org=org["id"], resources=[{"url": "https://example.com/data.csv"}] * 8)
    from werkzeug.test import Client

    client = Client(app)  # the whole WSGI stack, as a browser's request meets it

    process_ms = median_ms(client, f"/contracting-process/{saved['package']['name']}")
    plain_ms = median_ms(client, f"/dataset/{plain['name']}")
    return {"releases": len(releases), "process_page_ms": process_ms, "plain_dataset_page_ms": plain_ms,
            "ratio": process_ms / plain_ms}


BENCH_RELEASE = {
    "ocid": "", "id": "", "date": "", "tag": ["tender"], "initiationType": "tender", "language": "en",
    "buyer": {"id": "dept-parks", "name": "Department of Parks and Recreation"},
    "parties": [{"id": "dept-parks", "name": "Department of Parks and Recreation", "roles": ["buyer"],
                 "address": {"streetAddress": "121 Main Street", "locality": "Springfield", "postalCode": "62701"}}],
    "tender": {"id": "t1", "title": "Playground resurfacing at six parks", "status": "active",
               "description": "Removal of worn surfaces and installation of poured-in-place rubber surfacing. " * 3,
               "procurementMethod": "open", "mainProcurementCategory": "works",
               "value": {"amount": 250000, "currency": "USD"},
               "items": [{"id": str(n), "description": f"Surfacing lot {n}", "quantity": 1} for n in range(5)]},
}


def _fill_api_processes(n: int, org_id: str, releases_each: int = 3) -> None:
    """N public processes of `releases_each` releases, written straight to the tables (the API reads
    only them): what 100,000 harvested processes look like to the API, in seconds instead of hours."""
    import ckan.model as model
    import sqlalchemy as sa

    releases = ", ".join(
        f"jsonb_set(jsonb_set(jsonb_set(CAST(:template AS jsonb), '{{ocid}}', to_jsonb(o.ocid)), "
        f"'{{id}}', to_jsonb(o.ocid || '-{k}')), '{{date}}', to_jsonb(to_char(o.day + {k * 30}, 'YYYY-MM-DD') || 'T10:00:00Z'))"
        for k in range(releases_each))
    dates = ", ".join(f"CAST(o.day + {k * 30} AS timestamp) + interval '10 hours'" for k in range(releases_each))
    model.Session.execute(sa.text("""
        INSERT INTO package (id, name, title, type, state, private, owner_org, metadata_created, metadata_modified)
        SELECT 'bench-' || i, 'bench-' || i, 'Process ' || i, 'contracting-process', 'active', false, :org, now(), now()
        FROM generate_series(1, :n) AS i"""), {"org": org_id, "n": n})
    model.Session.execute(sa.text(f"""
        INSERT INTO procurement_record (ocid, package_id, releases, compiled_release, releases_hash, withheld,
                                        modified, release_dates)
        SELECT o.ocid, 'bench-' || o.i, jsonb_build_array({releases}), CAST(:template AS jsonb), md5(o.ocid), '[]',
               now() - o.i * interval '1 second', ARRAY[{dates}]
        FROM (SELECT i, 'ocds-bench-' || lpad(i::text, 7, '0') AS ocid, DATE '2015-01-01' + (i % 3000) AS day
              FROM generate_series(1, :n) AS i) AS o"""), {"template": json.dumps(BENCH_RELEASE), "n": n})
    model.Session.commit()
    # as autovacuum leaves a portal between harvests: statistics fresh, the visibility map set
    # (which lets the count read its index alone)
    with model.Session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE package"))
        connection.execute(sa.text("VACUUM ANALYZE procurement_record"))


def bench_api(app, n: int, pages: int = 30) -> dict:
    """Median and slowest time of a page of the OCDS API (100 releases), from the first page and
    from deep in the crawl, vs a plain SELECT of the same records in the same process."""
    import ckan.model as model
    import sqlalchemy as sa
    from werkzeug.test import Client

    from ckanext.procurement.api.params import Cursor

    with app._wsgi_app.test_request_context():
        reset()
        _, org = setup_portal()
        _fill_api_processes(n, org["id"])
    client = Client(app)

    def crawl(url: str) -> tuple[list[float], list[list[str]]]:
        times, ocids = [], []
        for _ in range(pages):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
            page = response.get_json()
            ocids.append(sorted({r["ocid"] for r in page["releases"]}))
            if "next" not in page.get("links", {}):
                break
            url = "/" + page["links"]["next"].split("://", 1)[1].split("/", 1)[1]
        return times, ocids

    def plain(ocid_pages: list[list[str]]) -> list[float]:
        """The floor: the same records' releases read with one indexed SELECT each page."""
        times = []
        with app._wsgi_app.test_request_context():
            for ocids in ocid_pages:
                started = time.perf_counter()
                model.Session.execute(sa.text(
                    "SELECT ocid, releases FROM procurement_record WHERE ocid >= :first ORDER BY ocid LIMIT :n"),
                    {"first": ocids[0], "n": len(ocids)}).fetchall()
                times.append(time.perf_counter() - started)
                model.Session.remove()
        return times

    client.get("/api/ocds/releases?limit=100")  # warm up
    # as a crawl 90% through would hold it (the count was taken on its first page)
    deep = Cursor(("ocds-bench-" + str(n * 9 // 10).zfill(7), "", 0), count=n * 3).encode()
    recent = (datetime.datetime.utcnow() - datetime.timedelta(seconds=n // 50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = {"processes": n, "pages": pages}
    for name, url in (("start", "/api/ocds/releases?limit=100"),
                      ("deep", f"/api/ocds/releases?limit=100&cursor={deep}"),
                      ("modified_since", f"/api/ocds/releases?limit=100&modified_since={recent}")):
        api_times, ocid_pages = crawl(url)
        floor = plain(ocid_pages)
        if name != "deep":  # a crawl's first page counts what the crawl holds; later pages carry the count
            result[name + "_first_page_ms"] = api_times.pop(0) * 1000
            floor.pop(0)
        result[name] = {"median_ms": statistics.median(api_times) * 1000, "max_ms": max(api_times) * 1000,
                        "plain_select_median_ms": statistics.median(floor) * 1000,
                        "ratio": statistics.median(api_times) / statistics.median(floor)}
    return result


def bench_gather_memory(processes: int) -> dict:
    """Runs gather alone in a child process against a demo system in another, and reads its peak RSS."""
    demo = subprocess.Popen([sys.executable, "-m", "ckanext.procurement.demo", "--port", "0", "--processes", str(processes)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = demo.stdout.readline().strip()
        url = line.split(" ", 1)[1]
        child = subprocess.run([sys.executable, __file__, "--gather-only", url + "/api/releases.json?limit=1000"],
                               capture_output=True, text=True, timeout=3600)
        if child.returncode != 0:
            raise RuntimeError(child.stderr[-2000:])
        return json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        demo.terminate()
        demo.wait(timeout=30)


def gather_only(url: str) -> None:
    app = boot()
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckanext.harvest import queue
        from ckanext.harvest.model import HarvestJob

        reset()
        user, org = setup_portal()
        source = tk.get_action("harvest_source_create")({"user": user["name"]}, {
            "name": "memory", "url": url, "source_type": "ocds", "owner_org": org["id"]})
        job = tk.get_action("harvest_job_create")({"user": user["name"]}, {"source_id": source["id"], "run": False})
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        ids = queue.gather_stage(queue.get_harvester("ocds"), HarvestJob.get(job["id"]))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"processes": len(ids or []), "seconds": time.perf_counter() - started,
                          "baseline_rss_mb": baseline / 1024, "peak_rss_mb": peak / 1024}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--gather-processes", type=int, default=100_000)
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "latest.json"))
    parser.add_argument("--api-processes", type=int, default=100_000)
    parser.add_argument("--only", choices=["api"], help="run just this benchmark")
    parser.add_argument("--gather-only")
    parser.add_argument("--fetch-consumers", type=int, default=2,
                        help="fetch consumer processes for the first harvest (0: inline, in this process)")
    args = parser.parse_args()
    if args.gather_only:
        gather_only(args.gather_only)
        return 0

    app = boot()
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "machine": f"{platform.machine()}, {os.cpu_count()} cores", "harvests": []}

    def save() -> None:  # after each step, so a long run keeps what it measured
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2))

    if args.api_processes:
        results["api"] = bench_api(app, args.api_processes)
        save()
        if args.only == "api":
            print(report(results))
            return 0
    results["page"] = bench_page(app)
    save()
    if args.gather_processes:
        import ckan.model as model

        model.Session.remove()  # the child resets the database: hold no connection to it
        model.meta.engine.dispose()
        results["gather_memory"] = bench_gather_memory(args.gather_processes)
        save()
    for size in [int(s) for s in args.sizes.split(",") if s]:
        with app._wsgi_app.test_request_context():
            results["harvests"].append(bench_size(size, args.fetch_consumers))
        save()
        print(report(results), file=sys.stderr)
    save()
    print(report(results))
    print(f"\n(written to {args.out})")
    return 0


def report(results: dict) -> str:
    lines = ["| measurement | figure | target |", "|---|---|---|"]
    for h in results["harvests"]:
        n = h["datasets"]
        how = (f"gather and {h['first']['fetch_consumers']} fetch consumers" if h["first"].get("fetch_consumers")
               else "inline, one process")
        lines.append(f"| first harvest, {n:,} processes ({how}) | {h['records_per_second']:.1f} records/s; "
                     f"**{1 / h['first_vs_floor']:.2f}x faster** than the package_create floor "
                     f"({h['floor_records_per_second']:.1f}/s) | ≥ 3x |")
        lines.append(f"| re-harvest, nothing changed, {n:,} | {h['unchanged_speedup']:.1f}x faster than the first | ≥ 10x |")
        lines.append(f"| re-harvest, 5% changed ({h['changed_count']:,}), {n:,} | {h['changed_speedup']:.1f}x faster than the first | |")
        if "rebuild" in h:
            r = h["rebuild"]
            lines.append(f"| `search-index rebuild`, {r['datasets']:,} processes | {r['seconds']:.1f} s, "
                         f"**{r['ratio']:.2f}x** the same rebuild without this extension's indexing hook "
                         f"({r['without_hooks_seconds']:.1f} s) | ≤ 1.3x |")
        if "first_bytes" in h:
            per = lambda key: sum(h[key].values()) / n / 1024  # noqa: E731
            lines.append(f"| database per process, {n:,} | {per('first_bytes'):.1f} kB after the first harvest, "
                         f"{per('after_three_harvests_bytes'):.1f} kB after three (CKAN's floor: {per('floor_bytes'):.1f} kB "
                         f"per dataset); tables: {', '.join(STORAGE_TABLES)} | reported |")
    if "api" in results:
        api = results["api"]
        for name in ("start", "modified_since"):
            label = "first page of a whole crawl" if name == "start" else "first page of a `modified_since` crawl (2%)"
            lines.append(f"| OCDS API, {label} (counts), {api['processes']:,} processes | "
                         f"{api[name + '_first_page_ms']:.0f} ms | < 200 ms |")
        for name, label in (("start", "pages after the first"), ("deep", "90% into the crawl"),
                            ("modified_since", "a `modified_since` crawl (2% changed)")):
            figures = api[name]
            lines.append(f"| OCDS API page (100 releases), {api['processes']:,} processes, {label} | "
                         f"median {figures['median_ms']:.0f} ms, slowest {figures['max_ms']:.0f} ms "
                         f"({figures['ratio']:.1f}x a plain SELECT of the same records, "
                         f"{figures['plain_select_median_ms']:.1f} ms) | < 200 ms |")
    if "page" not in results:
        return "\n".join(lines)
    page = results["page"]
    lines.append(f"| process page, {page['releases']} releases | {page['process_page_ms']:.0f} ms "
                 f"({page['ratio']:.2f}x CKAN's plain dataset page, {page['plain_dataset_page_ms']:.0f} ms) | well under 1 s |")
    if "gather_memory" in results:
        m = results["gather_memory"]
        lines.append(f"| gather peak memory, {m['processes']:,}-process feed | {m['peak_rss_mb']:.0f} MB "
                     f"(process baseline {m['baseline_rss_mb']:.0f} MB; {m['seconds']:.0f}s) | < 300 MB |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
