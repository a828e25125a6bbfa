"""Hostile tests of the harvest source Preview (branch `sources`, POST /harvest/preview): an
anonymous visitor, a member (not editor) and an editor of another organization try to make the
server fetch for them; an editor points it at loopback and private addresses in every spelling,
at slow or huge responses; a hostile purchasing system sends markup in titles, columns and values;
a typed secret must never come back in a page. Every stand-in server binds 127.0.0.1.

Tests marked xfail(strict=True) reproduce a defect: they fail today and pass once fixed."""
from __future__ import annotations

import gzip
import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text as sa_text

from ckan import model
from ckan.tests import factories

from ckanext.procurement import settings
from ckanext.procurement.model import ProcurementSecret
from ckanext.procurement.tests.ckan.forms import form_fields
from ckanext.procurement.tests.ckan.web_session import sign_in
from ckanext.procurement.tests.feed_server import Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
PASSWORD = "correct-horse-battery"
SECRET = "Bearer zq-TOPSECRET-5519"
RELEASE = {"ocid": "ocds-abc123-0001", "id": "ocds-abc123-0001-tender", "date": "2026-01-05T00:00:00Z", "tag": ["tender"],
           "initiationType": "tender", "tender": {"id": "t1", "title": "Road salt", "status": "active"},
           "buyer": {"id": "b1", "name": "Streets"}, "parties": [{"id": "b1", "name": "Streets", "roles": ["buyer"]}]}


def _client(app, capacity: str = "editor", organization: dict | None = None):
    user = factories.User(password=PASSWORD)
    organization = organization or factories.Organization()
    helpers_member(organization, user, capacity)
    client = sign_in(app, user["name"], PASSWORD)
    client.user, client.organization = user, organization
    return client


def helpers_member(organization: dict, user: dict, capacity: str) -> None:
    from ckan.tests import helpers
    helpers.call_action("organization_member_create", id=organization["id"], username=user["name"], role=capacity)


def _new_form(client) -> dict:
    page = client.get("/harvest/new")
    assert page.status_code == 200
    fields = form_fields(BeautifulSoup(page.get_data(as_text=True), "html.parser").find("form", id="source-new"))
    return {key: fields.getlist(key)[0] if len(fields.getlist(key)) == 1 else fields.getlist(key) for key in fields}


def _form(client, url: str, source_type: str = "ocds", organization: dict | None = None, **values) -> dict:
    form = _new_form(client)
    form.update({"url": url, "title": "Purchasing", "name": "purchasing", "source_type": source_type,
                 "owner_org": (organization or client.organization)["id"], **values})
    return form


def _counts() -> dict:
    from ckanext.harvest.model import HarvestJob, HarvestObject
    return {"packages": model.Session.query(model.Package).count(),
            "secrets": model.Session.query(ProcurementSecret).count(),
            "jobs": model.Session.query(HarvestJob).count(), "objects": model.Session.query(HarvestObject).count(),
            "activities": model.Session.execute(sa_text("select count(*) from activity")).scalar()}


def _preview_error(page: str) -> str:
    soup = BeautifulSoup(page, "html.parser")
    found = soup.find(class_="procurement-preview-error") or soup.find(id="procurement-error-summary")
    return found.text if found is not None else ""


# ---------------------------------------------------------------- who may preview


def test_a_member_who_is_not_an_editor_may_not_preview(app, feed):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    editor = _client(app)
    member = _client(app, capacity="member", organization=editor.organization)
    form = _form(editor, url)  # the form (with a token) as an editor got it; posted by the member with theirs
    form["_csrf_token"] = _new_form_token(member)
    assert member.post("/harvest/preview", data=form).status_code == 403
    assert feed.hits.get("/releases.json") is None


def _new_form_token(client) -> str:
    from ckanext.procurement.tests.ckan.web_session import csrf_token
    return csrf_token(client.get("/dataset/").get_data(as_text=True))


def test_preview_without_the_csrf_token_fetches_nothing(app, feed):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    editor = _client(app)
    form = _form(editor, url)
    form.pop("_csrf_token", None)
    response = editor.post("/harvest/preview", data=form)
    assert response.status_code in (400, 403)
    form["save"] = "1"  # the Save button posted to the preview address
    response = editor.post("/harvest/preview", data=form)
    assert response.status_code in (400, 403)
    assert feed.hits.get("/releases.json") is None
    assert model.Session.query(model.Package).filter_by(type="harvest").count() == 0
    assert editor.get("/harvest/preview").status_code in (404, 405)  # no GET


def test_an_outsider_may_not_preview_through_the_save_button_either(app, feed):
    """The preview address hands `save` to CKAN's views before its own checks: they must refuse too."""
    victim = _client(app)
    outsider = _client(app)
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    form = _form(outsider, url, organization=victim.organization, save="1")
    response = outsider.post("/harvest/preview", data=form)
    assert response.status_code in (200, 403)
    assert model.Session.query(model.Package).filter_by(type="harvest").count() == 0


# ---------------------------------------------------------------- SSRF


LOOPBACK_SPELLINGS = (
    "http://127.0.0.1:{port}/releases.json", "http://localhost:{port}/releases.json", "http://127.1:{port}/releases.json",
    "http://2130706433:{port}/releases.json", "http://0177.0.0.1:{port}/releases.json", "http://0x7f.0.0.1:{port}/releases.json",
    "http://[::1]:{port}/releases.json", "http://[::ffff:127.0.0.1]:{port}/releases.json",
    "http://[0:0:0:0:0:ffff:7f00:1]:{port}/releases.json", "http://example.org@127.0.0.1:{port}/releases.json",
    "http://127.0.0.1:{port}\\@example.org/releases.json", "HTTP://LOCALHOST:{port}/releases.json",
    "http://localhost.:{port}/releases.json", "http://0.0.0.0:{port}/releases.json", "http://10.0.0.1:{port}/releases.json",
    "http://192.168.0.1:{port}/releases.json", "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/",
    "file:///etc/passwd", "gopher://127.0.0.1:{port}/_GET", "ftp://127.0.0.1:{port}/releases.json", "dict://127.0.0.1:{port}/",
    "//127.0.0.1:{port}/releases.json", "127.0.0.1:{port}/releases.json", "http:///releases.json",
)


@pytest.mark.ckan_config("ckanext.procurement.allow_private_addresses", "false")
def test_preview_refuses_loopback_and_private_addresses_in_every_spelling(app, feed):
    feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    port = feed.httpd.server_address[1]
    editor = _client(app)
    form = _form(editor, "http://placeholder.invalid/")
    for spelling in LOOPBACK_SPELLINGS:
        url = spelling.format(port=port)
        response = editor.post("/harvest/preview", data=dict(form, url=url))
        assert response.status_code < 500, url
        assert _preview_error(response.get_data(as_text=True)), f"{url}: no error shown"
    assert feed.requests == [], feed.requests


def test_redirects_to_never_allowed_addresses_are_refused(app, feed):
    editor = _client(app)
    for target in ("http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "http://[fd00:ec2::254]/",
                   "http://metadata.google.internal/computeMetadata/v1/"):
        url = feed.route(f"/r{len(feed.routes)}", Reply(b"", status=302, headers={"Location": target}))
        page = editor.post("/harvest/preview", data=_form(editor, url)).get_data(as_text=True)
        assert _preview_error(page), target
    # links.next to the metadata service: the second page is never fetched from there
    url = feed.route("/next.json", Reply(json.dumps({"releases": [RELEASE], "links": {
        "next": "http://169.254.169.254/latest/meta-data/"}}).encode()))
    page = editor.post("/harvest/preview", data=_form(editor, url)).get_data(as_text=True)
    paging = BeautifulSoup(page, "html.parser").find(attrs={"data-fact": "paging"})
    assert paging is not None and paging.get("data-ok") == "False"


# ---------------------------------------------------------------- slow and huge responses


class Trickle:
    """A loopback server that sends a valid response's headers, then one byte every `every` seconds."""

    def __init__(self, seconds: float, every: float = 0.5):
        outer = self
        self.connections = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.connections += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                end = time.monotonic() + seconds
                try:
                    while time.monotonic() < end:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(every)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/releases.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.ckan_config("ckanext.procurement.preview.timeout", "5")
def test_a_trickling_source_does_not_hold_the_preview_for_long(app):
    editor = _client(app)
    server = Trickle(seconds=30)
    try:
        started = time.monotonic()
        response = editor.post("/harvest/preview", data=_form(editor, server.url))
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert response.status_code < 500
    assert elapsed < 20, f"the preview took {elapsed:.0f} s"
    assert "5 seconds" in _preview_error(response.get_data(as_text=True))


@pytest.mark.ckan_config("ckanext.procurement.preview.timeout", "4")
def test_the_retries_of_a_failing_source_stop_at_the_preview_time_limit(app, feed):
    url = feed.route("/releases.json", Reply(b"busy", status=503, content_type="text/plain"))
    editor = _client(app)
    form = _form(editor, url, config=json.dumps({"retries": 10}), procurement_use_json="1")
    started = time.monotonic()
    page = editor.post("/harvest/preview", data=form).get_data(as_text=True)
    assert time.monotonic() - started < 6  # backoff 1 + 2 s, then a 4 s wait would pass the limit: not waited
    assert "4 seconds" in _preview_error(page)


def test_a_gzip_bomb_is_stopped_at_the_size_limit(app, feed, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.procurement.harvest.max_response_bytes", 1_000_000)
    bomb = gzip.compress(b'{"releases": [' + b" " * 200_000_000 + b"]}", compresslevel=9)
    url = feed.route("/releases.json", Reply(bomb, headers={"Content-Encoding": "gzip"}))
    editor = _client(app)
    started = time.monotonic()
    page = editor.post("/harvest/preview", data=_form(editor, url)).get_data(as_text=True)
    assert "limit" in _preview_error(page)
    assert time.monotonic() - started < 30


def test_a_source_cannot_raise_the_sites_size_limit_in_a_preview(app, feed, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.procurement.harvest.max_response_bytes", 100_000)
    big = json.dumps({"releases": [dict(RELEASE, ocid=f"ocds-abc123-{n:05d}", id=f"r{n}") for n in range(1500)]}).encode()
    assert len(big) > 300_000
    url = feed.route("/releases.json", Reply(big))
    editor = _client(app)
    form = _form(editor, url, config=json.dumps({"max_response_bytes": 10 ** 12}), procurement_use_json="1")
    page = editor.post("/harvest/preview", data=form).get_data(as_text=True)
    assert "limit" in _preview_error(page), BeautifulSoup(page, "html.parser").find(attrs={"data-fact": "releases"})


# ---------------------------------------------------------------- what a hostile source shows


def test_markup_from_a_hostile_feed_is_shown_as_text(app, feed):
    hostile = dict(RELEASE, ocid='ocds-abc123-"><svg onload=alert(1)>', id="x1",
                   tender={"id": "t1", "title": '<script>alert("title")</script>', "status": "active",
                           "value": {"amount": 5, "currency": "<b>EUR</b>"}},
                   buyer={"id": "b1", "name": '<img src=x onerror=alert("buyer")>'})
    bad = {"ocid": "<iframe src=javascript:alert(2)>", "id": "<x>", "date": "not a date"}
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [hostile, bad], "links": {
        "next": "javascript:alert(3)//"}}).encode()))
    editor = _client(app)
    page = editor.post("/harvest/preview", data=_form(editor, url, procurement_redaction_reason="<u>reason</u>",
                                                       procurement_redact_paths="tender/value")).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    shown = soup.find(id="procurement-preview")
    assert shown is not None and '<script>alert("title")</script>' in shown.text, shown.text  # shown, as text
    assert '<img src=x onerror=alert("buyer")>' in shown.text
    assert not any("alert" in (script.string or "") for script in soup.find_all("script"))
    assert not soup.find_all(lambda tag: any(name.startswith("on") for name in tag.attrs))
    assert not soup.find_all(["svg", "iframe", "u", "b"]) or not soup.find(id="procurement-preview").find_all(["svg", "iframe", "u", "b"])
    assert "javascript:alert" not in " ".join(str(a.get("href")) for a in soup.find_all("a"))


def test_markup_in_the_columns_and_values_of_an_export_is_shown_as_text(app, feed):
    csv = ('"<script>alert(\'col\')</script>",Award Date,"<img src=x onerror=alert(\'c\')>"\n'
           '"<svg onload=alert(\'v\')>",2026-01-05,"<script>alert(\'val\')</script>"\n').encode()
    url = feed.route("/export.csv", Reply(csv, content_type="text/csv"))
    editor = _client(app)
    page = editor.post("/harvest/preview", data=_form(editor, url, source_type="procurement_csv")).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find(attrs={"data-fact": "rows"}) is not None, _preview_error(page)
    assert "<script>alert('col')</script>" in page.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
    assert not any("alert" in (script.string or "") for script in soup.find_all("script"))
    assert not soup.find_all(lambda tag: any(name.startswith("on") for name in tag.attrs))
    assert not soup.find_all("svg")


# ---------------------------------------------------------------- secrets and side effects


def test_a_secret_typed_in_an_invalid_json_never_comes_back(app, feed):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    editor = _client(app)
    typed = '{"auth_header": "%s", "timeout": 5,}' % SECRET
    form = _form(editor, url, config=typed, procurement_use_json="1")
    preview = editor.post("/harvest/preview", data=form).get_data(as_text=True)
    saved = editor.post("/harvest/new", data=form).get_data(as_text=True)
    assert "zq-TOPSECRET" not in preview
    assert "zq-TOPSECRET" not in saved


def test_a_secret_in_the_url_or_typed_json_is_not_echoed_for_a_valid_json(app, feed, attacker):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    editor = _client(app)
    form = _form(editor, url, config=json.dumps({"auth_header": SECRET}), procurement_use_json="1")
    page = editor.post("/harvest/preview", data=form).get_data(as_text=True)
    assert "zq-TOPSECRET" not in page
    assert [h.get("Authorization") for _, h in feed.requests] == [SECRET]
    # a redirect to another host: the header stays home
    elsewhere = attacker.route("/steal", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    hop = feed.route("/hop", Reply(b"", status=302, headers={"Location": elsewhere}))
    editor.post("/harvest/preview", data=dict(form, url=hop))
    assert attacker.requests and not any(h.get("Authorization") for _, h in attacker.requests)


def test_preview_saves_nothing(app, feed):
    csv = b"PO Number,Award Date,Amount\n1001,2026-01-05,1200.50\n"
    export = feed.route("/export.csv", Reply(csv, content_type="text/csv"))
    releases = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    editor = _client(app)
    cache = settings.cache_dir()
    files_before = set(os.listdir(cache)) if os.path.isdir(cache) else set()
    before = _counts()
    for form in (_form(editor, releases, procurement_auth="secret", procurement_auth_secret=SECRET,
                       procurement_publish="after_review"),
                 _form(editor, export, source_type="procurement_csv", procurement_rows_are="award",
                       procurement_ocid_template="ocds-abc123-{PO Number}", procurement_date_column="Award Date",
                       **{"procurement_map__0__column": "PO Number", "procurement_map__0__field": "contracts/0/id"})):
        assert editor.post("/harvest/preview", data=form).status_code == 200
    model.Session.remove()
    assert _counts() == before
    files_after = set(os.listdir(cache)) if os.path.isdir(cache) else set()
    assert not {name for name in files_after - files_before if name.endswith(".preview")}


def test_an_outsider_cannot_save_a_victims_source_through_the_preview_address(app, feed, sysadmin):
    from ckan.tests import helpers
    victim = _client(app)
    outsider = _client(app)
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    stored = helpers.call_action("harvest_source_create", context={"user": sysadmin["name"]}, name="victims",
                                 url=url, source_type="ocds", owner_org=victim.organization["id"], config="")
    form = _form(outsider, "http://127.0.0.1:9/mine.json", organization=outsider.organization, name="victims")
    for data in (dict(form, save="1"), form):
        response = outsider.post(f"/harvest/preview/{stored['id']}", data=data)
        assert response.status_code in (403, 404), response.status_code
    model.Session.remove()
    assert helpers.call_action("harvest_source_show", id=stored["id"])["url"] == url
    assert feed.requests == []


def test_odd_shapes_of_the_form_are_refused_without_a_500(app, feed):
    victim = _client(app)
    editor = _client(app)
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    form = _form(editor, url)
    for odd in ({"url": [url, "http://169.254.169.254/"]}, {"source_type": ["ocds", "procurement_csv"]},
                {"url": "http://127.0.0.1:9/\x00"}, {"procurement_map__x__column": "a"},
                {"config": "[1, 2]"}, {"config": "1e999999"}, {"config": '{"timeout": 1e309}'}):
        response = editor.post("/harvest/preview", data=dict(form, **odd))
        assert response.status_code in (200, 400, 403), (odd, response.status_code)
    # never a fetch on behalf of the other organization
    assert all(path == "/releases.json" for path, _ in feed.requests)


def test_owner_org_posted_twice_is_refused_without_a_500(app, feed):
    victim = _client(app)
    editor = _client(app)
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    form = _form(editor, url)
    for owners in ([editor.organization["id"], victim.organization["id"]],
                   [victim.organization["id"], editor.organization["id"]], "\x00"):
        response = editor.post("/harvest/preview", data=dict(form, owner_org=owners))
        assert response.status_code in (400, 403), response.status_code
    assert feed.requests == []
