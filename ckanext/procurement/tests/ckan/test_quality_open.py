"""Publication quality, the parts that read the portal: open data principles (licenses, policy, bulk
downloads, the API, harvest sources' health), the registered ocid prefix check, where each next step
is done in the purchasing system, and the trend by quarter. Every figure is known by construction,
through the action API and the page, against the real services and ckanext-harvest's job machinery."""
from __future__ import annotations

import json

import pytest

from ckan import model
from ckan.tests import factories, helpers

from ckanext.procurement import quality
from ckanext.procurement.bulk import datasets, regenerate
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.ckan.test_schema import release, save
from ckanext.procurement.tests.feed_server import Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")
PREFIXES = "ckanext.procurement.ocid_prefixes"


def _show(user: dict | None = None, **params) -> dict:
    context = {"user": user["name"]} if user else {"user": ""}
    return helpers.call_action("procurement_quality_show", context=context, **params)


def _close_license(ocid: str, license_id: str = "other-closed") -> None:
    """A process stored with a license that isn't open (saved before the rule, or a license the
    site's register no longer counts as open): the save refuses one, the database may hold one."""
    record = ProcurementRecord.get(ocid)
    model.Session.query(model.Package).filter(model.Package.id == record.package_id).update(
        {"license_id": license_id})
    model.Session.commit()


def test_open_data_principles_known_by_construction(app, bulk_dir, sysadmin, organization, ckan_config, monkeypatch):
    for number in (1, 2, 3):
        save(sysadmin, organization, [release(f"ocds-od-{number}", title=f"Process {number}")])
    save(sysadmin, organization, [release("ocds-od-4", title="Private")], private=True)  # not public: not counted
    _close_license("ocds-od-2")
    quality.recompute()

    before = _show(owner_org=organization["name"])["open_data"]
    assert before["licenses"]["without_open_license"] == 1 and before["licenses"]["examples"] == ["ocds-od-2"]
    assert {row["id"]: (row["open"], row["processes"]) for row in before["licenses"]["licenses"]} == {
        "cc-by": (True, 2), "other-closed": (False, 1)}
    assert before["licenses"]["met"] is False
    assert (before["bulk"]["met"], before["bulk"]["files"], before["bulk"]["dataset"]) == (False, 0, None)
    assert before["bulk_license_open"] is False
    assert before["publication_policy"] == {"url": None, "met": False}
    assert before["api"] == {"met": True, "path": "/api/ocds/releases", "publisher": organization["name"]}

    regenerate.generate(organization["id"])
    bulk_id = datasets.dataset_id(organization["id"])
    helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id=bulk_id,
                        publication_policy_url="https://city.example/policy")
    after = _show(owner_org=organization["name"])["open_data"]
    assert after["bulk"]["met"] is True and after["bulk"]["files"] >= 3
    assert after["bulk"]["dataset"]["license_id"] == "cc-by" and after["bulk_license_open"] is True
    assert after["publication_policy"] == {"url": "https://city.example/policy", "met": True}

    # no bulk dataset for the portal yet: the site's policy setting counts
    monkeypatch.setitem(ckan_config, "ckanext.procurement.publication_policy_url", "https://site.example/policy")
    portal = _show()["open_data"]
    assert portal["publication_policy"]["url"] == "https://site.example/policy"
    assert portal["licenses"]["without_open_license"] == 1 and portal["api"]["publisher"] is None

    html = app.get(f"/publication-quality/{organization['name']}").body
    assert "Open data principles" in html
    assert "1 public processes without an open license." in html
    assert '<a href="/contracting-process/ocds-od-2">ocds-od-2</a>' in html
    assert 'href="https://city.example/policy"' in html
    assert f"/api/ocds/releases?publisher={organization['name']}" in html
    assert "ocds-od-4" not in html


@pytest.fixture
def harvested(sysadmin, organization, feed, ckan_config, monkeypatch):
    """One ocds source: a process under the organization's prefix, one under no registered prefix,
    one under another organization's prefix (refused at import); and a private source."""
    other = factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}])
    monkeypatch.setitem(ckan_config, PREFIXES, f"ocds-city01={organization['name']} ocds-other1={other['name']}")
    releases = [release("ocds-city01-1", title="Own prefix"),
                release("ocds-zzzzz9-2", title="No registered prefix"),
                release("ocds-other1-3", title="Another's prefix")]
    url = feed.route("/feed.json", Reply(json.dumps({"releases": releases}).encode("utf-8")))
    source = create_source(sysadmin["name"], organization["id"], url)
    job = run_job(source["id"], sysadmin["name"])
    private = helpers.call_action(
        "harvest_source_create", context={"user": sysadmin["name"]}, name="internal-system", title="Internal system",
        url=feed.route("/empty.json", Reply(b'{"releases": []}')), source_type="ocds", owner_org=organization["id"],
        private=True)
    quality.recompute()
    model.Session.remove()
    return {"source": source, "job": job, "private": private, "other": other}


def test_the_registered_ocid_prefix_check(harvested, sysadmin, organization):
    figures = _show(sysadmin, owner_org=organization["name"])
    check = figures["checks"]["registered_ocid_prefix"]
    assert (check["passed"], check["failed"], check["examples"]["failed"]) == (1, 1, ["ocds-zzzzz9-2"])
    assert figures["ocid_prefixes"] == ["ocds-city01"]
    # the other organization publishes nothing; with no prefix registered at all, every process fails
    other = harvested["other"]
    save(sysadmin, other, [release("ocds-other1-5", title="Its own")])
    save(sysadmin, organization, [release("ocds-yyyyy8-6", title="Elsewhere")])
    quality.recompute()
    assert _show(owner_org=other["name"])["checks"]["registered_ocid_prefix"]["passed"] == 1
    portal = _show()
    assert portal["ocid_prefixes"] == ["ocds-city01", "ocds-other1"]
    assert portal["checks"]["registered_ocid_prefix"]["failed"] == 2


@pytest.mark.ckan_config(PREFIXES, "")
def test_no_prefix_registered_is_explained(app, sysadmin, organization):
    save(sysadmin, organization, [release("ocds-od-1", title="A")])
    quality.recompute()
    figures = _show(owner_org=organization["name"])
    assert figures["ocid_prefixes"] == []
    assert figures["checks"]["registered_ocid_prefix"]["failed"] == 1
    html = app.get(f"/publication-quality/{organization['name']}").body
    assert "No ocid prefix is registered to this publisher" in html


def test_harvest_sources_health_for_editors_and_for_the_public(app, harvested, sysadmin, organization):
    job = harvested["job"]
    sources = {s["name"]: s for s in _show(sysadmin, owner_org=organization["name"])["open_data"]["harvest_sources"]}
    assert set(sources) == {"city-purchasing", "internal-system"}
    assert sources["internal-system"]["last_job"] is None  # never run
    last = sources["city-purchasing"]["last_job"]
    assert last["id"] == job["id"] and last["status"] == "Finished" and last["finished"]
    assert (last["rejected"], last["healthy"]) == (1, False)
    assert last["errors"] == 1  # the refusal; the feed's other problems are warnings (used as published)
    [rejected] = last["rejected_releases"]
    assert rejected["ocid"] == "ocds-other1-3"
    assert any("registered to organization" in reason for reason in rejected["reasons"])

    page = app.get(f"/publication-quality/{organization['name']}",
                   headers={"Authorization": sysadmin["token"]}).body
    assert f'href="/harvest/city-purchasing/job/{job["id"]}"' in page
    assert "ocds-other1-3" in page and "registered to organization" in page

    # a visitor: the public source's last run and counts, not what it sent nor the private source
    public = app.get(f"/api/3/action/procurement_quality_show?owner_org={organization['name']}").json["result"]
    [shown] = public["open_data"]["harvest_sources"]
    assert shown["name"] == "city-purchasing"
    assert shown["last_job"]["rejected"] == 1
    assert shown["last_job"]["rejected_releases"] is None and shown["last_job"]["id"] is None
    html = app.get(f"/publication-quality/{organization['name']}").body
    assert "Internal system" not in html and "ocds-other1-3" not in html and "/job/" not in html


def test_next_steps_name_the_ocds_path_of_the_source(harvested, sysadmin, organization):
    steps = _show(sysadmin, owner_org=organization["name"])["maturity"]["next_steps"]
    # the releases have tenders without dates: the first step, and where to do it
    assert steps[0]["criterion"] == "tender_period"
    assert steps[0]["in_your_system"] == [
        "In the OCDS feed of your purchasing system (City purchasing system), publish the tender's closing "
        "date at tender/tenderPeriod/endDate."]


CSV = ("id,title,department,opens,closes,published\n"
       "1,Road salt,Public Works,2024-01-01,2024-02-01,2024-01-01\n"
       "2,Grit,Public Works,2024-01-05,2024-02-05,2024-01-05\n"
       "3,Sand,Parks,,,2024-04-02\n"
       "4,Gravel,Parks,,,2024-04-03\n")
MAPPING = {"rows_are": "tender", "ocid": "ocds-csv001-{id}", "date": "published",
           "constants": {"tender/status": "active"},
           "columns": {"tender/id": "id", "tender/title": "title", "buyer/name": "department",
                       "tender/tenderPeriod/startDate": "opens", "tender/tenderPeriod/endDate": "closes"}}


def test_next_steps_name_the_column_of_a_csv_mapping_or_ask_for_one(app, sysadmin, organization, feed):
    url = feed.route("/tenders.csv", Reply(CSV.encode("utf-8"), content_type="text/csv"))
    source = create_source(sysadmin["name"], organization["id"], url, source_type="procurement_csv",
                           config={"mapping": MAPPING}, name="tenders-export")
    report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") == 4, report
    quality.recompute()
    steps = _show(owner_org=organization["name"])["maturity"]["next_steps"]
    assert [step["criterion"] for step in steps] == ["tender_period", "award", "award_value"]
    assert steps[0]["text"] == "Publish when each tender opens and closes: 50% of tenders lack a date."
    assert steps[0]["in_your_system"] == [
        "In your purchasing system's export (City purchasing system), the column closes feeds the tender's "
        "closing date (tender/tenderPeriod/endDate)."]
    assert steps[2]["in_your_system"] == [
        "In your purchasing system's export (City purchasing system), no column feeds the award's value: add a "
        "column for it and map it to awards/value/amount in the source's mapping."]
    html = app.get(f"/publication-quality/{organization['name']}").body
    assert "no column feeds the award&#39;s value" in html or "no column feeds the award's value" in html

    # the trend: two processes first published in 2024-Q1, two in 2024-Q2
    trend = {row["quarter"]: row for row in _show(owner_org=organization["name"])["trend"]}
    assert {quarter: row["processes"] for quarter, row in trend.items()} == {"2024-Q1": 2, "2024-Q2": 2}
    assert trend["2024-Q1"]["checks"]["tender_period_in_order"] == {"failed": 0, "applicable": 2}
    assert trend["2024-Q2"]["stages"]["tender"] == 1.0 and trend["2024-Q2"]["stages"]["award"] == 0.0
    assert "2024-Q1" in html and "Trend by quarter" in html


def _demo_index(ocid: str) -> int:
    return int(ocid.rsplit("-", 1)[1]) - 1  # the demo's ocids end with the process's index + 1


def test_the_demo_harvest_names_its_deliberate_gaps(app, sysadmin, organization, purged_queues):
    from bs4 import BeautifulSoup

    from ckanext.procurement.demo import gaps
    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=60, seed=7) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
        run_job(source["id"], sysadmin["name"])
    quality.recompute()
    compiled = {record.ocid: record.compiled_release for record in model.Session.query(ProcurementRecord)}
    with_contracts = {ocid for ocid, c in compiled.items() if c.get("contracts")}
    with_awards = {ocid for ocid, c in compiled.items() if c.get("awards")}
    undocumented = {o for o in with_contracts if gaps.without_contract_document(_demo_index(o))}
    late = {o for o in with_awards if gaps.late_award(_demo_index(o))}
    signed_early = {o for o in with_contracts if gaps.signed_before_award(_demo_index(o))}
    assert undocumented and late and signed_early

    figures = _show(owner_org=organization["name"])
    documents = figures["fields"]["contract_text_document"]
    assert set(documents["examples"]) == undocumented
    assert documents["total"] - documents["met"] == sum(len(compiled[o]["contracts"]) for o in undocumented)
    on_time = figures["timeliness"]["measures"]["award_published_within_30_days"]
    assert set(on_time["examples"]) == late
    signed = figures["checks"]["contract_signed_after_award"]
    assert set(signed["examples"]["failed"]) == signed_early and signed["failed"] == len(signed_early)

    soup = BeautifulSoup(app.get(f"/publication-quality/{organization['name']}").body, "html.parser")

    def linked(table: str, label: str) -> set[str]:
        row = next(tr for tr in soup.select(f"table.{table} tbody tr") if label in tr.get_text())
        return {a.get_text() for a in row.select("a[href^='/contracting-process/']")}

    assert linked("procurement-quality-fields", "Signed contract document") == undocumented
    assert linked("procurement-quality-timeliness", "Awards published within 30 days") == late
    assert linked("procurement-quality-checks", "Contracts are signed on or after") == signed_early


@pytest.mark.ckan_config("ckanext.procurement.publication_policy_url", "javascript:alert(document.cookie)")
def test_a_publication_policy_that_is_not_a_web_address_is_neither_counted_nor_linked(app, sysadmin, organization):
    save(sysadmin, organization, [release("ocds-od-1", title="A")])
    quality.recompute()
    assert _show()["open_data"]["publication_policy"] == {"url": None, "met": False}
    assert "javascript:alert" not in app.get("/publication-quality").body
