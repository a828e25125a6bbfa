#!/bin/bash
# Applies ckanext-procurement's settings to the image's ckan.ini from the
# environment, with the same options as the local set-up (scripts/ckan-ini.sh).
set -euo pipefail
INI="${CKAN_INI:-/srv/app/ckan.ini}"

ckan config-tool "$INI" \
    "ckan.plugins=${CKAN__PLUGINS:-activity procurement ocds_lifecycle scheming_datasets dcat harvest ocds procurement_csv}" \
    "ckanext.dcat.rdf.profiles=${CKANEXT__DCAT__RDF__PROFILES:-euro_dcat_ap_3 procurement}" \
    "ckan.views.default_views=${CKAN__VIEWS__DEFAULT_VIEWS:-ocds_lifecycle}" \
    "ckan.locales_offered=${CKAN__LOCALES_OFFERED:-en es}" \
    "scheming.dataset_schemas=${CKANEXT__SCHEMING__DATASET_SCHEMAS:-ckanext.procurement.schemas:contracting_process.yaml ckanext.procurement.schemas:procurement_dataset.yaml}" \
    "scheming.presets=ckanext.scheming:presets.json ckanext.procurement.schemas:presets.yaml" \
    "ckan.harvest.mq.type=redis" \
    "ckan.harvest.mq.hostname=${CKAN_HARVEST_MQ_HOSTNAME:-redis}" \
    "ckan.harvest.mq.port=${CKAN_HARVEST_MQ_PORT:-6379}" \
    "ckan.harvest.mq.redis_db=${CKAN_HARVEST_MQ_REDIS_DB:-1}" \
    "ckan.harvest.timeout=${CKAN_HARVEST_TIMEOUT:-720}" \
    "ckan.csrf_protection.ignore_extensions=false" \
    "SESSION_COOKIE_SAMESITE=Lax" \
    "REMEMBER_COOKIE_SAMESITE=Lax" \
    "SESSION_COOKIE_HTTPONLY=true" \
    "REMEMBER_COOKIE_HTTPONLY=true" \
    "SESSION_COOKIE_SECURE=${CKAN_SESSION_COOKIE_SECURE:-true}" \
    "REMEMBER_COOKIE_SECURE=${CKAN_SESSION_COOKIE_SECURE:-true}" \
    "ckanext.procurement.ocds_schema=${CKANEXT__PROCUREMENT__OCDS_SCHEMA:-}" \
    "ckanext.procurement.cache_dir=${CKANEXT__PROCUREMENT__CACHE_DIR:-/var/lib/ckan/procurement}" \
    "ckanext.procurement.allow_private_addresses=${CKANEXT__PROCUREMENT__ALLOW_PRIVATE_ADDRESSES:-false}" \
    "ckanext.procurement.secret_key=${CKANEXT__PROCUREMENT__SECRET_KEY:-}" \
    "ckanext.procurement.harvest.auth_env_allowlist=${CKANEXT__PROCUREMENT__HARVEST__AUTH_ENV_ALLOWLIST:-}" \
    "ckanext.procurement.dcat.include_processes=${CKANEXT__PROCUREMENT__DCAT__INCLUDE_PROCESSES:-false}" \
    "ckanext.procurement.datajson.contact_email=${CKANEXT__PROCUREMENT__DATAJSON__CONTACT_EMAIL:-}" \
    "ckanext.procurement.redact_paths=${CKANEXT__PROCUREMENT__REDACT_PATHS:-parties/contactPoint/email parties/contactPoint/telephone}" \
    "ckanext.procurement.fiscal_year_start_month=${CKANEXT__PROCUREMENT__FISCAL_YEAR_START_MONTH:-7}" >/dev/null
mkdir -p "${CKANEXT__PROCUREMENT__CACHE_DIR:-/var/lib/ckan/procurement}"
ckan -c "$INI" db pending-migrations --apply
