"""procurement_stats and the /procurement hub: this fiscal year's figures from crafted processes."""
from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup

from ckan.tests import helpers

from ckanext.procurement.ocds.dates import fiscal_year
from ckanext.procurement.tests.ckan.test_forecast import planned

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
THIS_YEAR = fiscal_year(NOW, 7)


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def awarded(ocid, supplier, amount, *, currency="USD", certified=False, days_ago=1, paid=None):
    date = (NOW - datetime.timedelta(days=days_ago)).isoformat()
    party = {"id": f"s-{supplier}", "name": supplier, "roles": ["supplier"],
             "details": {"classifications": [{"scheme": "CITY-CERT", "id": "MBE"}] if certified else []}}
    release = {
        "ocid": ocid, "id": f"{ocid}-1", "date": date, "tag": ["award"], "initiationType": "tender",
        "buyer": {"id": "b1", "name": "Department of Streets"}, "parties": [party],
        "tender": {"id": "t1", "title": f"Process {ocid}", "status": "complete", "procurementMethod": "open"},
        "awards": [{"id": "a1", "status": "active", "date": date, "value": {"amount": amount, "currency": currency},
                    "suppliers": [{"id": party["id"], "name": supplier}]}],
    }
    if paid is not None:
        release["contracts"] = [{"id": "c1", "awardID": "a1", "status": "active", "dateSigned": date,
                                 "value": {"amount": amount, "currency": currency},
                                 "implementation": {"transactions": [{"id": "1", "value": {"amount": paid, "currency": currency}}]}}]
    return release


@pytest.fixture
def portal(sysadmin, organization):
    def save(release, **kwargs):
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]}, releases=[release],
                            owner_org=organization["id"], **kwargs)

    save(awarded("ocds-hub001-1", "Acme", 100_000, certified=True, paid=30_000))
    save(awarded("ocds-hub001-2", "Zeta", 50_000))
    save(awarded("ocds-hub001-3", "Bob", 20_000, currency="EUR", certified=True))  # never added to dollars
    save(awarded("ocds-hub001-4", "Acme", 7_000, days_ago=800))  # another fiscal year
    save(awarded("ocds-hub001-p", "Zeta", 1_000_000), private=True)  # never counted
    save(planned("ocds-hub001-open", "Open tender", start=-3, end=10, status="active", tag="tender"))
    save(planned("ocds-hub001-plan", "Planned purchase", start=30))


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestHub:
    def test_stats_of_this_fiscal_year(self, portal):
        stats = helpers.call_action("procurement_stats", context={"user": ""})
        assert stats == {
            "fiscal_year": THIS_YEAR, "currency": "USD",
            "processes": 5,  # 3 awarded, the open tender and the plan (dated this year); not the private one
            "awarded": 150_000, "contracted": 100_000, "paid": 30_000,
            "suppliers": 3, "certified_share": pytest.approx(100_000 / 150_000),
            "open_for_bids": 1, "planned": 1,
        }
        older = helpers.call_action("procurement_stats", context={"user": ""}, fiscal_year=fiscal_year(
            NOW - datetime.timedelta(days=800), 7))
        assert (older["processes"], older["awarded"], older["suppliers"]) == (1, 7_000, 1)

    def test_bad_fiscal_year_names_the_field(self):
        with pytest.raises(helpers.logic.ValidationError) as error:
            helpers.call_action("procurement_stats", context={"user": ""}, fiscal_year="soon")
        assert "fiscal_year" in error.value.error_dict

    def test_hub_page_and_navigation(self, app, portal):
        soup = BeautifulSoup(app.get("/procurement").body, "html.parser")
        figures = {dl["data-figure"]: text(dl.find("dd")) for dl in soup.select(".procurement-hub-figures [data-figure]")}
        assert figures["open"] == "1" and figures["planned"] == "1" and figures["suppliers"] == "3"
        assert figures["awarded"] == "$150,000.00" and figures["certified"] == "67%"
        assert [text(a) for a in soup.select(".procurement-hub-deadlines a")] == ["Open tender"]
        links = {a["href"] for a in soup.select(".procurement-hub-links a")}
        assert {"/forecast", "/opportunities", "/supplier", "/department", "/procurement/indicators",
                "/publication-quality"} <= links
        home = BeautifulSoup(app.get("/").body, "html.parser")
        assert home.find("a", href="/procurement"), "the site navigation links the hub"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_hub_charts_draw_this_years_amounts_and_certified_share(app, portal):
    soup = BeautifulSoup(app.get("/procurement").body, "html.parser")
    money = soup.select_one("figure.procurement-hub-money-chart")
    bars = {text(li.select_one(".procurement-chart-label")): (li.select_one("rect.procurement-chart-value")["width"],
                                                              text(li.select_one(".procurement-chart-figure")))
            for li in money.select("ul.procurement-chart-bars > li")}
    # dollars only (the 20,000 euros are not added), scaled to the largest: 150,000 awarded
    assert bars == {"Awarded": ("100.0%", "$150,000.00"), "Contracted": ("66.7%", "$100,000.00"),
                    "Paid": ("20.0%", "$30,000.00")}
    assert "in USD" in text(money.find("figcaption"))
    assert money.select_one("[role=img]")["aria-label"] == "Awarded: $150,000.00; Contracted: $100,000.00; Paid: $30,000.00"
    shares = soup.select_one("figure.procurement-hub-shares-chart")
    assert shares.select_one("rect.procurement-chart-value")["width"] == "66.7%"
    assert text(shares.select_one(".procurement-chart-figure")) == "67%"
    for chart in (money, shares):  # the figures' list is the text alternative, linked from each caption
        assert chart.select_one("figcaption a")["href"] == "#hub-figures-list"
    assert soup.select_one("dl#hub-figures-list [data-figure='paid'] dd")


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_the_home_page_leads_to_the_hub_opportunities_and_forecast(app):
    home = BeautifulSoup(app.get("/").body, "html.parser")
    block = home.select_one("[role=main] section.procurement-home")
    assert block, "the home page has a procurement block in its content, not only in the navigation"
    assert [a["href"] for a in block.select("a")] == ["/procurement", "/opportunities", "/forecast"]
    assert text(block.find("a")) == "Explore city procurement"
    # CKAN's own home content is still there
    assert home.select_one(".module-promotion:not(.procurement-home)")
    assert home.select_one(".homepage form[action='/dataset/']") or home.select_one(".homepage .site-search")
