"""Hostile review of two changes: the connect listener asking PostgreSQL for lz4 (toast_compression.py)
and the second, exact read of a feed page holding an integer beyond 64 bits (FeedPage in harvesters/ocds.py,
_scan_resource in resource_view.py). A hostile harvest source, an editor of another organization and an
anonymous visitor attack them. Each defect it found has a test here that failed before its fix (a page that
changed between its readings, a repeated `releases` key, withheld values quoted by the exact parser, feed text
taken for yajl's message, 5000-digit integers, sums beyond a float, counts beyond a database integer); the
others document attacks the code withstood. Every stand-in server binds 127.0.0.1."""
from __future__ import annotations

import gzip
import json

import psycopg2.extensions
import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers
from ckanext.procurement import toast_compression
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes, run_job
from ckanext.procurement.tests.ckan.test_schema import release
from ckanext.procurement.tests.feed_server import Reply

HUGE = 123456789012345678901234567890  # beyond 64 bits, well within a float
EMAIL_PATH = "parties/contactPoint/email"
harvest = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")


def _rel(ocid: str, title: str = "Road salt", **blocks) -> dict:
    blocks.setdefault("parties", [])  # OCDS 1.1: no upgrade from 1.0
    return release(f"ocds-213czf-{ocid}", title=title, **blocks)


def _body(data) -> bytes:
    return json.dumps(data).encode("utf-8")


def _names() -> set[str]:
    return {d["ocid"] for d in processes()["results"]}


def _messages(job: dict) -> list[str]:
    return [e["message"] for e in job["gather_errors"]]


def _read_again(job: dict) -> list[str]:
    return [m for m in _messages(job) if "read again" in m]


def _harvest(sysadmin, organization, url: str, **config) -> dict:
    source = create_source(sysadmin["name"], organization["id"], url, config=config or None)
    return run_job(source["id"], sysadmin["name"])


def _harvest_again(sysadmin, job: dict) -> dict:
    return run_job(job["source_id"], sysadmin["name"])


# ------------------------------------------------------------------ the second read: nothing lost, nothing twice

@harvest
def test_a_page_that_changes_between_the_two_fetches_stops_the_gather_and_loses_nothing(sysadmin, organization, feed):
    """A live first page ("newest first") gets a release between the fast read and the exact one: the
    releases already given are no longer where they were. Skipping by position would drop the new release
    (silently: an incremental harvest's `since` may never ask for it again) and read an old one twice; the
    gather stops instead, saying why, and the next run reads the page afresh."""
    old = [_rel(f"chg-{i}", f"Old {i}") for i in range(4)]
    old[2]["tender"]["value"] = {"amount": HUGE, "currency": "USD"}
    new = _rel("chg-new", "Published between the two fetches")
    url = feed.route("/feed.json", Reply(_body({"releases": old})), Reply(_body({"releases": [new] + old})))
    job = _harvest(sysadmin, organization, url)
    assert feed.hits["/feed.json"] == 2
    assert _names() == set() and "changed while it was read again" in json.dumps(_messages(job)), _messages(job)
    job = _harvest_again(sysadmin, job)  # the page as it now is: every release, once
    assert _names() == {r["ocid"] for r in old + [new]}, _messages(job)


@harvest
def test_a_package_that_repeats_its_releases_key_loses_nothing_even_without_a_big_integer(sysadmin, organization, feed):
    """`given` is consulted on the first read too: a second `releases` array (duplicate key, which the
    reader streams as two arrays, both at releases/0...) was imported before this change; now its releases
    vanish without a word in the report."""
    body = (b'{"releases": [' + _body(_rel("dup-a", "First array")) + b'], "releases": ['
            + _body(_rel("dup-b", "Second array")) + b']}')
    job = _harvest(sysadmin, organization, feed.route("/feed.json", Reply(body)))
    assert _names() == {"ocds-213czf-dup-a", "ocds-213czf-dup-b"}, _messages(job)


def _lines(*values) -> bytes:
    return b"\n".join(_body(v) for v in values)


def _shapes() -> dict[str, tuple[bytes, str, set[str]]]:
    """(body, content type, ocids) of feeds of every shape, each holding an integer beyond 64 bits."""
    r = [_rel(f"shape-{i}", f"Process {i}") for i in range(5)]
    big = lambda rel, value=HUGE: dict(rel, tender=dict(rel["tender"], value={"amount": value, "currency": "USD"}))  # noqa: E731
    everyone = {x["ocid"] for x in r}
    package = {"uri": "u", "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1"}
    return {
        "gzip json lines, third line": (gzip.compress(_lines(*[dict(package, releases=[x]) for x in r[:2] + [big(r[2])] + r[3:]])),
                                        "application/gzip", everyone),
        "negative, mid-page": (_body({"releases": r[:3] + [big(r[3], -HUGE)] + r[4:]}), "application/json", everyone),
        "exactly 2**63": (_body({"releases": r[:1] + [big(r[1], 2 ** 63)] + r[2:]}), "application/json", everyone),
        "bare array": (_body(r[:4] + [big(r[4])]), "application/json", everyone),
        "record package, compiledRelease": (_body(dict(package, records=[
            {"ocid": x["ocid"], "releases": [x], "compiledRelease": big(x) if i == 1 else x} for i, x in enumerate(r)])),
            "application/json", everyone),
        "package metadata before the releases": (_body({"x-count": HUGE, **package, "releases": r}), "application/json", everyone),
        "package metadata after the releases": (_body({**package, "releases": r, "x-count": -HUGE}), "application/json", everyone),
        "a sibling of links.next": (_body({"releases": r, "links": {"x": HUGE, "next": None}}), "application/json", everyone),
        "concatenated values": (_body({"releases": r[:2]}) + _body({"releases": [big(r[2])] + r[3:]}), "application/json", everyone),
    }


@harvest
@pytest.mark.parametrize("shape", list(_shapes()))
def test_a_big_integer_in_any_shape_gives_every_release_once(sysadmin, organization, feed, shape):
    body, content_type, ocids = _shapes()[shape]
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(body, content_type=content_type)))
    assert feed.hits["/feed"] == 2 and len(_read_again(job)) == 1, _messages(job)
    assert job["stats"].get("added") == len(ocids) and _names() == ocids, _messages(job)
    for ocid in ocids:
        assert len(helpers.call_action("procurement_record_show", id=ocid)["releases"]) == 1, ocid


@harvest
def test_page_3_of_5_is_fetched_twice_and_named_once_the_others_once(sysadmin, organization, feed):
    for page in range(5):
        rels = [_rel(f"p{page}-{i}", f"Page {page} process {i}") for i in range(3)]
        if page == 2:
            rels[1]["tender"]["numberOfTenderers"] = 3
            rels[1]["tender"]["value"] = {"amount": -HUGE, "currency": "USD"}
        body = {"releases": rels, "links": {"next": f"{feed.url}/p/{page + 1}" if page < 4 else None}}
        feed.route(f"/p/{page}", Reply(_body(body)))
    job = _harvest(sysadmin, organization, feed.url + "/p/0")
    assert [feed.hits[f"/p/{n}"] for n in range(5)] == [1, 1, 2, 1, 1]
    assert job["stats"].get("added") == 15 and len(_names()) == 15
    said = _read_again(job)
    assert len(said) == 1 and said[0].startswith("Warning: page 3:") and "inside releases/1" in said[0], said


@harvest
def test_a_big_integer_as_links_next_ends_the_paging_without_a_crash(sysadmin, organization, feed):
    url = feed.route("/feed", Reply(_body({"releases": [_rel("ln-1")], "links": {"next": HUGE}})))
    job = _harvest(sysadmin, organization, url)
    assert job["status"] == "Finished" and _names() == {"ocds-213czf-ln-1"} and feed.hits["/feed"] == 2


@harvest
def test_a_huge_float_stops_only_with_a_message_and_one_fetch(sysadmin, organization, feed):
    """1e400 is not an integer: yajl refuses it ("floating point overflow"); the page is not fetched again
    (no amplification) and the gather stops as test_hostile_scale expects."""
    body = _body({"releases": [_rel("fl-1"), _rel("fl-2")]}).replace(b'"initiationType"', b'"x": 1e400, "initiationType"', 1)
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(body)))
    assert feed.hits["/feed"] == 1 and "Gather stopped" in json.dumps(_messages(job)) and _names() == set()


@harvest
def test_an_integer_of_5000_digits_stops_the_gather_saying_so_without_its_digits(sysadmin, organization, feed):
    """Valid JSON: yajl says "integer overflow", the page is fetched again, and ijson's python parser then
    meets Python's 4300-digit limit for int(), after which no parser can go on: the gather stops (nothing
    changed), and the report says what the number is, not "invalid JSON" with its 5000 digits."""
    body = (b'{"releases": [' + _body(_rel("d5k-1")) + b', ' + _body(_rel("d5k-2"))[:-1]
            + b', "x-count": ' + b"1" * 5000 + b'}]}')
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(body)))
    report = json.dumps(_messages(job))
    assert "1" * 100 not in report, report[:400]
    assert "not valid JSON" not in report and "integer of 5000 digits" in report and "Gather stopped" in report, report[:400]


# ------------------------------------------------------------------ withheld values stay out of the report

BROKEN_AFTER_BIG = (b'{"releases": [' + _body(_rel("wh-1", tender={"value": {"amount": HUGE, "currency": "USD"}}))
                    + b', {"ocid": "ocds-213czf-wh-2", "parties": [{"contactPoint": {"email" "leaked.person@example.org"}}]}]}')


@harvest
def test_a_feed_breaking_at_a_withheld_value_after_a_big_integer_does_not_quote_it(sysadmin, organization, feed):
    """The same break without a big integer is reported by yajl as "... near '<snippet>'", which
    without_snippet removes (test_confidentiality). After a big integer the page is read by ijson's python
    parser, whose message is "Unexpected symbol '\"leaked.person@example.org\"' at N": not removed."""
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(BROKEN_AFTER_BIG)), redact_paths=[EMAIL_PATH])
    assert "Gather stopped" in json.dumps(job)
    assert "leaked.person" not in json.dumps(job), _messages(job)


@harvest
def test_the_preview_of_such_a_feed_does_not_quote_the_withheld_value_either(app, feed):
    from ckanext.procurement.source_form import preview

    url = feed.route("/feed", Reply(BROKEN_AFTER_BIG))
    with app.flask_app.test_request_context():
        shown = preview.run("ocds", url, json.dumps({"redact_paths": [EMAIL_PATH]}))
    assert shown.error and "not valid JSON" in shown.error
    assert "leaked.person" not in shown.error, shown.error


@harvest
def test_the_words_integer_overflow_next_to_a_syntax_error_are_no_big_integer(sysadmin, organization, feed):
    """parse.py:_events tests `"integer overflow" in str(e)`, and yajl's message quotes the feed around the
    error: a plain syntax error near those words (a hostile feed writes them) is taken for a big integer.
    The page is fetched twice, the report claims an integer beyond 64 bits, and the python parser's
    message, which without_snippet does not clean, quotes the withheld e-mail: no big integer needed."""
    body = (b'{"releases": [{"ocid": "ocds-213czf-io-1", "parties": [{"contactPoint": '
            b'{"email" "leaked@x.org", "integer overflow": 1}}]}]}')
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(body)), redact_paths=[EMAIL_PATH])
    report = json.dumps(job)
    assert "Gather stopped" in report and "not valid JSON" in report
    assert feed.hits["/feed"] == 1 and "64 bits" not in report, _messages(job)
    assert "leaked@x.org" not in report, _messages(job)


@harvest
def test_the_preview_of_a_second_page_breaking_at_a_withheld_value_does_not_quote_it(app, feed):
    """Before this change too: the preview's paging sentence ("links.next fails: {error}") is not passed
    through without_snippet (preview.py _preview_feed), unlike its error; yajl's snippet quotes the value."""
    from ckanext.procurement.source_form import preview

    second = feed.route("/2", Reply(b'{"releases": [{"ocid": "ocds-213czf-pv-2", "parties": '
                                    b'[{"contactPoint": {"email": "leaked.person@example.org" !!}}]}]}'))
    first = feed.route("/1", Reply(_body({"releases": [_rel("pv-1")], "links": {"next": second}})))
    with app.flask_app.test_request_context():
        shown = preview.run("ocds", first, json.dumps({"redact_paths": [EMAIL_PATH]}))
    assert shown.paging_ok is False and "not valid JSON" in shown.paging
    assert "leaked.person" not in shown.paging, shown.paging


@harvest
def test_the_new_warning_quotes_no_value(sysadmin, organization, feed):
    secret = 98765432109876543210987654321
    rel = _rel("wq-1", parties=[{"id": "p", "name": "P", "contactPoint": {"email": "x@example.org", "telephone": secret}}])
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(_body({"releases": [rel]}))),
                   redact_paths=["parties/contactPoint"])
    assert len(_read_again(job)) == 1 and str(secret) not in json.dumps(job)
    record = helpers.call_action("procurement_record_show", id="ocds-213czf-wq-1")
    assert str(secret) not in json.dumps(record)


# ------------------------------------------------------------------ where the big integer goes next

@harvest
@pytest.mark.parametrize("count", [HUGE, 2 ** 31], ids=["beyond 64 bits (new)", "2**31 (before too)"])
def test_a_number_of_tenderers_beyond_32_bits_is_saved_or_named(sysadmin, organization, feed, count):
    """procurement_process_figure.number_of_tenderers is an INTEGER column (32 bits): procurement_process_save
    raises DataError ("integer out of range"), which import_stage does not catch: it escapes ckanext-harvest's
    fetch_callback (unacked), so `harvester fetch-consumer` dies, the object stays IMPORT and the job hangs."""
    rels = [_rel("nt-1", tender={"numberOfTenderers": count}), _rel("nt-2")]
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(_body({"releases": rels}))))
    errors = json.dumps(job["object_errors"])
    assert "ocds-213czf-nt-2" in _names()
    assert "ocds-213czf-nt-1" in _names() or "numberOfTenderers" in errors, errors[:600]


@harvest
@pytest.mark.parametrize("amount", [10 ** 308, 1.5e308], ids=["int (new)", "float (before too)"])
def test_two_awards_each_within_a_float_but_not_their_sum(sysadmin, organization, feed, amount):
    """non_finite_path lets each integer up to the largest float through; the summary sums them as Python
    ints and converts: float(2 * 10**308) raises OverflowError in derive.summarize (derive.py:267), uncaught
    by import_stage, so the fetch consumer dies as above. (Floats sum to inf instead.)"""
    award = lambda i: {"id": f"a{i}", "status": "active", "value": {"amount": amount, "currency": "USD"}}  # noqa: E731
    rels = [_rel("sum-1", tag=["award"], awards=[award(1), award(2)]), _rel("sum-2")]
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(_body({"releases": rels}))))
    errors = json.dumps(job["object_errors"])
    assert "ocds-213czf-sum-2" in _names()
    assert "ocds-213czf-sum-1" in _names() or "awards" in errors, errors[:600]


@harvest
def test_a_harvested_big_integer_is_served_everywhere_without_a_500(app, sysadmin, organization, feed):
    rel = _rel("ev-1", tender={"value": {"amount": HUGE, "currency": "USD"}, "x-big": -HUGE},
               awards=[{"id": "a", "status": "active", "value": {"amount": 2 ** 64, "currency": "USD"}}])
    job = _harvest(sysadmin, organization, feed.route("/feed", Reply(_body({"releases": [rel]}))))
    assert job["stats"].get("added") == 1, _messages(job)
    name = processes()["results"][0]["name"]
    auth = {"Authorization": sysadmin["token"]}
    for path in (f"/contracting-process/{name}", f"/contracting-process/{name}/record.json",
                 "/api/ocds/records/ocds-213czf-ev-1", "/api/ocds/releases", "/api/ocds/records",
                 "/contracting-process/", "/contracting-process/download.csv", "/contracting-process/download.xlsx",
                 "/opportunities", "/opportunities.atom"):
        response = app.get(path, headers=auth)
        assert response.status_code == 200, (path, response.status_code)
    assert str(HUGE) in app.get("/api/ocds/records/ocds-213czf-ev-1", headers=auth).get_data(as_text=True)


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("tender, awards", [
    ({"numberOfTenderers": 2 ** 31}, []),
    ({}, [{"id": f"a{i}", "status": "active", "value": {"amount": 10 ** 308, "currency": "USD"}} for i in (1, 2)]),
], ids=["numberOfTenderers 2**31", "two awards of 10**308"])
def test_an_editor_saving_such_numbers_is_never_a_500(app, organization, tender, awards):
    """procurement_process_save (Python's JSON parser, exact integers) as an editor of an organization: the
    numbers are kept in the record; a count no database integer holds, or a sum beyond any float, is not used."""
    editor = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=organization["id"], username=editor["name"], role="editor")
    body = _body({"owner_org": organization["id"], "releases": [_rel("api-1", tag=["award"], tender=tender, awards=awards)]})
    response = app.post("/api/3/action/procurement_process_save", data=body, content_type="application/json",
                        headers={"Authorization": editor["token"]})
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    shown = response.get_json()["result"]
    assert shown.get("number_of_tenderers") in (None, "") and shown.get("award_value") in (None, "")


def _uploaded_view(app, create_with_upload, sysadmin, organization, body: bytes):
    dataset = factories.Dataset(owner_org=organization["id"])
    resource = create_with_upload(body, "releases.json", url="releases.json", format="JSON",
                                  package_id=dataset["id"], context={"user": sysadmin["name"]})
    return app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}")  # an anonymous visitor


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("case", ["sum beyond a float", "5000 digits", "float max int"])
def test_the_resource_view_of_a_hostile_file_is_never_a_500(app, create_with_upload, sysadmin, organization, case):
    award = lambda i, v: {"id": f"a{i}", "status": "active", "value": {"amount": v, "currency": "USD"}}  # noqa: E731
    if case == "sum beyond a float":
        body = _body({"releases": [_rel("rv-1", tag=["award"], awards=[award(1, 10 ** 308), award(2, 10 ** 308)])]})
    elif case == "float max int":
        body = _body({"releases": [_rel("rv-1", tag=["award"], awards=[award(1, 10 ** 309)])]})
    else:
        body = _body({"releases": [_rel("rv-1")]}).replace(b'"initiationType"', b'"n": ' + b"9" * 5000 + b', "initiationType"')
    response = _uploaded_view(app, create_with_upload, sysadmin, organization, body)
    assert response.status_code == 200
    assert "9" * 400 not in response.get_data(as_text=True)


# ------------------------------------------------------------------ the connect listener

def _setting(engine) -> str:
    with engine.connect() as connection:
        return connection.execute(sa.text("SHOW default_toast_compression")).scalar()


def _engine(**options):
    return sa.create_engine(tk.config["sqlalchemy.url"], poolclass=sa.pool.NullPool, **options)


def _server_default() -> str:
    with _engine().connect() as connection:
        return connection.execute(sa.text(
            "SELECT boot_val FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()


def test_an_engine_of_another_database_kind_is_left_alone(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("create table t (x text)"))
        connection.execute(sa.text("insert into t values ('a')"))
    with engine.connect() as connection:
        assert connection.execute(sa.text("select x from t")).scalar() == "a"


def test_an_autocommit_engine_gets_the_method_and_leaves_no_transaction_open():
    engine = _engine(isolation_level="AUTOCOMMIT")
    assert _setting(engine) == "lz4"
    raw = engine.raw_connection()
    try:
        assert raw.dbapi_connection.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    finally:
        raw.close()


def test_a_fresh_connection_is_idle_not_in_a_transaction_after_a_refusal(monkeypatch):
    monkeypatch.setattr(toast_compression, "METHODS", toast_compression.METHODS + ("zstd",))
    monkeypatch.setitem(toast_compression._state, "refused", True)  # no warning needed here
    monkeypatch.setitem(tk.config, toast_compression.OPTION, "zstd")
    for options in ({}, {"isolation_level": "AUTOCOMMIT"}, {"isolation_level": "SERIALIZABLE"},
                    {"connect_args": {"options": "-c default_transaction_read_only=on"}}):
        raw = _engine(**options).raw_connection()
        try:
            assert raw.dbapi_connection.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
            cursor = raw.dbapi_connection.cursor()
            cursor.execute("select 1")
            assert cursor.fetchone() == (1,)
        finally:
            raw.close()


def test_with_the_plugin_unloaded_a_new_connection_asks_nothing(monkeypatch):
    monkeypatch.setattr(toast_compression.p, "plugin_loaded", lambda name: False)
    assert _setting(_engine()) == _server_default()


def test_configure_twice_listens_once_and_a_value_with_quotes_never_reaches_sql(monkeypatch):
    """Only a sysadmin's config sets the option (it is not runtime-editable); even so, free text is refused
    at start and never interpolated into the SET."""
    toast_compression.apply()
    toast_compression.apply()
    assert sa.event.contains(sa.engine.Engine, "connect", toast_compression.set_on_connection)
    raw = _engine().raw_connection()  # the SET ran once: one statement of the connection's own, committed
    try:
        assert raw.dbapi_connection.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    finally:
        raw.close()
    monkeypatch.setitem(tk.config, toast_compression.OPTION, "lz4'; DROP TABLE package; --")
    with pytest.raises(tk.ValidationError):
        toast_compression.apply()
    assert _setting(_engine()) == _server_default()
    assert helpers.call_action("package_search")["count"] >= 0  # the table is still there
    assert "ckanext.procurement.db.toast_compression" not in json.dumps(
        helpers.call_action("config_option_list"))

