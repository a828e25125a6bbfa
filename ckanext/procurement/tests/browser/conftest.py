"""Fixtures of the browser suite: a live portal, harvested data, headless Chromium.

The portal is CKAN's real WSGI application (the one the ``app`` fixture
builds from test.ini, plugins loaded) served by werkzeug on a free loopback
port in a background thread of the test process, so the tests and the pages
share the same PostgreSQL database and Solr core. Its data come the real way:
the demo purchasing system harvested through ckanext-harvest's Redis queues,
plus one private process saved with ``procurement_process_save``.

Everything expensive is package-scoped (built once for the whole browser
suite); each test gets a fresh browser context. Pages visited are
screenshotted to test-artifacts/screenshots/, axe results are written to
test-artifacts/axe/. No request may leave 127.0.0.1: every other request is
aborted and recorded (``portal.blocked``).
"""
from __future__ import annotations

import datetime
import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from ckanext.procurement.tests.browser.pages import PRIVATE_OCID, PRIVATE_TITLE, PRIVATE_TOKEN

REPO_ROOT = Path(__file__).resolve().parents[4]
ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_DIR = ARTIFACTS / "axe"
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("PROCUREMENT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")

DEMO_PROCESSES = 40
DEMO_SEED = 7


# ---------------------------------------------------------------- the portal


@pytest.fixture(scope="package")
def _browser_db(reset_db, migrate_db_for, reset_index):
    """An empty database and index, once for the package (clean_db + clean_index)."""
    import ckan.plugins as plugins
    from ckanext.harvest import queue

    plugins.load_all()  # the plugins of test.ini (with_plugins, once): their migrations and actions
    reset_db()
    for plugin in ("activity", "harvest", "procurement"):
        migrate_db_for(plugin)
    reset_index()
    queue.purge_queues()
    yield
    queue.purge_queues()


@dataclass
class LiveServer:
    url: str
    port: int
    config: dict[str, Any]
    thread: threading.Thread
    server: Any

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="package")
def live_server(_browser_db):
    """CKAN served on http://127.0.0.1:<free port>, with ckan.site_url pointing at it."""
    import ckan.plugins as plugins
    from ckan.common import config
    from ckan.lib.app_globals import _CONFIG_CACHE
    from ckan.tests import helpers
    from werkzeug.serving import make_server

    original = dict(config)
    original_env = os.environ.get("CKAN_SITE_URL")
    holder: dict[str, Any] = {}
    # bound first (port 0: a free one, no race), so that site_url knows the port before the app is built
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    port = server.server_port
    url = f"http://127.0.0.1:{port}"
    os.environ["CKAN_SITE_URL"] = url
    config["ckan.site_url"] = url
    # what the `app` fixture does (make_app's cache reset + _get_test_app): test.ini, its plugins loaded
    _CONFIG_CACHE.clear()
    holder["app"] = helpers._get_test_app().app
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # one line per request otherwise
    thread = threading.Thread(target=server.serve_forever, name="ckan-live-server", daemon=True)
    thread.start()
    live = LiveServer(url=url, port=port, config=dict(config), thread=thread, server=server)
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        werkzeug_log.setLevel(werkzeug_level)
        plugins.unload_non_system_plugins()
        config.clear()
        config.update(original)
        if original_env is None:
            os.environ.pop("CKAN_SITE_URL", None)
        else:
            os.environ["CKAN_SITE_URL"] = original_env


@pytest.fixture(autouse=True)
def _live_config(live_server):
    """CKAN's pytest plugin restores its start-up config before every test:
    put back the live portal's (site_url, plugins' settings)."""
    from ckan.common import config

    config.update(live_server.config)
    yield


# ---------------------------------------------------------------- the data


@dataclass
class PortalData:
    sysadmin: dict
    organization: dict
    harvest_report: dict
    processes: list[dict]  # every public process (package_search results)
    rich: dict  # a public process at stage implementation with amendments and payments (package_show)
    hostile: list[dict]  # public processes whose harvested text is hostile
    private: dict  # the private process (package_show)
    bulk: dict  # a procurement-dataset with the rich process's OCDS JSON uploaded (ocds_lifecycle view)
    demo_ocids: set[str]


def _search(**params) -> dict:
    from ckan.tests import helpers

    params.setdefault("rows", 1000)
    fq = params.pop("fq", "")
    return helpers.call_action("package_search", fq=f"+dataset_type:contracting-process {fq}".strip(), **params)


def private_releases() -> list[dict]:
    """A hand-made process, open for bids, that only its organization may see."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    buyer = {"id": "US-CITY-SPRINGFIELD-POLICE", "name": "Police Department"}
    return [{
        "ocid": PRIVATE_OCID,
        "id": f"{PRIVATE_OCID}-01-tender",
        "date": (now - datetime.timedelta(days=2)).isoformat(),
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "en",
        "parties": [dict(buyer, roles=["buyer", "procuringEntity"])],
        "buyer": buyer,
        "tender": {
            "id": f"{PRIVATE_OCID}-tender",
            "title": PRIVATE_TITLE,
            "description": f"{PRIVATE_TOKEN}: not yet reviewed by the coordinator.",
            "status": "active",
            "procurementMethod": "open",
            "procurementMethodDetails": "Invitation for Bids",
            "mainProcurementCategory": "goods",
            "procuringEntity": buyer,
            "value": {"amount": 48250.0, "currency": "USD"},
            "tenderPeriod": {
                "startDate": (now - datetime.timedelta(days=2)).isoformat(),
                "endDate": (now + datetime.timedelta(days=30)).isoformat(),
            },
            "documents": [{
                "id": "private-notice",
                "documentType": "tenderNotice",
                "title": f"Notice: {PRIVATE_TITLE}",
                "url": "https://www.springfield.example/docs/private/zephyrquartz-notice.pdf",
                "format": "application/pdf",
                "datePublished": (now - datetime.timedelta(days=2)).isoformat(),
            }],
        },
    }]


def _is_hostile(dataset: dict) -> bool:
    text = json.dumps(dataset)
    return "<script" in text or "alert(1)" in text


@pytest.fixture(scope="package")
def portal_data(live_server) -> PortalData:
    import requests

    from ckan import model
    from ckan.tests import factories, helpers
    from ckanext.procurement.demo.server import DemoServer
    from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job

    sysadmin = factories.SysadminWithToken(image_url="")
    organization = factories.Organization(
        users=[{"name": sysadmin["name"], "capacity": "admin"}], title="City of Springfield", image_url="",
    )
    # The demo system with its hostile switch on: 2% of its processes (index 3
    # of 40) carry <script>, event handlers and javascript: URLs in their text;
    # the others are ordinary. One source, so no ocid is claimed twice.
    with DemoServer(processes=DEMO_PROCESSES, seed=DEMO_SEED, hostile=True) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
        report = run_job(source["id"], sysadmin["name"])
        ocids, url = set(), demo.releases_url
        while url:
            page = requests.get(url, timeout=30).json()
            ocids.update(r["ocid"] for r in page["releases"])
            url = (page.get("links") or {}).get("next")
    assert report["gather_errors"] == [], report["gather_errors"]
    assert report["stats"].get("added") == len(ocids), report["stats"]

    saved = helpers.call_action(
        "procurement_process_save", context={"user": sysadmin["name"]},
        releases=private_releases(), owner_org=organization["id"], private=True,
    )
    private = helpers.call_action("package_show", id=saved["package"]["id"])
    assert private["private"] is True

    public = [d for d in _search(include_private=False)["results"]]
    assert len(public) == len(ocids)
    hostile = [d for d in public if _is_hostile(d)]
    assert hostile, "the hostile demo process was not harvested"

    rich = None
    candidates = _search(fq="+stage:implementation", sort="name asc")["results"]
    # one still under way if there is one (its timeline has a current stage)
    candidates.sort(key=lambda d: d.get("status") == "completed")
    for candidate in candidates:
        shown = helpers.call_action("package_show", id=candidate["id"])
        if shown.get("amendments") and shown.get("transactions") and shown.get("resources") and not _is_hostile(shown):
            rich = shown
            break
    assert rich, "no public process at stage implementation with amendments and payments"
    bulk = _bulk_dataset(sysadmin, organization, rich)
    model.Session.remove()
    return PortalData(sysadmin=sysadmin, organization=organization, harvest_report=report, processes=public,
                      rich=rich, hostile=hostile, private=private, bulk=bulk, demo_ocids=ocids)


def _bulk_dataset(sysadmin: dict, organization: dict, rich: dict) -> dict:
    """A coordinator's bulk dataset with one uploaded OCDS release package (stored
    locally, so its resource view reads nothing from outside)."""
    import io

    from ckan.tests import helpers
    from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

    record = helpers.call_action("procurement_record_show", id=rich["ocid"])
    package = {
        "uri": "https://www.springfield.example/ocds/releases.json",
        "publishedDate": record["releases"][-1]["date"],
        "publisher": {"name": "City of Springfield"},
        "version": "1.1",
        "releases": record["releases"],
    }
    context = {"user": sysadmin["name"]}
    dataset = helpers.call_action(
        "package_create", context=dict(context), type="procurement-dataset", name="springfield-contract-releases",
        title="Springfield contract releases (OCDS)", owner_org=organization["id"], license_id="cc-by",
        notes="Every release of one contracting process.", lifecycle_stages=["tender", "award", "contract", "implementation"],
        update_frequency="daily", coverage_start_date="2023-01-01", coverage_end_date="2026-12-31",
    )
    upload = FakeFileStorage(io.BytesIO(json.dumps(package).encode("utf-8")), "releases.json")
    helpers.call_action(
        "resource_create", context=dict(context), package_id=dataset["id"], name="Release package",
        url="releases.json", format="JSON", upload=upload,
    )
    return helpers.call_action("package_show", id=dataset["id"])


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="package")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120] or "page"


@dataclass
class Portal:
    """A browser tab on the live portal, recording what the test must know about."""

    page: Any
    live: LiveServer
    test_name: str
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    shots: int = 0

    def url(self, path: str) -> str:
        return self.live(path)

    def goto(self, path: str, expect_status: int | None = 200):
        response = self.page.goto(self.url(path) if path.startswith("/") else path, wait_until="load")
        self.snap(path)
        if expect_status is not None:
            assert response is not None, f"no response for {path}"
            assert response.status == expect_status, f"GET {path}: HTTP {response.status}, expected {expect_status}"
        return response

    def snap(self, label: str = "") -> Path:
        """A full-page screenshot: test-artifacts/screenshots/<test>.png, then <test>--NN-<label>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = self.test_name if not self.shots else f"{self.test_name}--{self.shots:02d}-{_slug(label)}"
        path = SCREENSHOTS / f"{name}.png"
        self.shots += 1
        try:
            self.page.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # a screenshot is an artifact, never the failure
            print(f"screenshot {path.name} failed: {exc}")
        return path

    def wait_for_navigation_after(self, action: Callable[[], None], label: str = "") -> None:
        with self.page.expect_navigation(wait_until="load"):
            action()
        self.snap(label or self.page.url.replace(self.live.url, ""))


def _context(browser, live, viewport, extra_headers=None):
    context = browser.new_context(
        viewport=viewport, base_url=live.url, locale="en-US", service_workers="block",
        extra_http_headers=extra_headers or None,
    )
    context.set_default_timeout(15_000)
    return context


def _open_portal(browser, live, request, viewport=None, extra_headers=None) -> tuple[Any, Portal]:
    context = _context(browser, live, viewport or {"width": 1280, "height": 900}, extra_headers)
    page = context.new_page()
    portal = Portal(page=page, live=live, test_name=_slug(request.node.name))
    for stale in [*SCREENSHOTS.glob(f"{portal.test_name}.png"), *SCREENSHOTS.glob(f"{portal.test_name}--*.png")]:
        stale.unlink()  # a previous run's screenshots of this test
    local = f"http://127.0.0.1:{live.port}/"

    def route(route):
        url = route.request.url
        if url.startswith(local) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            portal.blocked.append(url)
            route.abort()

    context.route("**/*", route)

    def on_dialog(dialog):
        portal.dialogs.append(f"{dialog.type}: {dialog.message} on {page.url}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: portal.page_errors.append(f"{page.url}: {error}"))
    return context, portal


@pytest.fixture
def portal(browser, live_server, portal_data, request):
    """An anonymous visitor's tab (1280x900)."""
    context, portal = _open_portal(browser, live_server, request)
    yield portal
    if portal.blocked:
        print("requests kept from leaving localhost:", *sorted(set(portal.blocked)), sep="\n  ")
    context.close()


@pytest.fixture
def page(portal):
    """The anonymous visitor's Playwright page (use `portal.goto` to get screenshots)."""
    return portal.page


@pytest.fixture
def mobile_portal(browser, live_server, portal_data, request):
    """An anonymous visitor's tab on a 375px wide phone."""
    context, portal = _open_portal(browser, live_server, request, viewport={"width": 375, "height": 812})
    yield portal
    context.close()


@pytest.fixture
def sysadmin_portal(browser, live_server, portal_data, request):
    """A tab authenticated with the sysadmin's API token (CKAN accepts it on every request)."""
    context, portal = _open_portal(
        browser, live_server, request, extra_headers={"Authorization": portal_data.sysadmin["token"]},
    )
    yield portal
    context.close()


# ---------------------------------------------------------------- accessibility


def _axe_summary(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])[:3]]
        more = len(violation.get("nodes", [])) - len(targets)
        html = (violation.get("nodes") or [{}])[0].get("html", "")[:160]
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')} "
            f"[{len(violation.get('nodes', []))} element(s)] targets: {targets}{f' +{more} more' if more > 0 else ''}"
            f"\n    first: {html}"
        )
    return "\n".join(lines)


@pytest.fixture
def axe_audit(request):
    """axe_audit(page, label=""): run axe-core (WCAG 2.0/2.1 A and AA) on the page;
    fail listing the serious and critical violations. The full results go to
    test-artifacts/axe/<test>[-<label>].json."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci --no-audit --no-fund` at the repository root")

    def audit(page, label: str = "") -> dict:
        page.add_script_tag(path=str(AXE_JS))
        results = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete']})",
            AXE_TAGS,
        )
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        name = _slug(request.node.name + (f"-{label}" if label else ""))
        (AXE_DIR / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
        blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(f"axe: {len(blocking)} serious/critical violation(s) on {page.url}\n{_axe_summary(blocking)}",
                        pytrace=False)
        return results

    return audit
