"""Loading the release schema from a path, file:// URL or (mocked) http URL with an on-disk cache."""

from __future__ import annotations

import json

import ocdsmerge
import pytest

from ckanext.procurement.ocds import PACKAGED_SCHEMA, SchemaError, codelist, get_merger, load_release_schema
from ckanext.procurement.ocds import schema as schema_module


@pytest.fixture
def fresh_memo(monkeypatch):
    """Forget schemas loaded earlier in this process."""
    monkeypatch.setattr(schema_module, "_schemas", {})


def test_load_from_path_and_file_url(schema_path, fresh_memo):
    schema = load_release_schema(str(schema_path))
    assert schema["id"] == "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
    assert load_release_schema(str(schema_path)) is schema  # memoized
    from_url = load_release_schema(schema_path.as_uri())
    assert from_url == schema


def test_missing_file_names_the_location(tmp_path, fresh_memo):
    location = str(tmp_path / "nowhere" / "release-schema.json")
    with pytest.raises(SchemaError, match="nowhere/release-schema.json"):
        load_release_schema(location)


def test_not_a_schema(tmp_path, fresh_memo):
    path = tmp_path / "release-schema.json"
    path.write_text('["not", "a", "schema"]')
    with pytest.raises(SchemaError, match="is not a JSON Schema"):
        load_release_schema(str(path))
    path.write_text("{broken")
    with pytest.raises(SchemaError, match="release-schema.json"):
        load_release_schema(str(path))


class FakeResponse:
    def __init__(self, content: bytes, status: int = 200):
        self.content = content
        self.status_code = status

    def raise_for_status(self):
        import requests

        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code} Error")


def test_url_is_downloaded_once_and_cached(schema_path, tmp_path, monkeypatch, fresh_memo):
    import requests

    calls = []

    def fake_get(url, timeout):
        calls.append((url, timeout))
        return FakeResponse(schema_path.read_bytes())

    monkeypatch.setattr(requests, "get", fake_get)
    url = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
    schema = load_release_schema(url, cache_dir=str(tmp_path), timeout=5)
    assert calls == [(url, 5)]
    cached = list(tmp_path.glob("*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_bytes()) == schema
    assert load_release_schema(url, cache_dir=str(tmp_path)) is schema
    assert len(calls) == 1

    # A new process (empty memo) that is offline reads the cache.
    monkeypatch.setattr(schema_module, "_schemas", {})

    def offline(url, timeout):
        raise requests.ConnectionError("offline")

    monkeypatch.setattr(requests, "get", offline)
    assert load_release_schema(url, cache_dir=str(tmp_path)) == schema


def test_url_failure_names_the_url(tmp_path, monkeypatch, fresh_memo):
    import requests

    monkeypatch.setattr(requests, "get", lambda url, timeout: FakeResponse(b"Not found", 404))
    with pytest.raises(SchemaError, match="https://example.com/missing-schema.json.*404"):
        load_release_schema("https://example.com/missing-schema.json", cache_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # nothing cached


def test_get_merger_is_memoized(schema):
    merger = get_merger(schema)
    assert isinstance(merger, ocdsmerge.Merger)
    assert get_merger(schema) is merger
    assert merger.merge_rules[("tag",)] == "omitWhenMerged"
    assert merger.merge_rules[("parties", "additionalIdentifiers")] == "wholeListMerge"


def test_codelist(schema_path):
    statuses = codelist(str(schema_path), "tenderStatus")
    assert statuses["active"] == "Active"
    assert set(statuses) == {"planning", "planned", "active", "cancelled", "unsuccessful", "complete", "withdrawn"}
    assert codelist(str(schema_path), "awardStatus.csv")["pending"] == "Pending"
    assert codelist(str(schema_path), "noSuchCodelist") == {}
    assert codelist("https://example.com/release-schema.json", "tenderStatus") == {}


def test_the_packaged_schema_is_read_without_network(monkeypatch, fresh_memo):
    import requests

    def no_network(*args, **kwargs):
        raise AssertionError("the packaged schema must not be downloaded")

    monkeypatch.setattr(requests, "get", no_network)
    schema = load_release_schema(PACKAGED_SCHEMA, cache_dir=None)
    assert schema["id"] == "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
    assert set(codelist(PACKAGED_SCHEMA, "method")) == {"open", "selective", "limited", "direct"}
    # shipped with its license notice (Apache-2.0)
    notice = (schema_module.PACKAGED_SCHEMA_DIR / "LICENSE").read_text()
    assert "Open Contracting Partnership" in notice and "Apache License" in notice
