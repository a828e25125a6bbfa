"""Shared fixtures. The services are real: PostgreSQL, Redis and Solr
started by scripts/services.sh, configured in test.ini."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("PROCUREMENT_SHARED_DIR", REPO_ROOT.parent / "shared"))
EXAMPLES_DIR = SHARED_DIR / "ocds" / "examples"
SCHEMA_PATH = SHARED_DIR / "ocds" / "schema-1.1.5" / "release-schema.json"


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Reset the database, then re-create the extensions' tables.

    CKAN's own clean_db drops every table it does not know, harvest's and
    ours among them (as ckanext-harvest's and ckanext-dcat's conftests note).
    """
    reset_db()
    migrate_db_for("activity")
    migrate_db_for("harvest")
    migrate_db_for("procurement")


@pytest.fixture
def sysadmin():
    from ckan.tests import factories

    user = factories.SysadminWithToken()
    return user


@pytest.fixture
def organization(sysadmin):
    from ckan.tests import factories

    return factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}], title="City of Springfield")


@pytest.fixture
def examples_dir():
    if not EXAMPLES_DIR.is_dir():
        pytest.fail(f"OCDS examples not found at {EXAMPLES_DIR}: set PROCUREMENT_SHARED_DIR")
    return EXAMPLES_DIR
