"""Supplier figures through the API and the pages, from crafted processes whose totals are known by construction:
one company spelled two ways under one identifier, amounts in two currencies, a private process."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from ckan.tests import helpers

from ckanext.procurement.ocds.supplier_facts import normalized_name

ACME = "US-EIN/12-3456789"


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def awarded(ocid, supplier, amount, *, currency="USD", identifier=True, paid=(), buyer="Department of Streets", year="2026"):
    party = {"id": f"p-{ocid}", "name": supplier, "roles": ["supplier"],
             "details": {"scale": "sme", "classifications": [{"scheme": "CITY-CERT", "id": "WBE"}]}}
    if identifier:
        party["identifier"] = {"scheme": "US-EIN", "id": "12-3456789"}
    return {
        "ocid": ocid, "id": f"{ocid}-1", "date": f"{year}-01-15T00:00:00Z", "tag": ["award", "contract"],
        "initiationType": "tender", "buyer": {"id": "b1", "name": buyer},
        "parties": [party, {"id": "b1", "name": buyer, "roles": ["buyer"]}],
        "tender": {"id": "t1", "title": f"Process {ocid}", "status": "complete", "mainProcurementCategory": "works"},
        "awards": [{"id": "a1", "status": "active", "date": f"{year}-01-15T00:00:00Z",
                    "value": {"amount": amount, "currency": currency},
                    "suppliers": [{"id": f"p-{ocid}", "name": supplier}]}],
        "contracts": [{"id": "c1", "awardID": "a1", "status": "active", "value": {"amount": amount, "currency": currency},
                       "implementation": {"transactions": [
                           {"id": str(i), "value": {"amount": p, "currency": currency}} for i, p in enumerate(paid)]}}],
    }


def save(sysadmin, organization, release, **kwargs):
    return helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]}, releases=[release],
                               owner_org=organization["id"], **kwargs)["package"]


@pytest.fixture
def suppliers(sysadmin, organization):
    save(sysadmin, organization, awarded("ocds-sup001-a", "Acme Paving Inc.", 100_000, paid=(40_000,)))
    save(sysadmin, organization, awarded("ocds-sup001-b", "ACME PAVING, INC", 50_000, buyer="Department of Parks", year="2025"))
    save(sysadmin, organization, awarded("ocds-sup001-c", "Acme Paving Inc.", 20_000, currency="EUR"))
    save(sysadmin, organization, awarded("ocds-sup001-z", "Zeta Services", 120_000, identifier=False))
    save(sysadmin, organization, awarded("ocds-sup001-y", "Bob's  Bakery", 10_000, identifier=False))
    save(sysadmin, organization, awarded("ocds-sup001-x", "bob’s bakery", 5_000, identifier=False))
    # never counted: a private process
    save(sysadmin, organization, awarded("ocds-sup001-p", "Acme Paving Inc.", 1_000_000), private=True)


def test_names_are_normalized_for_suppliers_without_identifier():
    assert normalized_name("  ACME Paving, Inc. ") == normalized_name("acme paving inc") == "acme paving inc"
    assert normalized_name("Café  Olé") == "cafe ole"


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestSupplierFigures:
    def test_one_identifier_is_one_supplier_ranked_by_total_awarded(self, suppliers):
        result = helpers.call_action("procurement_supplier_list", context={"user": ""})
        assert result["currency"] == "USD"
        assert [(s["key"], s["processes"]) for s in result["results"]] == [
            (ACME, 3), ("name/zeta services", 1), ("name/bob s bakery", 2)]
        acme = result["results"][0]
        # 100,000 + 50,000 dollars; the euros apart, never added; the private million not counted
        assert [(t["currency"], t["awarded"], t["paid"]) for t in acme["totals"]] == [
            ("USD", 150_000, 40_000), ("EUR", 20_000, None)]

    def test_search_and_sort_by_name(self, suppliers):
        found = helpers.call_action("procurement_supplier_list", context={"user": ""}, q="paving, inc")
        assert [s["key"] for s in found["results"]] == [ACME]
        by_name = helpers.call_action("procurement_supplier_list", context={"user": ""}, sort="name")
        assert [s["key"] for s in by_name["results"]] == [ACME, "name/bob s bakery", "name/zeta services"]
        assert by_name["results"][0]["name"] == "Acme Paving Inc."  # the spelling published most often

    def test_supplier_show_groups_by_year_department_and_category(self, suppliers):
        acme = helpers.call_action("procurement_supplier_show", context={"user": ""}, id=ACME)
        assert acme["names"] == ["ACME PAVING, INC", "Acme Paving Inc."]
        assert acme["name"] == "Acme Paving Inc."
        assert acme["identifier"] == {"scheme": "US-EIN", "id": "12-3456789"}
        assert acme["categories"] == ["women-owned"] and acme["scales"] == ["sme"]
        assert [(r["value"], r["currency"], r["awarded"]) for r in acme["by_fiscal_year"]] == [
            (2025, "USD", 50_000), (2026, "EUR", 20_000), (2026, "USD", 100_000)]
        assert [(r["value"], r["currency"], r["awarded"]) for r in acme["by_department"]] == [
            ("Department of Parks", "USD", 50_000), ("Department of Streets", "EUR", 20_000),
            ("Department of Streets", "USD", 100_000)]
        assert sorted(p["name"] for p in acme["processes"]) == ["ocds-sup001-a", "ocds-sup001-b", "ocds-sup001-c"]

    def test_figures_follow_each_save(self, suppliers, sysadmin, organization):
        save(sysadmin, organization, awarded("ocds-sup001-a", "Acme Paving Inc.", 300_000, paid=(40_000, 10_000)))
        acme = helpers.call_action("procurement_supplier_show", context={"user": ""}, id=ACME)
        assert acme["totals"][0] == {"currency": "USD", "awarded": 350_000, "contracted": 350_000, "paid": 50_000,
                                     "processes": 2}
        helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id="ocds-sup001-b", private=True)  # private: no longer counted
        acme = helpers.call_action("procurement_supplier_show", context={"user": ""}, id=ACME)
        assert acme["totals"][0]["awarded"] == 300_000

    def test_a_supplier_only_in_private_processes_is_not_found(self, sysadmin, organization):
        save(sysadmin, organization, awarded("ocds-sup001-q", "Secret Ltd", 5, identifier=False), private=True)
        with pytest.raises(helpers.logic.NotFound):
            helpers.call_action("procurement_supplier_show", context={"user": ""}, id="name/secret ltd")
        assert helpers.call_action("procurement_supplier_list", context={"user": ""})["count"] == 0

    @pytest.mark.parametrize("params", [{"limit": "many"}, {"limit": 1000}, {"sort": "random"}])
    def test_bad_parameters_name_the_field(self, params):
        with pytest.raises(helpers.logic.ValidationError) as error:
            helpers.call_action("procurement_supplier_list", context={"user": ""}, **params)
        assert set(error.value.error_dict) == set(params)


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestSupplierPages:
    def test_index_lists_and_links_suppliers(self, app, suppliers):
        soup = BeautifulSoup(app.get("/supplier").body, "html.parser")
        rows = soup.select("tr.procurement-supplier")
        assert [r["data-key"] for r in rows] == [ACME, "name/zeta services", "name/bob s bakery"]
        assert rows[0].find("a")["href"] == f"/supplier/{ACME}"
        assert "$150,000.00" in text(rows[0]) and "€20,000.00" in text(rows[0])
        soup = BeautifulSoup(app.get("/supplier", params={"q": "bakery"}).body, "html.parser")
        assert [r["data-key"] for r in soup.select("tr.procurement-supplier")] == ["name/bob s bakery"]

    def test_supplier_page(self, app, suppliers):
        soup = BeautifulSoup(app.get(f"/supplier/{ACME}").body, "html.parser")
        assert text(soup.find("h1")) == "Acme Paving Inc."
        assert "ACME PAVING, INC" in text(soup.select_one('[data-field="names"]'))
        assert "Women-owned business" in text(soup.select_one('[data-field="certifications"]'))
        usd = soup.select_one('table.procurement-supplier-totals tr[data-currency="USD"]')
        assert "$150,000.00" in text(usd) and "$40,000.00" in text(usd)
        assert len(soup.select("tr.procurement-supplier-process")) == 3
        assert app.get("/supplier/name/secret%20ltd", status=404)

    def test_bad_sort_is_a_400(self, app):
        assert "sort" in app.get("/supplier", params={"sort": "x"}, status=400).body


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestSupplierCharts:
    def test_years_chart_draws_awarded_and_paid_one_chart_per_currency(self, app, suppliers):
        acme = helpers.call_action("procurement_supplier_show", context={"user": ""}, id=ACME)
        assert [(r["value"], r["currency"], r["awarded"], r["paid"]) for r in acme["by_fiscal_year"]] == [
            (2025, "USD", 50_000, None), (2026, "EUR", 20_000, None), (2026, "USD", 100_000, 40_000)]
        soup = BeautifulSoup(app.get(f"/supplier/{ACME}").body, "html.parser")
        charts = soup.select("figure.procurement-supplier-years-chart")
        # dollars and euros never share a scale: one chart each, the portal's currency first
        assert [c["data-currency"] for c in charts] == ["USD", "EUR"]

        def bars(chart):
            return {text(li.select_one(".procurement-chart-label")): {
                s["data-series"]: (s.select_one("rect.procurement-chart-value")["width"], text(s.select_one(".procurement-chart-figure")))
                for s in li.select(".procurement-chart-series")} for li in chart.select("ul.procurement-chart-bars > li")}

        # scaled to the largest amount of the chart: 100,000 dollars
        assert bars(charts[0]) == {
            "FY2025": {"awarded": ("50.0%", "Awarded: $50,000.00"), "paid": ("0.0%", "Paid: Not published")},
            "FY2026": {"awarded": ("100.0%", "Awarded: $100,000.00"), "paid": ("40.0%", "Paid: $40,000.00")},
        }
        assert bars(charts[1]) == {"FY2026": {"awarded": ("100.0%", "Awarded: €20,000.00"), "paid": ("0.0%", "Paid: Not published")}}
        graphic = charts[0].select_one("[role=img]")
        assert graphic["aria-label"] == ("FY2025: Awarded $50,000.00, Paid Not published; "
                                         "FY2026: Awarded $100,000.00, Paid $40,000.00")
        # the table alternative, linked from the chart's caption, has the paid column too
        assert charts[0].select_one("figcaption a")["href"] == "#supplier-years-table"
        table = soup.select_one("table#supplier-years-table.procurement-supplier-years")
        rows = [[text(cell) for cell in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
        assert rows == [["FY2025", "USD", "1", "$50,000.00", "Not published"],
                        ["FY2026", "EUR", "1", "€20,000.00", "Not published"],
                        ["FY2026", "USD", "1", "$100,000.00", "$40,000.00"]]
