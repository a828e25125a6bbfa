"""A portal without network access: the OCDS schema shipped with the package is
the default, so a harvest and the process page never try to download anything."""
from __future__ import annotations

import errno
import ipaddress
import json
import socket

import pytest

from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.procurement import settings
from ckanext.procurement.ocds import PACKAGED_SCHEMA
from ckanext.procurement.ocds import schema as schema_module
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.feed_server import FeedServer, Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")
OCID = "ocds-213czf-000-00001"


def _is_loopback(host) -> bool:
    if host in ("localhost", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch):
    """Only loopback works, as on a machine without network; every other attempt is recorded and refused."""
    attempts = []
    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def refuse(what):
        attempts.append(what)
        return OSError(errno.ENETUNREACH, f"no network in this test: {what}")

    def connect(sock, address):
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise refuse(address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            refuse(address)
            return errno.ENETUNREACH
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host if not isinstance(host, bytes) else host.decode()):
            raise socket.gaierror(socket.EAI_NONAME, str(refuse(host)))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


@pytest.fixture
def fresh_site(monkeypatch, ckan_config, tmp_path):
    """A site just started with the default schema setting: nothing loaded, an empty cache."""
    monkeypatch.setitem(ckan_config, "ckanext.procurement.ocds_schema", "")
    monkeypatch.setitem(ckan_config, "ckanext.procurement.cache_dir", str(tmp_path))
    monkeypatch.setattr(schema_module, "_schemas", {})
    monkeypatch.setattr(schema_module, "_mergers", {})
    queue.purge_queues()
    yield tmp_path
    queue.purge_queues()


def test_the_default_schema_is_the_packaged_copy(fresh_site):
    assert settings.release_schema_location() == PACKAGED_SCHEMA
    assert settings.release_schema()["id"] == "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def test_a_site_without_network_harvests_and_shows_a_process(app, sysadmin, organization, examples_dir, fresh_site,
                                                             no_network):
    releases = [r for path in sorted((examples_dir / "fictional").glob(f"{OCID}-0*.json"))
                for r in json.loads(path.read_text())["releases"]]
    with FeedServer() as feed:
        url = feed.route("/feed.json", Reply(json.dumps({"releases": releases}).encode("utf-8")))
        source = create_source(sysadmin["name"], organization["id"], url)
        report = run_job(source["id"], sysadmin["name"])
    assert report["gather_errors"] == [] and report["stats"].get("added") == 1
    assert helpers.call_action("procurement_record_show", id=OCID)["compiledRelease"]["tender"]["status"] == "complete"
    app.get(f"/contracting-process/{OCID}", status=200)

    assert no_network == []  # nothing tried to reach beyond loopback
    assert list(schema_module._schemas) == [PACKAGED_SCHEMA]
    assert list(fresh_site.glob("ocds-schema-*")) == []  # nothing downloaded into the cache
