"""Fetching URLs that others choose, attacked over real HTTP on loopback:
DNS rebinding, the authentication header after a redirect, cloud metadata
addresses, slow servers behind the ocds_lifecycle view, and page numbers."""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers
from ckanext.procurement.fetch import Fetcher, FetchError, UnsafeURLError, check_url
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes, run_job
from ckanext.procurement.tests.conftest import EXAMPLES_DIR

FICTIONAL = "ocds-213czf-000-00001"


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def fictional_releases() -> list[dict]:
    stages = ["01-planning", "02-tender", "03-tenderAmendment", "04-award", "05-contract", "06-implementation"]
    return [r for s in stages for r in json.loads((EXAMPLES_DIR / "fictional" / f"{FICTIONAL}-{s}.json").read_text())["releases"]]


class Recorder:
    """A loopback HTTP server that records each request (path, headers) and answers
    from `routes`: path -> (status, headers, body), or a callable given the handler."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None):
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.routes: dict[str, object] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers)))
                route = outer.routes.get(self.path.split("?")[0])
                if callable(route):
                    return route(self)
                status, headers, body = route or (404, {}, b"")
                self.send_response(status)
                for name, value in dict({"Content-Type": "application/json", "Content-Length": str(len(body))}, **headers).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [path for path, _headers in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    """Two loopback servers on the same port: 127.0.0.1 (the checked host) and 127.0.0.2
    (where a rebinding DNS answer would send the portal)."""
    for _ in range(20):
        first = Recorder("127.0.0.1")
        try:
            second = Recorder("127.0.0.2", first.port)
        except OSError:
            first.close()
            continue
        yield first, second
        first.close()
        second.close()
        return
    pytest.fail("no port free on both 127.0.0.1 and 127.0.0.2")


@pytest.fixture
def rebinding_dns(monkeypatch):
    """Names under `.rebind.test` resolve to 127.0.0.1 the first time and to 127.0.0.2
    every time after: the system resolver itself, so any second lookup is caught."""
    lookups: dict[str, int] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".rebind.test"):
            lookups[host] = lookups.get(host, 0) + 1
            address = "127.0.0.1" if lookups[host] == 1 else "127.0.0.2"
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


# --- DNS rebinding ---------------------------------------------------------------------------

@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
def test_harvest_connects_to_the_address_it_checked(sysadmin, organization, servers, rebinding_dns):
    checked, rebound = servers
    body = json.dumps({"releases": fictional_releases()}).encode()
    checked.routes["/feed.json"] = (200, {}, body)
    rebound.routes["/feed.json"] = (200, {}, json.dumps({"releases": []}).encode())
    source = create_source(sysadmin["name"], organization["id"], f"http://purchasing.rebind.test:{checked.port}/feed.json",
                           config={"retries": 0})
    report = run_job(source["id"], sysadmin["name"])
    assert rebound.requests == [], "the connection went to an address that was never checked"
    assert checked.paths() == ["/feed.json"]
    assert report["gather_errors"] == [] and report["stats"].get("added") == 1
    assert processes()["results"][0]["ocid"] == FICTIONAL


def test_every_redirect_hop_connects_to_its_checked_address(servers, rebinding_dns):
    checked, rebound = servers
    checked.routes["/start"] = (302, {"Location": f"http://files.rebind.test:{checked.port}/data.json"}, b"")
    checked.routes["/data.json"] = (200, {}, b'{"from": "checked"}')
    rebound.routes["/data.json"] = (200, {}, b'{"from": "rebound"}')
    fetcher = Fetcher(retries=0, allow_private=True)
    with fetcher.open(f"http://portal.rebind.test:{checked.port}/start") as (stream, response):
        assert json.loads(stream.read()) == {"from": "checked"}
    assert rebound.requests == []
    assert checked.requests[1][1]["Host"] == f"files.rebind.test:{checked.port}", "the Host header names the host"
    assert rebinding_dns == {"portal.rebind.test": 1, "files.rebind.test": 1}, "one lookup per hop"


def test_the_resolver_hook_is_the_only_lookup(servers):
    """A Fetcher's own resolver (a stand-in for DNS) answers once per hop; nothing resolves again."""
    checked, rebound = servers
    checked.routes["/data.json"] = (200, {}, b"{}")
    answers = iter(["127.0.0.1", "127.0.0.2"])

    def resolve(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (next(answers), port))]

    with Fetcher(retries=0, allow_private=True, resolve=resolve).open(f"http://hook.invalid:{checked.port}/data.json") as (stream, _):
        assert stream.read() == b"{}"
    assert rebound.requests == [] and next(answers) == "127.0.0.2"


def test_tls_keeps_the_host_name_while_connecting_to_the_checked_address(tmp_path, rebinding_dns):
    import trustme

    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("secure.rebind.test").configure_cert(context)
    names_asked: list[str] = []
    context.sni_callback = lambda connection, name, _context: names_asked.append(name)
    server = Recorder(tls=context)
    try:
        server.routes["/data.json"] = (200, {}, b'{"tls": true}')
        authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        fetcher = Fetcher(retries=0, allow_private=True)
        fetcher.session.verify = str(tmp_path / "ca.pem")
        with fetcher.open(f"https://secure.rebind.test:{server.port}/data.json") as (stream, _response):
            assert json.loads(stream.read()) == {"tls": True}
        assert names_asked == ["secure.rebind.test"], "SNI names the host, not the address"
        assert server.requests[0][1]["Host"] == f"secure.rebind.test:{server.port}"
        # the certificate is still checked against the name in the URL
        with pytest.raises(FetchError, match="(?i)certificate|hostname"):
            with fetcher.open(f"https://impostor.rebind.test:{server.port}/data.json"):
                pass
        assert len(server.paths()) == 1
    finally:
        server.close()


# --- the authentication header ---------------------------------------------------------------

@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
@pytest.mark.parametrize("header_name", ["Authorization", "X-Api-Key"])
def test_auth_header_is_not_sent_to_another_origin(sysadmin, organization, header_name):
    source_site, other_site = Recorder(), Recorder()  # two ports: two origins
    try:
        other_site.routes["/feed.json"] = (200, {}, json.dumps({"releases": fictional_releases()}).encode())
        source_site.routes["/feed.json"] = (302, {"Location": f"{other_site.url}/feed.json"}, b"")
        source = create_source(sysadmin["name"], organization["id"], f"{source_site.url}/feed.json",
                               config={"retries": 0, "auth_header": "Bearer s3cr3t-token", "auth_header_name": header_name})
        report = run_job(source["id"], sysadmin["name"])
        assert report["stats"].get("added") == 1
        assert source_site.requests[0][1].get(header_name) == "Bearer s3cr3t-token"
        (_path, headers), = other_site.requests
        assert header_name.lower() not in {name.lower() for name in headers}
        assert "s3cr3t-token" not in json.dumps(headers)
    finally:
        source_site.close()
        other_site.close()


@pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
def test_auth_header_follows_a_same_origin_redirect(sysadmin, organization):
    site = Recorder()
    try:
        site.routes["/feed.json"] = (302, {"Location": "/v2/feed.json"}, b"")
        site.routes["/v2/feed.json"] = (200, {}, json.dumps({"releases": fictional_releases()}).encode())
        source = create_source(sysadmin["name"], organization["id"], f"{site.url}/feed.json",
                               config={"retries": 0, "auth_header": "Bearer s3cr3t-token"})
        report = run_job(source["id"], sysadmin["name"])
        assert report["stats"].get("added") == 1
        assert [(p, h.get("Authorization")) for p, h in site.requests] == [
            ("/feed.json", "Bearer s3cr3t-token"), ("/v2/feed.json", "Bearer s3cr3t-token")]
    finally:
        site.close()


def test_a_header_value_that_cannot_be_sent_is_not_quoted_in_the_error():
    """requests' own error for such a value quotes it; the fetcher's, which reaches job reports and logs, does not."""
    site = Recorder()
    try:
        site.routes["/feed.json"] = (200, {}, b"{}")
        with pytest.raises(FetchError) as error:
            with Fetcher(retries=0, allow_private=True, headers={"Authorization": " Bearer s3cr3t-token"}).open(f"{site.url}/feed.json"):
                pass
        assert "s3cr3t" not in str(error.value) and "Authorization" in str(error.value)
        assert error.value.__cause__ is None and error.value.__suppress_context__  # no traceback prints it either
        assert site.requests == []
    finally:
        site.close()


# --- cloud metadata addresses ----------------------------------------------------------------

@pytest.mark.parametrize("url, address", [
    ("http://100.100.100.200/latest/meta-data/", "100.100.100.200"),  # Alibaba Cloud
    ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),    # AWS over IPv6
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("http://169.254.170.2/v2/credentials", "169.254.170.2"),         # AWS ECS
    ("http://192.0.0.192/opc/v2/instance/", "192.0.0.192"),           # Oracle Cloud
    ("http://168.63.129.16/machine?comp=goalstate", "168.63.129.16"),  # Azure wireserver
    ("http://[fd20:ce::254]/computeMetadata/v1/", "fd20:ce::254"),    # Google Cloud over IPv6
    ("http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe"),         # IPv4-mapped
    ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe"),           # NAT64
    ("http://innocent.example/", "100.100.100.200"),                 # a name that resolves to one
])
def test_metadata_addresses_are_refused_even_where_private_addresses_are_allowed(url, address):
    def resolve(host, port, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    with pytest.raises(UnsafeURLError, match="never harvested"):
        check_url(url, allow_private=True, resolve=resolve)


def test_metadata_host_names_are_refused_before_any_lookup():
    def resolve(host, port, **kwargs):
        raise AssertionError(f"{host} was looked up")

    for host in ("metadata.google.internal", "metadata.google.internal.", "METADATA", "instance-data.ec2.internal"):
        with pytest.raises(UnsafeURLError, match="cloud metadata service"):
            check_url(f"http://{host}/computeMetadata/v1/", allow_private=True, resolve=resolve)


def test_private_addresses_still_allowed_when_the_site_says_so():
    assert check_url("http://10.1.2.3/feed.json", allow_private=True) == ["10.1.2.3"]
    with pytest.raises(UnsafeURLError, match="allow_private_addresses"):
        check_url("http://10.1.2.3/feed.json", allow_private=False)


# --- the ocds_lifecycle view ------------------------------------------------------------------

def _trickle_body(handler) -> None:
    """Headers at once, then a byte every 0.2 s for 40 s."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "200")
    handler.end_headers()
    _trickle(handler, b'{"releases": [' + b" " * 186 + b"]}")


def _trickle_headers(handler) -> None:
    """The status line, then the headers a byte every 0.2 s (a per-read timeout never fires)."""
    handler.wfile.write(b"HTTP/1.0 200 OK\r\n")
    _trickle(handler, b"X-Padding: " + b"x" * 200 + b"\r\n\r\n{}")


def _trickle(handler, data: bytes) -> None:
    for byte in data:
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)


def _url_resource(sysadmin, organization, url: str) -> tuple[dict, dict]:
    dataset = factories.Dataset(owner_org=organization["id"])
    resource = helpers.call_action("resource_create", context={"user": sysadmin["name"]},
                                   package_id=dataset["id"], url=url, format="JSON")
    return dataset, resource


def _resource_page(app, dataset, resource) -> BeautifulSoup:
    return BeautifulSoup(app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}").body, "html.parser")


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.resource_view.deadline", "2")
@pytest.mark.parametrize("trickle", [_trickle_body, _trickle_headers])
def test_a_slow_url_is_cut_off_at_the_deadline(app, sysadmin, organization, trickle):
    server = Recorder()
    try:
        server.routes["/slow.json"] = trickle
        dataset, resource = _url_resource(sysadmin, organization, f"{server.url}/slow.json")
        _resource_page(app, *_url_resource(sysadmin, organization, "file:///warm-up.json"))  # templates compiled
        started = time.monotonic()
        soup = _resource_page(app, dataset, resource)
        elapsed = time.monotonic() - started
        error = text(soup.find(class_="procurement-resource-view").find(class_="procurement-error"))
        assert "took longer than 2 seconds" in error
        # the failure is remembered: the next view doesn't wait again, and shows how long rendering alone takes
        started = time.monotonic()
        again = _resource_page(app, dataset, resource)
        rendering = time.monotonic() - started
        assert "took longer than 2 seconds" in text(again.find(class_="procurement-error"))
        assert server.paths() == ["/slow.json"]
        assert elapsed < 2 + rendering + 2, f"the page took {elapsed:.1f}s ({rendering:.1f}s to render)"
    finally:
        server.close()


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_url_is_fetched_on_the_resource_page_only_and_once(app, sysadmin, organization):
    server = Recorder()
    try:
        package = {"uri": "https://example.com/r.json", "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1",
                   "publisher": {"name": "City"}, "releases": fictional_releases()}
        server.routes["/releases.json"] = (200, {}, json.dumps(package).encode())
        dataset, resource = _url_resource(sysadmin, organization, f"{server.url}/releases.json")
        app.get(f"/dataset/{dataset['name']}")
        app.get("/dataset/")
        assert server.requests == [], "only the resource page renders the view"
        for _ in range(2):
            soup = _resource_page(app, dataset, resource)
            assert text(soup.find(class_="procurement-resource-view").find("h2")) == "Planned cycle lane improvements"
        assert server.paths() == ["/releases.json"], "the download is cached"
    finally:
        server.close()


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_view_errors_name_the_status_but_no_address(app, sysadmin, organization):
    server = Recorder()  # answers 404 to everything
    try:
        dataset, resource = _url_resource(sysadmin, organization, f"{server.url}/missing.json")
        error = text(_resource_page(app, dataset, resource).find(class_="procurement-error"))
        assert "the server answered HTTP 404 Not Found" in error
        # nothing listens on the discard port: the page says so without naming hosts or addresses
        dataset, resource = _url_resource(sysadmin, organization, "http://localhost:9/closed.json")
        error = text(_resource_page(app, dataset, resource).find(class_="procurement-error"))
        assert "could not be reached" in error
        assert "127.0.0.1" not in error and "localhost" not in error and "Connection" not in error
    finally:
        server.close()


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.redact_paths", "parties/contactPoint/email")
def test_a_process_resource_shows_the_stored_record_without_fetching(app, sysadmin, organization):
    server = Recorder()
    try:
        releases = fictional_releases()
        releases[-1].setdefault("tender", {}).setdefault("documents", []).append(
            {"id": "ocds-record", "documentType": "other", "title": "OCDS record", "format": "application/json",
             "url": f"{server.url}/record.json"})
        # what the URL serves now is not what was harvested (and not redacted)
        server.routes["/record.json"] = (200, {}, json.dumps({"releases": releases}).encode())
        saved = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                    owner_org=organization["id"], releases=releases)["package"]
        dataset = helpers.call_action("package_show", id=saved["id"])
        resource = next(r for r in dataset["resources"] if r["url"].endswith("/record.json"))
        assert any(v["view_type"] == "ocds_lifecycle" for v in helpers.call_action("resource_view_list", id=resource["id"]))
        response = app.get(f"/contracting-process/{dataset['name']}/resource/{resource['id']}")
        root = BeautifulSoup(response.body, "html.parser").find(class_="procurement-resource-view")
        assert text(root.find("h2")) == "Planned cycle lane improvements"
        assert root.find(class_="procurement-error") is None
        assert server.requests == [], "the stored record is shown, nothing is fetched"
        emails = {p.get("contactPoint", {}).get("email") for r in releases for p in r.get("parties", [])} - {None}
        assert emails and not any(email in response.body for email in emails)
    finally:
        server.close()


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_private_process_resource_shows_its_record_to_those_who_may_see_it(app, sysadmin, organization):
    releases = fictional_releases()
    releases[-1].setdefault("tender", {}).setdefault("documents", []).append(
        {"id": "ocds-record", "documentType": "other", "format": "application/json", "url": "http://127.0.0.1:9/record.json"})
    saved = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                owner_org=organization["id"], releases=releases, private=True)["package"]
    dataset = helpers.call_action("package_show", id=saved["id"])
    resource = next(r for r in dataset["resources"] if r["url"].endswith("/record.json"))
    path = f"/contracting-process/{dataset['name']}/resource/{resource['id']}"
    assert app.get(path, status=None).status_code in (403, 404)
    response = app.get(path, headers={"Authorization": sysadmin["token"]})
    root = BeautifulSoup(response.body, "html.parser").find(class_="procurement-resource-view")
    assert text(root.find("h2")) == "Planned cycle lane improvements"
    assert root.find(class_="procurement-error") is None


# --- page numbers -----------------------------------------------------------------------------

@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("path", ["/opportunities", "/opportunities.atom", "/contracting-process/"])
@pytest.mark.parametrize("page", ["99999999999", "2147483647", "999999999999999999999999", "-1", "0", "abc", "1.5", ""])
def test_no_page_number_is_a_server_error(app, path, page):
    response = app.get(path, query_string={"page": page, "limit": page, "rows": page}, status=None)
    assert response.status_code in (200, 400), f"{path}?page={page}: HTTP {response.status_code}"
    if path == "/opportunities" and response.status_code == 400:
        assert "page" in response.get_data(as_text=True)


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_huge_opportunities_page_is_a_clear_400(app):
    response = app.get("/opportunities", query_string={"page": "99999999999"}, status=400)
    assert "parameter must be at most" in response.get_data(as_text=True)
    assert app.get("/opportunities", query_string={"page": "2"}, status=200)
