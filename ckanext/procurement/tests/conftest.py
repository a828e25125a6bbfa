"""Shared fixtures. The services are real: PostgreSQL, Redis and Solr
started by scripts/services.sh, configured in test.ini. The data is in the
repository: the official OCDS examples in tests/data/ocds, and the release
schema shipped with the package."""
from __future__ import annotations

from pathlib import Path

import pytest

from ckanext.procurement.ocds import PACKAGED_SCHEMA

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_DIR = Path(__file__).resolve().parent / "data" / "ocds"
SCHEMA_PATH = Path(PACKAGED_SCHEMA)


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


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    if not (EXAMPLES_DIR / "fictional").is_dir():
        pytest.fail(f"the OCDS examples are missing from {EXAMPLES_DIR}")
    return EXAMPLES_DIR
