"""Bulk downloads: after a harvest, every file of every publisher and of the portal is written in the
background (CKAN's job queue and worker), valid OCDS, public processes only, served with HTTP caching
and ranges, and the coordinator's dataset edits survive regeneration."""
from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import jobs
from ckan.tests import factories, helpers

from ckanext.procurement.bulk import datasets, flatten, queue, regenerate, storage, writers
from ckanext.procurement.bulk.storage import PORTAL
from ckanext.procurement.demo.server import DemoServer
from ckanext.procurement.ocds import packages, schema as ocds_schema
from ckanext.procurement.tests.ckan.harvest_helpers import create_source, run_job
from ckanext.procurement.tests.ckan.test_redaction import EMAILS
from ckanext.procurement.tests.ckan.test_schema import fictional_releases, release, save

PRIVATE_TITLE = "Waiting for review: salt domes"
WITHDRAWN_TITLE = "Withdrawn: snow ploughs"
ELSEWHERE_TITLE = "Another publisher's bridge repair"


def run_worker() -> None:
    """CKAN's job worker (`ckan jobs worker`), in burst mode: every queued job, each in a forked process."""
    jobs.Worker().work(burst=True)


def unzipped(path) -> bytes:
    with gzip.open(path, "rb") as opened:
        return opened.read()


def file_text(path) -> str:
    """What a bulk file holds, as text, whatever its format (gzip JSON, zip of CSV tables, XLSX, CSV)."""
    if path.name.endswith(".gz"):
        return unzipped(path).decode()
    if path.suffix in (".zip", ".xlsx"):  # an XLSX is a zip of XML parts
        with zipfile.ZipFile(path) as archive:
            return "".join(archive.read(name).decode() for name in archive.namelist())
    return path.read_text()


def public_ocids(organization_id: str | None = None) -> set[str]:
    """What anyone finds in search (an anonymous package_search)."""
    fq = "+dataset_type:contracting-process" + (f' +owner_org:"{organization_id}"' if organization_id else "")
    result = helpers.call_action("package_search", context={"user": ""}, fq=fq, rows=1000)
    assert result["count"] == len(result["results"])
    return {row["ocid"] for row in result["results"]}


def ocids_by_file(scope: str) -> dict[str, list[str]]:
    """Each file's processes (an ocid once per process in JSON Lines and record packages, per release in
    release packages), each package checked against the OCDS 1.1.5 package schemas on the way."""
    found = {}
    for entry in storage.read_manifest(scope)["files"]:
        if not entry["name"].endswith(".gz"):
            continue  # the flattened tables: tests/ckan/test_search_download.py and test_flatten.py
        data = unzipped(storage.scope_directory(scope) / entry["name"])
        if entry["kind"] == "compiled-releases":
            found[entry["name"]] = [json.loads(line)["ocid"] for line in data.decode().splitlines()]
        elif entry["kind"] in ("release-package", "record-package"):
            package = json.loads(data)
            kind = "release" if entry["kind"] == "release-package" else "record"
            errors = [error.message for error in packages.validator(kind).iter_errors(package)]
            assert errors == [], (entry["name"], errors[:5])
            found[entry["name"]] = [item["ocid"] for item in package[f"{kind}s"]]
    return found


def all_text(scope: str) -> str:
    return "".join(file_text(storage.scope_directory(scope) / entry["name"]) for entry in storage.read_manifest(scope)["files"])


@pytest.fixture
def harvested(clean_db, clean_index, purged_queues, bulk_dir, sysadmin, organization, examples_dir):
    """The demo purchasing system harvested, plus a redacted, a private and a withdrawn process
    (saved through the API) and another publisher's process."""
    with DemoServer(processes=12, seed=7) as demo:
        source = create_source(sysadmin["name"], organization["id"], demo.releases_url)
        report = run_job(source["id"], sysadmin["name"])
    assert report["stats"].get("added") and not report["gather_errors"]
    save(sysadmin, organization, fictional_releases(examples_dir), redact_paths=["parties/contactPoint/email"])
    save(sysadmin, organization, [release("ocds-bulk-private", title=PRIVATE_TITLE)], private=True)
    withdrawn = save(sysadmin, organization, [release("ocds-bulk-withdrawn", title=WITHDRAWN_TITLE)])
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=withdrawn["package"]["id"])
    other = factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}], title="Water Board")
    save(sysadmin, other, [release("ocds-bulk-elsewhere", title=ELSEWHERE_TITLE, date="2023-03-01T00:00:00Z")])
    return {"organization": organization, "other": other}


def test_after_a_harvest_the_worker_writes_every_file_valid_and_public_only(app, harvested):
    organization, other = harvested["organization"], harvested["other"]
    # the saves asked for one job per scope, not one per process
    assert sorted(job.args[0] for job in jobs.get_queue().jobs) == sorted([organization["id"], other["id"], PORTAL])
    run_worker()
    assert jobs.get_queue().count == 0

    for scope, expected in ((organization["id"], public_ocids(organization["id"])),
                            (other["id"], public_ocids(other["id"])), (PORTAL, public_ocids())):
        files = ocids_by_file(scope)
        names = set(files)
        assert {"compiled-releases.jsonl.gz", "record-package.json.gz"} <= names
        assert any(name.startswith("release-package-") for name in names)
        assert any(name.startswith("compiled-releases-") for name in names)
        # each process once in the all-years file, the per-year files and the record package
        assert sorted(files["compiled-releases.jsonl.gz"]) == sorted(expected)
        assert sorted(files["record-package.json.gz"]) == sorted(expected)
        by_year = [ocid for name, ocids in files.items() if name.startswith("compiled-releases-") for ocid in ocids]
        assert sorted(by_year) == sorted(expected)
        releases = {ocid for name, ocids in files.items() if name.startswith("release-package-") for ocid in ocids}
        assert releases == expected
        text = all_text(scope)
        for hidden in (EMAILS[0], PRIVATE_TITLE, WITHDRAWN_TITLE, "ocds-bulk-private", "ocds-bulk-withdrawn"):
            assert hidden not in text, (scope, hidden)
    assert ELSEWHERE_TITLE in all_text(PORTAL) and ELSEWHERE_TITLE not in all_text(organization["id"])
    assert "01234 345 346" in all_text(PORTAL)  # the redacted process is there, without the withheld email

    # the datasets: one per publisher and one for the portal, their resources the files
    for scope, owner in ((organization["id"], organization["id"]), (other["id"], other["id"]),
                         (PORTAL, organization["id"])):  # the oldest publisher owns the portal's
        dataset = helpers.call_action("package_show", id=datasets.dataset_id(scope))
        assert dataset["type"] == "procurement-dataset" and dataset["owner_org"] == owner
        assert dataset["license_id"] == "cc-by" and dataset["update_frequency"] == "irregular"
        assert dataset["lifecycle_stages"] and dataset["coverage_start_date"] <= dataset["coverage_end_date"]
        manifest = storage.read_manifest(scope)["files"]
        *files, api = dataset["resources"]
        assert [r["url"].rsplit("/", 1)[1] for r in files] == [f["name"] for f in manifest]
        assert api["url"].endswith("/api/ocds/openapi.json") and api["format"] == "OpenAPI"
        assert app.get(api["url"].replace("http://test.ckan.net", "")).json["openapi"].startswith("3.")
        assert {entry["name"] for entry in manifest} >= {"flat-csv.zip", "flat.xlsx", "data-dictionary.csv"}
        for resource, entry in zip(files, manifest):
            assert resource["size"] == entry["size"] == (storage.scope_directory(scope) / entry["name"]).stat().st_size
            assert (resource["mimetype"], resource["format"]) in (
                ("application/gzip", "JSON"), ("application/gzip", "JSONL"), ("application/zip", "ZIP"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"), ("text/csv", "CSV")), resource
            assert resource["last_modified"] and resource["name"] and "contracting process" in resource["description"]
            response = app.get(resource["url"].replace("http://test.ckan.net", ""))
            assert response.status_code == 200 and len(response.data) == entry["size"]
    assert public_ocids() == set(ocids_by_file(PORTAL)["compiled-releases.jsonl.gz"])
    # the same job brought the publication quality figures up to date, and they know of the bulk files
    figures = helpers.call_action("procurement_quality_show", owner_org=organization["id"])
    assert figures["computed_at"] and figures["processes"] == len(public_ocids(organization["id"]))
    bulk_rung = [c for rung in figures["maturity"]["rungs"] for c in rung["criteria"] if c["name"] == "bulk_downloads"]
    assert bulk_rung and all(c["met"] for c in bulk_rung), bulk_rung


def test_ocps_validator_finds_no_error_in_a_release_package_offline(harvested, monkeypatch):
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    regenerate.generate(PORTAL)
    name = next(f["name"] for f in storage.read_manifest(PORTAL)["files"] if f["kind"] == "release-package")
    package = json.loads(unzipped(storage.scope_directory(PORTAL) / name))
    # the demo's packages declare OCDS extensions, and so do the portal's; libcoveocds would download
    # them (and the schema they patch): offline, it checks the data against the core schema alone
    assert package.pop("extensions") != []
    # any request to the network fails: the validator reads the shipped 1.1.5 schema and codelists
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    config = LibCoveOCDSConfig({"standard_zip": _standard_zip(), "context": "api"})
    result = ocds_json_output("", schema_version="1.1", json_data=package, lib_cove_ocds_config=config)
    assert result["validation_errors"] == []
    assert result["count"] == len(package["releases"]) > 0  # it did read the releases
    # and it is not blind: a release without a valid date is an error
    package["releases"][0]["date"] = "yesterday"
    broken = ocds_json_output("", schema_version="1.1", json_data=package, lib_cove_ocds_config=config)
    assert any("date" in json.dumps(error) for error in broken["validation_errors"])


def _standard_zip() -> bytes:
    """The shipped OCDS 1.1.5 schema and codelists laid out as the standard repository's zip (what
    libcoveocds reads), with the versioned release schema it also wants, derived from the release schema."""
    from ocdsextensionregistry.versioned_release_schema import get_versioned_release_schema

    buffer = io.BytesIO()
    directory = ocds_schema.PACKAGED_SCHEMA_DIR
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, f"standard-1__1__5/schema/{path.relative_to(directory)}")
        versioned = get_versioned_release_schema(json.loads((directory / "release-schema.json").read_text()), "1__1__5")
        archive.writestr("standard-1__1__5/schema/versioned-release-validation-schema.json", json.dumps(versioned))
    return buffer.getvalue()


@pytest.fixture
def coordinator(clean_db, clean_index, bulk_dir, organization):
    user = factories.User()
    helpers.call_action("organization_member_create", id=organization["id"], username=user["name"], role="editor")
    return user


def test_coordinator_edits_survive_regeneration(coordinator, sysadmin, organization):
    save(sysadmin, organization, [release("ocds-bulk-1", title="Road salt")])
    save(sysadmin, organization, [release("ocds-bulk-2", title="Grit", date="2025-02-01T00:00:00Z")])
    regenerate.generate(organization["id"])
    first = helpers.call_action("package_show", id=datasets.dataset_id(organization["id"]))
    edits = {"notes": "The city's contracts, curated.", "license_id": "odc-pddl", "update_frequency": "weekly",
             "publication_policy_url": "https://city.example/policy", "title": "Springfield contracts"}
    queue.forget()
    jobs.get_queue().empty()
    helpers.call_action("package_patch", context={"user": coordinator["name"]}, id=first["id"], **edits)
    # the edit asks for the publisher's files again (their metadata names the license and policy)
    assert [job.args for job in jobs.get_queue().jobs] == [[organization["id"]]]

    save(sysadmin, organization, [release("ocds-bulk-3", title="Sand", date="2026-05-01T00:00:00Z")])
    regenerate.generate(organization["id"])
    after = helpers.call_action("package_show", id=first["id"])
    assert {key: after[key] for key in edits} == edits
    assert after["name"] == first["name"] and after["coverage_end_date"] == "2026-05-01"
    # the resources were rewritten (the same ids for the same files), with the new counts
    assert {r["url"]: r["id"] for r in first["resources"]}.items() <= {r["url"]: r["id"] for r in after["resources"]}.items()
    everything = next(r for r in after["resources"] if r["url"].endswith("/compiled-releases.jsonl.gz"))
    assert everything["description"].startswith("3 contracting processes")
    # and the files say what the coordinator chose
    package = json.loads(unzipped(storage.scope_directory(organization["id"]) / "record-package.json.gz"))
    assert "pddl" in package["license"] and package["publicationPolicy"] == "https://city.example/policy"
    assert package["publisher"]["name"] == "City of Springfield"


def _with_awards(ocid: str, year: int, awards: int) -> dict:
    items = [{"id": f"{ocid}-a{n}", "status": "active"} for n in range(awards)]
    return release(ocid, title=f"Process {ocid}", date=f"{year}-06-01T00:00:00Z", awards=items)


@pytest.mark.usefixtures("clean_db", "clean_index", "bulk_dir")
def test_release_packages_are_split_within_the_limits(sysadmin, organization, ckan_config, monkeypatch):
    for n in range(7):
        save(sysadmin, organization, [_with_awards(f"ocds-split-{n}", 2024, 2)])
    save(sysadmin, organization, [_with_awards("ocds-split-big", 2024, 5)])  # alone past the limit
    save(sysadmin, organization, [_with_awards("ocds-split-old", 2022, 1)])
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.max_package_items", 5)
    regenerate.generate(organization["id"])
    parts = [f for f in storage.read_manifest(organization["id"])["files"] if f["kind"] == "release-package"]
    names = [f["name"] for f in parts]
    assert names[0] == "release-package-2022.json.gz" and names[1] == "release-package-2024.json.gz"
    assert "release-package-2024-part2.json.gz" in names and len(names) >= 5
    files = ocids_by_file(organization["id"])
    for part in parts:
        released = json.loads(unzipped(storage.scope_directory(organization["id"]) / part["name"]))["releases"]
        awards = sum(len(r.get("awards") or []) for r in released)
        assert awards <= 5 or len(released) == 1
        assert part["processes"] == len(set(files[part["name"]]))
    assert sorted(o for f in parts for o in files[f["name"]]) == sorted(
        [f"ocds-split-{n}" for n in range(7)] + ["ocds-split-big", "ocds-split-old"])
    dataset = helpers.call_action("package_show", id=datasets.dataset_id(organization["id"]))
    assert "Release package, 2024, part 2 (gzip)" in [r["name"] for r in dataset["resources"]]
    # the record package too: a record counts the awards of its releases and of its compiled release
    records = [f for f in storage.read_manifest(organization["id"])["files"] if f["kind"] == "record-package"]
    assert [f["name"] for f in records][:2] == ["record-package.json.gz", "record-package-part2.json.gz"]
    for part in records:
        package = json.loads(unzipped(storage.scope_directory(organization["id"]) / part["name"]))
        awards = sum(len(r.get("awards") or []) for record in package["records"]
                     for r in record["releases"] + [record["compiledRelease"]])
        assert awards <= 5 or len(package["records"]) == 1
        assert part["processes"] == len(package["records"]) and package["uri"].endswith("/" + part["name"])
    assert sorted(o for f in records for o in files[f["name"]]) == sorted(
        [f"ocds-split-{n}" for n in range(7)] + ["ocds-split-big", "ocds-split-old"])
    assert "Record package, all years, part 2 (gzip)" in [r["name"] for r in dataset["resources"]]

    # by size: no part bigger than the limit unless a single release is
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.max_package_items", 250000)
    monkeypatch.setitem(ckan_config, "ckanext.procurement.bulk.max_package_bytes", 1200)
    regenerate.generate(organization["id"])
    parts = [f for f in storage.read_manifest(organization["id"])["files"] if f["kind"] == "release-package"]
    assert len(parts) > 2
    for part in parts:
        data = unzipped(storage.scope_directory(organization["id"]) / part["name"])
        assert len(data) <= 1200 or len(json.loads(data)["releases"]) == 1
    # files of the earlier, finer split are gone
    assert sorted(p.name for p in storage.scope_directory(organization["id"]).iterdir()) == sorted(
        [f["name"] for f in storage.read_manifest(organization["id"])["files"]] + ["manifest.json"])


@pytest.fixture
def two_processes(clean_db, clean_index, bulk_dir, sysadmin, organization):
    save(sysadmin, organization, [release("ocds-bulk-1", title="Road salt")])
    save(sysadmin, organization, [release("ocds-bulk-2", title="Grit", date="2025-02-01T00:00:00Z")])
    regenerate.generate(organization["id"])
    regenerate.generate(PORTAL)
    return organization


def test_downloads_are_conditional_and_ranged(app, two_processes):
    url = f"/bulk/publisher/{two_processes['name']}/record-package.json.gz"
    whole = app.get(url)
    assert whole.status_code == 200
    assert whole.headers["Content-Type"] == "application/gzip"
    assert int(whole.headers["Content-Length"]) == len(whole.data) > 0
    assert whole.headers["ETag"] and whole.headers["Last-Modified"] and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Disposition"] == f'attachment; filename={two_processes["name"]}-record-package.json.gz'
    assert json.loads(gzip.decompress(whole.data))["records"][0]["ocid"] == "ocds-bulk-1"

    part = app.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == whole.data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(whole.data)}"
    assert app.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
    assert app.get(url, headers={"If-Modified-Since": whole.headers["Last-Modified"]}).status_code == 304
    assert app.get(url, headers={"Range": f"bytes={len(whole.data) + 10}-"}).status_code == 416
    compiled = app.get("/bulk/portal/compiled-releases.jsonl.gz")
    assert compiled.status_code == 200 and compiled.headers["Content-Type"] == "application/gzip"
    assert len(gzip.decompress(compiled.data).splitlines()) == 2


def test_only_listed_files_are_served(app, two_processes, bulk_dir):
    (storage.scope_directory(two_processes["id"]) / "notes.txt").write_text("not published")
    (bulk_dir / "secret.json.gz").write_bytes(b"not published")
    org = two_processes["name"]
    for path in (f"/bulk/publisher/{org}/notes.txt", f"/bulk/publisher/{org}/manifest.json",
                 f"/bulk/publisher/{org}/..%2Fsecret.json.gz", f"/bulk/publisher/{org}/%2e%2e%2fsecret.json.gz",
                 "/bulk/portal/..%2F..%2Fsecret.json.gz", "/bulk/portal/../secret.json.gz",
                 f"/bulk/publisher/{org}/.tmp-x-record-package.json.gz", "/bulk/publisher/nobody/record-package.json.gz",
                 f"/bulk/publisher/{two_processes['id']}%00/record-package.json.gz", "/bulk/portal/%00"):
        response = app.get(path)
        assert response.status_code == 404, path
        assert b"not published" not in response.data


def test_the_flattened_tables_are_bulk_files_of_their_dataset(app, two_processes):
    assert [spec.name for spec in writers.FLAT_FILES] == ["flat-csv.zip", "flat.xlsx", "data-dictionary.csv"]
    regenerate.generate(PORTAL)
    types = {"flat-csv.zip": "application/zip", "data-dictionary.csv": "text/csv; charset=utf-8",
             "flat.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    for name, content_type in types.items():
        response = app.get(f"/bulk/portal/{name}")
        assert response.status_code == 200 and response.headers["Content-Type"] == content_type, name
    archive = zipfile.ZipFile(io.BytesIO(app.get("/bulk/portal/flat-csv.zip").data))
    rows = list(csv.DictReader(io.StringIO(archive.read("processes.csv").decode("utf-8-sig"))))
    assert [row["ocid"] for row in rows] == ["ocds-bulk-1", "ocds-bulk-2"]
    dataset = helpers.call_action("package_show", id=datasets.dataset_id(PORTAL))
    resources = {r["url"].rsplit("/", 1)[1]: r for r in dataset["resources"]}
    assert resources["flat.xlsx"]["format"] == "XLSX" and resources["flat.xlsx"]["name"] == "Flattened tables (XLSX)"
    assert resources["data-dictionary.csv"]["mimetype"] == "text/csv"
    assert resources["flat-csv.zip"]["description"].startswith("2 contracting processes")


def test_a_download_under_way_survives_a_regeneration(app, two_processes, sysadmin):
    scope = two_processes["id"]
    path, _ = storage.find(scope, "compiled-releases.jsonl.gz")
    with open(path, "rb") as reader:  # what send_file holds while it streams the file
        start = reader.read(10)
        save(sysadmin, two_processes, [release("ocds-bulk-3", title="Sand")])
        regenerate.generate(scope)
        old = gzip.decompress(start + reader.read())
    assert [json.loads(line)["ocid"] for line in old.splitlines()] == ["ocds-bulk-1", "ocds-bulk-2"]
    new = gzip.decompress(app.get(f"/bulk/publisher/{two_processes['name']}/compiled-releases.jsonl.gz").data)
    assert len(new.splitlines()) == 3
    assert not [p.name for p in storage.scope_directory(scope).iterdir() if p.name.startswith(storage.TEMPORARY_PREFIX)]


def test_cli_regenerates_with_progress(cli, two_processes, sysadmin, monkeypatch):
    from ckan.cli.cli import ckan

    monkeypatch.setattr(writers, "PROGRESS_EVERY", 1)
    save(sysadmin, two_processes, [release("ocds-bulk-3", title="Sand")])
    result = cli.invoke(ckan, ["procurement", "bulk", "regenerate"])
    assert result.exit_code == 0, result.output
    name = two_processes["name"]
    assert f"{name}: 3 processes\n" in result.output
    assert f"{name}: 3 processes in 9 files" in result.output
    assert "the whole portal: 3 processes in 9 files" in result.output
    assert len(gzip.decompress((storage.scope_directory(PORTAL) / "compiled-releases.jsonl.gz").read_bytes()).splitlines()) == 3
    result = cli.invoke(ckan, ["procurement", "bulk", "regenerate", "--organization", "nobody"])
    assert result.exit_code != 0 and "No organization 'nobody'" in result.output


def test_withdrawals_and_visibility_changes_reach_the_files(two_processes, sysadmin):
    org = two_processes
    queue.forget()
    jobs.get_queue().empty()
    first = helpers.call_action("package_show", id="ocds-bulk-1")
    helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id=first["id"], private=True)
    run_worker()
    assert ocids_by_file(org["id"])["compiled-releases.jsonl.gz"] == ["ocds-bulk-2"]
    helpers.call_action("bulk_update_public", context={"user": sysadmin["name"]}, datasets=[first["id"]], org_id=org["id"])
    run_worker()
    assert ocids_by_file(PORTAL)["compiled-releases.jsonl.gz"] == ["ocds-bulk-1", "ocds-bulk-2"]
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id="ocds-bulk-2")
    run_worker()
    assert ocids_by_file(org["id"])["record-package.json.gz"] == ["ocds-bulk-1"]
    assert ocids_by_file(PORTAL)["record-package.json.gz"] == ["ocds-bulk-1"]


def test_a_job_waits_for_a_running_harvest_of_its_publisher(two_processes, sysadmin):
    from ckanext.harvest.model import HarvestJob

    org = two_processes
    source = create_source(sysadmin["name"], org["id"], "http://127.0.0.1:9/feed.json")
    job = HarvestJob(source_id=source["id"], status="Running")
    job.save()
    queue.forget()
    jobs.get_queue().empty()
    save(sysadmin, org, [release("ocds-bulk-3", title="Sand")])
    run_worker()
    assert len(ocids_by_file(org["id"])["record-package.json.gz"]) == 2  # waited
    save(sysadmin, org, [release("ocds-bulk-4", title="Gravel")])
    assert jobs.get_queue().count == 0  # waiting: a change only marks it
    job.status = "Finished"
    job.save()
    helpers.call_action("harvest_source_reindex", id=source["id"])  # what harvest_jobs_run does at a job's end
    run_worker()
    assert len(ocids_by_file(org["id"])["record-package.json.gz"]) == 4


def test_the_configured_portal_organization_owns_the_portals_dataset(two_processes, sysadmin, ckan_config, monkeypatch):
    other = factories.Organization(users=[{"name": sysadmin["name"], "capacity": "admin"}], name="procurement-office")
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=datasets.dataset_id(PORTAL))
    model.Package.get(datasets.dataset_id(PORTAL)).purge()  # gone for good: the next regeneration creates it
    model.repo.commit_and_remove()
    monkeypatch.setitem(ckan_config, datasets.PORTAL_ORGANIZATION, "procurement-office")
    regenerate.generate(PORTAL)
    assert helpers.call_action("package_show", id=datasets.dataset_id(PORTAL))["owner_org"] == other["id"]


def test_an_unknown_portal_organization_is_a_clear_error_before_any_file(cli, two_processes, ckan_config, monkeypatch):
    from ckan.cli.cli import ckan

    before = storage.read_manifest(PORTAL)
    monkeypatch.setitem(ckan_config, datasets.PORTAL_ORGANIZATION, "procurement-ofice")
    with pytest.raises(tk.ObjectNotFound, match="portal_organization is 'procurement-ofice', which is not an active"):
        regenerate.generate(PORTAL)
    assert storage.read_manifest(PORTAL) == before  # the files already published stay as they were
    result = cli.invoke(ckan, ["procurement", "bulk", "regenerate"])
    assert result.exit_code != 0
    assert "ckanext.procurement.bulk.portal_organization is 'procurement-ofice'" in result.output
    assert "processes" not in result.output  # stopped before regenerating anything
