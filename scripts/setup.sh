#!/usr/bin/env bash
# Set-up shared by `make demo` and `make test`, idempotent: system packages,
# the virtualenv in .venv with every Python requirement, and the services.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"

log() { printf '[setup] %s\n' "$*" >&2; }

need_packages=()
for pkg in build-essential libpq-dev postgresql redis-server curl chromium chromium-driver; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_packages+=("$pkg")
done
command -v java >/dev/null || need_packages+=(default-jdk-headless)
command -v mvn >/dev/null || need_packages+=(maven)
if [ ${#need_packages[@]} -gt 0 ]; then
    log "installing Debian packages: ${need_packages[*]}"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    log "creating the virtualenv in .venv"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat dev-requirements.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    log "installing Python requirements (first run takes a few minutes)"
    .venv/bin/pip install -q --upgrade pip wheel setuptools
    .venv/bin/pip install -q -r dev-requirements.txt
    .venv/bin/pip install -q -e .
    rm -f .venv/.installed-*
    touch "$stamp"
fi

# axe-core for the accessibility audits of the browser tests
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    command -v npm >/dev/null || { log "npm is needed (Debian: apt-get install npm)"; exit 1; }
    log "installing npm packages (axe-core)"
    npm ci --no-audit --no-fund --silent
fi

scripts/services.sh start
