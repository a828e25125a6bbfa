"""The charts of the hub, a supplier page, a department page and the publication quality page in a real
browser, on the harvested demo: each is drawn, names its figures to assistive technology, links to its
table, fits a 375 px phone without sideways scrolling, and axe-core finds no serious or critical violation
at 1280 and 375 px."""
from __future__ import annotations

import pytest

from ckanext.procurement import quality

VIEWPORTS = {"desktop": 1280, "phone": 375}


def _charted(rows: list[dict], *keys: str) -> bool:
    """Whether grouped rows give a chart: an amount above zero in some currency."""
    return any(row["currency"] and any((row.get(key) or 0) > 0 for key in keys) for row in rows)


@pytest.fixture
def chart_pages(portal_data) -> dict[str, tuple[str, set[str]]]:
    """page -> (its path, the classes of the charts the demo's figures give it)."""
    from ckan import model
    from ckan.tests import helpers

    anonymous = {"user": ""}
    stats = helpers.call_action("procurement_stats", context=anonymous)
    hub = {"procurement-hub-shares-chart"} if stats["certified_share"] is not None else set()
    if any((stats[key] or 0) > 0 for key in ("awarded", "contracted", "paid")):
        hub.add("procurement-hub-money-chart")

    top = helpers.call_action("procurement_supplier_list", context=anonymous, limit=1)["results"][0]
    supplier = helpers.call_action("procurement_supplier_show", context=anonymous, id=top["key"])
    department = helpers.call_action("procurement_buyer_show", context=anonymous,
                                     id=helpers.call_action("procurement_buyer_list", context=anonymous)[0]["name"])
    department_charts = {"procurement-department-equity-chart"} | {
        f"procurement-department-{kind}-chart" for kind in ("years", "categories", "methods")
        if _charted(department[{"years": "by_fiscal_year", "categories": "by_category", "methods": "by_method"}[kind]], "awarded")}

    quality.recompute()
    organization = portal_data.organization["name"]
    trend = helpers.call_action("procurement_quality_show", context=anonymous, owner_org=organization)["trend"]
    quality_charts = {"procurement-quality-stages-chart"}
    if any(row["quarter"] != "undated" for row in trend):
        quality_charts.add("procurement-quality-trend-chart")
    model.Session.remove()
    return {
        "hub": ("/procurement", hub),
        "supplier": (f"/supplier/{top['key']}",
                     {"procurement-supplier-years-chart"} if _charted(supplier["by_fiscal_year"], "awarded", "paid") else set()),
        "department": (f"/department/{department['name']}", department_charts),
        "quality": (f"/publication-quality/{organization}", quality_charts),
    }


def test_the_demo_gives_every_kind_of_chart(chart_pages):
    """Not vacuous: the demo's figures draw the new charts on each page."""
    assert "procurement-supplier-years-chart" in chart_pages["supplier"][1]
    assert {"procurement-department-years-chart", "procurement-department-categories-chart",
            "procurement-department-methods-chart"} <= chart_pages["department"][1]
    assert "procurement-quality-trend-chart" in chart_pages["quality"][1]
    assert "procurement-hub-shares-chart" in chart_pages["hub"][1] or "procurement-hub-money-chart" in chart_pages["hub"][1]


def _charts_on(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('figure.procurement-chart')].map(figure => {
        const box = figure.getBoundingClientRect();
        const graphic = figure.querySelector('[role=img]');
        const link = figure.querySelector('figcaption a');
        const target = link && document.querySelector(link.getAttribute('href'));
        const drawn = [...figure.querySelectorAll('rect.procurement-chart-value, .procurement-chart-point')];
        return {classes: [...figure.classList], left: box.left, right: box.right, height: box.height,
                label: graphic ? graphic.getAttribute('aria-label') : null,
                target: target ? target.tagName : null, drawn: drawn.length,
                widest: Math.max(0, ...[...figure.querySelectorAll('svg, li, figcaption')].map(e => e.getBoundingClientRect().right))};
    })""")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", ["hub", "supplier", "department", "quality"])
def test_charts_are_drawn_labelled_linked_and_fit(browser, live_server, request, chart_pages, axe_audit, name, viewport):
    from ckanext.procurement.tests.browser.conftest import _open_portal

    width = VIEWPORTS[viewport]
    context, portal = _open_portal(browser, live_server, request, viewport={"width": width, "height": 900})
    try:
        path, expected = chart_pages[name]
        portal.goto(path)
        charts = _charts_on(portal.page)
        found = {c for chart in charts for c in chart["classes"]}
        assert expected <= found, f"{path}: charts missing: {expected - found}"
        for chart in charts:
            assert chart["height"] > 0 and chart["drawn"] >= 1, chart
            assert chart["label"] and chart["label"].strip(), f"a chart without its figures in words: {chart}"
            assert chart["target"] == "TABLE" or (name == "hub" and chart["target"] == "DL"), \
                f"a chart's caption must link to its table: {chart}"
            assert chart["left"] >= 0 and max(chart["right"], chart["widest"]) <= width + 1, \
                f"a chart overflows the {width} px viewport: {chart}"
        axe_audit(portal.page, viewport)
        sizes = portal.page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
        assert sizes["scroll"] <= sizes["inner"] + 1, sizes
    finally:
        context.close()


def test_a_charts_caption_takes_the_keyboard_to_its_table(portal, chart_pages):
    path, _expected = chart_pages["department"]
    portal.goto(path)
    link = portal.page.locator("figure.procurement-department-equity-chart figcaption a")
    link.focus()
    link.press("Enter")
    portal.page.wait_for_function("() => location.hash === '#department-equity-table'")
    assert portal.page.locator("#department-equity-table").is_visible()
    assert portal.page.evaluate("() => document.querySelector('#department-equity-table').getBoundingClientRect().top") < 900


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_home_page_leads_to_the_hub(browser, live_server, request, portal_data, axe_audit, viewport):
    from ckanext.procurement.tests.browser.conftest import _open_portal

    width = VIEWPORTS[viewport]
    context, portal = _open_portal(browser, live_server, request, viewport={"width": width, "height": 900})
    try:
        portal.goto("/")
        block = portal.page.locator("section.procurement-home")
        assert block.is_visible()
        axe_audit(portal.page, viewport)
        sizes = portal.page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
        assert sizes["scroll"] <= sizes["inner"] + 1, sizes
        link = block.locator("a[href='/procurement']")
        link.focus()
        portal.wait_for_navigation_after(lambda: portal.page.keyboard.press("Enter"))
        assert portal.page.url.endswith("/procurement")
        assert portal.page.locator(".procurement-hub-figures").is_visible()
    finally:
        context.close()
