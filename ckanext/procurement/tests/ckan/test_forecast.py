"""/forecast and its Atom and iCalendar feeds: planned procurements, filterable and sortable."""
from __future__ import annotations

import datetime
from xml.etree import ElementTree as ET

import icalendar
import pytest
from bs4 import BeautifulSoup

from ckan.tests import helpers

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def day(offset: int) -> str:
    return (NOW + datetime.timedelta(days=offset)).isoformat()


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def planned(ocid, title, *, start=30, end=None, status="planned", category="services", amount=150_000,
            buyer="Department of Technology", tag="planning"):
    period = {"startDate": day(start)} if start is not None else {}
    if end is not None:
        period["endDate"] = day(end)
    return {
        "ocid": ocid, "id": f"{ocid}-1", "date": day(-2), "tag": [tag], "initiationType": "tender",
        "parties": [{"id": "b1", "name": buyer, "roles": ["buyer"],
                     "contactPoint": {"name": "Procurement Liaison", "email": "liaison@city.example",
                                      "telephone": "(217) 555-0100"}}],
        "buyer": {"id": "b1", "name": buyer},
        "planning": {"rationale": f"Why {title}", "budget": {"amount": {"amount": amount, "currency": "USD"}}},
        "tender": {"id": "t1", "title": title, "status": status, "mainProcurementCategory": category,
                   "procurementMethod": "open", "value": {"amount": amount, "currency": "USD"}, "tenderPeriod": period},
    }


def save(sysadmin, organization, release, **kwargs):
    return helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]}, releases=[release],
                               owner_org=organization["id"], **kwargs)["package"]


@pytest.fixture
def forecast(sysadmin, organization):
    save(sysadmin, organization, planned("ocds-fc0001-it", "Network upgrade", start=40, amount=400_000))
    save(sysadmin, organization, planned("ocds-fc0001-soon", "Help desk services", start=10, end=40, status="active",
                                         tag="tender"))  # announced, not open yet
    save(sysadmin, organization, planned("ocds-fc0001-paper", "Office paper", start=20, category="goods", amount=9_000,
                                         buyer="Department of Finance"))
    save(sysadmin, organization, planned("ocds-fc0001-nodate", "Street sweeping", start=None, category="works",
                                         amount=250_000, buyer="Department of Streets"))
    # not forecasts: open for bids now, a planned date already passed, an awarded process
    save(sysadmin, organization, planned("ocds-fc0001-open", "Open tender", start=-3, end=10, status="active", tag="tender"))
    save(sysadmin, organization, planned("ocds-fc0001-late", "Late plan", start=-1))
    save(sysadmin, organization, dict(planned("ocds-fc0001-done", "Awarded"), awards=[
        {"id": "a1", "status": "active", "value": {"amount": 1, "currency": "USD"}}]))
    save(sysadmin, organization, planned("ocds-fc0001-private", "Private plan", start=15), private=True)


def rows(body) -> list[str]:
    soup = BeautifulSoup(body, "html.parser")
    return [text(tr.find("th").find("a")) for tr in soup.select("tr.procurement-forecast-item")]


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestForecastPage:
    def test_planned_purchases_soonest_first_with_their_facts(self, app, forecast, sysadmin):
        body = app.get("/forecast").body
        # anonymous: public only; undated last
        assert rows(body) == ["Help desk services", "Office paper", "Network upgrade", "Street sweeping"]
        soup = BeautifulSoup(body, "html.parser")
        first = soup.select_one("tr.procurement-forecast-item")
        assert "Department of Technology" in text(first) and "Services" in text(first)
        assert "$150,000.00" in text(first)
        assert "Procurement Liaison" in text(first) and first.select_one('a[href^="mailto:"]')
        assert first.find("time")["datetime"] == day(10)
        assert "4 planned purchases" in text(soup)
        table = soup.find("table", class_="procurement-forecast-table")
        assert table.find("caption") and all(th.get("scope") for th in table.select("thead th"))

    def test_members_see_their_private_plans(self, app, forecast, sysadmin):
        body = app.get("/forecast", headers={"Authorization": sysadmin["token"]}).body
        assert "Private plan" in rows(body)

    def test_filters_and_sorting(self, app, forecast):
        assert rows(app.get("/forecast", params={"main_category": "services", "value_min": "100000"}).body) == [
            "Help desk services", "Network upgrade"]
        assert rows(app.get("/forecast", params={"sort": "value_desc"}).body) == [
            "Network upgrade", "Street sweeping", "Help desk services", "Office paper"]
        assert rows(app.get("/forecast", params={"buyer_name": "Department of Finance"}).body) == ["Office paper"]

    @pytest.mark.parametrize("params, message", [({"value_min": "lots"}, "value_min"), ({"value_min": "-5"}, "value_min"),
                                                 ({"sort": "random"}, "sort")])
    def test_bad_parameters_are_a_400_naming_them(self, app, params, message):
        response = app.get("/forecast", params=params, status=400)
        assert message in response.body

    def test_feed_links_keep_the_filters(self, app, forecast):
        soup = BeautifulSoup(app.get("/forecast", params={"main_category": "services", "sort": "value_desc"}).body, "html.parser")
        atom = soup.select_one("a.procurement-feed-link")["href"]
        ics = soup.select_one("a.procurement-calendar-link")["href"]
        assert atom.startswith("/forecast.atom?") and "main_category=services" in atom and "sort=value_desc" in atom
        assert ics.startswith("/forecast.ics?") and "main_category=services" in ics


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestForecastFeeds:
    def test_atom_feed_is_well_formed_atom_of_the_filtered_list(self, app, forecast, sysadmin):
        response = app.get("/forecast.atom", params={"main_category": "services"},
                           headers={"Authorization": sysadmin["token"]})  # a member's feed is public only too
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(response.data)
        assert root.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):  # RFC 4287 4.1.1
            assert root.find(f"{ATOM}{required}").text
        entries = root.findall(f"{ATOM}entry")
        assert [e.find(f"{ATOM}title").text for e in entries] == ["Help desk services", "Network upgrade"]
        for entry in entries:
            for required in ("id", "title", "updated"):
                assert entry.find(f"{ATOM}{required}").text
            assert entry.find(f"{ATOM}author/{ATOM}name").text == "Department of Technology"
            assert "Expected solicitation" in entry.find(f"{ATOM}summary").text

    def test_ics_parses_with_icalendar_and_has_openings_and_deadlines(self, app, forecast):
        response = app.get("/forecast.ics")
        assert response.headers["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.data)
        events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {"Expected solicitation: Help desk services", "Bid deadline: Help desk services",
                               "Expected solicitation: Office paper", "Expected solicitation: Network upgrade"}
        opening = events["Expected solicitation: Network upgrade"]
        assert opening.decoded("dtstart") == NOW + datetime.timedelta(days=40)
        assert "Contact: Procurement Liaison" in str(opening["description"])
        assert str(opening["url"]).startswith("http") and "ocds-fc0001-it" in str(opening["url"])
        assert len({str(e["uid"]) for e in events.values()}) == 4

    def test_filtered_ics(self, app, forecast):
        calendar = icalendar.Calendar.from_ical(app.get("/forecast.ics", params={"value_min": "300000"}).data)
        assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Expected solicitation: Network upgrade"]

    def test_hostile_titles_stay_text_in_every_format(self, app, sysadmin, organization):
        save(sysadmin, organization, planned("ocds-fc0001-evil", "<script>alert(1)</script>\x0bEvil\r\nX-INJECT:1"))
        page = app.get("/forecast").body
        assert "<script>alert(1)</script>" not in page
        ET.fromstring(app.get("/forecast.atom").data)
        calendar = icalendar.Calendar.from_ical(app.get("/forecast.ics").data)
        [event] = calendar.walk("VEVENT")
        assert "X-INJECT" not in event  # the line break stays inside the summary
        assert str(event["summary"]).startswith("Expected solicitation: <script>")
