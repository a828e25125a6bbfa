"""Fixtures of the source set-up browser tests: the browser suite's live portal and
headless Chromium (tests/browser/conftest.py) on a database of their own, without the
browser suite's harvested data (these tests harvest the demo system themselves, and an
ocid belongs to one source)."""
from __future__ import annotations

import pytest

from ckanext.procurement.tests.browser.conftest import (  # noqa: F401 (fixtures, package-scoped here)
    _browser_db, _live_config, _open_portal, axe_audit, browser, live_server, playwright_instance,
)


@pytest.fixture(scope="package")
def coordinator_account(live_server):
    """An editor of the City of Springfield (not a sysadmin), with an API token for the browser."""
    from ckan import model
    from ckan.tests import factories

    user = factories.UserWithToken()
    organization = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}],
                                          title="City of Springfield", image_url="")
    model.Session.remove()
    return {"user": user, "organization": organization}


def _portal(browser, live_server, coordinator_account, request, viewport=None):
    return _open_portal(browser, live_server, request, viewport=viewport,
                        extra_headers={"Authorization": coordinator_account["user"]["token"]})


@pytest.fixture
def coordinator(browser, live_server, coordinator_account, request):
    """The coordinator's tab (1280x900)."""
    context, portal = _portal(browser, live_server, coordinator_account, request)
    yield portal
    context.close()


@pytest.fixture
def mobile_coordinator(browser, live_server, coordinator_account, request):
    """The coordinator's tab on a 375px wide phone."""
    context, portal = _portal(browser, live_server, coordinator_account, request, viewport={"width": 375, "height": 812})
    yield portal
    context.close()
