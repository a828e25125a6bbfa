"""The process page's release-by-release history: closed until asked for, with
the browser's own disclosure (no JavaScript), by mouse, keyboard or link."""
from __future__ import annotations

DISCLOSURE = "#history details.procurement-history-releases"


def _releases(page):
    return page.locator(f"{DISCLOSURE} li.procurement-release")


def test_history_is_closed_until_its_summary_is_clicked(portal, portal_data):
    page = portal.page
    portal.goto(f"/contracting-process/{portal_data.rich['name']}")
    disclosure = page.locator(DISCLOSURE)
    assert disclosure.count() == 1
    assert disclosure.evaluate("el => el.open") is False
    releases = _releases(page)
    assert releases.count() >= 2
    assert not releases.first.is_visible()
    summary = disclosure.locator("summary").first
    assert summary.is_visible()
    assert f"Show the {releases.count()} releases" in summary.inner_text()
    summary.click()
    assert disclosure.evaluate("el => el.open") is True
    assert releases.first.is_visible() and releases.last.is_visible()
    portal.snap("history-open")


def test_history_opens_from_the_keyboard(portal, portal_data):
    page = portal.page
    portal.goto(f"/contracting-process/{portal_data.rich['name']}")
    page.locator(f"{DISCLOSURE} > summary").focus()
    page.keyboard.press("Enter")
    assert page.locator(DISCLOSURE).evaluate("el => el.open") is True
    assert _releases(page).first.is_visible()


def test_a_link_to_a_release_opens_the_history(portal, portal_data):
    """#release-N (a release's own anchor) shows that release: the browser opens
    the <details> holding a fragment's target."""
    page = portal.page
    portal.goto(f"/contracting-process/{portal_data.rich['name']}#release-2")
    assert page.locator(DISCLOSURE).evaluate("el => el.open") is True
    assert page.locator("#release-2").is_visible()
    assert page.locator("#release-2").evaluate("el => { const r = el.getBoundingClientRect(); return r.top < window.innerHeight && r.bottom > 0; }")
