"""Cross-site request forgery against ckanext-harvest's pages: a signed-in
sysadmin's browser, sent by another site to re-harvest, clear, delete or
stop a job, changes nothing; the same action through the portal's own form
(with its CSRF token) works."""
from __future__ import annotations

import re

import pytest

from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob
from ckanext.procurement.tests.ckan.harvest_helpers import create_source
from ckanext.procurement.tests.ckan.web_session import csrf_token, sign_in

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
PASSWORD = "correct-horse-battery"
EVIL = {"Origin": "http://attacker.example", "Referer": "http://attacker.example/page.html"}


@pytest.fixture
def browser(app):
    """A sysadmin signed in through the login form: a client holding the
    session cookie, as a browser does."""
    user = factories.Sysadmin(password=PASSWORD)
    client = sign_in(app, user["name"], PASSWORD)
    client.user = user
    return client


@pytest.fixture
def source(browser):
    organization = factories.Organization(users=[{"name": browser.user["name"], "capacity": "admin"}])
    return create_source(browser.user["name"], organization["id"], "http://127.0.0.1:9/releases.json")


def _jobs(source):
    return helpers.call_action("harvest_job_list", source_id=source["id"])


def _new_job(source):
    return helpers.call_action("harvest_job_create", source_id=source["id"], run=False)


def _source_state(source):
    model.Session.expire_all()
    return model.Package.get(source["id"]).state


def _admin_page_token(browser, source) -> str:
    page = browser.get(f"/harvest/admin/{source['name']}")
    assert page.status_code == 200
    return csrf_token(page.get_data(as_text=True))


@pytest.mark.parametrize("method", ["get", "post"])
def test_cross_site_refresh_creates_no_job(browser, source, method):
    response = getattr(browser, method)(f"/harvest/refresh/{source['id']}", headers=EVIL, follow_redirects=False)
    assert response.status_code in (200, 400, 403, 405)
    assert _jobs(source) == []


def test_refresh_through_the_form_creates_a_job(browser, source):
    token = _admin_page_token(browser, source)
    response = browser.post(f"/harvest/refresh/{source['id']}", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 302
    assert len(_jobs(source)) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_cross_site_delete_keeps_the_source(browser, source, method):
    response = getattr(browser, method)(f"/harvest/delete/{source['id']}?clear=True", headers=EVIL, follow_redirects=False)
    assert response.status_code in (200, 400, 403, 405)
    assert _source_state(source) == "active"


def test_delete_through_the_form_deletes(browser, source):
    token = _admin_page_token(browser, source)
    response = browser.post(f"/harvest/delete/{source['id']}", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 302
    assert _source_state(source) == "deleted"


@pytest.mark.parametrize("method", ["get", "post"])
def test_cross_site_clear_keeps_the_jobs(browser, source, method):
    _new_job(source)
    response = getattr(browser, method)(f"/harvest/clear/{source['id']}", headers=EVIL, follow_redirects=False)
    assert response.status_code in (200, 400, 403, 405)
    assert len(_jobs(source)) == 1


def test_clear_through_the_form_clears(browser, source):
    _new_job(source)
    token = _admin_page_token(browser, source)
    response = browser.post(f"/harvest/clear/{source['id']}", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 302
    assert _jobs(source) == []


def _running_job(source):
    job = _new_job(source)
    harvest_job = model.Session.get(HarvestJob, job["id"])
    harvest_job.status = "Running"
    model.Session.commit()
    return job


@pytest.mark.parametrize("method", ["get", "post"])
def test_cross_site_abort_leaves_the_job_running(browser, source, method):
    job = _running_job(source)
    response = getattr(browser, method)(f"/harvest/{source['name']}/job/{job['id']}/abort", headers=EVIL, follow_redirects=False)
    assert response.status_code in (200, 400, 403, 405)
    assert helpers.call_action("harvest_job_show", id=job["id"])["status"] == "Running"


def test_abort_through_the_form_stops_the_job(browser, source):
    job = _running_job(source)
    token = _admin_page_token(browser, source)
    assert f"/harvest/{source['name']}/job/{job['id']}/abort" in browser.get(f"/harvest/admin/{source['name']}").get_data(as_text=True)
    response = browser.post(f"/harvest/{source['name']}/job/{job['id']}/abort", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 302
    assert helpers.call_action("harvest_job_show", id=job["id"])["status"] == "Finished"


def test_a_followed_link_asks_for_confirmation_with_a_post_form(browser, source):
    page = browser.get(f"/harvest/refresh/{source['id']}").get_data(as_text=True)
    assert re.search(rf'<form method="post" action="/harvest/refresh/{source["id"]}"', page)
    assert csrf_token(page)
    assert _jobs(source) == []


def test_admin_buttons_are_post_forms_with_the_token(browser, source):
    page = browser.get(f"/harvest/admin/{source['name']}").get_data(as_text=True)
    for action in ("refresh", "clear"):
        form = re.search(rf'<form method="post" action="/harvest/{action}/{source["id"]}"[^>]*>\s*<input type="hidden" name="_csrf_token"', page)
        assert form, action
        assert f'<a href="/harvest/{action}/' not in page


@pytest.mark.ckan_config("ckan.csrf_protection.ignore_extensions", "true")
def test_harvest_posts_need_the_token_even_where_extensions_are_exempt(browser, source):
    # CKAN's default exempts extension blueprints; the harvest actions stay protected
    response = browser.post(f"/harvest/refresh/{source['id']}", headers=EVIL, follow_redirects=False)
    assert response.status_code == 400
    assert _jobs(source) == []


@pytest.mark.ckan_config("ckan.csrf_protection.ignore_extensions", "true")
def test_the_extensions_own_forms_need_the_token_even_where_extensions_are_exempt(browser):
    """CKAN's default exempts extension blueprints from CSRF; the source preview (it fetches with a
    stored secret) and the review queue's decisions (they publish) stay protected."""
    organization = factories.Organization(users=[{"name": browser.user["name"], "capacity": "admin"}])
    for path, form in (("/harvest/preview", {"url": "http://127.0.0.1:9/", "source_type": "ocds", "owner_org": organization["id"]}),
                       (f"/procurement-review/{organization['name']}", {"decision": "publish", "ids": "x"})):
        response = browser.post(path, data=form, headers=EVIL, follow_redirects=False)
        assert response.status_code == 400, (path, response.status_code)
