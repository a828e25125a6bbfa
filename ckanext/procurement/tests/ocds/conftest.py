"""Fixtures for the OCDS unit tests: real example data from the shared directory.

These tests are pure Python (no CKAN). The shared data is found at $PROCUREMENT_SHARED_DIR,
else at ``<repo root>/../shared``.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from ckanext.procurement.ocds import load_release_schema

REPO_ROOT = Path(__file__).resolve().parents[4]
SHARED_DIR = Path(os.environ.get("PROCUREMENT_SHARED_DIR", REPO_ROOT.parent / "shared"))
OCDS_DIR = SHARED_DIR / "ocds"
SCHEMA_PATH = OCDS_DIR / "schema-1.1.5" / "release-schema.json"
EXAMPLES = OCDS_DIR / "examples"
FICTIONAL_OCID = "ocds-213czf-000-00001"


def example_files(pattern: str) -> list[Path]:
    """Example files matching a glob under examples/ (empty if the shared data is missing)."""
    return sorted(EXAMPLES.glob(pattern))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"shared OCDS data not found in {SHARED_DIR} (set PROCUREMENT_SHARED_DIR)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def schema_path(shared_dir) -> Path:
    return SCHEMA_PATH


@pytest.fixture(scope="session")
def schema(schema_path) -> dict:
    return load_release_schema(str(schema_path))


@pytest.fixture(scope="session")
def _fictional_releases(shared_dir) -> list[dict]:
    releases = []
    for path in sorted((EXAMPLES / "fictional").glob(f"{FICTIONAL_OCID}-0[0-9]-*.json")):
        releases.extend(json.loads(path.read_text())["releases"])
    assert len(releases) == 6
    return releases


@pytest.fixture
def fictional_releases(_fictional_releases) -> list[dict]:
    """The six releases of the fictional process, in date order (a fresh copy per test)."""
    return copy.deepcopy(_fictional_releases)


@pytest.fixture
def fictional_package_paths(shared_dir) -> list[Path]:
    return sorted((EXAMPLES / "fictional").glob(f"{FICTIONAL_OCID}-0[0-9]-*.json"))


@pytest.fixture
def fictional_record_package(shared_dir) -> dict:
    """The shipped record package: linked releases plus the compiled release."""
    return json.loads((EXAMPLES / "fictional" / f"{FICTIONAL_OCID}.json").read_text())


@pytest.fixture
def fictional_compiled(fictional_record_package) -> dict:
    return fictional_record_package["records"][0]["compiledRelease"]
