#!/usr/bin/env python
"""A bounded load run against a running portal (`make demo`, or a portal built by `make bench`):
N concurrent clients for S seconds, a mix of what the public asks for (search with facets, free
text, a facet filter and sorts, process pages, the opportunities page and its Atom feed, the
action API and the OCDS API), optionally while a harvest job of the portal's sources runs.
Reports requests per second, p50/p95/max latency and errors (5xx, timeouts, refused connections).

Usage: .venv/bin/python scripts/bench_load.py [--url http://127.0.0.1:5000] [--clients 8] [--seconds 60]
                                             [--harvest] [--api-token-file .services/demo/api-token] [--out FILE]
Only loopback addresses are accepted: the run never sends traffic anywhere else.
"""
from __future__ import annotations

import argparse
import ipaddress
import itertools
import json
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent


def loopback_only(url: str) -> str:
    host = urlparse(url).hostname or ""
    if not all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)):
        raise SystemExit(f"{url}: not a loopback address; the load run only talks to this machine")
    return url.rstrip("/")


def paths(base: str, sample: int = 40) -> list[str]:
    """What the clients ask for, in a fixed mix: every kind of page, several processes."""
    found = requests.get(f"{base}/api/3/action/package_search", timeout=60, params={
        "fq": "+dataset_type:contracting-process", "rows": sample, "fl": "name"}).json()["result"]["results"]
    names = [hit["name"] for hit in found]
    if not names:
        raise SystemExit("the portal has no public contracting process to ask for")
    searches = ["/contracting-process/", "/contracting-process/?q=services", "/contracting-process/?status=open",
                "/contracting-process/?sort=value_sort+desc", "/contracting-process/?sort=metadata_modified+desc",
                "/contracting-process/?ext_open=1", "/contracting-process/?main_category=works&sort=tender_end_date+asc"]
    others = ["/opportunities", "/opportunities.atom", "/api/3/action/package_search?q=road&rows=20",
              "/api/ocds/releases?limit=100", "/dataset/"]
    pages = [f"/contracting-process/{name}" for name in names]
    records = [f"/api/3/action/procurement_record_show?id={name}" for name in names[:10]]
    # a process page or a search every other request, the rest spread over the others
    mix = list(itertools.chain.from_iterable(zip(itertools.cycle(searches), pages)))
    return mix + others * 4 + records


def start_harvests(base: str, token: str) -> list[str]:
    """A job for every harvest source of the portal, run by the portal's own consumers."""
    headers = {"Authorization": token}
    sources = requests.get(f"{base}/api/3/action/harvest_source_list", headers=headers, timeout=60).json()["result"]
    jobs = []
    for source in sources:
        response = requests.post(f"{base}/api/3/action/harvest_job_create", headers=headers, timeout=60,
                                 json={"source_id": source["id"], "run": True})
        if response.ok:
            jobs.append(response.json()["result"]["id"])
    return jobs


def run(base: str, clients: int, seconds: float) -> dict:
    mix = paths(base)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        for path in itertools.islice(itertools.cycle(mix), offset, None):
            if time.monotonic() >= stop_at:
                return
            started = time.perf_counter()
            try:
                status = session.get(base + path, timeout=30).status_code
                problem = f"HTTP {status} {path.split('?')[0]}" if status >= 500 else None
            except requests.RequestException as error:
                problem = f"{type(error).__name__} {path.split('?')[0]}"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors[problem] = errors.get(problem, 0) + 1

    threads = [threading.Thread(target=client, args=(index * 7,)) for index in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    ordered = sorted(latencies)
    return {"clients": clients, "seconds": took, "requests": len(ordered), "requests_per_second": len(ordered) / took,
            "p50_ms": statistics.median(ordered) * 1000, "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
            "max_ms": ordered[-1] * 1000, "errors": sum(errors.values()), "error_kinds": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--harvest", action="store_true", help="start a harvest job of every source first")
    parser.add_argument("--api-token-file", default=str(ROOT / ".services" / "demo" / "api-token"))
    parser.add_argument("--out")
    args = parser.parse_args()
    base = loopback_only(args.url)
    jobs = start_harvests(base, Path(args.api_token_file).read_text().strip()) if args.harvest else []
    result = dict(run(base, args.clients, args.seconds), harvest_jobs=jobs)
    print(f"{result['clients']} clients, {result['seconds']:.0f} s{' during a harvest' if jobs else ''}: "
          f"{result['requests']} requests, {result['requests_per_second']:.1f}/s; p50 {result['p50_ms']:.0f} ms, "
          f"p95 {result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms; {result['errors']} errors "
          f"{result['error_kinds'] or ''}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
