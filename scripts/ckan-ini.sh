#!/usr/bin/env bash
# Writes ckan.ini (git-ignored) for the local demo portal, once: CKAN's own
# generated config with this project's settings applied by `ckan config-tool`.
# (An empty ocds_schema is the OCDS 1.1.5 schema shipped with the extension.)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
INI="${1:-ckan.ini}"
CKAN=.venv/bin/ckan
PORT="${PROCUREMENT_CKAN_PORT:-5000}"

if [ ! -f "$INI" ]; then
    "$CKAN" generate config "$INI" >/dev/null
fi
eval "$(scripts/services.sh env)"

"$CKAN" config-tool "$INI" \
    "sqlalchemy.url=$CKAN_SQLALCHEMY_URL" \
    "solr_url=$CKAN_SOLR_URL" \
    "ckan.redis.url=$CKAN_REDIS_URL" \
    "ckan.site_url=http://localhost:$PORT" \
    "ckan.site_title=Springfield Open Procurement" \
    "ckan.storage_path=$ROOT/.services/storage" \
    "ckan.plugins=activity procurement ocds_lifecycle scheming_datasets dcat harvest ocds procurement_csv" \
    "ckanext.dcat.rdf.profiles=euro_dcat_ap_3 procurement" \
    "ckan.views.default_views=ocds_lifecycle" \
    "ckan.locales_offered=en es" \
    "scheming.dataset_schemas=ckanext.procurement.schemas:contracting_process.yaml ckanext.procurement.schemas:procurement_dataset.yaml" \
    "scheming.presets=ckanext.scheming:presets.json ckanext.procurement.schemas:presets.yaml" \
    "ckan.harvest.mq.type=redis" \
    "ckan.harvest.mq.hostname=127.0.0.1" \
    "ckan.harvest.mq.port=${PROCUREMENT_REDIS_PORT:-6380}" \
    "ckan.harvest.mq.redis_db=1" \
    "ckan.harvest.timeout=120" \
    "ckan.csrf_protection.ignore_extensions=false" \
    "SESSION_COOKIE_SAMESITE=Lax" \
    "REMEMBER_COOKIE_SAMESITE=Lax" \
    "SESSION_COOKIE_HTTPONLY=true" \
    "REMEMBER_COOKIE_HTTPONLY=true" \
    "ckanext.procurement.ocds_schema=" \
    "ckanext.procurement.cache_dir=$ROOT/.services/cache" \
    "ckanext.procurement.allow_private_addresses=true" \
    "ckanext.procurement.secret_key=" \
    "ckanext.procurement.harvest.auth_env_allowlist=" \
    "ckanext.procurement.dcat.include_processes=false" \
    "ckanext.procurement.datajson.contact_email=opendata@example.gov" \
    "ckanext.procurement.redact_paths=parties/contactPoint/email parties/contactPoint/telephone" >/dev/null
"$CKAN" config-tool "$INI" -s logger_ckan "level=INFO" >/dev/null
"$CKAN" config-tool "$INI" -s logger_ckanext "level=INFO" >/dev/null
mkdir -p "$ROOT/.services/storage"
echo "$INI"
