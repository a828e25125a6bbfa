"""Crafted contracting processes for the quality tests: each figure is known by construction."""

from __future__ import annotations

from datetime import datetime, timezone

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def process(number: int, **fields) -> dict:
    """A schema-valid compiled release with only what the test gives it."""
    compiled = {"ocid": f"ocds-test-{number:03d}", "id": f"ocds-test-{number:03d}-compiled",
                "date": "2024-05-01T00:00:00Z", "tag": ["compiled"], "initiationType": "tender"}
    compiled.update(fields)
    return compiled


def award(number: int, **fields) -> dict:
    return {"id": f"award-{number}", **fields}


def contract(number: int, award_id: str, **fields) -> dict:
    return {"id": f"contract-{number}", "awardID": award_id, **fields}


def value(amount, currency: str = "USD") -> dict:
    return {"amount": amount, "currency": currency}
