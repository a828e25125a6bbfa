"""Publication quality through the action API and the CLI, against the real database:
crafted processes whose figures are known by construction, per organization and for the portal."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as tk
from ckan.cli.cli import ckan as ckan_command
from ckan.tests import factories, helpers

from ckanext.procurement import quality
from ckanext.procurement.tests.ckan.test_schema import release, save

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def _awarded(ocid: str, *amounts, **blocks) -> dict:
    awards = [{"id": f"a{n}", "date": "2024-02-10T00:00:00Z", "status": "active",
               **({"value": {"amount": amount, "currency": "USD"}} if amount is not None else {})}
              for n, amount in enumerate(amounts)]
    return release(ocid, title=f"Process {ocid}", tag=["award"], awards=awards, **blocks)


@pytest.fixture
def publishers(sysadmin, organization):
    other = factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}])
    reversed_period = {"tenderPeriod": {"startDate": "2024-03-01T00:00:00Z", "endDate": "2024-02-01T00:00:00Z"}}
    save(sysadmin, organization, [_awarded("ocds-q-1", 100, 200)])
    save(sysadmin, organization, [_awarded("ocds-q-2", 300, None, tender=reversed_period)])
    save(sysadmin, organization, [_awarded("ocds-q-3", None, None)], private=True)  # not public: not counted
    withdrawn = save(sysadmin, organization, [_awarded("ocds-q-4", None)])
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=withdrawn["package"]["id"])
    save(sysadmin, other, [_awarded("ocds-q-5", None)])
    return {"organization": organization, "other": other}


def _show(**params) -> dict:
    return helpers.call_action("procurement_quality_show", **params)


def test_nothing_is_computed_on_request(publishers):
    figures = _show(owner_org=publishers["organization"]["name"])
    assert figures["computed_at"] is None and figures["processes"] == 0


def test_figures_per_organization_and_for_the_portal(publishers):
    organization, other = publishers["organization"], publishers["other"]
    counts = quality.recompute()
    assert counts == {organization["id"]: 2, other["id"]: 1}

    mine = _show(owner_org=organization["name"])
    assert mine["owner_org"] == organization["id"] and mine["computed_at"]
    assert mine["processes"] == 2
    award_value = mine["fields"]["award_value"]
    assert (award_value["met"], award_value["total"], award_value["share"]) == (3, 4, 0.75)
    assert award_value["examples"] == ["ocds-q-2"]
    period = mine["checks"]["tender_period_in_order"]
    assert (period["passed"], period["failed"], period["examples"]["failed"]) == (0, 1, ["ocds-q-2"])
    assert mine["timeliness"]["measures"]["updated_recently"]["share"] == 1.0  # stored just now
    assert mine["schema"]["valid_processes"] == 2
    assert mine["stages"]["award"]["share"] == 1.0 and mine["stages"]["award"]["label"] == "Award"
    assert "tender_ids" not in mine

    site = _show()
    assert site["owner_org"] is None and site["processes"] == 3
    assert (site["fields"]["award_value"]["met"], site["fields"]["award_value"]["total"]) == (3, 5)
    assert site["fields"]["award_value"]["examples"] == ["ocds-q-2", "ocds-q-5"]


def test_recomputing_one_organization_updates_the_portal(publishers, sysadmin):
    organization, other = publishers["organization"], publishers["other"]
    quality.recompute()
    save(sysadmin, other, [_awarded("ocds-q-6", 10)])
    assert quality.recompute([other["id"]]) == {other["id"]: 2}
    assert _show(owner_org=other["id"])["processes"] == 2
    assert _show(owner_org=organization["id"])["processes"] == 2  # kept as stored
    assert _show()["processes"] == 4


def test_the_maturity_ladder_and_next_steps_are_in_plain_language(publishers):
    quality.recompute()
    maturity = _show(owner_org=publishers["organization"]["id"])["maturity"]
    assert [rung["name"] for rung in maturity["rungs"]] == [
        "opportunities", "awards", "contracts", "implementation", "lifecycle"]
    # the tender periods lack dates in one of two tenders: the first rung isn't met
    assert maturity["level"] == 0
    assert maturity["next_steps"][0]["text"] == (
        "Publish when each tender opens and closes: 50% of tenders lack a date.")


def test_an_unknown_organization_or_a_malformed_one_is_named(publishers):
    with pytest.raises(tk.ObjectNotFound, match="nowhere"):
        _show(owner_org="nowhere")
    with pytest.raises(tk.ValidationError, match="owner_org"):
        _show(owner_org="bad\x00name")


def test_public_by_default_for_anonymous_visitors(app, publishers):
    quality.recompute()
    response = app.get(f"/api/3/action/procurement_quality_show?owner_org={publishers['organization']['name']}")
    assert response.status_code == 200
    assert response.json["result"]["processes"] == 2


@pytest.mark.ckan_config("ckanext.procurement.quality.public", "false")
def test_the_restricted_setting_shows_an_organization_only_to_its_members(app, publishers):
    quality.recompute()
    organization = publishers["organization"]
    member, outsider = factories.UserWithToken(), factories.UserWithToken()
    helpers.call_action("organization_member_create", id=organization["id"], username=member["name"], role="member")
    url = f"/api/3/action/procurement_quality_show?owner_org={organization['name']}"
    assert app.get(url).status_code == 403
    assert app.get(url, headers={"Authorization": outsider["token"]}).status_code == 403
    assert app.get(url, headers={"Authorization": member["token"]}).json["result"]["processes"] == 2
    # the portal's figures add up every organization's: sysadmins only
    assert app.get("/api/3/action/procurement_quality_show", headers={"Authorization": member["token"]}
                   ).status_code == 403


def test_cli_recomputes_with_progress(cli, publishers):
    result = cli.invoke(ckan_command, ["procurement", "quality", "recompute"])
    assert result.exit_code == 0, result.output
    assert f"{publishers['organization']['name']}: 2 processes" in result.output
    assert f"{publishers['other']['name']}: 1 processes" in result.output
    assert "recomputed 2 organizations, 3 processes" in result.output
    assert _show()["processes"] == 3

    result = cli.invoke(ckan_command, ["procurement", "quality", "recompute", "--organization", "nowhere"])
    assert result.exit_code != 0 and "no organization nowhere" in result.output


def test_the_page_names_the_gaps_and_links_the_processes(app, publishers):
    quality.recompute()
    organization = publishers["organization"]
    html = app.get(f"/publication-quality/{organization['name']}").body
    assert "Publication quality: City of Springfield" in html
    assert "Publish when each tender opens and closes: 50% of tenders lack a date." in html
    # the process with an award without value is linked; the private one is never named
    assert '<a href="/contracting-process/ocds-q-2">ocds-q-2</a>' in html
    assert "ocds-q-3" not in html
    # the stages chart draws the table's shares (every public process has its award): its bars hidden from screen
    # readers, which hear the figures once, as the chart's label
    soup = BeautifulSoup(html, "html.parser")
    chart = soup.select_one("figure.procurement-quality-stages-chart")
    assert chart.select_one("ul")["aria-hidden"] == "true"
    assert "Award: 100%" in chart.select_one("[role=img]")["aria-label"]
    award = next(li for li in chart.select("li") if li.select_one(".procurement-chart-label").get_text(strip=True) == "Award")
    assert award.select_one("rect.procurement-chart-value")["width"] == "100.0%"
    assert award.select_one(".procurement-chart-figure").get_text(strip=True) == "100%"
    # timeliness and the coherence checks have their charts too: a bar per row of their tables, linked to them
    figures = _show(owner_org=organization["id"])
    for name, rows, share in (("timeliness", figures["timeliness"]["measures"], lambda row: row["share"]),
                              ("checks", figures["checks"],
                               lambda row: row["passed"] / (row["passed"] + row["failed"] + row["unreadable"])
                               if row["passed"] + row["failed"] + row["unreadable"] else None)):
        chart = soup.select_one(f"figure.procurement-quality-{name}-chart")
        assert chart.select_one(f'a[href="#quality-{name}-table"]') and soup.select_one(f"table#quality-{name}-table")
        bars = chart.select("ul.procurement-chart-bars > li")
        assert len(bars) == len(rows) > 0
        spoken = chart.select_one("[role=img]")["aria-label"]
        for bar, row in zip(bars, rows.values()):
            expected = share(row)
            if expected is not None:
                assert bar.select_one("rect.procurement-chart-value")["width"] == f"{expected * 100:.1f}%"
                assert f"{int(expected * 100 + 0.5)}%" in spoken
    site = app.get("/publication-quality").body
    assert "ocds-q-5" in site and "3 public contracting processes" in site


def test_the_page_before_any_computation_and_for_an_unknown_organization(app, publishers):
    html = app.get(f"/publication-quality/{publishers['organization']['name']}").body
    assert "The figures have not been computed yet" in html
    assert app.get("/publication-quality/nowhere").status_code == 404


@pytest.mark.ckan_config("ckanext.procurement.quality.public", "false")
def test_the_restricted_page_is_refused_to_visitors(app, publishers):
    quality.recompute()
    assert app.get(f"/publication-quality/{publishers['organization']['name']}").status_code == 403


def test_validation_is_kept_per_record_and_redone_only_for_changed_processes(publishers, sysadmin):
    import json

    from ckan import model
    from ckanext.procurement.model import ProcurementRecord

    organization = publishers["organization"]
    quality.recompute([organization["id"]])
    key = quality.VALIDATED_PREFIX + organization["id"]
    kept = json.loads(model.get_system_info(key))
    unchanged, changed = ProcurementRecord.get("ocds-q-1"), ProcurementRecord.get("ocds-q-2")
    assert set(kept) == {unchanged.releases_hash, changed.releases_hash}
    # a result kept for unchanged releases is read, not recomputed: mark it to see it come back
    kept[unchanged.releases_hash] = [1, 0, {"type:marker": 1}]
    model.set_system_info(key, json.dumps(kept))
    # a new invalid release changes the other process: it is validated again
    broken = _awarded("ocds-q-2", 300, None, date="2024-03-01T00:00:00Z", id="ocds-q-2-broken")
    broken["tender"]["status"] = "bogus"
    save(sysadmin, organization, [_awarded("ocds-q-2", 300, None), broken])
    quality.recompute([organization["id"]])
    errors = _show(owner_org=organization["id"])["schema"]["errors"]
    assert errors["type:marker"]["examples"] == ["ocds-q-1"]
    assert errors["enum:tender/status"]["examples"] == ["ocds-q-2"]
    assert set(json.loads(model.get_system_info(key))) == {
        unchanged.releases_hash, ProcurementRecord.get("ocds-q-2").releases_hash}


def test_the_trend_chart_draws_the_stages_by_quarter_with_its_table(app, sysadmin, organization):
    # 2024-Q1: two tenders, one awarded (award 50%); 2024-Q2: one tender, awarded (award 100%)
    save(sysadmin, organization, [release("ocds-qt-1", title="One", date="2024-02-01T00:00:00Z")])
    save(sysadmin, organization, [_awarded("ocds-qt-2", 100)])  # 2024-01-15
    save(sysadmin, organization, [release("ocds-qt-3", title="Three", date="2024-05-01T00:00:00Z", tag=["award"],
                                          awards=[{"id": "a1", "status": "active", "date": "2024-05-01T00:00:00Z"}])])
    quality.recompute()
    soup = BeautifulSoup(app.get(f"/publication-quality/{organization['name']}").body, "html.parser")
    chart = soup.select_one("figure.procurement-quality-trend-chart")
    points = {(p["data-series"], p["data-x"]): p["data-value"] for p in chart.select(".procurement-chart-point[data-series]")}
    assert points[("Award", "2024-Q1")] == "50" and points[("Award", "2024-Q2")] == "100"
    assert points[("Tender", "2024-Q1")] == "100" and points[("Tender", "2024-Q2")] == "100"
    # the x axis is in time order, and higher shares are drawn higher
    award = {p["data-x"]: [float(n) for n in p["transform"][len("translate("):-1].split()]
             for p in chart.select(".procurement-chart-point[data-series='Award']")}
    assert award["2024-Q1"][0] < award["2024-Q2"][0]
    assert award["2024-Q2"][1] < award["2024-Q1"][1]
    label = chart.select_one("[role=img]")["aria-label"]
    assert "Award: 2024-Q1 50%, 2024-Q2 100%" in label
    assert chart.select_one("figcaption a")["href"] == "#quality-trend-stages-table"
    table = soup.select_one("table#quality-trend-stages-table")
    assert [tr.th.get_text(strip=True) for tr in table.select("tbody tr")] == ["2024-Q1", "2024-Q2"]
