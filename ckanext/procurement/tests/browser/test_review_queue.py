"""The review queue in a real browser, as the organization's coordinator (an editor): axe-core at
1280 and 375 px, no sideways scrolling on a phone, and a review done with the keyboard alone,
after which the process is public to anonymous visitors."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from ckanext.procurement.tests.browser import pages
from ckanext.procurement.tests.browser.conftest import _open_portal

TITLES = ["Queue test: street lamp replacement", "Queue test: library roof repair", "Queue test: park benches"]


@dataclass
class Queue:
    editor: dict
    path: str
    datasets: list[dict]


@pytest.fixture(scope="module")
def review_queue(portal_data):
    """Three processes waiting for review, saved as a harvest of an after_review source does
    (purged afterwards, so the other browser tests see the portal as it was)."""
    from ckan import model
    from ckan.tests import factories, helpers
    from ckanext.procurement.tests.ckan.test_schema import release

    organization = portal_data.organization
    editor = factories.UserWithToken(image_url="")
    helpers.call_action("organization_member_create", id=organization["id"], username=editor["name"], role="editor")
    datasets = []
    for number, title in enumerate(TITLES, 1):
        saved = helpers.call_action(
            "procurement_process_save", context={"user": portal_data.sysadmin["name"]}, private=True,
            releases=[release(f"ocds-demo01-queue-{number}", title=title, buyer_name="Public Works")],
            owner_org=organization["id"])
        datasets.append(helpers.call_action("package_show", id=saved["package"]["id"]))
    model.Session.remove()
    yield Queue(editor=editor, path=f"/procurement-review/{organization['name']}", datasets=datasets)
    for dataset in datasets:
        helpers.call_action("dataset_purge", id=dataset["id"])
    model.Session.remove()


@pytest.fixture
def coordinator(browser, live_server, review_queue, request):
    context, portal = _open_portal(browser, live_server, request, extra_headers={"Authorization": review_queue.editor["token"]})
    yield portal
    context.close()


@pytest.fixture
def coordinator_on_a_phone(browser, live_server, review_queue, request):
    context, portal = _open_portal(browser, live_server, request, viewport={"width": 375, "height": 812},
                                   extra_headers={"Authorization": review_queue.editor["token"]})
    yield portal
    context.close()


def test_no_serious_or_critical_axe_violations(coordinator, review_queue, axe_audit):
    coordinator.goto(review_queue.path)
    page = coordinator.page
    assert page.locator("h1").inner_text().startswith("Review before publishing")
    for title in TITLES:
        assert page.locator("table.procurement-review-table", has_text=title).count() == 1
    axe_audit(page)
    coordinator.goto(review_queue.path + "?status=withheld")
    axe_audit(page, "withheld")


def test_no_serious_or_critical_axe_violations_on_a_phone(coordinator_on_a_phone, review_queue, axe_audit):
    portal = coordinator_on_a_phone
    portal.goto(review_queue.path)
    axe_audit(portal.page, "phone")
    sizes = portal.page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["scroll"] <= sizes["inner"] + 1, sizes


def test_anonymous_visitors_get_no_queue(portal, review_queue):
    portal.goto(review_queue.path, expect_status=403)
    assert not any(title in portal.page.content() for title in TITLES)


def test_a_review_done_with_the_keyboard_publishes_for_everyone(coordinator, portal, review_queue):
    page = coordinator.page
    coordinator.goto(review_queue.path)
    steps = pages.tab_through(page, max_tabs=200)
    names = {(s["tag"], s["name"]) for s in steps}
    for expected in [("select", "harvest_source_id"), ("select", "buyer_name"), ("select", "stage"),
                     ("input", "date_from"), ("input", "all_on_page"), ("input", "ids"), ("textarea", "reason"),
                     ("button", "decision")]:
        assert expected in names, f"Tab never reaches {expected}"
    invisible = [s for s in steps if s.get("visibleBox") and not pages.focus_is_visible(s)]
    assert not invisible, [s["html"] for s in invisible[:5]]

    # "Select all on this page" from the keyboard ticks every box (and unticks them)
    page.focus("#review-select-all")
    page.keyboard.press("Space")
    assert page.locator("input[name='ids']:checked").count() == page.locator("input[name='ids']").count() >= 3
    page.keyboard.press("Space")
    assert page.locator("input[name='ids']:checked").count() == 0

    # one process ticked and published, from the keyboard alone
    chosen = review_queue.datasets[0]
    page.focus(f"#review-{chosen['id']}")
    page.keyboard.press("Space")
    page.focus("button[name='decision'][value='publish']")
    coordinator.wait_for_navigation_after(lambda: page.keyboard.press("Enter"), "published")
    assert "1 process published." in page.inner_text("body")
    assert page.locator("table.procurement-review-table", has_text=chosen["title"]).count() == 0

    portal.goto(f"/contracting-process/{chosen['name']}")
    assert chosen["title"] in portal.page.locator("#process-title").inner_text()
    portal.goto(f"/contracting-process/?q={chosen['ocid']}")
    assert chosen["name"] in pages.process_names(portal.page, portal.live.url)
    portal.goto(f"/contracting-process/{review_queue.datasets[1]['name']}", expect_status=404)
