"""/forecast, /procurement/indicators and the process page's indicator notes in a real browser:
content from the harvested demo, keyboard, 375 px, axe-core."""
from __future__ import annotations

import pytest

from ckanext.procurement.ocds.indicators import INDICATORS
from ckanext.procurement.tests.browser import pages
from ckanext.procurement.tests.browser.test_accessibility import _assert_focus_visible, _tab_report

PAGES = {"forecast": "/forecast", "indicators": "/procurement/indicators"}


def _no_sideways_scrolling(page):
    sizes = page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["scroll"] <= sizes["inner"] + 1, sizes


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_axe_violations(portal, axe_audit, name):
    portal.goto(PAGES[name])
    axe_audit(portal.page)


@pytest.mark.parametrize("name", list(PAGES))
def test_a_phone_reads_them_without_sideways_scrolling(mobile_portal, axe_audit, name):
    mobile_portal.goto(PAGES[name])
    axe_audit(mobile_portal.page, "phone")
    _no_sideways_scrolling(mobile_portal.page)


def test_the_forecast_lists_the_demo_plans_and_filters_them(portal, portal_data):
    portal.goto("/forecast")
    rows = portal.page.locator("tr.procurement-forecast-item")
    assert rows.count() >= 1, "the demo publishes planning notices: the forecast is not empty"
    first = rows.first
    assert first.locator("a[href*='/contracting-process/']").count() == 1
    assert "Department" in first.inner_text() or "City of Springfield" in first.inner_text()
    category = portal.page.locator("#forecast-main-category option").nth(1).get_attribute("value")
    portal.page.select_option("#forecast-main-category", category)
    portal.wait_for_navigation_after(lambda: portal.page.click("form.procurement-filter-form button[type=submit]"))
    assert f"main_category={category}" in portal.page.url
    assert f"main_category={category}" in portal.page.locator("a.procurement-calendar-link").get_attribute("href")


def test_keyboard_reaches_forecast_filters_feeds_and_plans(portal, portal_data):
    live = portal.live.url
    portal.goto("/forecast")
    steps = pages.tab_through(portal.page)
    report = _tab_report(steps)
    for name in ("main_category", "buyer_name", "sort"):
        assert any(s["tag"] == "select" and s["name"] == name for s in steps), f"Tab never reaches {name}:\n{report}"
    assert any(s["tag"] == "input" and s["name"] == "value_min" for s in steps), report
    assert any(s["tag"] == "a" and "/forecast.atom" in s["href"] for s in steps), report
    assert any(s["tag"] == "a" and "/forecast.ics" in s["href"] for s in steps), report
    assert any(s["tag"] == "a" and s["href"].startswith(f"{live}/contracting-process/") for s in steps), report
    _assert_focus_visible(steps)


def test_the_process_page_notes_link_to_their_explanation(portal, portal_data):
    portal.goto(f"/contracting-process/{portal_data.rich['name']}")
    notes = portal.page.locator("#indicators li.procurement-indicator-note")
    assert [notes.nth(i).get_attribute("data-indicator") for i in range(notes.count())] == list(INDICATORS)
    for i in range(notes.count()):
        assert notes.nth(i).get_attribute("data-result") in ("flagged", "not_flagged", "not_assessed")
    link = notes.first.locator("a")
    code = notes.first.get_attribute("data-indicator")
    link.focus()
    portal.wait_for_navigation_after(lambda: portal.page.keyboard.press("Enter"))
    assert portal.page.url.endswith(f"/procurement/indicators#{code}")
    assert portal.page.locator(f"section#{code} h2").is_visible()
    assert "not an accusation" in portal.page.locator("main, [role=main]").first.inner_text()


@pytest.fixture
def supplier_path(portal, portal_data) -> str:
    from ckan.tests import helpers

    top = helpers.call_action("procurement_supplier_list", context={"user": ""}, limit=1)["results"]
    assert top, "the harvested demo awards suppliers: the supplier index is not empty"
    return f"/supplier/{top[0]['key']}"


def test_supplier_index_and_page(portal, supplier_path, axe_audit):
    portal.goto("/supplier")
    assert portal.page.locator("tr.procurement-supplier").count() >= 1
    axe_audit(portal.page, "index")
    portal.goto(supplier_path)
    assert portal.page.locator("table.procurement-supplier-totals tbody tr").count() >= 1
    assert portal.page.locator("tr.procurement-supplier-process a[href*='/contracting-process/']").count() >= 1
    axe_audit(portal.page, "page")


def test_supplier_pages_on_a_phone(mobile_portal, supplier_path, axe_audit):
    for path in ("/supplier", supplier_path):
        mobile_portal.goto(path)
        axe_audit(mobile_portal.page, "phone")
        _no_sideways_scrolling(mobile_portal.page)


def test_keyboard_searches_suppliers(portal, portal_data):
    portal.goto("/supplier")
    steps = pages.tab_through(portal.page)
    assert any(s["tag"] == "input" and s["name"] == "q" for s in steps), _tab_report(steps)
    assert any(s["tag"] == "a" and "/supplier/" in s["href"] for s in steps), _tab_report(steps)
    _assert_focus_visible(steps)
    portal.page.focus("#supplier-q")
    portal.page.keyboard.type("a")
    portal.wait_for_navigation_after(lambda: portal.page.keyboard.press("Enter"))
    assert "q=a" in portal.page.url


def test_department_index_and_page(portal, portal_data, axe_audit, mobile_portal):
    portal.goto("/department")
    links = portal.page.locator("tr.procurement-department a")
    assert links.count() >= 1, "the demo's departments are listed"
    axe_audit(portal.page, "index")
    href = links.first.get_attribute("href")
    links.first.focus()
    portal.wait_for_navigation_after(lambda: portal.page.keyboard.press("Enter"))
    assert portal.page.locator("[data-field='single-bid'] dd").inner_text()
    assert portal.page.locator("table.procurement-department-equity tbody tr").count() == 5
    axe_audit(portal.page, "page")
    mobile_portal.goto(href)
    axe_audit(mobile_portal.page, "phone")
    _no_sideways_scrolling(mobile_portal.page)


def test_hub_figures_links_and_keyboard(portal, portal_data, axe_audit, mobile_portal):
    portal.goto("/")
    portal.wait_for_navigation_after(lambda: portal.page.click("header a[href='/procurement']"))
    assert portal.page.locator(".procurement-hub-figures [data-figure]").count() == 8
    assert int(portal.page.locator("[data-figure='open'] dd").inner_text()) >= 1, "the demo has open solicitations"
    axe_audit(portal.page)
    steps = pages.tab_through(portal.page)
    for path in ("/forecast", "/supplier", "/department", "/procurement/indicators", "/publication-quality"):
        assert any(s["tag"] == "a" and s["href"].endswith(path) for s in steps), f"Tab never reaches {path}"
    _assert_focus_visible(steps)
    mobile_portal.goto("/procurement")
    axe_audit(mobile_portal.page, "phone")
    _no_sideways_scrolling(mobile_portal.page)
