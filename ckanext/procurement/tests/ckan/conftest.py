import pytest

from ckan.lib import jobs

from ckanext.procurement.bulk import queue as bulk_queue

from ckanext.procurement.tests.feed_server import FeedServer


@pytest.fixture(autouse=True)
def _plugins(with_plugins):
    """Every test here runs with the plugins of test.ini loaded."""


@pytest.fixture
def purged_queues():
    """ckanext-harvest's Redis queues empty before and after the test."""
    from ckanext.harvest import queue

    queue.purge_queues()
    yield
    queue.purge_queues()


@pytest.fixture
def feed():
    """A stand-in purchasing system on loopback (tests.feed_server)."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def attacker():
    """A host of an attacker's own, on loopback: what it receives is what leaked."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def bulk_dir(tmp_path, ckan_config, monkeypatch):
    """The bulk files in a directory of the test's own; no job or mark left over from another test."""
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.directory", str(tmp_path / "bulk"))
    bulk_queue.forget()
    jobs.get_queue().empty()
    yield tmp_path / "bulk"
    bulk_queue.forget()
    jobs.get_queue().empty()
