"""Fixtures for the OCDS unit tests: the official examples in tests/data/ocds and
the release schema shipped with the package.

These tests are pure Python (no CKAN). Missing data is a failure, never a skip.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ckanext.procurement.ocds import load_release_schema
from ckanext.procurement.tests.conftest import EXAMPLES_DIR as EXAMPLES
from ckanext.procurement.tests.conftest import SCHEMA_PATH

FICTIONAL_OCID = "ocds-213czf-000-00001"


def example_files(pattern: str) -> list[Path]:
    """Example files matching a glob under tests/data/ocds; none is an error (tests are parametrized with them)."""
    found = sorted(EXAMPLES.glob(pattern))
    if not found:
        raise FileNotFoundError(f"no OCDS example matches {pattern!r} in {EXAMPLES}")
    return found


@pytest.fixture(scope="session")
def schema_path() -> Path:
    if not SCHEMA_PATH.is_file():
        pytest.fail(f"the packaged OCDS release schema is missing: {SCHEMA_PATH}")
    return SCHEMA_PATH


@pytest.fixture(scope="session")
def schema(schema_path) -> dict:
    return load_release_schema(str(schema_path))


@pytest.fixture(scope="session")
def _fictional_releases(examples_dir) -> list[dict]:
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
def fictional_package_paths(examples_dir) -> list[Path]:
    return sorted((EXAMPLES / "fictional").glob(f"{FICTIONAL_OCID}-0[0-9]-*.json"))


@pytest.fixture
def fictional_record_package(examples_dir) -> dict:
    """The shipped record package: linked releases plus the compiled release."""
    return json.loads((EXAMPLES / "fictional" / f"{FICTIONAL_OCID}.json").read_text())


@pytest.fixture
def fictional_compiled(fictional_record_package) -> dict:
    return fictional_record_package["records"][0]["compiledRelease"]
