#!/usr/bin/env bash
# `make bench`: benchmark figures, as ratios against baselines run in the same process.
# Arguments go to scripts/bench.py (harvests, pages, gather memory, the OCDS API); then the bulk
# files are regenerated for PROCUREMENT_BENCH_BULK_PROCESSES processes (default 100,000; 0 skips), and
# the publication quality figures computed for PROCUREMENT_BENCH_QUALITY_PROCESSES (default 100,000; 0 skips),
# and the insight pages timed at PROCUREMENT_BENCH_INSIGHTS_PROCESSES (default 100,000; 0 skips).
# With --size N, only the catalog benchmark at N processes runs (scripts/bench_catalog.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# the services of this checkout (their ports come from PROCUREMENT_*_PORT), the benchmark's own database
eval "$(scripts/services.sh env)"
export CKAN_SQLALCHEMY_URL="${CKAN_SQLALCHEMY_URL%/*}/ckan_bench" CKAN_SOLR_URL CKAN_REDIS_URL
.venv/bin/ckan -c test.ini db init >/dev/null 2>&1 || true
# --size N: the portal at N processes, in a catalog kept between runs (scripts/bench_catalog.py), alone
for arg in "$@"; do
    case "$arg" in --size|--size=*) exec .venv/bin/python scripts/bench_catalog.py "$@" ;; esac
done
.venv/bin/python scripts/bench.py "$@"
BULK_PROCESSES="${PROCUREMENT_BENCH_BULK_PROCESSES:-100000}"
if [ "$BULK_PROCESSES" != "0" ]; then
    .venv/bin/python scripts/bench_bulk.py --processes "$BULK_PROCESSES"
fi
QUALITY_PROCESSES="${PROCUREMENT_BENCH_QUALITY_PROCESSES:-100000}"
if [ "$QUALITY_PROCESSES" != "0" ]; then
    .venv/bin/python scripts/bench_quality.py --processes "$QUALITY_PROCESSES"
fi
INSIGHTS_PROCESSES="${PROCUREMENT_BENCH_INSIGHTS_PROCESSES:-100000}"
if [ "$INSIGHTS_PROCESSES" != "0" ]; then
    .venv/bin/python scripts/bench_insights.py --processes "$INSIGHTS_PROCESSES"
fi
