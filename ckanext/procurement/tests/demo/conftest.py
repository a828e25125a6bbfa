"""Fixtures for the demo purchasing system tests (pure Python, no CKAN)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from ckanext.procurement.demo import DemoServer, PurchasingSystem

START = "2025-06-01"
SCHEMA_DIR = Path(os.environ.get("OCDS_SCHEMA_DIR", "/work/shared/ocds/schema-1.1.5"))


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
    if not (SCHEMA_DIR / "release-schema.json").exists():
        pytest.skip(f"OCDS schema not found at {SCHEMA_DIR} (set OCDS_SCHEMA_DIR)")
    return SCHEMA_DIR


@pytest.fixture(scope="session")
def codelists(schema_dir) -> dict[str, set[str]]:
    result = {}
    for path in (schema_dir / "codelists").glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            result[path.stem] = {row["Code"] for row in csv.DictReader(handle)}
    return result
