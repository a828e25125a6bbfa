"""Redaction: withheld values reach neither the database, nor Solr, nor the API, nor the pages."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.lib.search.common import make_connection
from ckan.plugins import toolkit as tk
from ckan.tests import helpers

from ckanext.procurement.tests.ckan.test_schema import FICTIONAL_OCID, fictional_releases, save

EMAILS = ("procurement-team@example.com", "contracts@anycorp.example", "bids@betacorp.example")
ADDRESSES = ("North London Business Park", "N11 1NP", "1 Anytown Lane", "AA1 1AA", "2 Main Road")
# published and not redacted: the checks below do find these
KEPT = ("01234 345 346", "London Borough of Barnet")


def _tables_containing(value: str) -> list[str]:
    """Every table of the database whose rows, as text, contain `value`."""
    model.Session.remove()
    with model.meta.engine.connect() as connection:
        tables = connection.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )).scalars().all()
        return [
            table for table in tables
            if connection.execute(sa.text(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE :value'),
                                  {"value": f"%{value}%"}).scalar()
        ]


def _solr_documents() -> str:
    docs = make_connection().search(q="*:*", fq=f'+site_id:"{tk.config["ckan.site_id"]}"', fl="*", rows=100).docs
    assert docs
    return json.dumps(docs, default=str, ensure_ascii=False)


def _solr_text_hits(value: str) -> int:
    query = f'text:"{value}"'
    return make_connection().search(q=query, fq=f'+site_id:"{tk.config["ckan.site_id"]}"', rows=0).hits


def _everywhere(app, value: str) -> dict[str, bool]:
    """Where `value` is found: database, Solr, API, page."""
    found = {
        "database": bool(_tables_containing(value)),
        "solr documents": value in _solr_documents(),
        "solr text": _solr_text_hits(value) > 0,
        "package_search": helpers.call_action("package_search", q=f'"{value}"')["count"] > 0,
        "package_show": value in json.dumps(helpers.call_action("package_show", id=FICTIONAL_OCID), ensure_ascii=False),
        "procurement_record_show": value in json.dumps(
            helpers.call_action("procurement_record_show", id=FICTIONAL_OCID), ensure_ascii=False),
        "page": value in app.get(f"/contracting-process/{FICTIONAL_OCID}").get_data(as_text=True),
        "activity page": value in app.get(f"/dataset/activity/{FICTIONAL_OCID}").get_data(as_text=True),
    }
    return {where: hit for where, hit in found.items() if hit}


def _assert_withheld(app, values):
    for value in values:
        assert _everywhere(app, value) == {}, value


def _assert_checks_can_see(app):
    """The same checks find what was not withheld: they are not blind."""
    assert set(_tables_containing("01234 345 346")) >= {"procurement_record"}
    # dataset fields are in package_extra (CKAN 2.11) or package (2.12's JSONB extras), its history in activity
    found = set(_tables_containing("London Borough of Barnet"))
    assert found >= {"procurement_record", "activity"} and found & {"package_extra", "package"}
    assert app.get(f"/dataset/activity/{FICTIONAL_OCID}").status_code == 200
    assert "London Borough of Barnet" in _solr_documents()
    assert _solr_text_hits("London Borough of Barnet") > 0
    assert "01234 345 346" in json.dumps(helpers.call_action("procurement_record_show", id=FICTIONAL_OCID))


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.redact_paths", ["parties/contactPoint/email"])
@pytest.mark.ckan_config("ckanext.procurement.redact_reason", "Contact details of staff are not published")
def test_site_wide_redaction(app, sysadmin, organization, examples_dir):
    releases = fictional_releases(examples_dir)
    assert EMAILS[0] in json.dumps(releases)
    result = save(sysadmin, organization, releases)
    pkg = helpers.call_action("package_show", id=FICTIONAL_OCID)
    assert pkg["withheld_paths"] == ["parties/contactPoint/email"]
    assert pkg["withheld_reason"] == "Contact details of staff are not published"
    record = helpers.call_action("procurement_record_show", id=FICTIONAL_OCID)
    assert record["withheld"] == ["parties/contactPoint/email"]
    # the rest of the contact point stays
    parties = {p["id"]: p for p in record["compiledRelease"]["parties"]}
    assert parties["GB-LAC-E09000003"]["contactPoint"] == {
        "name": "Procurement Team", "telephone": "01234 345 346", "faxNumber": "01234 345 345",
        "url": "http://example.com/contact/",
    }
    assert all("email" not in (p.get("contactPoint") or {}) for r in record["releases"] for p in r.get("parties", []))
    _assert_withheld(app, EMAILS)
    _assert_checks_can_see(app)
    # saving again (a harvest re-run) keeps them out
    assert save(sysadmin, organization, releases, force=True)["status"] == "updated"
    _assert_withheld(app, EMAILS)
    assert result["package"]["withheld_paths"] == ["parties/contactPoint/email"]


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.redact_paths", ["parties/contactPoint/email"])
def test_redaction_per_call_adds_to_the_site_policy(app, sysadmin, organization, examples_dir):
    save(sysadmin, organization, fictional_releases(examples_dir),
         redact_paths=["parties/address"], redaction_reason="Addresses of sole traders are personal data")
    pkg = helpers.call_action("package_show", id=FICTIONAL_OCID)
    assert pkg["withheld_paths"] == ["parties/address", "parties/contactPoint/email"]
    assert pkg["withheld_reason"] == "Addresses of sole traders are personal data"
    page = app.get(f"/contracting-process/{FICTIONAL_OCID}").get_data(as_text=True)
    assert "Addresses of sole traders are personal data" in page and "parties/address" in page
    record = helpers.call_action("procurement_record_show", id=FICTIONAL_OCID)
    assert all("address" not in p for r in record["releases"] for p in r.get("parties", []))
    assert all("address" not in p for p in record["compiledRelease"]["parties"])
    _assert_withheld(app, EMAILS + ADDRESSES)
    _assert_checks_can_see(app)


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_redaction_per_call_without_a_site_policy(app, sysadmin, organization, examples_dir):
    save(sysadmin, organization, fictional_releases(examples_dir), redact_paths=["parties/contactPoint/email"])
    pkg = helpers.call_action("package_show", id=FICTIONAL_OCID)
    assert pkg["withheld_paths"] == ["parties/contactPoint/email"]
    assert pkg["withheld_reason"]  # the site's default reason
    _assert_withheld(app, EMAILS)
    # ADDRESSES were not withheld this time: the checks do find them
    assert "procurement_record" in _tables_containing("N11 1NP")


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.redact_paths", "parties/contactPoint/email parties/address")
def test_site_policy_given_as_text(app, sysadmin, organization, examples_dir):
    """The policy as the ini (or an env var) writes it: space-separated paths."""
    save(sysadmin, organization, fictional_releases(examples_dir))
    pkg = helpers.call_action("package_show", id=FICTIONAL_OCID)
    assert pkg["withheld_paths"] == ["parties/address", "parties/contactPoint/email"]
    _assert_withheld(app, EMAILS + ADDRESSES)


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_redacting_a_value_shown_in_dataset_fields(app, sysadmin, organization, examples_dir):
    """Withholding the suppliers' names removes them from the dataset fields and the facets too."""
    save(sysadmin, organization, fictional_releases(examples_dir),
         redact_paths=["parties/name", "awards/suppliers/name", "contracts/implementation/transactions/payee/name",
                       "tender/tenderers/name"])
    pkg = helpers.call_action("package_show", id=FICTIONAL_OCID)
    assert "AnyCorp Cycle Provision" not in json.dumps(pkg)
    assert pkg["buyer_name"] == "London Borough of Barnet"  # buyer.name is not parties/name
    _assert_withheld(app, ("AnyCorp Cycle Provision", "Beta Corp Construction"))
