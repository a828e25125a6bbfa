"""What a visitor must never get: script from harvested text, or a private process."""
from __future__ import annotations

from urllib.parse import quote
from xml.etree import ElementTree as ET

from ckanext.procurement.tests.browser import pages

ATOM = "{http://www.w3.org/2005/Atom}"


def _hostile_pages(data) -> list[str]:
    urls = ["/contracting-process/", "/opportunities", "/contracting-process/?ext_open=1"]
    for dataset in data.hostile:
        urls.append(f"/contracting-process/{dataset['name']}")
        urls.append(f"/contracting-process/?q={quote(dataset['name'])}")
        urls.extend(f"/contracting-process/{dataset['name']}/resource/{r['id']}" for r in dataset.get("resources", [])[:3])
        # the supplier facet carries a hostile supplier name
        for supplier in dataset.get("supplier_names") or []:
            urls.append(f"/contracting-process/?vocab_supplier_names={quote(supplier)}")
    return urls


def test_hostile_harvested_text_is_inert(portal, portal_data):
    """<script>, event handlers and javascript: URLs from the purchasing system never run."""
    page = portal.page
    for url in _hostile_pages(portal_data):
        served = portal.goto(url).text()
        # hover what hostile markup would have become, then give handlers a moment
        for element in page.locator("main b, main i, main img, main a").all()[:60]:
            try:
                element.hover(timeout=500)
            except Exception:
                pass
        page.wait_for_timeout(100)
        assert pages.javascript_links(page, served) == [], f"javascript: URLs on {url}"
        assert pages.executable_markup(page) == [], f"harvested script became live on {url}"
    assert portal.dialogs == [], f"a dialog fired: {portal.dialogs}"
    assert portal.page_errors == [], f"script errors: {portal.page_errors}"
    # the hostile title is shown, as text
    portal.goto(f"/contracting-process/{portal_data.hostile[0]['name']}")
    assert "<script>alert(1)</script>" in page.locator("h1").first.inner_text()
    assert portal.dialogs == []


def test_hostile_harvested_markup_is_shown_as_text(portal, portal_data):
    """Harvested text is text: its tags are neither executed nor rendered (not even sanitized
    HTML, which would still let the purchasing system put images and links on the portal)."""
    found = {}
    for url in _hostile_pages(portal_data):
        portal.goto(url)
        rendered = pages.rendered_markup(portal.page)
        if rendered:
            found[url] = rendered
    assert not found, "harvested markup rendered as HTML:\n" + "\n".join(f"  {u}: {r}" for u, r in found.items())


def test_hostile_text_in_the_feed_is_escaped(portal, portal_data):
    response = portal.page.request.get(portal.url("/opportunities.atom"))
    assert response.status == 200
    feed = ET.fromstring(response.body())  # well-formed despite the hostile text
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link").get("href").startswith(portal.live.url + "/")


def test_private_process_is_invisible_to_visitors(portal, portal_data):
    page = portal.page
    private = portal_data.private
    name = private["name"]

    def assert_absent(where: str, text: str = pages.PRIVATE_TOKEN):
        assert name not in pages.process_names(page, portal.live.url), f"{where} links to the private process"
        assert text not in page.content(), f"{where} shows the private process"

    portal.goto("/contracting-process/")
    assert_absent("the search page")
    portal.goto(f"/contracting-process/?q={pages.PRIVATE_TOKEN}")
    assert_absent("a search for it", text=pages.PRIVATE_TITLE)  # the search box repeats the query
    assert pages.result_count(page) == 0
    portal.goto("/contracting-process/?ext_open=1")
    assert_absent("the open-for-bids search")
    portal.goto("/dataset/")
    assert_absent("the dataset search")
    portal.goto(f"/contracting-process/{name}", expect_status=404)
    assert pages.PRIVATE_TOKEN not in page.content()
    portal.goto(f"/dataset/{name}", expect_status=404)
    for resource in private["resources"]:
        portal.goto(f"/contracting-process/{name}/resource/{resource['id']}", expect_status=404)
    portal.goto("/opportunities")
    assert_absent("the opportunities page")
    portal.goto(f"/opportunities?main_category={private['main_category']}")
    assert_absent("the opportunities of its category")

    for path in ("/opportunities.atom", f"/opportunities.atom?main_category={private['main_category']}",
                 f"/contracting-process/{name}/record.json"):
        response = page.request.get(portal.url(path))
        body = response.text()
        assert pages.PRIVATE_TOKEN not in body, f"{path} gives the private process away"
        if path.endswith("record.json"):
            assert response.status == 404
        else:
            assert response.status == 200
            assert name not in body, f"{path} lists the private process"


def test_private_process_is_visible_to_its_organization(sysadmin_portal, portal_data):
    """The control of the test above: the same pages do show it to its publisher."""
    portal = sysadmin_portal
    name = portal_data.private["name"]
    portal.goto(f"/contracting-process/{name}")
    assert pages.PRIVATE_TITLE in portal.page.locator("h1").first.inner_text()
    portal.goto("/opportunities")
    assert name in pages.process_names(portal.page, portal.live.url)
    # the feed is public processes only, whoever reads it
    body = portal.page.request.get(portal.url("/opportunities.atom")).text()
    assert pages.PRIVATE_TOKEN not in body
