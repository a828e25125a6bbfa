"""Fixtures for the demo purchasing system tests (pure Python, no CKAN)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ckanext.procurement.demo import DemoServer, PurchasingSystem
from ckanext.procurement.ocds.schema import PACKAGED_SCHEMA_DIR

START = "2025-06-01"


@pytest.fixture(scope="session")
def system500() -> PurchasingSystem:
    """500 processes, seed 42, clock at START. Treat as read-only (do not advance or change)."""
    return PurchasingSystem(processes=500, seed=42, start=START)


@pytest.fixture(scope="session")
def all_releases500(system500) -> dict[int, list[dict]]:
    return {index: system500.releases(index) for index in range(system500.n)}


@pytest.fixture
def server():
    with DemoServer(processes=60, seed=7, start=START) as running:
        yield running


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """The OCDS 1.1.5 schemas and codelists shipped with the package."""
    if not (PACKAGED_SCHEMA_DIR / "release-schema.json").is_file():
        pytest.fail(f"the packaged OCDS schema is missing from {PACKAGED_SCHEMA_DIR}")
    return PACKAGED_SCHEMA_DIR


@pytest.fixture(scope="session")
def codelists(schema_dir) -> dict[str, set[str]]:
    result = {}
    for path in (schema_dir / "codelists").glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            result[path.stem] = {row["Code"] for row in csv.DictReader(handle)}
    return result
