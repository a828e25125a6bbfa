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
