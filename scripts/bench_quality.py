#!/usr/bin/env python
"""Benchmark of the publication quality figures: the first computation for N processes (every release
validated against the OCDS schema) and a recompute after a harvest (validation kept by releases hash),
against the time of simply reading the same compiled releases once (same process, same database), and
the peak memory of the computation (in a process of its own, against that process's baseline), and the
time of the portal's quality page at that size.

Usage: .venv/bin/python scripts/bench_quality.py [--processes 100000]
The processes are inserted with SQL into the benchmark's own database (ckan_bench, as scripts/bench.py,
with scripts/bench_bulk.py's processes), so that the figure is the computation's, not a harvest's.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark database, site id and boot)
import bench_bulk  # noqa: E402  (the same processes)


def measure() -> None:
    """In a process of its own: reading the records once, then the first computation and a recompute."""
    app = bench.boot()
    with app._wsgi_app.test_request_context():
        from ckanext.procurement import published, quality

        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        def plain_read() -> float:
            started = time.perf_counter()
            for record, _ in published.stream(published.records(), quality.BATCH_SIZE):
                record.compiled_release, record.releases  # noqa: B018 (loaded, as the computation loads them)
            return time.perf_counter() - started

        plain_read()  # the first read warms PostgreSQL's cache: every measured run reads warm
        plain = plain_read()
        after_plain = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        counts = quality.recompute()
        first = time.perf_counter() - started
        peak_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        quality.recompute()  # nothing changed: every validation is kept by the releases' hash
        again = time.perf_counter() - started
        print(json.dumps({
            "processes": sum(counts.values()), "plain_seconds": plain,
            "first_seconds": first, "first_ratio": first / plain,
            "recompute_seconds": again, "recompute_ratio": again / plain,
            "baseline_rss_mb": baseline / 1024, "after_plain_rss_mb": after_plain / 1024,
            "peak_first_rss_mb": peak_first / 1024,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }))


def page_ms(app, renders: int = 7) -> float:
    """Median time of the portal's publication quality page, through the whole WSGI stack: it shows
    the stored figures, never computes them on a request."""
    import statistics

    from werkzeug.test import Client

    client = Client(app)
    client.get("/publication-quality")  # warm templates and caches
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        response = client.get("/publication-quality")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000


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
        bench_bulk.populate(args.processes)
        from ckan import model

        model.Session.remove()
        model.meta.engine.dispose()
    child = subprocess.run([sys.executable, __file__, "--measure"], capture_output=True, text=True, timeout=14400)
    if child.returncode != 0:
        print(child.stderr[-3000:], file=sys.stderr)
        return 1
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    figures["page_ms"] = page_ms(app)
    print(f"publication quality, {figures['processes']:,} processes: first computation {figures['first_seconds']:.0f} s, "
          f"{figures['first_ratio']:.1f}x reading the records once ({figures['plain_seconds']:.1f} s); recompute "
          f"without changes {figures['recompute_seconds']:.0f} s ({figures['recompute_ratio']:.1f}x); peak RSS "
          f"{figures['peak_rss_mb']:.0f} MB (baseline {figures['baseline_rss_mb']:.0f} MB, after reading "
          f"{figures['after_plain_rss_mb']:.0f} MB); the portal's quality page {figures['page_ms']:.0f} ms (median of 7)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
