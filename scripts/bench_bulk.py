#!/usr/bin/env python
"""Benchmark of the bulk files: regenerating the whole portal's files for N processes, against the time of
simply writing the same compiled releases to one JSON Lines file (same process, same database), and the
peak memory of the regeneration (in a process of its own, against that process's baseline).

Usage: .venv/bin/python scripts/bench_bulk.py [--processes 100000]
The processes (datasets and their records) are inserted with SQL into the benchmark's own database
(ckan_bench, as scripts/bench.py), so that the figure is the regeneration's, not a harvest's.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark database, site id and boot)


def _release(ocid: str, n: int, year: int) -> dict:
    return {
        "ocid": ocid, "id": f"{ocid}-{n}", "date": f"{year}-0{n + 1}-15T10:00:00Z", "tag": ["tender"],
        "initiationType": "tender", "buyer": {"id": "buyer-1", "name": "Department of Streets and Sanitation"},
        "tender": {"id": f"{ocid}-tender", "title": f"Snow removal services, lot {n}", "status": "active",
                   "description": "Removal of snow and ice from city streets and sidewalks. " * 8,
                   "value": {"amount": 125000.0 + n, "currency": "USD"}},
        "awards": [{"id": f"{ocid}-award-{n}", "status": "active",
                    "suppliers": [{"id": "supplier-1", "name": "Acme Plowing Inc."}]}],
        "parties": [{"id": "buyer-1", "name": "Department of Streets and Sanitation", "roles": ["buyer"]},
                    {"id": "supplier-1", "name": "Acme Plowing Inc.", "roles": ["supplier"]}],
    }


def populate(processes: int) -> None:
    """N public processes of one organization: package rows and their records, inserted in batches."""
    import sqlalchemy as sa

    from ckan import model

    bench.reset()
    _, org = bench.setup_portal()
    batch = 2000
    for start in range(0, processes, batch):
        packages, records = [], []
        for i in range(start, min(start + batch, processes)):
            ocid, package_id = f"ocds-b3nch1-{i:07d}", str(uuid.uuid4())
            releases = [_release(ocid, n, 2018 + i % 8) for n in range(3)]
            compiled = dict(releases[-1], id=f"{ocid}-compiled", tag=["compiled"])
            packages.append({"id": package_id, "name": ocid, "title": ocid, "type": "contracting-process",
                             "state": "active", "private": False, "owner_org": org["id"]})
            records.append({"ocid": ocid, "package_id": package_id, "releases": json.dumps(releases),
                            "compiled_release": json.dumps(compiled), "releases_hash": ocid, "withheld": "[]"})
        model.Session.execute(sa.text(
            "INSERT INTO package (id, name, title, type, state, private, owner_org, metadata_created, metadata_modified)"
            " VALUES (:id, :name, :title, :type, :state, :private, :owner_org, now(), now())"), packages)
        model.Session.execute(sa.text(
            "INSERT INTO procurement_record (ocid, package_id, releases, compiled_release, releases_hash, withheld, modified)"
            " VALUES (:ocid, :package_id, CAST(:releases AS jsonb), CAST(:compiled_release AS jsonb), :releases_hash,"
            " CAST(:withheld AS jsonb), now())"), records)
        model.Session.commit()
    # planner statistics for the new rows, as autovacuum would give them a little later: without
    # them a keyset scan of the records can take a plan that reads the table once per batch
    model.Session.execute(sa.text("ANALYZE package; ANALYZE procurement_record"))
    model.Session.commit()


def measure() -> None:
    """In a process of its own: the plain JSON Lines write, then the regeneration, with peak RSS."""
    app = bench.boot()
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk

        from ckanext.procurement import published
        from ckanext.procurement.bulk import regenerate, storage, writers

        tk.config["ckanext.procurement.bulk.directory"] = tempfile.mkdtemp(prefix="bench-bulk-")
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        def plain_write() -> float:
            """The same read, serialized with the regeneration's own encoder, uncompressed."""
            started = time.perf_counter()
            with open(Path(tk.config["ckanext.procurement.bulk.directory"]) / "plain.jsonl", "wb") as out:
                for record, _ in published.stream(published.records()):
                    out.write(writers.encode(record.compiled_release) + b"\n")
            return time.perf_counter() - started

        plain_write()  # the first read warms PostgreSQL's cache: both measured runs read warm
        plain = plain_write()
        after_plain = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        manifest = regenerate.generate(storage.PORTAL)
        seconds = time.perf_counter() - started
        print(json.dumps({
            "processes": next(f["processes"] for f in manifest["files"] if f["name"] == "compiled-releases.jsonl.gz"),
            "files": len(manifest["files"]), "plain_seconds": plain, "seconds": seconds, "ratio": seconds / plain,
            "baseline_rss_mb": baseline / 1024, "after_plain_rss_mb": after_plain / 1024,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=100_000)
    parser.add_argument("--measure", action="store_true")
    args = parser.parse_args()
    if args.measure:
        measure()
        return 0
    app = bench.boot()
    with app._wsgi_app.test_request_context():
        populate(args.processes)
        from ckan import model

        model.Session.remove()
        model.meta.engine.dispose()
    child = subprocess.run([sys.executable, __file__, "--measure"], capture_output=True, text=True, timeout=7200)
    if child.returncode != 0:
        print(child.stderr[-3000:], file=sys.stderr)
        return 1
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"bulk regeneration, {figures['processes']:,} processes: {figures['seconds']:.0f} s, "
          f"{figures['ratio']:.2f}x plain JSON Lines ({figures['plain_seconds']:.0f} s); peak RSS "
          f"{figures['peak_rss_mb']:.0f} MB (baseline {figures['baseline_rss_mb']:.0f} MB)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
