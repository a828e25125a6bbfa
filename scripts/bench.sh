#!/usr/bin/env bash
# `make bench`: benchmark figures, as ratios against baselines run in the same process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
.venv/bin/ckan -c test.ini db init >/dev/null 2>&1 || true
exec .venv/bin/python scripts/bench.py "$@"
