"""Review before publishing (issue #13): a source set to `publish: after_review` fills its
organization's review queue; the organization's editors publish many processes in one request,
or withhold them with a reason; nobody else sees or decides anything of it."""
from __future__ import annotations

import time

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import jobs
from ckan.tests import factories, helpers

from ckanext.procurement.bulk import queue
from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.review import state
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, processes, run_job
from ckanext.procurement.tests.ckan.test_bulk import ocids_by_file, run_worker
from ckanext.procurement.tests.ckan.test_schema import release, save
from ckanext.procurement.tests.ckan.web_session import csrf_token, sign_in

PASSWORD = "correct-horse-battery"
AFTER_REVIEW = {"publish": "after_review"}


@pytest.fixture
def people(clean_db, clean_index, purged_queues, bulk_dir, sysadmin):
    """The city's coordinator (an editor), and an editor of another organization."""
    editor = factories.UserWithToken(password=PASSWORD)
    outsider = factories.UserWithToken(password=PASSWORD)
    city = factories.Organization(title="City of Springfield", users=[
        {"name": sysadmin["name"], "capacity": "admin"}, {"name": editor["name"], "capacity": "editor"}])
    other = factories.Organization(title="Water Board", users=[{"name": outsider["name"], "capacity": "editor"}])
    return {"editor": editor, "outsider": outsider, "city": city, "other": other, "sysadmin": sysadmin}


def _harvest(people, processes_count: int, demo: DemoServer | None = None) -> dict:
    with (demo or DemoServer(processes=processes_count, seed=7)) as server:
        source = create_source(people["sysadmin"]["name"], people["city"]["id"], server.releases_url, config=AFTER_REVIEW)
        report = run_job(source["id"], people["sysadmin"]["name"])
    assert report["stats"].get("added") and not report["gather_errors"], report
    return source


def _as(user: dict | None, action: str, **data):
    return helpers.call_action(action, context={"user": user["name"] if user else "", "ignore_auth": False}, **data)


def _public_names(organization_id: str) -> set[str]:
    result = _as(None, "package_search", fq=f'+dataset_type:contracting-process +owner_org:"{organization_id}"', rows=1000)
    return {row["name"] for row in result["results"]}


def _api(app, action: str, user: dict, **data):
    return app.post(f"/api/action/{action}", json=data, headers={"Authorization": user["token"]})


@pytest.fixture
def waiting(people):
    """Twelve harvested processes waiting for review, and one made private on purpose."""
    source = _harvest(people, 12)
    on_purpose = save(people["sysadmin"], people["city"], [release("ocds-review-onpurpose", title="Kept private on purpose")])
    helpers.call_action("package_patch", context={"user": people["sysadmin"]["name"]}, id=on_purpose["package"]["id"], private=True)
    rows = processes(f'+owner_org:"{people["city"]["id"]}" +review_status:pending')["results"]
    assert len(rows) == 12 and all(row["private"] for row in rows)
    return dict(people, source=source, names=sorted(row["name"] for row in rows),
                ids={row["name"]: row["id"] for row in rows}, on_purpose=on_purpose["package"]["id"])


# ---------------------------------------------------------------- who may review


def test_an_editor_of_another_organization_sees_and_publishes_nothing(app, waiting):
    outsider, city, first = waiting["outsider"], waiting["city"], waiting["names"][0]
    with pytest.raises(tk.NotAuthorized):
        _as(outsider, "procurement_review_list", owner_org=city["name"])
    with pytest.raises(tk.NotAuthorized) as single:
        _as(outsider, "procurement_review_publish", ids=[first])
    # the outsider's own process alongside: the whole request is refused, nothing published
    own = save(outsider, waiting["other"], [release("ocds-review-other", title="Water mains")], private=True)["package"]
    with pytest.raises(tk.NotAuthorized) as refused:
        _as(outsider, "procurement_review_publish", ids=[own["id"], first])
    assert first in str(refused.value) and own["id"] not in str(refused.value)
    with pytest.raises(tk.NotAuthorized):
        _as(outsider, "procurement_review_withhold", ids=[first], reason="mine now")
    # an unknown name is refused the same way: the answer doesn't tell which processes exist
    with pytest.raises(tk.NotAuthorized) as unknown:
        _as(outsider, "procurement_review_publish", ids=["ocds-nothing-here"])
    assert str(unknown.value) == str(single.value).replace(first, "ocds-nothing-here")
    model.Session.remove()
    assert _public_names(city["id"]) == set()
    assert helpers.call_action("package_show", id=own["id"])["private"] is True

    # over HTTP: the page, the form and the API refuse, naming no process
    client = sign_in(app, outsider["name"], PASSWORD)
    page = client.get(f"/procurement-review/{city['name']}")
    assert page.status_code == 403
    body = page.get_data(as_text=True)
    assert not any(name in body for name in waiting["names"])
    assert client.get("/procurement-review/no-such-organization").status_code == 404
    assert app.get(f"/procurement-review/{city['name']}").status_code == 403  # anonymous
    token = csrf_token(client.get("/dataset/").get_data(as_text=True))
    posted = client.post(f"/procurement-review/{city['name']}", data={
        "_csrf_token": token, "ids": waiting["ids"][first], "decision": "publish"})
    assert posted.status_code == 403
    assert _api(app, "procurement_review_publish", outsider, ids=[waiting["ids"][first]]).status_code == 403
    # the organization page and the quality page show the queue to its editors only
    assert "/procurement-review/" not in client.get(f"/organization/{city['name']}").get_data(as_text=True)
    editor = sign_in(app, waiting["editor"]["name"], PASSWORD)
    organization_page = editor.get(f"/organization/{city['name']}").get_data(as_text=True)
    assert f"/procurement-review/{city['name']}" in organization_page and "Review (12 waiting)" in organization_page
    quality_page = editor.get(f"/publication-quality/{city['name']}").get_data(as_text=True)
    assert "12 processes waiting for review" in quality_page
    model.Session.remove()
    assert _public_names(city["id"]) == set()


def test_review_fields_cannot_be_forged_through_package_update(waiting):
    editor, first = waiting["editor"], waiting["names"][0]
    context = {"user": editor["name"]}
    helpers.call_action("package_patch", context=dict(context), id=first, review_status="published", reviewed_by="someone")
    shown = helpers.call_action("package_show", id=first)
    assert shown["review_status"] == "pending" and shown["private"] is True and "reviewed_by" not in shown
    created = helpers.call_action("package_create", context=dict(context), type="contracting-process", name="forged-review",
                                  ocid="ocds-review-forged", title="Forged", owner_org=waiting["city"]["id"],
                                  private=True, review_status="withheld", review_reason="forged")
    assert "review_status" not in created and "review_reason" not in created
    # making a waiting process public by an ordinary edit publishes it: it leaves the queue for good
    helpers.call_action("package_patch", context=dict(context), id=first, private=False)
    assert helpers.call_action("package_show", id=first)["review_status"] == "published"


# ---------------------------------------------------------------- publishing


def test_publishing_200_at_once_is_one_request_and_each_becomes_visible_to_anyone(app, people):
    city, editor = people["city"], people["editor"]
    _harvest(people, 200)
    queued = _as(editor, "procurement_review_list", owner_org=city["name"], rows=200)
    assert queued["count"] == queued["waiting"] == 200 and queued["withheld"] == 0
    ids = [row["id"] for row in queued["results"]]
    assert _public_names(city["id"]) == set()
    assert app.get("/api/ocds/records").json["records"] == []
    queue.forget()
    jobs.get_queue().empty()

    started = time.monotonic()
    response = _api(app, "procurement_review_publish", editor, ids=ids)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.get_data(as_text=True)
    assert sorted(response.json["result"]["published"]) == sorted(ids)
    print(f"published 200 processes in one request: {elapsed:.1f} s")

    model.Session.remove()
    names = {row["name"] for row in queued["results"]}
    assert _public_names(city["id"]) == names  # the search index followed, for anonymous visitors
    for name in sorted(names)[:5]:
        assert app.get(f"/contracting-process/{name}").status_code == 200
    assert app.get("/api/ocds/records?limit=1").json["count"] == 200
    ocid = queued["results"][0]["ocid"]
    assert app.get(f"/api/ocds/records/{ocid}").status_code == 200
    run_worker()  # the bulk regeneration the decision asked for
    assert len(set(ocids_by_file(city["id"])["compiled-releases.jsonl.gz"])) == 200
    # recorded in the activity stream: who, when
    activity = helpers.call_action("package_activity_list", id=ids[0])[0]
    assert activity["activity_type"] == "changed package" and activity["user_id"] == editor["id"]
    assert activity["data"]["package"]["private"] is False
    shown = helpers.call_action("package_show", id=ids[0])
    assert shown["review_status"] == "published" and shown["reviewed_by"] == editor["name"] and shown["reviewed_at"]
    assert _as(editor, "procurement_review_list", owner_org=city["name"])["waiting"] == 0
    # publishing them again changes nothing and says so
    again = _as(editor, "procurement_review_publish", ids=ids[:3])
    assert again == {"published": [], "unchanged": again["unchanged"]} and len(again["unchanged"]) == 3


def test_a_process_made_private_on_purpose_is_not_published_by_review(waiting):
    with pytest.raises(tk.ValidationError) as refused:
        _as(waiting["editor"], "procurement_review_publish", ids=[waiting["names"][0], waiting["on_purpose"]])
    assert "ids" in refused.value.error_dict and "Not waiting for review" in str(refused.value.error_dict)
    model.Session.remove()
    assert _public_names(waiting["city"]["id"]) == set()  # not even the one waiting: all or nothing
    # a process withdrawn while it waited stays withdrawn
    withdrawn = waiting["names"][-1]
    helpers.call_action("package_delete", context={"user": waiting["editor"]["name"]}, id=withdrawn)
    with pytest.raises(tk.ValidationError):
        _as(waiting["editor"], "procurement_review_publish", ids=[withdrawn])
    with pytest.raises(tk.ValidationError):
        _as(waiting["editor"], "procurement_review_withhold", ids=[withdrawn], reason="gone")
    model.Session.remove()
    shown = helpers.call_action("package_show", id=withdrawn)
    assert shown["state"] == "deleted" and shown["private"] is True and shown["review_status"] == "pending"


def test_withheld_stays_invisible_everywhere_with_its_reason(app, waiting):
    editor, city = waiting["editor"], waiting["city"]
    kept, published = waiting["names"][:2], waiting["names"][2:]
    with pytest.raises(tk.ValidationError) as no_reason:
        _as(editor, "procurement_review_withhold", ids=kept, reason="  ")
    assert "reason" in no_reason.value.error_dict
    done = _as(editor, "procurement_review_withhold", ids=kept, reason="Ongoing police investigation")
    assert len(done["withheld"]) == 2
    _as(editor, "procurement_review_publish", ids=published)
    model.Session.remove()
    run_worker()

    assert _public_names(city["id"]) == set(published)
    for name in kept:
        shown = helpers.call_action("package_show", id=name)
        assert shown["private"] is True and shown["review_status"] == "withheld"
        assert shown["review_reason"] == "Ongoing police investigation" and shown["reviewed_by"] == editor["name"]
        assert app.get(f"/contracting-process/{name}").status_code == 404
        assert app.get(f"/api/ocds/records/{shown['ocid']}").status_code == 404
    files = ocids_by_file(city["id"])["compiled-releases.jsonl.gz"]
    kept_ocids = {helpers.call_action("package_show", id=name)["ocid"] for name in kept}
    assert len(files) == len(published) and not kept_ocids & set(files)
    # the queue's withheld tab shows the reason to the editors
    queued = _as(editor, "procurement_review_list", owner_org=city["name"], status="withheld")
    assert {row["name"] for row in queued["results"]} == set(kept) and queued["waiting"] == 0
    page = sign_in(app, editor["name"], PASSWORD).get(f"/procurement-review/{city['name']}?status=withheld")
    assert page.status_code == 200 and "Ongoing police investigation" in page.get_data(as_text=True)


def test_later_harvested_updates_of_a_published_process_go_live(people):
    city, editor = people["city"], people["editor"]
    with DemoServer(processes=6, seed=7) as demo:
        source = create_source(people["sysadmin"]["name"], city["id"], demo.releases_url, config=AFTER_REVIEW)
        run_job(source["id"], people["sysadmin"]["name"])
        rows = processes(f'+owner_org:"{city["id"]}"', sort="name asc")["results"]
        published, pending = rows[0], rows[1]
        _as(editor, "procurement_review_publish", ids=[published["id"]])
        demo.change(published["ocid"])
        demo.change(pending["ocid"])
        report = run_job(source["id"], people["sysadmin"]["name"])
    assert report["stats"].get("updated", 0) >= 2, report["stats"]
    model.Session.remove()
    after = {name: helpers.call_action("package_show", id=name) for name in (published["name"], pending["name"])}
    assert after[published["name"]]["private"] is False and after[published["name"]]["review_status"] == "published"
    assert after[published["name"]]["metadata_modified"] > published["metadata_modified"]
    assert after[pending["name"]]["private"] is True and after[pending["name"]]["review_status"] == "pending"
    assert _public_names(city["id"]) == {published["name"]}


# ---------------------------------------------------------------- the form


def test_the_form_publishes_with_its_csrf_token_and_never_otherwise(app, waiting):
    editor, city = waiting["editor"], waiting["city"]
    client = sign_in(app, editor["name"], PASSWORD)
    url = f"/procurement-review/{city['name']}"
    first, second = waiting["names"][:2]
    # a GET never decides, whatever it carries
    page = client.get(f"{url}?decision=publish&ids={waiting['ids'][first]}&all_on_page=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(name in html for name in waiting["names"]) and "Kept private on purpose" not in html
    # a POST without the CSRF token (another site's form) is refused
    forged = client.post(url, data={"ids": waiting["ids"][first], "decision": "publish"},
                         headers={"Origin": "http://attacker.example"})
    assert forged.status_code in (400, 403)
    model.Session.remove()
    assert _public_names(city["id"]) == set()
    # the page's own form: one process, then "all on this page" with a filter kept
    token = csrf_token(html)
    done = client.post(url, data={"_csrf_token": token, "ids": waiting["ids"][first], "decision": "publish"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"].endswith(url)
    model.Session.remove()
    assert _public_names(city["id"]) == {first}
    shown = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "1 process published." in shown and first not in shown
    rest = [waiting["ids"][name] for name in waiting["names"][1:]]
    done = client.post(url, data={"_csrf_token": token, "all_on_page": "1", "page_ids": rest, "decision": "withhold",
                                  "reason": "Awaiting legal advice"}, follow_redirects=False)
    assert done.status_code == 303
    model.Session.remove()
    assert helpers.call_action("package_show", id=second)["review_status"] == "withheld"
    assert _public_names(city["id"]) == {first}


def test_bad_queue_filters_are_named(waiting):
    editor, city = waiting["editor"], waiting["city"]
    with pytest.raises(tk.ValidationError) as error:
        _as(editor, "procurement_review_list", owner_org=city["name"], date_from="yesterday", rows=5000, status="maybe")
    assert set(error.value.error_dict) == {"date_from", "rows", "status"}
    stage = processes(f'+owner_org:"{city["id"]}" +review_status:pending')["results"][0]["stage"]
    filtered = _as(editor, "procurement_review_list", owner_org=city["name"], stage=stage, rows=5, date_from="2000-01-01")
    assert filtered["count"] >= 1 and all(row["stage"] == stage for row in filtered["results"])
    assert _as(editor, "procurement_review_list", owner_org=city["name"], date_to="2000-01-01")["count"] == 0
