"""Hostile tests of the merged "Trust" work: an anonymous visitor, an editor of
another organization and a hostile harvest source (a loopback server) try to
read what is withheld or private, take over what is not theirs, carry a
source's secret to their own host, or make a page fail with a 500."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as tk

from ckan.tests import factories, helpers
from ckanext.harvest import queue

from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.ckan.test_schema import release
from ckanext.procurement.tests.ckan.web_session import sign_in
from ckanext.procurement.tests.feed_server import FeedServer, Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")
TOKEN = "Bearer s3cr3t-of-city-purchasing"
OCID = "ocds-213czf-hostile-1"
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _queues():
    queue.purge_queues()
    yield
    queue.purge_queues()


@pytest.fixture
def feed():
    with FeedServer() as server:
        yield server


@pytest.fixture
def attacker():
    with FeedServer() as server:
        yield server


@pytest.fixture
def city():
    """The city's organization with its editor, and another organization with a hostile editor."""
    editor, outsider = factories.UserWithToken(), factories.UserWithToken()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    other = factories.Organization(users=[{"name": outsider["name"], "capacity": "editor"}])
    return {"org": org, "editor": editor, "other_org": other, "outsider": outsider}


def _serve(server: FeedServer, releases: list[dict], path: str = "/feed.json") -> str:
    return server.route(path, Reply(json.dumps({"releases": releases}).encode("utf-8")))


def _auth_headers_received(server: FeedServer) -> list[str]:
    return [headers.get("Authorization") for _, headers in server.requests if headers.get("Authorization")]


def _save(user: dict, owner_org: str, releases: list[dict], **params) -> dict:
    return helpers.call_action("procurement_process_save", context={"user": user["name"], "ignore_auth": False},
                               releases=releases, owner_org=owner_org, **params)


# --- a source's secret follows its URL to another host ------------------------------------------

def test_moving_a_source_to_another_site_does_not_take_its_secret_along(city, feed, attacker):
    """An editor of the source's organization points the source (whose secret an
    admin entered) at a host of their own: the stored header must not go there."""
    source = create_source(city["editor"]["name"], city["org"]["id"], _serve(feed, [release(OCID, title="Park")]),
                           config={"auth_header": TOKEN})
    evil_url = _serve(attacker, [release(OCID, title="Park")])
    stored = helpers.call_action("package_show", context={"user": city["editor"]["name"]}, id=source["id"])
    for action, params in (("harvest_source_patch", {"id": source["id"], "url": evil_url}),
                           ("harvest_source_update", dict(stored, url=evil_url, source_type="ocds"))):
        with pytest.raises(tk.ValidationError) as refused:
            helpers.call_action(action, context={"user": city["editor"]["name"]}, **params)
        assert "auth_header" in json.dumps(refused.value.error_dict)
    run_job(source["id"], city["editor"]["name"])
    assert attacker.requests == []
    assert _auth_headers_received(feed) == [TOKEN]

    # another path of the same site keeps the secret; another site with a header entered again works
    helpers.call_action("harvest_source_patch", context={"user": city["editor"]["name"]}, id=source["id"],
                        url=_serve(feed, [release(OCID, title="Park")], "/other.json"))
    helpers.call_action("harvest_source_patch", context={"user": city["editor"]["name"]}, id=source["id"],
                        url=evil_url, config=json.dumps({"auth_header": "Bearer for-the-new-site"}))
    run_job(source["id"], city["editor"]["name"])
    assert _auth_headers_received(attacker) == ["Bearer for-the-new-site"]
