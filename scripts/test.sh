#!/usr/bin/env bash
# Runs the whole test suite against the real services (after scripts/setup.sh).
# Without arguments (make test) it then runs CKAN's and ckanext-harvest's own
# dataset, search and dataset page suites without and with the extension and
# compares their failures (PROCUREMENT_CORE_TESTS=0 skips that, =1 forces it).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CKAN=.venv/bin/ckan
PYTHON=.venv/bin/python
# the services of this checkout (their ports come from PROCUREMENT_*_PORT), test databases
eval "$(scripts/services.sh env)"
export CKAN_SQLALCHEMY_URL="${CKAN_SQLALCHEMY_URL%/*}/ckan_test"
export CKAN_SOLR_URL
export CKAN_REDIS_URL="${CKAN_REDIS_URL%/*}/2"
mkdir -p .services/storage-test test-artifacts
"$CKAN" -c test.ini db init >/dev/null || exit 1
"$CKAN" -c test.ini db pending-migrations --apply >/dev/null || exit 1

core_tests="${PROCUREMENT_CORE_TESTS:-}"
[ -z "$core_tests" ] && { [ $# -eq 0 ] && core_tests=1 || core_tests=0; }

if [ "$core_tests" != 1 ]; then
    "$PYTHON" -m pytest "$@"
    rc=$?
    if [ $rc -eq 5 ]; then
        echo "pytest collected no tests: that is a failure here" >&2
        exit 1
    fi
    exit $rc
fi

reports=test-artifacts/junit
mkdir -p "$reports"
"$PYTHON" -m pytest --junitxml="$reports/procurement.xml" "$@" | tee "$reports/procurement.log"
rc=${PIPESTATUS[0]}
if [ $rc -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here" >&2
    rc=1
fi

# CKAN's own tests reset the database their own way (dropping the harvest
# tables and ours): that is part of what they check
site="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
core_suites=(
    "$site/ckan/tests/logic/action/test_create.py"
    "$site/ckan/tests/logic/action/test_update.py"
    "$site/ckan/tests/logic/action/test_get.py"
    "$site/ckan/tests/controllers/test_package.py"
    "$site/ckanext/harvest/tests/test_action.py"
)
for run in without with; do
    ini=test-ckan-core.ini
    [ $run = without ] && ini=test-ckan-core-without.ini
    echo "== CKAN's and ckanext-harvest's suites $run the extension ($ini)"
    # their failures are compared below, not counted here
    "$PYTHON" -m pytest --ckan-ini "$ini" -p no:randomly -q -rfE --junitxml="$reports/core-$run.xml" \
        "${core_suites[@]}" > "$reports/core-$run.log" 2>&1
    tail -n 1 "$reports/core-$run.log"
done
"$PYTHON" scripts/compare_core_tests.py "$reports/core-without.xml" "$reports/core-with.xml"
compared=$?

# the closing line: our suite's counts, the comparison counted as one more test
"$PYTHON" - "$reports/procurement.xml" "$compared" <<'PY'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
try:
    for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        if kinds & {"failure", "error"}:
            failed += 1
        elif "skipped" in kinds:
            skipped += 1
        else:
            passed += 1
except (OSError, ET.ParseError):
    failed += 1  # our suite left no report
if sys.argv[2] == "0":
    passed += 1
else:
    failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
[ $rc -eq 0 ] && [ $compared -eq 0 ]
exit $?
