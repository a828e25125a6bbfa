"""The ocds_lifecycle resource view: OCDS files uploaded to or linked from any
dataset, read on the server, one process rendered at a time."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.resource_view import MAX_MATCHES



def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def release_package(server: DemoServer, indexes) -> dict:
    releases = [r for i in indexes for r in server.system.releases(i)]
    return {"uri": "https://example.com/releases.json", "publishedDate": "2026-01-01T00:00:00Z",
            "publisher": {"name": "City of Springfield"}, "version": "1.1", "releases": releases}


def bulk_dataset(sysadmin, organization, name="city-releases") -> dict:
    return helpers.call_action(
        "package_create", context={"user": sysadmin["name"]}, type="procurement-dataset", name=name,
        title="City contract releases (OCDS)", owner_org=organization["id"], license_id="cc-by",
        lifecycle_stages=["tender", "award", "contract", "implementation"], update_frequency="daily",
        coverage_start_date="2023-01-01", coverage_end_date="2026-12-31",
    )


def view_of(resource_id: str) -> dict:
    views = helpers.call_action("resource_view_list", id=resource_id)
    view = next(v for v in views if v["view_type"] == "ocds_lifecycle")
    return view


def resource_page(app, dataset, resource, status=200, **params) -> BeautifulSoup:
    url = f"/{dataset['type']}/{dataset['name']}/resource/{resource['id']}"
    response = app.get(url, params=params, status=status)
    return BeautifulSoup(response.body, "html.parser")


@pytest.fixture
def server():
    return DemoServer(processes=30, seed=3, hostile=True)


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestUploadedFile:
    INDEXES = (1, 2, 3, 11, 24, 29)

    @pytest.fixture
    def uploaded(self, create_with_upload, sysadmin, organization, server):
        dataset = bulk_dataset(sysadmin, organization)
        data = json.dumps(release_package(server, self.INDEXES))
        resource = create_with_upload(data, "releases.json", url="releases.json", format="JSON",
                                      package_id=dataset["id"], name="All releases", context={"user": sysadmin["name"]})
        assert resource["url_type"] == "upload"
        return dataset, resource

    def test_lists_the_processes_with_a_search_box(self, app, uploaded, server):
        dataset, resource = uploaded
        view = view_of(resource["id"])
        soup = resource_page(app, dataset, resource, view_id=view["id"])
        root = soup.find(class_="procurement-resource-view")
        form = root.find("form")
        assert form["method"] == "get"
        search = form.find("input", attrs={"name": "q"})
        assert soup.find("label", attrs={"for": search["id"]})
        assert form.find("input", attrs={"name": "view_id"})["value"] == view["id"]
        assert "6 contracting processes" in text(root)
        rows = root.select("tr.procurement-view-match")
        assert len(rows) == 6
        assert root.find(id="process-summary") is None  # nothing chosen yet

    def test_search_by_title_then_pick_one(self, app, uploaded, server):
        dataset, resource = uploaded
        view = view_of(resource["id"])
        target = server.system.releases(24)
        title = next(r["tender"]["title"] for r in target if r.get("tender", {}).get("title"))
        soup = resource_page(app, dataset, resource, view_id=view["id"], q=title.split()[0].lower())
        rows = soup.select("tr.procurement-view-match")
        assert rows and all(title.split()[0].lower() in text(r).lower() for r in rows)
        link = next(r.find("a") for r in rows if target[0]["ocid"] in text(r))
        query = parse_qs(urlsplit(link["href"]).query)
        assert query == {"view_id": [view["id"]], "ocid": [target[0]["ocid"]]}
        chosen = resource_page(app, dataset, resource, **{k: v[0] for k, v in query.items()})
        summary = chosen.find("section", id="process-summary")
        assert text(summary.find("h2")) == title
        states = [li["data-state"] for li in chosen.select("ol.procurement-lifecycle > li")]
        assert states == ["done", "done", "done", "done", "current"]
        assert len(chosen.select("#history li.procurement-release")) == len(target)
        assert chosen.select("#amendments li.procurement-amendment")

    def test_search_by_ocid(self, app, uploaded, server):
        dataset, resource = uploaded
        ocid = server.system.releases(29)[0]["ocid"]
        soup = resource_page(app, dataset, resource, q=ocid)
        rows = soup.select("tr.procurement-view-match")
        assert len(rows) == 1 and ocid in text(rows[0])

    def test_unknown_ocid(self, app, uploaded):
        dataset, resource = uploaded
        soup = resource_page(app, dataset, resource, ocid="ocds-nothere-1")
        assert "No contracting process with ocid ocds-nothere-1" in text(soup.find(class_="procurement-error"))

    def test_hostile_text_is_escaped(self, app, uploaded, server):
        dataset, resource = uploaded
        list_body = app.get(f"/procurement-dataset/{dataset['name']}/resource/{resource['id']}").body
        assert "<script>alert" not in list_body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in list_body
        ocid = server.system.releases(3)[0]["ocid"]  # a hostile process
        body = app.get(f"/procurement-dataset/{dataset['name']}/resource/{resource['id']}", params={"ocid": ocid}).body
        assert "<script>alert" not in body
        assert 'href="javascript:' not in body.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_file_with_one_process_shows_it_directly(app, create_with_upload, sysadmin, organization, examples_dir):
    dataset = factories.Dataset(owner_org=organization["id"])
    package = json.loads((examples_dir / "fictional" / "ocds-213czf-000-00001.json").read_text())
    resource = create_with_upload(json.dumps(package), "record.json", url="record.json", format="JSON",
                                  package_id=dataset["id"], context={"user": sysadmin["name"]})
    soup = resource_page(app, dataset, resource)
    root = soup.find(class_="procurement-resource-view")
    assert root.find("form") is None
    assert text(root.find("h2")) == "Planned cycle lane improvements"
    assert root.select_one('li[data-stage="implementation"]')["data-state"] == "current"


def test_a_file_with_an_integer_beyond_64_bits_is_shown(app, create_with_upload, sysadmin, organization, examples_dir):
    """Valid JSON the fast parser can't read: the view reads the file again with the exact one."""
    dataset = factories.Dataset(owner_org=organization["id"])
    package = json.loads((examples_dir / "fictional" / "ocds-213czf-000-00001.json").read_text())
    package["records"][0]["compiledRelease"]["tender"]["numberOfTenderers"] = 123456789012345678901234567890
    resource = create_with_upload(json.dumps(package), "record.json", url="record.json", format="JSON",
                                  package_id=dataset["id"], context={"user": sysadmin["name"]})
    root = resource_page(app, dataset, resource).find(class_="procurement-resource-view")
    assert root.find(class_="procurement-error") is None
    assert text(root.find("h2")) == "Planned cycle lane improvements"


@pytest.mark.usefixtures("clean_db", "clean_index")
class TestUrlResource:
    def test_record_package_fetched_from_a_url(self, app, sysadmin, organization):
        with DemoServer(processes=80, seed=5) as server:
            dataset = bulk_dataset(sysadmin, organization)
            resource = helpers.call_action(
                "resource_create", context={"user": sysadmin["name"]}, package_id=dataset["id"],
                url=f"{server.url}/api/records.json?limit=1000", format="JSON", name="Records")
            soup = resource_page(app, dataset, resource)
            root = soup.find(class_="procurement-resource-view")
            total = int(re.search(r"holds (\d+) contracting processes", text(root)).group(1))
            assert total > MAX_MATCHES
            rows = root.select("tr.procurement-view-match")
            assert len(rows) == MAX_MATCHES
            assert f"the first {MAX_MATCHES} are listed" in text(root.find("caption"))
            link = rows[-1].find("a")
            chosen = resource_page(app, dataset, resource, **{k: v[0] for k, v in parse_qs(urlsplit(link["href"]).query).items()})
            assert chosen.select("ol.procurement-lifecycle > li")
            assert text(chosen.find(id="process-summary").find("h2")) == text(link)

    @pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/releases.json", "gopher://x/releases.json"])
    def test_unsafe_url_refused(self, app, sysadmin, organization, url):
        dataset = factories.Dataset(owner_org=organization["id"])
        resource = helpers.call_action("resource_create", context={"user": sysadmin["name"]},
                                       package_id=dataset["id"], url=url, format="JSON")
        soup = resource_page(app, dataset, resource)
        root = soup.find(class_="procurement-resource-view")
        assert "can't be read by the portal" in text(root.find(class_="procurement-error"))
        assert "root:" not in str(soup)
        assert root.find(id="process-summary") is None

    @pytest.mark.ckan_config("ckanext.procurement.allow_private_addresses", "false")
    def test_private_address_refused_unless_allowed(self, app, sysadmin, organization):
        with DemoServer(processes=3, seed=5) as server:
            dataset = factories.Dataset(owner_org=organization["id"])
            resource = helpers.call_action("resource_create", context={"user": sysadmin["name"]},
                                           package_id=dataset["id"], url=f"{server.url}/api/releases.json", format="JSON")
            soup = resource_page(app, dataset, resource)
            root = soup.find(class_="procurement-resource-view")
            assert "can't be read by the portal" in text(root.find(class_="procurement-error"))
            assert root.find("table") is None

    def test_not_ocds(self, app, sysadmin, organization):
        with DemoServer(processes=3, seed=5) as server:
            dataset = factories.Dataset(owner_org=organization["id"])
            resource = helpers.call_action("resource_create", context={"user": sysadmin["name"]},
                                           package_id=dataset["id"], url=f"{server.url}/", format="JSON")
            soup = resource_page(app, dataset, resource)
            assert soup.find(class_="procurement-error")


def test_can_view():
    from ckanext.procurement.resource_view import OcdsLifecycleView

    view = OcdsLifecycleView()
    assert view.can_view({"resource": {"format": "JSON", "url": "http://x/y"}})
    assert view.can_view({"resource": {"format": "", "url": "http://x/releases.json?page=2"}})
    assert not view.can_view({"resource": {"format": "PDF", "url": "http://x/contract.pdf"}})


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_default_views_go_to_the_resources_a_default_view_can_show_once_each(sysadmin, organization):
    context = {"user": sysadmin["name"]}
    dataset = helpers.call_action("package_create", context=dict(context), name="contract-files", owner_org=organization["id"],
                                  resources=[{"url": "https://example.com/releases.json", "format": "JSON"},
                                             {"url": "https://example.com/contract.pdf", "format": "PDF"}])
    ocds, pdf = dataset["resources"]
    assert [v["view_type"] for v in helpers.call_action("resource_view_list", id=ocds["id"])] == ["ocds_lifecycle"]
    assert helpers.call_action("resource_view_list", id=pdf["id"]) == []

    # saved again, it keeps one view per resource
    updated = helpers.call_action("package_update", context=dict(context), **dataset)
    views = [[v["view_type"] for v in helpers.call_action("resource_view_list", id=r["id"])] for r in updated["resources"]]
    assert views == [["ocds_lifecycle"], []]
