#!/usr/bin/env bash
# `make demo`: the portal with real-looking procurement data, in one command.
# Runs after scripts/setup.sh and scripts/ckan-ini.sh (the Makefile sees to it).
#
#   scripts/demo.sh [start]   set up, harvest once, then run everything in the background
#   scripts/demo.sh serve     only (re)start the background processes (no set-up, no first harvest)
#   scripts/demo.sh stop      stop the background processes (`make stop` does)
#   scripts/demo.sh status
#
# The background processes, each in its own process group with a pid file
# and a log under .services/demo/: the demo purchasing system, the portal
# under gunicorn (several workers), ckanext-harvest's gather and fetch
# consumers and its scheduler (scripts/harvest-scheduler.sh), and CKAN's job
# worker (`ckan jobs worker`: it regenerates the bulk download files after
# each harvest that changed something). The demo
# harvest source's frequency is ALWAYS, so the scheduler starts a harvest at
# every run: advancing the purchasing system's clock shows new releases on
# the portal within a minute or two, with no command typed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
INI="${PROCUREMENT_CKAN_INI:-ckan.ini}"
CKAN=".venv/bin/ckan -c $INI"
HOST="${PROCUREMENT_CKAN_HOST:-127.0.0.1}"
PORT="${PROCUREMENT_CKAN_PORT:-5000}"
WORKERS="${PROCUREMENT_CKAN_WORKERS:-3}"
HARVEST_PERIOD="${PROCUREMENT_HARVEST_PERIOD:-30}"
DEMO_PORT="${PROCUREMENT_DEMO_PORT:-8765}"
DEMO_PROCESSES="${PROCUREMENT_DEMO_PROCESSES:-500}"
DEMO_DIR="${PROCUREMENT_STATE_DIR:-$ROOT/.services}/demo"
ADMIN=admin
ADMIN_PASSWORD="${PROCUREMENT_ADMIN_PASSWORD:-procurement-demo}"
# started in this order, stopped in the reverse one
PROCESSES=(purchasing portal gather fetch fetch2 jobs scheduler)
log() { printf '[demo] %s\n' "$*" >&2; }

# --- background processes ---------------------------------------------------

pid_alive() { [ -f "$DEMO_DIR/$1.pid" ] && kill -0 "$(cat "$DEMO_DIR/$1.pid")" 2>/dev/null; }

start_bg() {  # start_bg NAME COMMAND...: a new session (so a process group of its own), a pid file, a log
    local name=$1; shift
    if pid_alive "$name"; then
        log "$name already running"
        return
    fi
    setsid "$@" </dev/null >"$DEMO_DIR/$name.log" 2>&1 &
    echo $! >"$DEMO_DIR/$name.pid"
}

stop_bg() {  # stop_bg NAME: the process group it started (gunicorn's workers, the scheduler's ckan runs)
    local name=$1 pid i
    if pid_alive "$name"; then
        pid=$(cat "$DEMO_DIR/$name.pid")
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 120; i++)); do
            kill -0 -- "-$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        log "$name stopped"
    fi
    rm -f "$DEMO_DIR/$name.pid"
}

wait_until() {  # wait_until SECONDS NAME COMMAND...: COMMAND succeeds while NAME runs
    local seconds=$1 name=$2 i; shift 2
    for ((i = 0; i < seconds * 2; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        pid_alive "$name" || break
        sleep 0.5
    done
    tail -n 30 "$DEMO_DIR/$name.log" >&2
    log "$name did not start (see $DEMO_DIR/$name.log)"
    return 1
}

start_purchasing() {
    if pid_alive purchasing; then
        log "demo purchasing system already running"
        return
    fi
    rm -f "$DEMO_DIR/ready"
    start_bg purchasing .venv/bin/python -m ckanext.procurement.demo \
        --port "$DEMO_PORT" --processes "$DEMO_PROCESSES" --ready-file "$DEMO_DIR/ready"
    wait_until 60 purchasing test -s "$DEMO_DIR/ready"
}

start_portal() {
    # CKAN's WSGI app under a production server: several worker processes
    start_bg portal env CKAN_INI="$(realpath "$INI")" .venv/bin/gunicorn ckanext.procurement.wsgi:application \
        --workers "$WORKERS" --bind "$HOST:$PORT" --timeout 120 --graceful-timeout 20 --access-logfile -
    wait_until 180 portal curl -fsS "http://127.0.0.1:$PORT/api/3/action/status_show"
}

start_harvest_loop() {
    start_bg gather .venv/bin/ckan -c "$INI" harvester gather-consumer
    # two fetch consumers, one a core: ckanext-harvest's queue hands each object to one of them
    start_bg fetch .venv/bin/ckan -c "$INI" harvester fetch-consumer
    start_bg fetch2 .venv/bin/ckan -c "$INI" harvester fetch-consumer
    start_bg jobs .venv/bin/ckan -c "$INI" jobs worker
    start_bg scheduler scripts/harvest-scheduler.sh "$INI" "$HARVEST_PERIOD"
}

serve() {
    mkdir -p "$DEMO_DIR"
    start_purchasing
    start_portal
    start_harvest_loop
    log "portal on http://$HOST:$PORT ($WORKERS gunicorn workers); harvest consumers, job worker and scheduler (every ${HARVEST_PERIOD}s) running"
}

stop() {
    local i
    for ((i = ${#PROCESSES[@]} - 1; i >= 0; i--)); do stop_bg "${PROCESSES[$i]}"; done
}

status() {
    local name rc=0
    for name in "${PROCESSES[@]}"; do
        if pid_alive "$name"; then echo "$name: running"; else echo "$name: stopped"; rc=3; fi
    done
    return $rc
}

# --- the demo ---------------------------------------------------------------

start() {
    log "database"
    $CKAN db init >/dev/null
    $CKAN db pending-migrations --apply >/dev/null

    if ! $CKAN user show "$ADMIN" 2>/dev/null | grep -q "name=$ADMIN"; then
        log "creating the sysadmin $ADMIN"
        $CKAN user add "$ADMIN" email=admin@springfield.example password="$ADMIN_PASSWORD" >/dev/null
    fi
    $CKAN sysadmin add "$ADMIN" >/dev/null 2>&1 || true
    mkdir -p "$DEMO_DIR"
    if [ ! -s "$DEMO_DIR/api-token" ]; then
        $CKAN user token add "$ADMIN" demo | tail -n 1 | tr -d '[:space:]' > "$DEMO_DIR/api-token"
    fi

    start_purchasing
    local demo_url="http://127.0.0.1:$DEMO_PORT"
    log "demo purchasing system at $demo_url"

    $CKAN procurement demo-setup --url "$demo_url" --admin "$ADMIN"
    if ! pid_alive scheduler; then
        log "harvesting the purchasing system (first run: a minute or two)"
        $CKAN procurement harvest springfield-purchasing
    fi
    serve

    cat <<INFO

  Springfield Open Procurement is served at http://localhost:$PORT
    contracting processes   http://localhost:$PORT/contracting-process/
    open bid opportunities  http://localhost:$PORT/opportunities   (Atom: /opportunities.atom)
    harvest sources         http://localhost:$PORT/harvest/
    bulk downloads          http://localhost:$PORT/procurement-dataset/   (files: /bulk/portal/compiled-releases.jsonl.gz ...)
  Sign in as $ADMIN / $ADMIN_PASSWORD   (API token in $DEMO_DIR/api-token)
  Demo purchasing system  $demo_url/
    advance its clock: curl -X POST '$demo_url/_control/advance?days=7'
    and the new releases are on the portal within a minute or two (harvested every ${HARVEST_PERIOD}s)
  Logs in $DEMO_DIR/. Stop everything with: make stop

INFO
}

case "${1:-start}" in
    start) start ;;
    serve) serve ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 [start|serve|stop|status]" >&2; exit 2 ;;
esac
