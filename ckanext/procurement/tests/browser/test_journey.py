"""A resident's journeys through the portal, in headless Chromium."""
from __future__ import annotations

from collections import Counter
from xml.etree import ElementTree as ET

from ckan.tests import helpers

from ckanext.procurement.search import OPEN_FOR_BIDS_FQ
from ckanext.procurement.tests.browser import pages

ATOM = "{http://www.w3.org/2005/Atom}"


def _public(fq: str) -> dict:
    return helpers.call_action(
        "package_search", fq=f"+dataset_type:contracting-process {fq}", rows=1000, include_private=False,
    )


def test_search_facet_process_and_document(portal, portal_data):
    live = portal.live.url
    rich = portal_data.rich
    page = portal.page

    # the search page lists every public process
    portal.goto("/contracting-process/")
    total = pages.result_count(page)
    assert total == len(portal_data.processes)
    assert pages.process_names(page, live), "the search page links to no process"

    # a facet, clicked: the stage of the rich process
    stage_links = page.locator(f'a[href*="stage={rich["stage"]}"]')
    assert stage_links.count(), f"no facet link to stage={rich['stage']} on the search page"
    portal.wait_for_navigation_after(lambda: stage_links.first.click(), "facet-stage")
    assert pages.query(page.url).get("stage") == [rich["stage"]]
    expected = _public(f'+stage:"{rich["stage"]}"')
    filtered = pages.result_count(page)
    assert filtered == expected["count"]
    assert filtered < total
    listed = pages.process_names(page, live)
    assert listed and set(listed) <= {d["name"] for d in expected["results"]}

    # open the rich process from the results (searching for its title if it is not on this page)
    link = page.locator(f'a[href$="/contracting-process/{rich["name"]}"]')
    if not link.count():
        page.locator("input[name=q]").first.fill(rich["title"])
        portal.wait_for_navigation_after(lambda: page.locator("input[name=q]").first.press("Enter"), "search-title")
        assert pages.query(page.url).get("stage") == [rich["stage"]], "the search box dropped the facet"
    assert link.count(), f"{rich['name']} is not among the results"
    portal.wait_for_navigation_after(lambda: link.first.click(), "process")
    assert page.url.rstrip("/") == f"{live}/contracting-process/{rich['name']}"
    assert rich["title"] in page.locator("h1").first.inner_text()

    # its timeline
    items = page.locator(pages.TIMELINE)
    states = {items.nth(i).get_attribute("data-stage"): items.nth(i).get_attribute("data-state") for i in range(items.count())}
    assert list(states) == pages.STAGES, f"timeline stages: {list(states)}"
    assert set(states.values()) <= pages.TIMELINE_STATES, states
    if rich["status"] == "completed":  # a finished process: every published stage is done
        assert states["implementation"] == "done"
        assert "current" not in states.values()
    else:
        assert states["implementation"] == "current"
        assert list(states.values()).count("current") == 1
    assert states["contract"] == "done"

    # its amounts and department
    summary = page.locator("#process-summary")
    assert summary.locator("dl").count(), "#process-summary has no <dl>"
    summary_text = summary.inner_text()
    assert rich["buyer_name"] in summary_text
    assert pages.money(rich["contract_value"]) in summary_text, (rich["contract_value"], summary_text)
    for section in pages.PROCESS_SECTIONS:
        assert page.locator(section).count() == 1, f"{section} missing on the process page"
    if rich.get("withheld_paths"):
        assert page.locator("#withheld").count() == 1
    # payments and amendments are shown
    implementation_text = page.locator("#implementation").inner_text()
    assert any(pages.money(t["value"]) in implementation_text for t in rich["transactions"] if t.get("value") not in ("", None))
    body = page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")
    rationales = [a["rationale"] for a in rich["amendments"] if a.get("rationale")]
    assert not rationales or any(r[:40] in body for r in rationales)

    # the record download
    record_link = page.locator(f'#downloads a[href$="/contracting-process/{rich["name"]}/record.json"]')
    assert record_link.count(), "#downloads has no link to record.json"
    href = record_link.first.get_attribute("href")
    response = page.request.get(href if href.startswith("http") else live + href)
    assert response.status == 200
    assert response.json()["ocid"] == rich["ocid"]

    # a document: its link (the document lives on the city's fictional site: never loaded)
    resources = {r["url"]: r for r in rich["resources"]}
    hrefs = pages.links(page)
    resource_pages = [h for h in hrefs if f"/contracting-process/{rich['name']}/resource/" in h]
    documents = [h for h in hrefs if h in resources]
    assert resource_pages or documents, "the process page links to none of its documents"
    if resource_pages:
        target = resource_pages[0]
        resource_link = page.locator(f'a[href="{target.replace(live, "")}"], a[href="{target}"]').first
        portal.wait_for_navigation_after(lambda: resource_link.click(), "resource")
        resource_id = target.rstrip("/").rsplit("/", 1)[1]
        resource = next(r for r in rich["resources"] if r["id"] == resource_id)
        assert resource["url"] in pages.links(page), "the resource page does not link to the document"


def test_opportunities_filter_and_feed(portal, portal_data):
    live = portal.live.url
    page = portal.page
    open_now = _public(OPEN_FOR_BIDS_FQ)
    assert open_now["count"], "the demo data has no solicitation open for bids"

    portal.goto("/opportunities")
    assert page.locator("select[name=main_category]").count() == 1
    assert page.locator("select[name=buyer_name]").count() == 1
    listed = pages.process_names(page, live)
    assert set(listed) == {d["name"] for d in open_now["results"]}

    # filter by the commonest category of the open solicitations
    categories = Counter(d.get("main_category") for d in open_now["results"] if d.get("main_category"))
    category = categories.most_common(1)[0][0]
    select = page.locator("select[name=main_category]")
    form = page.locator("form:has(select[name=main_category])")
    submit = form.locator("button[type=submit], input[type=submit], button:not([type])")
    if submit.count():
        select.select_option(category)
        portal.wait_for_navigation_after(lambda: submit.first.click(), "filtered")
    else:  # a form that submits itself on change
        portal.wait_for_navigation_after(lambda: select.select_option(category), "filtered")
    assert pages.query(page.url).get("main_category") == [category]
    expected = _public(f'{OPEN_FOR_BIDS_FQ} +main_category:"{category}"')
    assert set(pages.process_names(page, live)) == {d["name"] for d in expected["results"]}

    # the feed of the filtered list
    feed_links = page.locator('a[href*="/opportunities.atom"]')
    assert feed_links.count(), "no link to the Atom feed"
    href = feed_links.first.get_attribute("href")
    feed_url = href if href.startswith("http") else live + href
    assert pages.query(feed_url).get("main_category") == [category]
    response = page.request.get(feed_url)
    assert response.status == 200
    assert "xml" in response.headers["content-type"]
    feed = ET.fromstring(response.body())
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    entry_links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert all(link.startswith(f"{live}/contracting-process/") for link in entry_links), entry_links[:3]
    assert {link.rsplit("/", 1)[1] for link in entry_links} == {d["name"] for d in expected["results"]}

    # and the feed of every open solicitation
    response = page.request.get(f"{live}/opportunities.atom")
    assert response.status == 200
    assert len(ET.fromstring(response.body()).findall(f"{ATOM}entry")) == open_now["count"]
