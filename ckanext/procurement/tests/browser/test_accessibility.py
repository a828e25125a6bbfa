"""WCAG 2.1 A/AA: axe-core on every kind of page, and the keyboard."""
from __future__ import annotations

import pytest

from ckanext.procurement.tests.browser import pages


def _rich(data):
    return f"/contracting-process/{data.rich['name']}"


def _resource(data):
    resource = data.rich["resources"][0]
    return f"/contracting-process/{data.rich['name']}/resource/{resource['id']}"


def _resource_view(data):
    return f"/procurement-dataset/{data.bulk['name']}/resource/{data.bulk['resources'][0]['id']}"


AUDITED = {
    "process-search": lambda data: "/contracting-process/",
    "process-search-open-for-bids": lambda data: "/contracting-process/?ext_open=1",
    "process-page": _rich,
    "opportunities": lambda data: "/opportunities",
    "dataset-search": lambda data: "/dataset/",
    "process-resource-page": _resource,
    "ocds-lifecycle-resource-view": _resource_view,
}


@pytest.mark.parametrize("name", list(AUDITED))
def test_no_serious_or_critical_axe_violations(portal, portal_data, axe_audit, name):
    portal.goto(AUDITED[name](portal_data))
    axe_audit(portal.page)


def _tab_report(steps) -> str:
    return "\n".join(f"  {i:3d}. <{s['tag']}> {s.get('name') or s.get('href') or s.get('text')!r} "
                     f"outline={s.get('outlineStyle')} {s.get('outlineWidth')} shadow={s.get('boxShadow')}"
                     for i, s in enumerate(steps, 1))


def _assert_focus_visible(steps):
    invisible = [s for s in steps if s["tag"] != "body" and s.get("visibleBox") and not pages.focus_is_visible(s)]
    assert not invisible, "focused elements without a visible focus indicator (outline or box-shadow):\n" + \
        "\n".join(f"  {s['html']}" for s in invisible[:10])


def test_keyboard_reaches_search_filters_and_results(portal, portal_data):
    live = portal.live.url
    portal.goto("/contracting-process/")
    steps = pages.tab_through(portal.page)
    portal.snap("after-tabbing")
    report = _tab_report(steps)
    assert any(s["tag"] == "input" and s["name"] == "q" for s in steps), "Tab never reaches the search box:\n" + report
    assert any(s["tag"] == "a" and ("stage=" in s["href"] or "status=" in s["href"]) for s in steps), \
        "Tab never reaches a facet (stage/status) link:\n" + report
    assert any(s["tag"] == "a" and s["href"].startswith(f"{live}/contracting-process/") and "?" not in s["href"]
               and s["href"].rstrip("/") != f"{live}/contracting-process" for s in steps), \
        "Tab never reaches a process link:\n" + report
    assert any(s["tag"] == "a" and "ext_open=1" in s["href"] or s["name"] == "ext_open" for s in steps), \
        "Tab never reaches the 'Open for bids' filter:\n" + report
    _assert_focus_visible(steps)


def test_keyboard_reaches_opportunity_filters_and_feed(portal, portal_data):
    live = portal.live.url
    portal.goto("/opportunities")
    steps = pages.tab_through(portal.page)
    portal.snap("after-tabbing")
    report = _tab_report(steps)
    for name in ("main_category", "buyer_name"):
        assert any(s["tag"] == "select" and s["name"] == name for s in steps), f"Tab never reaches select[name={name}]:\n{report}"
    assert any(s["tag"] == "a" and "/opportunities.atom" in s["href"] for s in steps), "Tab never reaches the feed link:\n" + report
    assert any(s["tag"] == "a" and s["href"].startswith(f"{live}/contracting-process/") for s in steps), \
        "Tab never reaches a solicitation:\n" + report
    _assert_focus_visible(steps)


def test_keyboard_reaches_process_page_downloads(portal, portal_data):
    name = portal_data.rich["name"]
    portal.goto(f"/contracting-process/{name}")
    steps = pages.tab_through(portal.page, max_tabs=250)
    portal.snap("after-tabbing")
    assert any(s["tag"] == "a" and s["href"].endswith(f"/contracting-process/{name}/record.json") for s in steps), \
        "Tab never reaches the record download:\n" + _tab_report(steps)
    _assert_focus_visible(steps)
