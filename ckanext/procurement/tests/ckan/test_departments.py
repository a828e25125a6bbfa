"""Department (buyer) figures through the API and the pages, from crafted processes whose shares are known by
construction; a private process never counts, euros are never added to dollars."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from ckan.tests import helpers

STREETS = "Department of Streets"


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def process(ocid, method, tenderers, supplier, amount, *, currency="USD", certifications=(), scale="large",
            buyer=STREETS, category="works"):
    party = {"id": f"s-{supplier}", "name": supplier, "roles": ["supplier"],
             "identifier": {"scheme": "US-EIN", "id": f"EIN-{supplier}"},
             "details": {"scale": scale, "classifications": [{"scheme": "CITY-CERT", "id": c} for c in certifications]}}
    return {
        "ocid": ocid, "id": f"{ocid}-1", "date": "2026-01-15T00:00:00Z", "tag": ["award"], "initiationType": "tender",
        "buyer": {"id": "b1", "name": buyer}, "parties": [party, {"id": "b1", "name": buyer, "roles": ["buyer"]}],
        "tender": {"id": "t1", "title": f"Process {ocid}", "status": "complete", "procurementMethod": method,
                   "numberOfTenderers": tenderers, "mainProcurementCategory": category},
        "awards": [{"id": "a1", "status": "active", "date": "2026-01-15T00:00:00Z",
                    "value": {"amount": amount, "currency": currency}, "suppliers": [{"id": party["id"], "name": supplier}]}],
    }


@pytest.fixture
def department(sysadmin, organization):
    def save(release, **kwargs):
        helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]}, releases=[release],
                            owner_org=organization["id"], **kwargs)

    save(process("ocds-dep001-1", "open", 3, "Acme", 100_000, certifications=["WBE"], scale="sme"))
    save(process("ocds-dep001-2", "open", 1, "Zeta", 50_000, category="services"))
    save(process("ocds-dep001-3", "direct", None, "Acme", 50_000, certifications=["WBE"], scale="sme"))
    save(process("ocds-dep001-4", "selective", 2, "Bob", 10_000, currency="EUR", certifications=["LBE"]))
    save(process("ocds-dep001-5", "open", 9, "Other", 1, buyer="Department of Parks"))
    save(process("ocds-dep001-p", "direct", 1, "Zeta", 1_000_000), private=True)  # never counted


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestDepartmentFigures:
    def test_departments_are_listed(self, department):
        assert helpers.call_action("procurement_buyer_list", context={"user": ""}) == [
            {"name": "Department of Parks", "processes": 1}, {"name": STREETS, "processes": 4}]

    def test_competition(self, department):
        shown = helpers.call_action("procurement_buyer_show", context={"user": ""}, id=STREETS)
        assert shown["processes"] == 4
        assert shown["competition"] == {
            "average_tenderers": 2.0,  # (3 + 1 + 2) / 3 open and selective procedures
            "single_bid_share": pytest.approx(1 / 3), "single_bid_assessed": 3,
            "non_competitive_share": 0.25, "with_method": 4,
        }

    def test_equity_shares_count_the_portal_currency_only(self, department):
        equity = helpers.call_action("procurement_buyer_show", context={"user": ""}, id=STREETS)["equity"]
        assert equity["currency"] == "USD" and equity["awards"] == 4
        shares = equity["shares"]
        # value: of 200,000 dollars (the 10,000 euros apart); awards: of 4
        assert shares["women-owned"] == {"value_share": 0.75, "count_share": 0.5}
        assert shares["sme"] == {"value_share": 0.75, "count_share": 0.5}
        assert shares["local"] == {"value_share": 0.0, "count_share": 0.25}
        assert shares["certified"] == {"value_share": 0.75, "count_share": 0.75}
        assert shares["minority-owned"] == {"value_share": 0.0, "count_share": 0.0}

    def test_spend_and_top_suppliers(self, department):
        shown = helpers.call_action("procurement_buyer_show", context={"user": ""}, id=STREETS)
        assert [(r["value"], r["currency"], r["processes"], r["awarded"]) for r in shown["by_method"]] == [
            ("direct", "USD", 1, 50_000), ("open", "USD", 2, 150_000), ("selective", "EUR", 1, 10_000)]
        assert [(r["value"], r["currency"], r["awarded"]) for r in shown["by_category"]] == [
            ("services", "USD", 50_000), ("works", "EUR", 10_000), ("works", "USD", 150_000)]
        assert [(r["value"], r["currency"], r["awarded"]) for r in shown["by_fiscal_year"]] == [
            (2026, "EUR", 10_000), (2026, "USD", 200_000)]
        assert [(s["name"], s["awarded"], s["processes"]) for s in shown["top_suppliers"]] == [
            ("Acme", 150_000, 2), ("Zeta", 50_000, 1), ("Bob", 0, 1)]

    def test_unknown_department_is_not_found(self, department):
        with pytest.raises(helpers.logic.NotFound):
            helpers.call_action("procurement_buyer_show", context={"user": ""}, id="Department of Secrets")


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestDepartmentPages:
    def test_index_and_page(self, app, department):
        soup = BeautifulSoup(app.get("/department").body, "html.parser")
        links = [a["href"] for a in soup.select("tr.procurement-department a")]
        assert links == ["/department/Department%20of%20Parks", "/department/Department%20of%20Streets"]
        soup = BeautifulSoup(app.get(links[1]).body, "html.parser")
        assert text(soup.find("h1")) == STREETS
        assert "2.0" in text(soup.select_one('[data-field="average-tenderers"]'))
        assert "33%" in text(soup.select_one('[data-field="single-bid"]'))
        assert "25%" in text(soup.select_one('[data-field="non-competitive"]'))
        women = soup.select_one('table.procurement-department-equity tr[data-kind="women-owned"]')
        assert "75%" in text(women) and "50%" in text(women)
        bars = soup.select("figure.procurement-department-equity-chart li")
        women_bar = next(li for li in bars if text(li.select_one(".procurement-chart-label")) == "Women-owned business")
        assert women_bar.select_one("rect.procurement-chart-value")["width"] == "75.0%"
        assert [text(a) for a in soup.select("tr.procurement-top-supplier a")] == ["Acme", "Zeta", "Bob"]
        assert app.get("/department/Department%20of%20Secrets", status=404)


def chart_bars(chart) -> dict[str, tuple[str, str]]:
    """label -> (the bar's width, its figure as written)."""
    return {text(li.select_one(".procurement-chart-label")): (li.select_one("rect.procurement-chart-value")["width"],
                                                              text(li.select_one(".procurement-chart-figure")))
            for li in chart.select("ul.procurement-chart-bars > li")}


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestDepartmentCharts:
    def test_spend_charts_one_per_currency_with_their_tables(self, app, department):
        soup = BeautifulSoup(app.get(f"/department/{STREETS}").body, "html.parser")

        def charts(kind):
            return {c["data-currency"]: c for c in soup.select(f"figure.procurement-department-{kind}-chart")}

        years = charts("years")
        assert list(years) == ["USD", "EUR"]  # the portal's currency first; never one bar of dollars and euros
        assert chart_bars(years["USD"]) == {"FY2026": ("100.0%", "$200,000.00")}
        assert chart_bars(years["EUR"]) == {"FY2026": ("100.0%", "€10,000.00")}
        categories = charts("categories")
        assert chart_bars(categories["USD"]) == {"Services": ("33.3%", "$50,000.00"), "Works": ("100.0%", "$150,000.00")}
        assert chart_bars(categories["EUR"]) == {"Works": ("100.0%", "€10,000.00")}
        methods = charts("methods")
        assert set(methods) == {"USD", "EUR"}
        usd_methods = chart_bars(methods["USD"])
        assert sorted(usd_methods.values()) == [("100.0%", "$150,000.00"), ("33.3%", "$50,000.00")]
        assert methods["USD"].select_one("[role=img]")["aria-label"] == "; ".join(
            f"{label}: {figure}" for label, (_width, figure) in usd_methods.items())
        # each chart's caption links to its table, which is on the page
        for kind, found in (("years", years), ("categories", categories), ("methods", methods)):
            for chart in found.values():
                target = chart.select_one("figcaption a")["href"]
                assert target == f"#department-{kind}-table"
                assert soup.select_one(f"table{target}.procurement-department-{kind}")
