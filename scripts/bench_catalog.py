#!/usr/bin/env python
"""`make bench BENCH_ARGS="--size 100000"`: the portal at the size it is built for, measured.

A catalog of N harvested demo processes plus 1,000 ordinary datasets is built
once and kept between runs, in a database (`ckan_catalog_N`) and a Solr core
(`catalog_N`) of its own, so the figures can be measured again without
reloading (`--rebuild-catalog` builds it anew). Building it is the first
figure: ckanext-harvest's gather consumer and two fetch consumers load the N
processes from the demo purchasing system, against the floor of plain
`package_create` measured on a sample of the same datasets in the same run.

Then, every run, each figure against its baseline from the same run:
- `/contracting-process/` with all its facets, a free-text query, a facet
  filter and each sort, against CKAN's own `/dataset/` page over as many
  datasets (the 1,000 ordinary ones plus copies of one in the index, as
  CKAN's search page reads its results from there), the two rendered in
  turns so that a drift of the machine reaches both sides of the ratio;
- the page and `procurement_record_show` of a process with 100 releases;
  `/opportunities` and its Atom feed (targets in milliseconds);
- `search-index rebuild` of the whole catalog (or `--rebuild-sample` of its datasets), against
  the same rebuild without this extension's indexing hook, a chunk at a time both ways in turns;
- the database's bytes per process;
- a load run (`scripts/bench_load.py`: 8 clients for 60 s, loopback only)
  against the portal under gunicorn while an incremental harvest (1% of the
  processes changed) runs through the consumers.

Usage: scripts/bench.sh --size 100000 [--rebuild-sample 10000] [--load-seconds 60] [--rebuild-catalog]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

ORDINARY_DATASETS = 1_000
FLOOR_SAMPLE = 1_000
LONG_PROCESS_OCID = "ocds-demo01-bench-100-releases"
SEED = 2026
# the public's searches of the process page: all facets, text, a facet filter, every sort it offers
SEARCHES = ["/contracting-process/", "/contracting-process/?q=services", "/contracting-process/?main_category=works",
            "/contracting-process/?q=road&main_category=works",
            "/contracting-process/?sort=tender_end_date+asc", "/contracting-process/?sort=value_sort+desc",
            "/contracting-process/?sort=value_sort+asc", "/contracting-process/?sort=metadata_modified+desc",
            "/contracting-process/?sort=title_string+asc"]
TARGETS = {"search_ratio": 1.2, "process_ms": 300, "opportunities_ms": 500, "rebuild_ratio": 1.3}


def place(size: int) -> dict[str, str]:
    """The catalog's own database, Solr core and site id, created when missing; set in the environment
    before CKAN loads its configuration."""
    import sqlalchemy as sa

    server = os.environ["CKAN_SQLALCHEMY_URL"].rsplit("/", 1)[0]
    database = f"ckan_catalog_{size}"
    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).scalar():
            connection.execute(sa.text(f'CREATE DATABASE "{database}" ENCODING \'UTF8\' TEMPLATE template0'))
    engine.dispose()

    solr = os.environ["CKAN_SOLR_URL"].rstrip("/").rsplit("/", 1)[0]
    core = f"catalog_{size}"
    import requests

    status = requests.get(f"{solr}/admin/cores", params={"action": "STATUS", "core": core, "wt": "json"}, timeout=60).json()
    if not status["status"].get(core):
        home = Path(os.environ.get("PROCUREMENT_STATE_DIR", ROOT / ".services")) / "solr" / "home"
        if not (home / core / "conf").exists():
            shutil.copytree(home / "ckan" / "conf", home / core / "conf")
        requests.get(f"{solr}/admin/cores", params={"action": "CREATE", "name": core, "instanceDir": core,
                                                     "wt": "json"}, timeout=300).raise_for_status()
    places = {"CKAN_SQLALCHEMY_URL": f"{server}/{database}", "CKAN_SOLR_URL": f"{solr}/{core}",
              "CKAN_SITE_ID": f"procurement_catalog_{size}"}
    os.environ.update(places)
    subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", os.environ.get("CKAN_INI", str(ROOT / "test.ini")),
                    "db", "init"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return places


def state_file(size: int) -> Path:
    return ROOT / "bench-results" / f"catalog-{size}.json"


def built_state(size: int) -> dict | None:
    """What the last build measured, when the catalog still holds what it built."""
    import ckan.model as model

    path = state_file(size)
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    model.Session.remove()
    processes = model.Session.query(model.Package).filter(model.Package.type == "contracting-process",
                                                          model.Package.state == "active").count()
    return state if processes == state.get("datasets") else None


def ordinary_datasets(org_id: str, user: str, count: int) -> list[str]:
    import ckan.plugins.toolkit as tk

    topics = ["Street trees", "Bus stops", "Building permits", "Restaurant inspections", "Parking citations",
              "Library branches", "Park facilities", "311 service requests", "Traffic counts", "Budget"]
    ids = []
    for index in range(count):
        topic = topics[index % len(topics)]
        ids.append(tk.get_action("package_create")({"user": user}, {
            "name": f"open-data-{index}", "title": f"{topic} {2015 + index % 11} ({index})", "owner_org": org_id,
            "notes": f"{topic} of the city, as published by its department. " * 5,
            "tags": [{"name": topic.split()[0].lower()}, {"name": "city"}],
            "resources": [{"url": f"http://127.0.0.1/{index}.{ext}", "format": ext} for ext in ("csv", "json", "xlsx")],
        }, )["id"])
    return ids


def build(size: int, consumers: int) -> dict:
    """The floor on a sample, then the catalog: the harvest of N processes, the ordinary datasets, a
    100-release process, and index-only copies of an ordinary dataset for CKAN's /dataset/ baseline."""
    import ckan.plugins.toolkit as tk
    from ckan.lib.search.common import make_connection

    import bench
    import bench_insights
    from ckanext.procurement.demo.server import DemoServer

    state: dict = {"size": size, "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    with DemoServer(processes=size, seed=SEED) as demo:
        bench.reset()
        user, org = bench.setup_portal()
        sample = bench.floor_datasets(demo, min(size, FLOOR_SAMPLE), org["id"])
        started = time.perf_counter()
        for fields in sample:
            tk.get_action("package_create")({"user": user["name"]}, dict(fields))
        floor_seconds = time.perf_counter() - started
        state["floor"] = {"datasets": len(sample), "seconds": floor_seconds,
                          "per_second": len(sample) / floor_seconds}

        bench.reset()
        user, org = bench.setup_portal()
        source = tk.get_action("harvest_source_create")({"user": user["name"]}, {
            "name": "city-purchasing", "title": "City purchasing system", "url": demo.releases_url + "?limit=1000",
            "source_type": "ocds", "owner_org": org["id"]})
        first = bench.harvest_with_consumers(source["id"], user["name"], consumers)
    datasets = first["stats"].get("added", 0)
    state["first_load"] = dict(first, datasets=datasets, per_second=datasets / first["seconds"],
                               vs_floor=(datasets / first["seconds"]) / state["floor"]["per_second"],
                               hours_for_100000=100_000 / (datasets / first["seconds"]) / 3600)
    ordinary = ordinary_datasets(org["id"], user["name"], ORDINARY_DATASETS)
    # under an ocid of its own: the demo purchasing system numbers its processes alike
    releases = [dict(release, ocid=LONG_PROCESS_OCID) for release in bench.long_process_releases()]
    long_process = tk.get_action("procurement_process_save")({"user": user["name"]}, {
        "releases": releases, "owner_org": org["id"]})["package"]
    connection = make_connection()
    rows = [(f"00000000-0000-4000-8000-{index:012d}", f"index-only-dataset-{index}")
            for index in range(max(0, size - ORDINARY_DATASETS))]
    bench_insights.copy_documents(connection, ordinary[0], rows)
    connection.commit(waitSearcher=True)
    state.update(datasets=datasets + 1, source_id=source["id"], user=user["name"], org_id=org["id"],
                 long_process=long_process["name"], ordinary=len(ordinary), index_only=len(rows))
    state_file(size).parent.mkdir(parents=True, exist_ok=True)
    state_file(size).write_text(json.dumps(state, indent=2))
    return state


def pages(app, state: dict) -> dict:
    import ckan.plugins.toolkit as tk
    from werkzeug.test import Client

    import bench

    client = Client(app)
    paired = {url: bench.paired_median_ms(client, url, "/dataset/") for url in SEARCHES}
    name = state["long_process"]
    with app._wsgi_app.test_request_context():
        token = tk.get_action("api_token_create")({"user": state["user"]}, {"user": state["user"], "name": "bench"})["token"]
    record = f"/api/3/action/procurement_record_show?id={name}"
    single = {f"/contracting-process/{name}": bench.median_ms(client, f"/contracting-process/{name}"),
              record: bench.median_ms(client, record, headers={"Authorization": token}),
              "/opportunities": bench.median_ms(client, "/opportunities"),
              "/opportunities.atom": bench.median_ms(client, "/opportunities.atom")}
    return {"dataset_page_ms": statistics.median(baseline for _ms, baseline in paired.values()),
            "searches": {url: {"ms": ms, "dataset_ms": baseline, "ratio": ms / baseline} for url, (ms, baseline) in paired.items()},
            "pages": single}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_run(state: dict, seconds: float, clients: int, changed_share: float = 0.01) -> dict:
    """The portal under gunicorn (two workers, one a core) while an incremental harvest runs."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import requests

    import bench_load
    from ckanext.procurement.demo.server import DemoServer

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CKAN_INI=os.environ.get("CKAN_INI", str(ROOT / "test.ini")))
    venv = ROOT / ".venv" / "bin"
    portal = subprocess.Popen([str(venv / "gunicorn"), "ckanext.procurement.wsgi:application", "--workers", "2",
                               "--bind", f"127.0.0.1:{port}", "--timeout", "120"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    command = [str(venv / "ckan"), "-c", env["CKAN_INI"], "harvester"]
    consumers = [subprocess.Popen(command + [name], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for name in ("gather-consumer", "fetch-consumer", "fetch-consumer")]
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(base + "/api/3/action/status_show", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or portal.poll() is not None:
                raise RuntimeError("the portal did not start under gunicorn")
            time.sleep(1)
        with DemoServer(processes=state["size"], seed=SEED) as demo:
            ocids = [demo.system.ocid(i) for i in range(state["size"]) if demo.system.releases(i)]
            # other processes each run: the same ones would publish the same change again, found unchanged
            step, runs = int(1 / changed_share), state.get("load_runs", 0)
            changed = ocids[runs % step:: step]
            state["load_runs"] = runs + 1
            state_file(state["size"]).write_text(json.dumps(state, indent=2))
            for ocid in changed:
                demo.change(ocid)
            context = {"user": state["user"]}
            tk.get_action("harvest_source_patch")(dict(context), {"id": state["source_id"],
                                                                  "url": demo.releases_url + "?limit=1000"})
            job = tk.get_action("harvest_job_create")(dict(context), {"source_id": state["source_id"], "run": True})
            time.sleep(5)  # the gather is under way
            result = bench_load.run(base, clients, seconds)
            status = tk.get_action("harvest_job_show")(dict(context), {"id": job["id"]})["status"]
            result["harvest_status_during_run"] = status
            started = time.monotonic()
            while status != "Finished":  # the catalog is left complete for the next run
                time.sleep(2)
                model.Session.remove()
                tk.get_action("harvest_jobs_run")(dict(context), {"source_id": state["source_id"]})
                status = tk.get_action("harvest_job_show")(dict(context), {"id": job["id"]})["status"]
                if any(proc.poll() is not None for proc in consumers):
                    raise RuntimeError("a harvest consumer died")
            result["harvest_stats"] = tk.get_action("harvest_job_show")(dict(context), {"id": job["id"]})["stats"]
            result["harvest_finished_after_run_s"] = time.monotonic() - started
            result["changed"] = len(changed)
        return result
    finally:
        for proc in consumers + [portal]:
            proc.terminate()
        for proc in consumers + [portal]:
            proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rebuild-catalog", action="store_true", help="build the catalog anew")
    parser.add_argument("--fetch-consumers", type=int, default=2)
    parser.add_argument("--rebuild-sample", type=int, default=0, help="rebuild this many datasets (0: the whole catalog)")
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "catalog-latest.json"))
    args = parser.parse_args()

    place(args.size)
    import bench

    app = bench.boot()
    results: dict = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     "size": args.size}

    def save() -> None:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2))

    with app._wsgi_app.test_request_context():
        state = None if args.rebuild_catalog else built_state(args.size)
        results["reused"] = state is not None
        if state is None:
            state = build(args.size, args.fetch_consumers)
        results["build"] = {key: state[key] for key in ("built", "floor", "first_load", "datasets", "ordinary",
                                                         "index_only")}
        bytes_now = bench.database_bytes()
        results["bytes_per_process"] = sum(bytes_now.values()) / state["datasets"]
        results["bytes"] = bytes_now
        save()
    results["pages"] = pages(app, state)
    save()
    with app._wsgi_app.test_request_context():
        results["rebuild"] = bench.bench_rebuild(args.rebuild_sample or None)
    save()
    if args.load_seconds:
        import ckan.model as model

        with app._wsgi_app.test_request_context():
            results["load"] = load_run(state, args.load_seconds, args.clients)
        model.Session.remove()
        save()
    print(report(results))
    print(f"(written to {args.out})")
    return 0


def report(results: dict) -> str:
    build = results["build"]
    first, floor = build["first_load"], build["floor"]
    lines = [f"## {results['size']:,} processes, {results['date'][:10]} (catalog built {build['built'][:10]}"
             f"{', reused' if results['reused'] else ''})", "", "| measurement | figure | target |", "|---|---|---|",
             f"| first load, {first['datasets']:,} processes, gather + {first['fetch_consumers']} fetch consumers | "
             f"{first['seconds'] / 60:.1f} min, {first['per_second']:.1f}/s, **{first['vs_floor']:.2f}x** the "
             f"package_create floor ({floor['per_second']:.1f}/s on {floor['datasets']:,}); "
             f"{first['searchable_when_finished']:,} searchable when Finished | ≥ 3x, < 1 h |"]
    pages = results["pages"]
    for url, figures in pages["searches"].items():
        lines.append(f"| `{url}` | {figures['ms']:.0f} ms, **{figures['ratio']:.2f}x** CKAN's `/dataset/` "
                     f"({figures['dataset_ms']:.0f} ms, rendered in turns) | ≤ {TARGETS['search_ratio']}x |")
    for url, ms in pages["pages"].items():
        target = TARGETS["opportunities_ms"] if "opportunities" in url else TARGETS["process_ms"]
        lines.append(f"| `{url}` | **{ms:.0f} ms** | < {target} ms |")
    rebuild = results["rebuild"]
    lines.append(f"| `search-index rebuild`, {rebuild['datasets']:,} datasets | {rebuild['seconds']:.0f} s, "
                 f"**{rebuild['ratio']:.2f}x** the rebuild without the hook ({rebuild['without_hooks_seconds']:.0f} s) "
                 f"| ≤ {TARGETS['rebuild_ratio']}x |")
    lines.append(f"| database per process | {results['bytes_per_process'] / 1024:.1f} kB "
                 f"({sum(results['bytes'].values()) / 2**30:.2f} GiB in all) | reported |")
    load = results.get("load")
    if load:
        lines.append(f"| load, {load['clients']} clients for {load['seconds']:.0f} s during an incremental harvest "
                     f"({load['changed']:,} changed) | {load['requests_per_second']:.1f} req/s; p50 "
                     f"{load['p50_ms']:.0f} ms, p95 **{load['p95_ms']:.0f} ms**, max {load['max_ms']:.0f} ms; "
                     f"**{load['errors']} errors** | 0 errors, p95 < 1 s |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
