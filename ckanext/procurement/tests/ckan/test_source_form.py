"""The guided harvest source form and its Preview (source_form/), through CKAN's real pages:
the fields make the config (no JSON typed), errors name the field, the preview reads the
source as a harvest would and saves nothing, and only those who may create sources of the
organization may preview. No secret typed ever comes back in a page."""
from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from ckan import model
from ckan.tests import factories, helpers
from ckanext.procurement.model import ProcurementSecret
from ckanext.procurement.tests.ckan.forms import form_fields
from ckanext.procurement.tests.ckan.web_session import csrf_token, sign_in
from ckanext.procurement.tests.feed_server import Reply

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
PASSWORD = "correct-horse-battery"
SECRET = "Bearer zq-TOPSECRET-8841"
RELEASE = {"ocid": "ocds-abc123-0001", "id": "ocds-abc123-0001-tender", "date": "2026-01-05T00:00:00Z", "tag": ["tender"],
           "initiationType": "tender", "tender": {"id": "t1", "title": "Road salt", "value": {"amount": 1200, "currency": "USD"},
                                                  "status": "active"},
           "buyer": {"id": "b1", "name": "Streets"}, "parties": [{"id": "b1", "name": "Streets", "roles": ["buyer"]}]}


@pytest.fixture
def coordinator(app):
    user = factories.User(password=PASSWORD)
    organization = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    client = sign_in(app, user["name"], PASSWORD)
    client.user, client.organization = user, organization
    return client


def _new_form(client) -> dict:
    page = client.get("/harvest/new")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    fields = form_fields(soup.find("form", id="source-new"))
    return {key: fields.getlist(key)[0] if len(fields.getlist(key)) == 1 else fields.getlist(key) for key in fields}


def _form(client, url: str, source_type: str = "ocds", **values) -> dict:
    form = _new_form(client)
    form.update({"url": url, "title": "Purchasing", "name": "purchasing", "source_type": source_type,
                 "owner_org": client.organization["id"], **values})
    return form


def _sources() -> int:
    return model.Session.query(model.Package).filter_by(type="harvest").count()


def test_the_form_offers_a_labelled_field_for_every_config_key(coordinator):
    page = coordinator.get("/harvest/new").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    for name in ("procurement_format", "procurement_since_parameter", "procurement_full_harvest_every",
                 "procurement_auth_env", "procurement_auth_secret", "procurement_auth_header_name",
                 "procurement_ocid_prefixes", "procurement_redact_paths", "procurement_redaction_reason",
                 "procurement_license", "procurement_rows_are", "procurement_ocid_template", "procurement_date_column",
                 "procurement_value_maps", "config"):
        field = soup.find(id=f"field-{name}")
        assert field is not None, name
        assert soup.find("label", attrs={"for": f"field-{name}"}), f"{name} has no label"
        assert field.get("aria-describedby"), f"{name} has no help text"
    assert soup.find("input", attrs={"name": "procurement_publish", "value": "after_review"})
    assert soup.find("datalist", id="procurement-ocds-fields").find("option", attrs={"value": "awards/0/date"})


def test_saving_the_form_builds_the_config_from_the_fields(coordinator):
    form = _form(coordinator, "http://127.0.0.1:9/releases.json", procurement_since_parameter="since",
                 procurement_full_harvest_every="3", procurement_ocid_prefixes="ocds-abc123-\nocds-xyz-",
                 procurement_redact_paths="awards/suppliers/contactPoint", procurement_redaction_reason="Personal data",
                 procurement_publish="after_review", procurement_license="cc-by", config="")
    response = coordinator.post("/harvest/new", data=form, follow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    source = helpers.call_action("harvest_source_show", id="purchasing")
    assert json.loads(source["config"]) == {
        "since_parameter": "since", "full_harvest_every": 3, "ocid_prefixes": ["ocds-abc123-", "ocds-xyz-"],
        "redact_paths": ["awards/suppliers/contactPoint"], "redaction_reason": "Personal data",
        "publish": "after_review", "license": "cc-by"}


def test_a_wrong_field_is_named_and_nothing_is_saved(coordinator):
    form = _form(coordinator, "http://127.0.0.1:9/releases.json", procurement_since_parameter="since",
                 procurement_full_harvest_every="weekly")
    response = coordinator.post("/harvest/new", data=form)
    page = response.get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    summary = soup.find(id="procurement-error-summary")
    assert summary is not None and "Full listing every N harvests: must be a whole number" in summary.text
    assert summary.find("a", href="#field-procurement_full_harvest_every")
    assert soup.find(id="field-procurement_full_harvest_every").get("aria-invalid") == "true"
    assert _sources() == 0


def test_a_csv_mapping_error_names_its_field(coordinator):
    form = _form(coordinator, "http://127.0.0.1:9/export.csv", source_type="procurement_csv",
                 procurement_rows_are="award", procurement_ocid_template="ocds-abc123-{po}", procurement_date_column="",
                 **{"procurement_map__0__column": "po", "procurement_map__0__field": "contracts/0/id"})
    page = coordinator.post("/harvest/new", data=form).get_data(as_text=True)
    summary = BeautifulSoup(page, "html.parser").find(id="procurement-error-summary")
    assert summary is not None and "Release date column: is required" in summary.text, summary
    assert _sources() == 0


def test_preview_of_a_feed_shows_what_a_harvest_would_publish(coordinator, feed):
    page_two = feed.route("/page2.json", Reply(json.dumps({"releases": [dict(RELEASE, ocid="ocds-abc123-0002", id="r2")]}).encode()))
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE], "links": {"next": page_two}}).encode()))
    form = _form(coordinator, url, procurement_redact_paths="tender/value", procurement_redaction_reason="Not final")
    before = model.Session.query(ProcurementSecret).count()
    page = coordinator.post("/harvest/preview", data=form).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    preview = soup.find(id="procurement-preview")
    assert preview is not None, page[:3000]
    assert preview.find(attrs={"data-fact": "format"}).text == "release_package"
    assert preview.find(attrs={"data-fact": "releases"}).text == "1"
    assert preview.find(attrs={"data-fact": "paging"})["data-ok"] == "True"
    sample = preview.find(attrs={"data-ocid": "ocds-abc123-0001"})
    assert "Road salt" in sample.text and "1,200.00" not in sample.text  # the withheld value is not shown
    assert sample.find(attrs={"data-withheld": True}) and "Not final" in sample.text
    assert _sources() == 0 and model.Session.query(ProcurementSecret).count() == before


def test_preview_reports_a_refused_address_and_invalid_json(coordinator, feed):
    form = _form(coordinator, "http://169.254.169.254/latest/meta-data/")
    page = coordinator.post("/harvest/preview", data=form).get_data(as_text=True)
    error = BeautifulSoup(page, "html.parser").find(class_="procurement-preview-error")
    assert error is not None and "never harvested" in error.text
    url = feed.route("/broken.json", Reply(b'{"releases": [{"ocid": "x",'))
    page = coordinator.post("/harvest/preview", data=_form(coordinator, url)).get_data(as_text=True)
    error = BeautifulSoup(page, "html.parser").find(class_="procurement-preview-error")
    assert error is not None and "JSON" in error.text
    assert _sources() == 0


def test_preview_suggests_an_ocds_field_for_each_column(coordinator, feed):
    csv = b"PO Number,Award Date,Vendor Name,Amount,Colour\n1001,2026-01-05,Acme,1200.50,blue\n1002,2026-02-01,Beta,99,red\n"
    url = feed.route("/export.csv", Reply(csv, content_type="text/csv"))
    page = coordinator.post("/harvest/preview", data=_form(coordinator, url, source_type="procurement_csv")).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    fields = {tag["value"]: tag for tag in soup.find_all("input", attrs={"name": lambda n: n and n.endswith("__column")}) if tag.get("value")}
    suggested = {column: soup.find(id=tag["name"].replace("__column", "__field").join(["field-", ""]))["value"]
                 for column, tag in fields.items()}
    assert suggested == {"PO Number": "contracts/0/id", "Award Date": "awards/0/date", "Vendor Name": "awards/0/suppliers/0/name",
                         "Amount": "awards/0/value/amount", "Colour": ""}
    assert soup.find(id="field-procurement_date_column")["value"] == "Award Date"
    assert soup.find(attrs={"data-fact": "rows"}).text == "2"


def test_preview_of_an_unmappable_column_says_so(coordinator, feed):
    csv = b"PO Number,Award Date,Colour\n1001,2026-01-05,blue\n"
    url = feed.route("/export.csv", Reply(csv, content_type="text/csv"))
    form = _form(coordinator, url, source_type="procurement_csv", procurement_rows_are="award",
                 procurement_ocid_template="ocds-abc123-{PO Number}", procurement_date_column="Award Date",
                 **{"procurement_map__0__column": "PO Number", "procurement_map__0__field": "contracts/0/id",
                    "procurement_map__1__column": "Colour", "procurement_map__1__field": "tender/colour"})
    page = coordinator.post("/harvest/preview", data=form).get_data(as_text=True)
    problems = BeautifulSoup(page, "html.parser").find(class_="procurement-preview-problems")
    assert problems is not None and "'Colour' is mapped to 'tender/colour', which is not a field" in problems.text
    assert _sources() == 0


def test_anonymous_visitors_may_not_preview(app, feed):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    client = app.test_client()
    token = csrf_token(client.get("/user/login").get_data(as_text=True))
    response = client.post("/harvest/preview", data={"_csrf_token": token, "url": url, "source_type": "ocds",
                                                     "owner_org": factories.Organization()["id"]})
    assert response.status_code == 403
    assert feed.hits.get("/releases.json") is None  # the server fetched nothing for them


def test_an_editor_of_another_organization_may_not_preview(app, coordinator, feed):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    other = factories.Organization()
    form = _form(coordinator, url, owner_org=other["id"])
    assert coordinator.post("/harvest/preview", data=form).status_code == 403
    stored = helpers.call_action("harvest_source_create", context={"user": factories.Sysadmin()["name"]}, name="theirs",
                                 url=url, source_type="ocds", owner_org=other["id"], config="")
    form = _form(coordinator, url, owner_org=coordinator.organization["id"])
    assert coordinator.post(f"/harvest/preview/{stored['id']}", data=form).status_code == 403
    assert feed.hits.get("/releases.json") is None


def test_a_secret_is_sent_by_the_preview_but_never_shown_or_stored(coordinator, feed):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    form = _form(coordinator, url, procurement_auth="secret", procurement_auth_secret=SECRET)
    before = model.Session.query(ProcurementSecret).count()
    page = coordinator.post("/harvest/preview", data=form).get_data(as_text=True)
    assert [headers.get("Authorization") for path, headers in feed.requests] == [SECRET]
    assert "zq-TOPSECRET" not in page
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find(attrs={"data-fact": "releases"}).text == "1"
    assert "auth_header" not in (soup.find(id="field-config").text or "")
    assert model.Session.query(ProcurementSecret).count() == before and _sources() == 0
    # a form with an error comes back without it too
    form.update(procurement_full_harvest_every="x", procurement_since_parameter="since")
    page = coordinator.post("/harvest/new", data=form).get_data(as_text=True)
    assert "zq-TOPSECRET" not in page and _sources() == 0


def test_saving_a_secret_from_the_form_seals_it(coordinator):
    form = _form(coordinator, "http://127.0.0.1:9/releases.json", procurement_auth="secret", procurement_auth_secret=SECRET)
    assert coordinator.post("/harvest/new", data=form, follow_redirects=False).status_code == 302
    source = helpers.call_action("harvest_source_show", id="purchasing")
    assert json.loads(source["config"])["auth_header"].startswith("secret:")
    edit = coordinator.get("/harvest/edit/purchasing").get_data(as_text=True)
    assert "zq-TOPSECRET" not in edit
    assert BeautifulSoup(edit, "html.parser").find("input", attrs={"name": "procurement_auth", "value": "keep", "checked": True})


def test_a_json_typed_by_hand_is_used_as_typed(coordinator):
    """Without JavaScript, a coordinator who writes the JSON and leaves the fields alone gets the JSON."""
    form = _form(coordinator, "http://127.0.0.1:9/releases.json", config=json.dumps({"since_parameter": "from", "retries": 2}))
    assert coordinator.post("/harvest/new", data=form, follow_redirects=False).status_code == 302
    assert json.loads(helpers.call_action("harvest_source_show", id="purchasing")["config"]) == {
        "since_parameter": "from", "retries": 2}


def test_the_fields_keep_the_json_keys_they_dont_cover(coordinator):
    form = _form(coordinator, "http://127.0.0.1:9/releases.json", procurement_publish="after_review")
    form["config"] = form["procurement_config_shown"] = json.dumps({"timeout": 30})  # as the page showed it
    assert coordinator.post("/harvest/new", data=form, follow_redirects=False).status_code == 302
    assert json.loads(helpers.call_action("harvest_source_show", id="purchasing")["config"]) == {
        "timeout": 30, "publish": "after_review"}


def test_the_form_speaks_spanish(coordinator):
    page = coordinator.get("/es/harvest/new").get_data(as_text=True)
    assert "Vista previa" in page and "Prefijos de OCID aceptados" in page and "Columnas de la exportación" in page


def _edit_form(client, name: str) -> dict:
    page = client.get(f"/harvest/edit/{name}")
    assert page.status_code == 200
    fields = form_fields(BeautifulSoup(page.get_data(as_text=True), "html.parser").find("form", id="source-new"))
    return {key: fields.getlist(key)[0] if len(fields.getlist(key)) == 1 else fields.getlist(key) for key in fields}


def test_a_stored_secret_is_previewed_on_its_own_site_only(coordinator, feed, attacker):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    form = _form(coordinator, url, procurement_auth="secret", procurement_auth_secret=SECRET)
    assert coordinator.post("/harvest/new", data=form, follow_redirects=False).status_code == 302
    source = helpers.call_action("harvest_source_show", id="purchasing")
    form = _edit_form(coordinator, "purchasing")
    assert form["procurement_auth"] == "keep"
    page = coordinator.post(f"/harvest/preview/{source['id']}", data=form).get_data(as_text=True)
    assert [headers.get("Authorization") for path, headers in feed.requests] == [SECRET]
    assert BeautifulSoup(page, "html.parser").find(attrs={"data-fact": "releases"}).text == "1"
    assert "zq-TOPSECRET" not in page
    # pointed at another host, the stored secret is not sent there
    elsewhere = attacker.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    page = coordinator.post(f"/harvest/preview/{source['id']}", data=dict(form, url=elsewhere)).get_data(as_text=True)
    assert attacker.requests == []
    summary = BeautifulSoup(page, "html.parser").find(id="procurement-error-summary")
    assert summary is not None and "only sent to the site it was entered for" in summary.text
    # a new source can't borrow it either
    borrowed = _form(coordinator, elsewhere, procurement_auth="keep", config=form["config"],
                     procurement_config_shown=form["config"])
    borrowed["name"] = "borrower"
    page = coordinator.post("/harvest/preview", data=borrowed).get_data(as_text=True)
    assert attacker.requests == [] and "zq-TOPSECRET" not in page


def test_a_preview_without_the_csrf_token_is_refused(coordinator, feed):
    url = feed.route("/releases.json", Reply(json.dumps({"releases": [RELEASE]}).encode()))
    form = _form(coordinator, url)
    form.pop("_csrf_token")
    assert coordinator.post("/harvest/preview", data=form).status_code == 400
    assert feed.hits.get("/releases.json") is None
