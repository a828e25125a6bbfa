#!/usr/bin/env bash
# `make demo`: the portal with real-looking procurement data, in one command.
# Runs after scripts/setup.sh and scripts/ckan-ini.sh (the Makefile sees to it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CKAN=".venv/bin/ckan -c ckan.ini"
PORT="${PROCUREMENT_CKAN_PORT:-5000}"
DEMO_PORT="${PROCUREMENT_DEMO_PORT:-8765}"
DEMO_PROCESSES="${PROCUREMENT_DEMO_PROCESSES:-500}"
ADMIN=admin
ADMIN_PASSWORD="${PROCUREMENT_ADMIN_PASSWORD:-procurement-demo}"
log() { printf '[demo] %s\n' "$*" >&2; }

log "database"
$CKAN db init >/dev/null
$CKAN db pending-migrations --apply >/dev/null

if ! $CKAN user show "$ADMIN" 2>/dev/null | grep -q "name=$ADMIN"; then
    log "creating the sysadmin $ADMIN"
    $CKAN user add "$ADMIN" email=admin@springfield.example password="$ADMIN_PASSWORD" >/dev/null
fi
$CKAN sysadmin add "$ADMIN" >/dev/null 2>&1 || true
mkdir -p .services/demo
if [ ! -s .services/demo/api-token ]; then
    $CKAN user token add "$ADMIN" demo | tail -n 1 | tr -d '[:space:]' > .services/demo/api-token
fi

# the demo purchasing system, in the background with its own pid file
DEMO_DIR=.services/demo
if [ -f $DEMO_DIR/purchasing.pid ] && kill -0 "$(cat $DEMO_DIR/purchasing.pid)" 2>/dev/null; then
    log "demo purchasing system already running"
else
    rm -f $DEMO_DIR/ready
    nohup .venv/bin/python -m ckanext.procurement.demo --port "$DEMO_PORT" --processes "$DEMO_PROCESSES" \
        --ready-file $DEMO_DIR/ready > $DEMO_DIR/purchasing.log 2>&1 &
    echo $! > $DEMO_DIR/purchasing.pid
    for _ in $(seq 1 120); do [ -s $DEMO_DIR/ready ] && break; sleep 0.5; done
    [ -s $DEMO_DIR/ready ] || { tail -n 20 $DEMO_DIR/purchasing.log >&2; log "the demo purchasing system did not start"; exit 1; }
fi
DEMO_URL="http://127.0.0.1:$DEMO_PORT"
log "demo purchasing system at $DEMO_URL"

$CKAN procurement demo-setup --url "$DEMO_URL" --admin "$ADMIN"
log "harvesting the purchasing system (first run: a minute or two)"
$CKAN procurement harvest springfield-purchasing

cat <<INFO

  Springfield Open Procurement is served at http://localhost:$PORT
    contracting processes   http://localhost:$PORT/contracting-process/
    open bid opportunities  http://localhost:$PORT/opportunities   (Atom: /opportunities.atom)
    harvest sources         http://localhost:$PORT/harvest/
  Sign in as $ADMIN / $ADMIN_PASSWORD   (API token in .services/demo/api-token)
  Demo purchasing system  $DEMO_URL/   (advance its clock: curl -X POST '$DEMO_URL/_control/advance?days=7')
  Stop the services with: make stop

INFO
exec $CKAN run --host 0.0.0.0 --port "$PORT" --disable-reloader
