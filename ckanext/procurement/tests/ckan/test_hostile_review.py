"""Hostile tests of the review queue (branch `review`, issue #13): an editor of another
organization, a member (not editor) of the same organization and an anonymous visitor try
to publish or withhold processes that are not theirs to decide, forge the review state
through the ordinary package actions, or learn of processes waiting for review.

Tests marked xfail(strict=True) reproduce a defect: they fail today and pass once fixed."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

from ckanext.procurement.review import logic as review_logic
from ckanext.procurement.tests.ckan.test_schema import release, save
from ckanext.procurement.tests.ckan.web_session import csrf_token, sign_in

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "purged_queues")
PASSWORD = "correct-horse-battery"


@pytest.fixture
def town():
    """A city with an editor and a member (not editor), and another organization with a hostile editor;
    three processes of the city waiting for review (saved private, as an after_review harvest saves them)."""
    editor = factories.UserWithToken(password=PASSWORD)
    member = factories.UserWithToken(password=PASSWORD)
    outsider = factories.UserWithToken(password=PASSWORD)
    city = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"},
                                         {"name": member["name"], "capacity": "member"}])
    other = factories.Organization(users=[{"name": outsider["name"], "capacity": "editor"}])
    pending = [save(editor, city, [release(f"ocds-h3rev-{n}", title=f"Secret tender {n}")], private=True)["package"]
               for n in range(3)]
    for package in pending:
        assert helpers.call_action("package_show", id=package["id"])["review_status"] == "pending"
    return {"editor": editor, "member": member, "outsider": outsider, "city": city, "other": other, "pending": pending}


def _as(user: dict | None, action: str, **data):
    return helpers.call_action(action, context={"user": user["name"] if user else "", "ignore_auth": False}, **data)


def _api(app, action: str, user: dict | None, **data):
    headers = {"Authorization": user["token"]} if user else {}
    return app.post(f"/api/action/{action}", json=data, headers=headers)


def _shown(package_id: str) -> dict:
    model.Session.remove()
    return helpers.call_action("package_show", id=package_id)


# ---------------------------------------------------------------- who may decide


def test_a_member_who_is_not_an_editor_neither_lists_nor_decides(app, town):
    member, city, first = town["member"], town["city"], town["pending"][0]
    with pytest.raises(tk.NotAuthorized):
        _as(member, "procurement_review_list", owner_org=city["id"])
    with pytest.raises(tk.NotAuthorized):
        _as(member, "procurement_review_publish", ids=[first["id"]])
    with pytest.raises(tk.NotAuthorized):
        _as(member, "procurement_review_withhold", ids=[first["name"]], reason="mine")
    client = sign_in(app, member["name"], PASSWORD)
    assert client.get(f"/procurement-review/{city['name']}").status_code == 403
    token = csrf_token(client.get("/dataset/").get_data(as_text=True))
    assert client.post(f"/procurement-review/{city['name']}", data={
        "_csrf_token": token, "ids": first["id"], "decision": "publish"}).status_code == 403
    assert _shown(first["id"])["private"] is True


def test_anonymous_and_outsiders_decide_nothing_through_the_api(app, town):
    city, outsider, first = town["city"], town["outsider"], town["pending"][0]
    for user in (None, outsider):
        assert _api(app, "procurement_review_publish", user, ids=[first["id"]]).status_code == 403
        assert _api(app, "procurement_review_withhold", user, ids=[first["name"]], reason="x").status_code == 403
        assert _api(app, "procurement_review_list", user, owner_org=city["name"]).status_code == 403
    # the outsider hides the victim's id behind one of their own processes, a duplicate and a name
    own = save(outsider, town["other"], [release("ocds-h3rev-own", title="Own")], private=True)["package"]
    assert _api(app, "procurement_review_publish", outsider, ids=[own["id"], own["name"], first["name"], own["id"]]).status_code == 403
    assert _shown(first["id"])["private"] is True and _shown(own["id"])["private"] is True


def test_bad_id_lists_are_400_not_500(app, town):
    editor = town["editor"]
    too_many = [town["pending"][0]["id"]] * (review_logic.MAX_IDS + 1)
    for ids in (too_many, [], [123], [None], {"a": 1}, ["\x00"], [""], [["nested"]]):
        response = _api(app, "procurement_review_publish", editor, ids=ids)
        assert response.status_code in (400, 409), (ids if not isinstance(ids, list) else ids[:3], response.status_code)
    response = _api(app, "procurement_review_withhold", editor, ids=[town["pending"][0]["id"]], reason="x" * 100_000)
    assert response.status_code in (400, 409)
    response = _api(app, "procurement_review_list", editor, owner_org=town["city"]["name"], rows=10**9)
    assert response.status_code in (400, 409)
    response = _api(app, "procurement_review_list", editor, owner_org=town["city"]["name"], buyer_name='") OR *:* OR ("')
    assert response.status_code == 200 and response.json["result"]["count"] == 0
    assert all(_shown(p["id"])["private"] for p in town["pending"])


def test_other_dataset_types_are_not_reviewed(app, town, sysadmin):
    editor, city = town["editor"], town["city"]
    source = helpers.call_action("harvest_source_create", context={"user": sysadmin["name"]}, name="h3-source",
                                 url="http://127.0.0.1:9/feed.json", source_type="ocds", owner_org=city["id"],
                                 config='{"publish": "after_review"}')
    response = _api(app, "procurement_review_publish", editor, ids=[source["id"]])
    assert response.status_code in (403, 404, 409)


# ---------------------------------------------------------------- forging the review state


def test_the_review_state_cannot_be_forged_by_create_patch_or_save(town):
    editor, outsider, city, other = town["editor"], town["outsider"], town["city"], town["other"]
    # package_create with review fields: they are not stored
    created = _as(outsider, "package_create", type="contracting-process", name="h3-forged", title="Forged", ocid="ocds-h3rev-forged",
                  owner_org=other["id"], private=True, review_status="published", reviewed_by=editor["name"],
                  reviewed_at="2020-01-01T00:00:00", review_reason="none")
    shown = _shown(created["id"])
    assert not shown.get("review_status") and not shown.get("reviewed_by") and not shown.get("review_reason")
    # package_patch of a pending process, keeping it private: the decision can't be written
    first = town["pending"][0]
    _as(editor, "package_patch", id=first["id"], review_status="withheld", review_reason="forged",
        reviewed_by="somebody-else", reviewed_at="1999-01-01T00:00:00")
    shown = _shown(first["id"])
    assert shown["review_status"] == "pending" and not shown.get("review_reason") and not shown.get("reviewed_by")
    # procurement_process_save with review fields: refused or ignored
    try:
        save(editor, city, [release("ocds-h3rev-forge", title="Forged")], private=True,
             review_status="published", reviewed_by="somebody-else")
    except tk.ValidationError:
        pass
    else:
        package = model.Package.by_name(helpers.call_action("package_search", fq='ocid:"ocds-h3rev-forge"',
                                                             include_private=True)["results"][0]["name"])
        shown = _shown(package.id)
        assert shown["review_status"] == "pending" and not shown.get("reviewed_by")


def test_bulk_make_public_marks_the_processes_published(town):
    city = town["city"]
    editor = factories.User()  # CKAN lets an organization's admins (not its editors) use the bulk actions
    helpers.call_action("organization_member_create", id=city["id"], username=editor["name"], role="admin")
    ids = [p["id"] for p in town["pending"][:2]]
    _as(editor, "bulk_update_public", datasets=ids, org_id=city["id"])
    for package_id in ids:
        shown = _shown(package_id)
        assert shown["private"] is False
        assert shown.get("review_status") != "pending", "public, yet still 'pending'"
        assert shown["review_status"] == "published" and shown["reviewed_by"] == editor["name"] and shown["reviewed_at"]
    # made private again by hand: private on purpose, not back in the queue
    _as(editor, "bulk_update_private", datasets=ids, org_id=city["id"])
    queue = _as(editor, "procurement_review_list", owner_org=city["id"])
    assert {p["id"] for p in queue["results"]} == {town["pending"][2]["id"]}


# ---------------------------------------------------------------- withdrawn processes


def test_a_withdrawn_process_is_not_published_by_review(town):
    editor, first = town["editor"], town["pending"][0]
    _as(editor, "package_delete", id=first["id"])
    assert model.Package.get(first["id"]).state == "deleted"
    with pytest.raises((tk.ValidationError, tk.ObjectNotFound)):
        _as(editor, "procurement_review_publish", ids=[first["id"]])
    model.Session.remove()
    assert model.Package.get(first["id"]).private is True


def test_a_withdrawn_process_is_not_withheld_by_review(town):
    editor, first = town["editor"], town["pending"][0]
    _as(editor, "package_delete", id=first["id"])
    with pytest.raises((tk.ValidationError, tk.ObjectNotFound)):
        _as(editor, "procurement_review_withhold", ids=[first["id"]], reason="gone anyway")


# ---------------------------------------------------------------- what others learn


def test_nobody_else_learns_of_processes_waiting_or_withheld(app, town):
    editor, outsider, city = town["editor"], town["outsider"], town["city"]
    kept = town["pending"][0]
    _as(editor, "procurement_review_withhold", ids=[kept["id"]], reason="Police investigation 4471")
    _as(editor, "procurement_review_publish", ids=[town["pending"][1]["id"]])
    model.Session.remove()
    for user in (None, outsider):
        found = _as(user, "package_search", fq="review_status:(withheld OR pending)", include_private=True,
                    **{"facet.field": '["review_status", "review_reason"]'})
        assert found["count"] == 0, [(r["name"], r["private"], r.get("review_status"), r["title"]) for r in found["results"]]
        facets = found["search_facets"]
        assert not facets.get("review_status", {}).get("items") or all(
            i["name"] == "published" for i in facets["review_status"]["items"])
        assert not any("4471" in i["name"] for i in facets.get("review_reason", {}).get("items", []))
        found = _as(user, "package_search", q="Police investigation 4471", include_private=True)
        assert found["count"] == 0
    # pages, OCDS API, data.json, feeds: nothing of the withheld or the pending one
    shown = helpers.call_action("package_show", id=kept["id"])
    waiting = helpers.call_action("package_show", id=town["pending"][2]["id"])
    client = sign_in(app, outsider["name"], PASSWORD)
    for who in (app, client):
        for url in ("/api/ocds/releases", "/api/ocds/records", f"/api/ocds/records/{shown['ocid']}",
                    f"/api/ocds/records/{waiting['ocid']}", "/data.json", "/dataset/", "/contracting-process/",
                    f"/organization/{city['name']}", "/feeds/dataset.atom", f"/feeds/organization/{city['name']}.atom",
                    f"/contracting-process/{kept['name']}", f"/dataset/activity/{kept['name']}"):
            response = who.get(url)
            assert response.status_code < 500, url
            body = response.get_data(as_text=True)
            for leaked in ("Secret tender 0", "Secret tender 2", shown["ocid"], waiting["ocid"], "4471"):
                assert leaked in url or leaked not in body, (url, leaked)  # a 404 may repeat what was asked
            if "/records/" in url or kept["name"] in url:
                assert response.status_code in (403, 404), url
    page = client.get(f"/procurement-review/{city['name']}?status=withheld").get_data(as_text=True)
    assert "4471" not in page and "Secret tender" not in page


def test_publishing_leaves_an_activity_by_the_reviewer_without_withheld_values(app, town):
    editor = town["editor"]
    package = save(editor, town["city"], [release("ocds-h3rev-redacted", title="Redacted one",
                                                   tender={"value": {"amount": 987654.32, "currency": "EUR"}})],
                   private=True, redact_paths=["tender/value"], redaction_reason="Commercially sensitive")["package"]
    _as(editor, "procurement_review_publish", ids=[package["id"]])
    model.Session.remove()
    activities = helpers.call_action("package_activity_list", id=package["id"])
    assert activities[0]["activity_type"] == "changed package" and activities[0]["user_id"] == editor["id"]
    for url in (f"/dataset/activity/{package['name']}", f"/api/action/package_activity_list?id={package['id']}",
                f"/api/action/package_show?id={package['id']}", f"/api/ocds/records/ocds-h3rev-redacted"):
        body = app.get(url).get_data(as_text=True)
        assert "987654" not in body and "987,654" not in body, url


def test_anonymous_visitors_do_not_learn_who_reviewed(app, town):
    editor, first = town["editor"], town["pending"][0]
    _as(editor, "procurement_review_publish", ids=[first["id"]])
    model.Session.remove()
    shown = app.get(f"/api/action/package_show?id={first['id']}").json["result"]
    assert editor["name"] not in str(shown.get("reviewed_by") or "")
    found = app.get(f"/api/action/package_search?fq=reviewed_by:{editor['name']}").json["result"]
    assert found["count"] == 0
    found = app.get(f"/api/action/package_search?q=name:{first['name']}").json["result"]
    assert found["count"] == 1 and "reviewed_by" not in found["results"][0]
    # nor the copies of the dataset the index stores, which anyone may ask for
    for copy in ("validated_data_dict", "data_dict"):
        stored = app.get(f"/api/action/package_search?q=name:{first['name']}&fl={copy}").json["result"]["results"]
        assert stored and editor["name"] not in str(stored), copy
    # the organization's editors still see who decided, on the process and in the queue
    assert _as(editor, "package_show", id=first["id"])["reviewed_by"] == editor["name"]
    kept = town["pending"][1]
    _as(editor, "procurement_review_withhold", ids=[kept["id"]], reason="Police investigation 4471")
    queue = _as(editor, "procurement_review_list", owner_org=town["city"]["id"], status="withheld")
    assert [(p["reviewed_by"], p["review_reason"]) for p in queue["results"]] == [(editor["name"], "Police investigation 4471")]


def test_odd_owner_org_of_the_queue_is_not_a_500(app, town):
    editor = town["editor"]
    for owner_org in (["a", "b"], {"id": town["city"]["id"]}, 5, "x" * 5000):
        response = _api(app, "procurement_review_list", editor, owner_org=owner_org)
        assert response.status_code in (400, 403, 404, 409), (owner_org if not isinstance(owner_org, str) else owner_org[:10],
                                                                 response.status_code)
    client = sign_in(app, editor["name"], PASSWORD)
    assert client.get("/procurement-review/%00").status_code in (400, 404)
    assert client.get(f"/procurement-review/{town['city']['name']}?status=published").status_code == 400
    assert client.get(f"/procurement-review/{town['city']['name']}?date_from=2026-13-45").status_code == 400
    assert client.get(f"/procurement-review/{town['city']['name']}?page=-1").status_code in (200, 400)
    assert client.get(f"/procurement-review/{town['city']['name']}?buyer_name=%00").status_code == 400


def test_an_owner_org_with_a_nul_character_is_not_a_500(app, town):
    response = _api(app, "procurement_review_list", town["editor"], owner_org="\x00")
    assert response.status_code in (400, 403, 404, 409), response.status_code
