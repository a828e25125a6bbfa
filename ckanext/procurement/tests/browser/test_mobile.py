"""A phone: 375 CSS pixels wide, and no sideways scrolling."""
from __future__ import annotations

import pytest

WIDTH = 375

PAGES = {
    "process-page": lambda data: f"/contracting-process/{data.rich['name']}",
    "process-search": lambda data: "/contracting-process/",
    "opportunities": lambda data: "/opportunities",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_a_phone_without_horizontal_scrolling(mobile_portal, portal_data, name):
    portal = mobile_portal
    path = PAGES[name](portal_data)
    portal.goto(path)
    sizes = portal.page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["inner"] == WIDTH
    if sizes["scroll"] > sizes["inner"] + 1:
        # the innermost elements that stick out, to name the culprit
        wide = portal.page.evaluate(
            """(w) => Array.from(document.querySelectorAll('body *'))
                .filter(el => el.getBoundingClientRect().right > w + 1)
                .filter(el => !Array.from(el.children).some(c => c.getBoundingClientRect().right > w + 1))
                .slice(0, 8).map(el => `${Math.round(el.getBoundingClientRect().right)}px ${el.outerHTML.slice(0, 140)}`)""",
            WIDTH,
        )
        pytest.fail(f"{path} scrolls sideways at {WIDTH}px: scrollWidth {sizes['scroll']} > innerWidth {sizes['inner']}; "
                    "elements past the right edge:\n  " + "\n  ".join(wide), pytrace=False)


_TOPS = """() => {
    const top = s => { const e = document.querySelector(s); return e ? e.getBoundingClientRect().top + window.scrollY : null; };
    return {summary: top('#process-summary'), sidebar: top('aside.secondary'), screen: window.innerHeight};
}"""


def test_process_summary_comes_before_the_sidebar_on_a_phone(mobile_portal, portal_data):
    """The title, status, value, department and deadline are on the first screen,
    not below the organization sidebar."""
    portal = mobile_portal
    portal.goto(f"/contracting-process/{portal_data.rich['name']}")
    tops = portal.page.evaluate(_TOPS)
    assert tops["sidebar"] is not None, "the organization sidebar is gone"
    assert tops["summary"] < tops["sidebar"], tops
    assert tops["summary"] < tops["screen"], f"the process summary starts below the first screen: {tops}"
    # reading and tab order follow: the first link of the page's main content comes before the sidebar's
    order = portal.page.evaluate(
        """() => document.querySelector('#process-summary').compareDocumentPosition(document.querySelector('aside.secondary'))""")
    assert order & 4, "the sidebar precedes the process summary in the document"  # DOCUMENT_POSITION_FOLLOWING


def test_process_page_keeps_its_sidebar_on_the_left_on_a_desktop(portal, portal_data):
    portal.goto(f"/contracting-process/{portal_data.rich['name']}")
    boxes = portal.page.evaluate(
        """() => ['aside.secondary', 'div.primary'].map(s => { const r = document.querySelector(s).getBoundingClientRect();
                                                           return {left: r.left, top: r.top + window.scrollY}; })""")
    sidebar, primary = boxes
    assert sidebar["left"] < primary["left"] and abs(sidebar["top"] - primary["top"]) < 2, boxes


def test_no_serious_or_critical_axe_violations_on_a_phone(mobile_portal, portal_data, axe_audit):
    portal = mobile_portal
    portal.goto(f"/contracting-process/{portal_data.rich['name']}")
    axe_audit(portal.page, "closed-history")
    portal.page.click("#history details.procurement-history-releases > summary")
    axe_audit(portal.page, "open-history")
