"""/opportunities and its Atom feeds: open solicitations, soonest deadline first."""
from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from ckan.tests import helpers

from ckanext.procurement.demo.server import DemoServer

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert(1)</script>"


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def tender_release(ocid: str, title: str, days: int, category: str = "works", buyer: str = "Department of Streets",
                   amount: float = 250000) -> dict:
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return {
        "ocid": ocid, "id": f"{ocid}-tender", "date": (now - datetime.timedelta(days=3)).isoformat(),
        "tag": ["tender"], "initiationType": "tender", "language": "en",
        "parties": [{"id": "buyer-1", "name": buyer, "roles": ["buyer"]}],
        "buyer": {"id": "buyer-1", "name": buyer},
        "tender": {
            "id": f"{ocid}-t", "title": title, "description": f"About {title}", "status": "active",
            "mainProcurementCategory": category, "procurementMethod": "open",
            "value": {"amount": amount, "currency": "USD"},
            "tenderPeriod": {"startDate": (now - datetime.timedelta(days=3)).isoformat(),
                             "endDate": (now + datetime.timedelta(days=days, hours=1)).isoformat()},
            "documents": [{"id": "d1", "title": f"{title} notice", "url": "javascript:alert(1)",
                           "documentType": "tenderNotice"}],
        },
    }


def save(sysadmin, organization, releases, **kwargs) -> dict:
    return helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                               releases=releases, owner_org=organization["id"], **kwargs)["package"]


def rows(soup) -> list[str]:
    return [text(tr.find("th").find("a")) for tr in soup.select("tr.procurement-opportunity")]


@pytest.fixture
def solicitations(sysadmin, organization):
    made = {
        "later": save(sysadmin, organization, [tender_release("ocds-test01-0001", "Road resurfacing", 20)]),
        "soonest": save(sysadmin, organization, [tender_release("ocds-test01-0002", "Office paper", 2, "goods", "Department of Finance", 9000)]),
        "middle": save(sysadmin, organization, [tender_release("ocds-test01-0003", "Legal advice", 9, "services", "Department of Law")]),
    }
    # not opportunities: a closed tender, and a completed process
    closed = tender_release("ocds-test01-0004", "Closed tender", -5)
    save(sysadmin, organization, [closed])
    server = DemoServer(processes=30, seed=3)
    save(sysadmin, organization, server.system.releases(29))
    return made


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestOpportunitiesPage:
    def test_open_solicitations_soonest_deadline_first(self, app, solicitations):
        soup = BeautifulSoup(app.get("/opportunities").body, "html.parser")
        assert rows(soup) == ["Office paper", "Legal advice", "Road resurfacing"]
        first = soup.select_one("tr.procurement-opportunity")
        assert "Department of Finance" in text(first)
        assert "Goods" in text(first)
        assert "$9,000.00" in text(first)
        assert "days left" in text(first.find(class_="procurement-deadline"))
        table = soup.find("table", class_="procurement-opportunities-table")
        assert table.find("caption") and all(th.get("scope") for th in table.select("thead th"))
        assert "3 solicitations open for bids" in text(soup)

    def test_filter_form_works_without_javascript(self, app, solicitations):
        soup = BeautifulSoup(app.get("/opportunities").body, "html.parser")
        form = soup.find("form", class_="procurement-filter-form")
        assert form["method"] == "get"
        for name in ("main_category", "buyer_name"):
            select = form.find("select", attrs={"name": name})
            assert soup.find("label", attrs={"for": select["id"]}), name
        options = {o["value"]: text(o) for o in form.find("select", attrs={"name": "main_category"}).find_all("option")}
        assert options["goods"] == "Goods (1)" and options["works"] == "Works (1)"
        filtered = BeautifulSoup(app.get("/opportunities?main_category=services").body, "html.parser")
        assert rows(filtered) == ["Legal advice"]
        assert filtered.select_one("select[name=main_category] option[selected]")["value"] == "services"
        by_buyer = BeautifulSoup(app.get("/opportunities", params={"buyer_name": "Department of Finance"}).body, "html.parser")
        assert rows(by_buyer) == ["Office paper"]

    def test_feed_links(self, app, solicitations):
        soup = BeautifulSoup(app.get("/opportunities?main_category=works").body, "html.parser")
        alternate = soup.find("link", attrs={"rel": "alternate", "type": "application/atom+xml"})
        assert parse_qs(urlsplit(alternate["href"]).query) == {"main_category": ["works"]}
        visible = soup.find("a", class_="procurement-feed-link")
        assert urlsplit(visible["href"]).path == "/opportunities.atom"
        assert parse_qs(urlsplit(visible["href"]).query) == {"main_category": ["works"]}

    def test_site_navigation_links_here(self, app, solicitations):
        soup = BeautifulSoup(app.get("/dataset/").body, "html.parser")
        assert soup.select_one('header a[href="/opportunities"]')
        assert soup.select_one('header a[href="/contracting-process/"]')

    @pytest.mark.ckan_config("ckanext.procurement.opportunities_per_page", "2")
    def test_pagination(self, app, solicitations):
        soup = BeautifulSoup(app.get("/opportunities").body, "html.parser")
        assert rows(soup) == ["Office paper", "Legal advice"]
        nav = soup.find("nav", class_="procurement-pagination")
        next_link = nav.find("a", rel="next")
        assert parse_qs(urlsplit(next_link["href"]).query) == {"page": ["2"]}
        second = BeautifulSoup(app.get(next_link["href"]).body, "html.parser")
        assert rows(second) == ["Road resurfacing"]

    def test_private_solicitations_are_not_listed_for_visitors(self, app, sysadmin, organization, solicitations):
        save(sysadmin, organization, [tender_release("ocds-test01-0009", "Secret radios", 1)], private=True)
        assert "Secret radios" not in app.get("/opportunities").body
        assert "Secret radios" not in app.get("/opportunities.atom").body
        assert "Secret radios" in app.get("/opportunities", headers={"Authorization": sysadmin["token"]}).body

    def test_hostile_text_is_escaped(self, app, sysadmin, organization):
        save(sysadmin, organization, [tender_release("ocds-test01-0666", HOSTILE + "Fire trucks", 4, buyer=HOSTILE + "Fire Department")])
        body = app.get("/opportunities").body
        assert "<script>alert" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;Fire trucks" in body
        assert 'href="javascript:' not in body.lower()
        feed = app.get("/opportunities.atom").body
        assert "<script>" not in feed
        root = ET.fromstring(feed.encode("utf-8"))
        assert root.find(f"{ATOM}entry/{ATOM}title").text == HOSTILE + "Fire trucks"


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestFeed:
    def test_valid_atom_with_entries_in_deadline_order(self, app, solicitations):
        response = app.get("/opportunities.atom")
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(response.body.encode("utf-8"))
        assert root.tag == f"{ATOM}feed"
        assert root.find(f"{ATOM}title").text.startswith("Open bid opportunities")
        entries = root.findall(f"{ATOM}entry")
        assert [e.find(f"{ATOM}title").text for e in entries] == ["Office paper", "Legal advice", "Road resurfacing"]
        for entry in entries:
            link = entry.find(f"{ATOM}link").get("href")
            assert urlsplit(link).path.startswith("/contracting-process/")
            assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text

    def test_filtered_feed(self, app, solicitations):
        root = ET.fromstring(app.get("/opportunities.atom?main_category=goods").body.encode("utf-8"))
        assert [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")] == ["Office paper"]
        assert "Goods" in root.find(f"{ATOM}title").text
