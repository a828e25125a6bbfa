"""A coordinator sets up the demo purchasing system's OCDS feed and CSV export as harvest
sources with the form only (no JSON typed), previews them, saves and harvests, and gets the
same processes as the demo's own sources; previews of a refused address, of invalid JSON and
of an unmappable column say what is wrong and save nothing. axe-core at 1280 and 375 px."""
from __future__ import annotations

import json

import pytest

from ckanext.procurement.demo.mapping import CHICAGO_MAPPING
from ckanext.procurement.tests.feed_server import FeedServer, Reply

DEMO_PROCESSES = 16
DEMO_SEED = 11


@pytest.fixture(scope="module")
def demo(live_server):
    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=DEMO_PROCESSES, seed=DEMO_SEED) as server:
        yield server


@pytest.fixture
def stand_in():
    with FeedServer() as server:
        yield server


def _sources() -> list[str]:
    from ckan import model

    model.Session.remove()
    return [p.name for p in model.Session.query(model.Package).filter_by(type="harvest", state="active")]


def _start(portal, source_type: str, url: str, title: str, name: str) -> None:
    page = portal.page
    portal.goto("/harvest/new")
    page.check(f"input[name=source_type][value={source_type}]")
    page.fill("#field-url", url)
    page.fill("#field-title", title)
    page.eval_on_selector("#field-name", "(el, name) => { el.value = name; }", name)


def _preview(portal) -> None:
    portal.wait_for_navigation_after(lambda: portal.page.click("button[name=procurement_preview]"), "preview")


def _fact(page, name: str) -> str:
    return page.locator(f"#procurement-preview [data-fact={name}]").inner_text().strip()


def _harvested(source_id: str, user: str) -> dict[str, tuple]:
    """Harvest the source the production way; its processes (ocid -> what the public sees of it)."""
    from ckan.tests import helpers
    from ckanext.procurement.tests.ckan.harvest_helpers import processes, run_job

    report = run_job(source_id, user)
    assert [e for e in report["gather_errors"] if not e["message"].startswith("Warning")] == [], report["gather_errors"]
    found = processes(f'+harvest_source_id:"{source_id}"')["results"]
    shown = {d["ocid"]: (d.get("title"), d.get("stage"), d.get("status"), d.get("contract_value"), d.get("buyer_name"))
             for d in found}
    helpers.call_action("harvest_source_clear", context={"user": user}, id=source_id)  # an ocid belongs to one source
    return shown


def _own_source(user: str, owner_org: str, name: str, url: str, source_type: str, config: dict) -> dict[str, tuple]:
    """The demo's own source (as `ckan procurement demo-setup` makes it), harvested."""
    from ckan.tests import helpers

    source = helpers.call_action("harvest_source_create", context={"user": user}, name=name, title=name, url=url,
                                 source_type=source_type, owner_org=owner_org, config=json.dumps(config))
    return _harvested(source["id"], user)


def test_a_coordinator_sets_up_the_demo_feed_with_the_form(coordinator, coordinator_account, demo, axe_audit):
    from ckan.tests import helpers

    page = coordinator.page
    user, org = coordinator_account["user"]["name"], coordinator_account["organization"]["id"]
    before = _sources()
    _start(coordinator, "ocds", demo.releases_url + "?limit=5", "Springfield purchasing (OCDS)", "form-ocds")
    page.fill("#field-procurement_since_parameter", "since")
    assert json.loads(page.input_value("#field-config")) == {"since_parameter": "since"}  # the JSON follows the fields
    axe_audit(page, "form")
    _preview(coordinator)
    assert _fact(page, "format") == "release_package"
    assert _fact(page, "releases") == "5" and int(_fact(page, "processes")) >= 1
    assert page.locator("[data-fact=paging]").get_attribute("data-ok") == "True"
    assert page.locator("[data-fact=incremental]").get_attribute("data-ok") == "True"
    assert page.locator(".procurement-preview-sample").count() >= 1
    assert _sources() == before  # a preview saves nothing
    axe_audit(page, "preview")
    coordinator.wait_for_navigation_after(lambda: page.click("#save"), "saved")
    source = helpers.call_action("harvest_source_show", id="form-ocds")
    assert json.loads(source["config"]) == {"since_parameter": "since"}
    from_form = _harvested(source["id"], user)
    own = _own_source(user, org, "demo-own-ocds", demo.releases_url + "?limit=200", "ocds",
                      {"since_parameter": "since", "full_harvest_every": 7})
    assert from_form and from_form == own
    assert not coordinator.page_errors, coordinator.page_errors


def _mapped_fields(page) -> list[str]:
    return page.eval_on_selector_all(".procurement-map-row [name$=__field]", "els => els.map(el => el.value)")


def _field_of(page, column: str) -> str:
    row = page.locator(".procurement-map-row", has=page.locator(f'input[type=hidden][value="{column}"]'))
    return row.first.locator("[name$=__field]").input_value()


def _fill_empty_rows(page, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(column, field) pairs into the form's empty rows; the pairs left over."""
    pairs = list(pairs)
    for column_input in page.locator(".procurement-map-row input[type=text][name$=__column]").element_handles():
        if not pairs:
            break
        if not column_input.input_value():
            column, path = pairs.pop(0)
            column_input.fill(column)
            page.fill("#" + column_input.get_attribute("id").replace("__column", "__field"), path)
    return pairs


def test_a_coordinator_maps_the_demo_export_with_the_form(coordinator, coordinator_account, demo, axe_audit):
    from ckan.tests import helpers

    page = coordinator.page
    user, org = coordinator_account["user"]["name"], coordinator_account["organization"]["id"]
    before = _sources()
    _start(coordinator, "procurement_csv", demo.csv_url, "Springfield contracts export (CSV)", "form-csv")
    _preview(coordinator)
    # the file's columns, each with a suggestion the coordinator can keep
    assert _fact(page, "format") == "csv" and int(_fact(page, "rows")) > 0
    assert _field_of(page, "approval_date") == "awards/0/date"
    assert _field_of(page, "vendor_name") == "awards/0/suppliers/0/name"
    assert page.input_value("#field-procurement_rows_are") == "modification"
    assert page.input_value("#field-procurement_revision_column") == "revision_number"
    assert page.input_value("#field-procurement_date_column") == "approval_date"
    axe_audit(page, "columns")
    page.fill("#field-procurement_ocid_template", "ocds-demo01-{purchase_order_number}")
    page.fill("#field-procurement_release_id_template", CHICAGO_MAPPING["release_id"])
    page.fill("#field-procurement_timezone", CHICAGO_MAPPING["timezone"])
    page.fill("#field-procurement_value_maps", "\n".join(
        f"{path}: {value} = {code}" for path, codes in CHICAGO_MAPPING["value_maps"].items() for value, code in codes.items()))
    page.fill("#field-procurement_constants", "contracts/0/documents/0/documentType = contractSigned")
    # the demo's mapping sends some columns to several fields: the empty rows take them, a few at a time
    missing = [(column, path) for path, column in CHICAGO_MAPPING["columns"].items() if path not in _mapped_fields(page)]
    assert len(missing) > 3, missing
    while missing:
        missing = _fill_empty_rows(page, missing)
        _preview(coordinator)
    assert page.locator(".procurement-preview-error").count() == 0
    assert int(_fact(page, "processes")) > 0, page.locator("#procurement-preview").inner_text()
    assert page.locator(".procurement-preview-sample").count() >= 1
    axe_audit(page, "mapped")
    assert _sources() == before
    coordinator.wait_for_navigation_after(lambda: page.click("#save"), "saved")
    source = helpers.call_action("harvest_source_show", id="form-csv")
    mapping = json.loads(source["config"])["mapping"]
    assert mapping["columns"] == CHICAGO_MAPPING["columns"] and mapping["value_maps"] == CHICAGO_MAPPING["value_maps"]
    from_form = _harvested(source["id"], user)
    own = _own_source(user, org, "demo-own-csv", demo.csv_url, "procurement_csv", {"mapping": CHICAGO_MAPPING})
    assert from_form and from_form == own
    assert not coordinator.page_errors, coordinator.page_errors


def test_previews_of_bad_sources_say_what_is_wrong_and_save_nothing(mobile_coordinator, stand_in, axe_audit):
    portal, page = mobile_coordinator, mobile_coordinator.page
    before = _sources()
    _start(portal, "ocds", "http://169.254.169.254/latest/meta-data/", "Metadata", "refused")
    _preview(portal)
    assert "never harvested" in page.locator(".procurement-preview-error").inner_text()
    axe_audit(page, "refused-375")

    broken = stand_in.route("/broken.json", Reply(b'{"releases": [{"ocid": '))
    _start(portal, "ocds", broken, "Broken", "broken")
    _preview(portal)
    assert "JSON" in page.locator(".procurement-preview-error").inner_text()

    export = stand_in.route("/export.csv", Reply(b"PO Number,Award Date,Colour\n1001,2026-01-05,blue\n", content_type="text/csv"))
    _start(portal, "procurement_csv", export, "Export", "export")
    _preview(portal)
    page.fill("#field-procurement_ocid_template", "ocds-abc123-{PO Number}")
    row = page.locator(".procurement-map-row", has=page.locator('input[type=hidden][value="Colour"]'))
    row.locator("[name$=__field]").fill("tender/colour")
    _preview(portal)
    problems = page.locator(".procurement-preview-problems").inner_text()
    assert "'Colour' is mapped to 'tender/colour', which is not a field of the OCDS release schema" in problems
    axe_audit(page, "unmappable-375")
    portal.wait_for_navigation_after(lambda: page.click("#save"), "save-refused")
    assert page.locator("#procurement-error-summary").is_visible()
    assert _sources() == before


def test_the_form_is_usable_with_the_keyboard(coordinator, stand_in):
    page = coordinator.page
    url = stand_in.route("/releases.json", Reply(json.dumps({"releases": []}).encode()))
    _start(coordinator, "ocds", url, "Keyboard", "keyboard")
    page.focus("#field-procurement_since_parameter")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "procurement_preview":
            break
    else:
        raise AssertionError("Tab never reaches the Preview button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # focus moves to the result, which a screen reader then reads
    page.wait_for_function("document.activeElement && document.activeElement.id === 'procurement-preview'", timeout=5000)
    assert _fact(page, "releases") == "0"
