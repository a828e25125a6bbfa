#!/usr/bin/env bash
# Runs the whole test suite against the real services (after scripts/setup.sh).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CKAN=.venv/bin/ckan
# the services of this checkout (their ports come from PROCUREMENT_*_PORT), test databases
eval "$(scripts/services.sh env)"
export CKAN_SQLALCHEMY_URL="${CKAN_SQLALCHEMY_URL%/*}/ckan_test"
export CKAN_SOLR_URL
export CKAN_REDIS_URL="${CKAN_REDIS_URL%/*}/2"
mkdir -p .services/storage-test test-artifacts
"$CKAN" -c test.ini db init >/dev/null || exit 1
"$CKAN" -c test.ini db pending-migrations --apply >/dev/null || exit 1
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here" >&2
    exit 1
fi
exit $rc
