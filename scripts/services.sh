#!/usr/bin/env bash
# Installs (when missing) and runs the real services CKAN needs for the demo
# and the tests: PostgreSQL and Redis from Debian packages, Apache Solr 9 from
# Maven Central jars. Each runs in the background with its own data folder,
# log and pid file under $PROCUREMENT_STATE_DIR; `stop` stops only those.
#
#   scripts/services.sh install|start|stop|status|restart [postgres|redis|solr ...]
#
# Ports and paths are configurable through the environment (defaults below).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${PROCUREMENT_STATE_DIR:-$ROOT/.services}"
CACHE_DIR="${PROCUREMENT_CACHE_DIR:-$ROOT/.cache}"
PG_PORT="${PROCUREMENT_PG_PORT:-5433}"
REDIS_PORT="${PROCUREMENT_REDIS_PORT:-6380}"
SOLR_PORT="${PROCUREMENT_SOLR_PORT:-8983}"
PG_USER="${PROCUREMENT_PG_USER:-ckan}"
PG_PASSWORD="${PROCUREMENT_PG_PASSWORD:-ckan}"
PG_DATABASES="${PROCUREMENT_PG_DATABASES:-ckan ckan_test ckan_bench}"
SOLR_VERSION=9.10.1
VENV_PYTHON="${VENV_PYTHON:-$ROOT/.venv/bin/python}"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# --- installation -----------------------------------------------------------

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    echo "$dir"
}

install_postgres() { apt_install postgresql libpq-dev; }
install_redis() { apt_install redis-server; }
install_solr() {
    apt_install maven default-jdk-headless 2>/dev/null || true
    command -v java >/dev/null || die "java is needed for Solr (install a JDK 17)"
    command -v mvn >/dev/null || die "mvn is needed to fetch Solr's jars"
    local lib="$CACHE_DIR/solr-lib"
    if [ ! -f "$lib/solr-core-$SOLR_VERSION.jar" ]; then
        log "fetching Solr $SOLR_VERSION jars from Maven Central into $lib (about 90 MB)"
        mvn -q -B -f "$ROOT/solr/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" >&2
    fi
}

# --- helpers ----------------------------------------------------------------

pid_alive() { [ -f "$1" ] && kill -0 "$(head -n 1 "$1")" 2>/dev/null; }

wait_for() {  # wait_for DESCRIPTION SECONDS COMMAND... (COMMAND exiting 2 means: give up)
    local what=$1 seconds=$2; shift 2
    local i rc
    for ((i = 0; i < seconds * 4; i++)); do
        rc=0; "$@" >/dev/null 2>&1 || rc=$?
        [ $rc -eq 0 ] && return 0
        [ $rc -eq 2 ] && return 1
        sleep 0.25
    done
    log "gave up waiting for $what after ${seconds}s"
    return 1
}

as_postgres() {
    # PostgreSQL refuses to run as root.
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# --- PostgreSQL -------------------------------------------------------------

PG_DIR="$STATE_DIR/postgres"
start_postgres() {
    local bin; bin=$(pg_bindir)
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$PG_DIR"
        # the postgres user must be able to reach its data folder
        local d="$PG_DIR"
        while [ "$d" != "/" ]; do d=$(dirname "$d"); chmod o+x "$d" 2>/dev/null || true; done
    fi
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        log "initialising a PostgreSQL cluster in $PG_DIR/data"
        as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
            || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    if as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        log "postgres already running on port $PG_PORT"
    else
        as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
            -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null \
            || { tail -n 20 "$PG_DIR/postgres.log" >&2; die "postgres did not start"; }
        log "postgres started on port $PG_PORT"
    fi
    local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" != "1" ]; then
        "${psql[@]}" -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD' CREATEDB"
    fi
    local db
    for db in $PG_DATABASES; do
        if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$db'")" != "1" ]; then
            "${psql[@]}" -c "CREATE DATABASE $db OWNER $PG_USER ENCODING 'UTF8' TEMPLATE template0"
            log "created database $db"
        fi
    done
}
stop_postgres() {
    local bin; bin=$(pg_bindir)
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
        log "postgres stopped"
    fi
}
status_postgres() {
    local bin; bin=$(pg_bindir)
    [ -d "$PG_DIR/data" ] && as_postgres "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q \
        && [ -f "$PG_DIR/data/postmaster.pid" ]
}

# --- Redis ------------------------------------------------------------------

REDIS_DIR="$STATE_DIR/redis"
start_redis() {
    mkdir -p "$REDIS_DIR"
    if pid_alive "$REDIS_DIR/redis.pid"; then
        log "redis already running on port $REDIS_PORT"
        return
    fi
    # a Redis of someone else's on the port would answer the ping below and be used unseen
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 \
        && die "port $REDIS_PORT already has a Redis that is not this checkout's: stop it or set PROCUREMENT_REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$REDIS_DIR" \
        --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --save "" --appendonly no >/dev/null
    wait_for redis 30 redis-cli -p "$REDIS_PORT" ping || die "redis did not start (see $REDIS_DIR/redis.log)"
    log "redis started on port $REDIS_PORT"
}
stop_redis() {
    if pid_alive "$REDIS_DIR/redis.pid"; then
        kill "$(cat "$REDIS_DIR/redis.pid")"
        wait_for "redis stop" 20 bash -c "! kill -0 $(cat "$REDIS_DIR/redis.pid") 2>/dev/null" || true
        log "redis stopped"
    fi
    rm -f "$REDIS_DIR/redis.pid"
}
status_redis() { pid_alive "$REDIS_DIR/redis.pid" && redis-cli -p "$REDIS_PORT" ping | grep -q PONG; }

# --- Solr -------------------------------------------------------------------

SOLR_DIR="$STATE_DIR/solr"
solr_ping() { curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/ckan/admin/ping?wt=json" | grep -q '"OK"'; }
solr_alive_and_ping() {
    # give up early when the JVM has died (a core failed to load, port taken...)
    pid_alive "$SOLR_DIR/solr.pid" || return 2
    solr_ping
}
start_solr() {
    install_solr
    mkdir -p "$SOLR_DIR/logs" "$SOLR_DIR/home"
    if pid_alive "$SOLR_DIR/solr.pid"; then
        log "solr already running on port $SOLR_PORT"
        return
    fi
    # The Solr home is laid anew from solr/home plus the schema.xml shipped in
    # the installed ckan package, so the index always matches CKAN's schema.
    local schema
    schema=$("$VENV_PYTHON" -c 'import ckan, os; print(os.path.join(os.path.dirname(ckan.__file__), "config", "solr", "schema.xml"))') \
        || die "ckan is not installed in $VENV_PYTHON (run make install)"
    cp -R "$ROOT/solr/home/." "$SOLR_DIR/home/"
    cp "$schema" "$SOLR_DIR/home/ckan/conf/schema.xml"
    (
        cd "$SOLR_DIR"
        exec nohup java -Xms256m -Xmx1g \
            -Dsolr.log.dir="$SOLR_DIR/logs" \
            -Dlog4j2.configurationFile="$ROOT/solr/log4j2.xml" \
            -Dsolr.install.dir="$SOLR_DIR" \
            -Dsolr.allowPaths="$SOLR_DIR" \
            -cp "$CACHE_DIR/solr-lib/*" "$ROOT/solr/SolrLauncher.java" "$SOLR_DIR/home" "$SOLR_PORT" \
            >"$SOLR_DIR/logs/console.log" 2>&1
    ) &
    echo $! >"$SOLR_DIR/solr.pid"
    if ! wait_for solr 180 solr_alive_and_ping; then
        tail -n 30 "$SOLR_DIR/logs/console.log" >&2
        stop_solr
        die "solr did not answer /solr/ckan/admin/ping (see $SOLR_DIR/logs)"
    fi
    log "solr started on port $SOLR_PORT (core ckan)"
}
stop_solr() {
    if pid_alive "$SOLR_DIR/solr.pid"; then
        local pid; pid=$(cat "$SOLR_DIR/solr.pid")
        kill "$pid" 2>/dev/null || true
        wait_for "solr stop" 30 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
        log "solr stopped"
    fi
    rm -f "$SOLR_DIR/solr.pid"
}
status_solr() { pid_alive "$SOLR_DIR/solr.pid" && solr_ping; }

# --- commands ---------------------------------------------------------------

ALL=(postgres redis solr)
cmd=${1:-status}; shift || true
services=("$@"); [ ${#services[@]} -eq 0 ] && services=("${ALL[@]}")
for s in "${services[@]}"; do
    case " ${ALL[*]} " in *" $s "*) ;; *) die "unknown service '$s' (known: ${ALL[*]})";; esac
done

case "$cmd" in
    install) for s in "${services[@]}"; do "install_$s"; done ;;
    start) for s in "${services[@]}"; do "install_$s"; "start_$s"; done ;;
    stop) for ((i = ${#services[@]} - 1; i >= 0; i--)); do "stop_${services[$i]}"; done ;;
    restart) "$0" stop "${services[@]}"; "$0" start "${services[@]}" ;;
    status)
        rc=0
        for s in "${services[@]}"; do
            if "status_$s"; then echo "$s: running"; else echo "$s: stopped"; rc=3; fi
        done
        exit $rc ;;
    env)
        cat <<ENV
CKAN_SQLALCHEMY_URL=postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/ckan
CKAN_SOLR_URL=http://127.0.0.1:$SOLR_PORT/solr/ckan
CKAN_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/1
ENV
        ;;
    *) die "usage: $0 install|start|stop|status|restart|env [${ALL[*]}]" ;;
esac
