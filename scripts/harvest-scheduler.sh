#!/usr/bin/env bash
# ckanext-harvest's scheduler, what cron does in production: every PERIOD
# seconds `ckan harvester run` creates the jobs of due sources (frequency
# ALWAYS: every run), finishes the jobs whose objects are all imported and
# applies the job timeout; once a day `ckan procurement refresh-status`.
# `make demo` runs it in the background (scripts/demo.sh).
#
#   scripts/harvest-scheduler.sh CKAN_INI [PERIOD_SECONDS]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INI="${1:?usage: $0 CKAN_INI [PERIOD_SECONDS]}"
PERIOD="${2:-30}"
CKAN="${CKAN:-$ROOT/.venv/bin/ckan}"
cycles_a_day=$(( 86400 / PERIOD ))
cycle=0
log() { printf '%s [scheduler] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

while true; do
    "$CKAN" -c "$INI" harvester run || log "harvester run failed (exit $?)"
    if [ $((cycle % cycles_a_day)) -eq 0 ]; then
        "$CKAN" -c "$INI" procurement refresh-status || log "refresh-status failed (exit $?)"
    fi
    cycle=$((cycle + 1))
    sleep "$PERIOD"
done
