"""The portal in national and federal catalogs: ckanext-dcat's catalog with the `procurement`
profile, and `/data.json` in DCAT-US 1.1, read back with rdflib and validated with jsonschema."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF
from referencing import Registry, Resource

from ckan.tests import helpers

from ckanext.procurement.tests.ckan.test_procurement_dataset import GOOD
from ckanext.procurement.tests.ckan.test_schema import release, save

DCAT_US = Path(__file__).parents[1] / "data" / "dcat-us-1.1"
OCDS = rdflib.URIRef("https://standard.open-contracting.org/1.1/")
IANA = "http://www.iana.org/assignments/media-types/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INCLUDE_PROCESSES = "ckanext.procurement.dcat.include_processes"

BULK = dict(
    GOOD,
    tag_string="contracts,spending",
    resources=[
        {"name": "Compiled releases, all years", "format": "JSONL.GZ",
         "url": "https://www.example.gov/bulk/compiled-releases.jsonl.gz"},
        {"name": "Flattened tables", "format": "CSV", "url": "https://www.example.gov/bulk/contracts-csv.zip"},
        {"name": "Spreadsheet", "format": "XLSX", "url": "https://www.example.gov/bulk/contracts.xlsx"},
        {"name": "Record package", "format": "JSON", "mimetype": "application/json",
         "url": "https://www.example.gov/bulk/record-package.json"},
    ],
)


@pytest.fixture
def catalog(sysadmin, organization):
    """A bulk dataset, a private one, the city's street trees and a contracting process."""
    context = {"user": sysadmin["name"]}
    bulk = helpers.call_action("package_create", context=context, owner_org=organization["id"], **BULK)
    private = helpers.call_action(
        "package_create", context=context, **dict(BULK, name="draft-contracts", title="Draft contracts",
                                                  owner_org=organization["id"], private=True))
    trees = helpers.call_action("package_create", context=context, name="street-trees", title="Street trees",
                                notes="Every tree the city planted.", owner_org=organization["id"], license_id="cc-by")
    process = save(sysadmin, organization, [release("ocds-abc123-dcat-1", title="Park benches")])["package"]
    # a harvest source is a dataset to CKAN, but no data
    helpers.call_action("harvest_source_create", context=context, name="purchasing-system", title="Purchasing system",
                        url="http://127.0.0.1:9/releases", source_type="ocds", owner_org=organization["id"])
    return {"bulk": bulk, "private": private, "trees": trees, "process": process, "organization": organization}


def _graph(app, url: str, rdf_format: str, user: dict | None = None) -> rdflib.Graph:
    response = app.get(url, headers={"Authorization": user["token"]} if user else {})
    assert response.status_code == 200, response.body
    graph = rdflib.Graph()
    graph.parse(data=response.body, format=rdf_format)
    return graph


def _titles(graph: rdflib.Graph) -> set[str]:
    return {str(graph.value(ref, DCTERMS.title)) for ref in graph.subjects(RDF.type, DCAT.Dataset)}


def _dataset_ref(graph: rdflib.Graph, title: str) -> rdflib.term.Node:
    refs = [ref for ref in graph.subjects(RDF.type, DCAT.Dataset) if str(graph.value(ref, DCTERMS.title)) == title]
    assert len(refs) == 1, _titles(graph)
    return refs[0]


def _assert_bulk_dataset(graph: rdflib.Graph, organization: dict) -> None:
    ref = _dataset_ref(graph, "City contracts (OCDS)")
    assert (ref, DCTERMS.conformsTo, OCDS) in graph
    publisher = graph.value(ref, DCTERMS.publisher)
    assert str(graph.value(publisher, FOAF.name)) == organization["title"]
    assert (ref, DCTERMS.license, rdflib.URIRef("http://www.opendefinition.org/licenses/cc-by")) in graph
    assert graph.value(ref, DCTERMS.accrualPeriodicity) == rdflib.URIRef(
        "http://publications.europa.eu/resource/authority/frequency/DAILY")
    period = graph.value(ref, DCTERMS.temporal)
    assert str(graph.value(period, DCAT.startDate)) == "2019-07-01"
    assert str(graph.value(period, DCAT.endDate)) == "2026-06-30"
    assert (ref, FOAF.page, rdflib.URIRef(BULK["publication_policy_url"])) in graph
    assert graph.value(ref, DCAT.landingPage) == rdflib.URIRef("http://test.ckan.net/procurement-dataset/city-contracts")
    assert {str(k) for k in graph.objects(ref, DCAT.keyword)} == {"contracts", "spending"}
    media = {}
    for distribution in graph.objects(ref, DCAT.distribution):
        assert (distribution, DCTERMS.license, rdflib.URIRef("http://www.opendefinition.org/licenses/cc-by")) in graph
        media[str(graph.value(distribution, DCAT.downloadURL))] = [str(m) for m in graph.objects(distribution, DCAT.mediaType)]
    assert media == {
        "https://www.example.gov/bulk/compiled-releases.jsonl.gz": [IANA + "application/gzip"],
        "https://www.example.gov/bulk/contracts-csv.zip": [IANA + "application/zip"],
        "https://www.example.gov/bulk/contracts.xlsx": [IANA + XLSX],
        "https://www.example.gov/bulk/record-package.json": [IANA + "application/json"],
    }


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.parametrize("url, rdf_format", [("/catalog.ttl", "turtle"), ("/catalog.jsonld", "json-ld"),
                                             ("/catalog.xml", "xml")])
def test_the_catalog_holds_the_bulk_datasets_and_the_citys_others_not_each_process(app, catalog, url, rdf_format):
    graph = _graph(app, url, rdf_format)
    assert _titles(graph) == {"City contracts (OCDS)", "Street trees"}
    _assert_bulk_dataset(graph, catalog["organization"])
    catalog_ref = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(list(graph.objects(catalog_ref, DCAT.dataset))) == 2
    # the city's other datasets get the default profile only: no OCDS claim
    assert (_dataset_ref(graph, "Street trees"), DCTERMS.conformsTo, OCDS) not in graph


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config(INCLUDE_PROCESSES, "true")
def test_the_catalog_lists_each_process_when_the_site_asks(app, catalog):
    graph = _graph(app, "/catalog.ttl", "turtle")
    assert _titles(graph) == {"City contracts (OCDS)", "Street trees", catalog["process"]["title"]}
    assert (_dataset_ref(graph, catalog["process"]["title"]), DCTERMS.conformsTo, OCDS) in graph
    assert "Draft contracts" not in _titles(graph)


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckan.search.remove_deleted_packages", "false")  # withdrawn datasets stay in Solr
def test_a_harvester_query_cannot_bring_processes_or_withdrawn_datasets_back(app, catalog, sysadmin):
    graph = _graph(app, "/catalog.ttl?fq=dataset_type:contracting-process", "turtle")
    assert _titles(graph) == set()
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=catalog["trees"]["id"])
    # whoever asks: CKAN's permission labels hide a deleted dataset from the public, not from its
    # publisher or a sysadmin, and CKAN lets an `fq` with `+state:` replace its own state filter
    for user in (None, sysadmin):
        assert _titles(_graph(app, "/catalog.ttl?fq=%2Bstate:deleted", "turtle", user)) == set()
        assert _titles(_graph(app, "/catalog.ttl?q=name:street-trees", "turtle", user)) == set()
        assert _titles(_graph(app, "/catalog.ttl", "turtle", user)) == {"City contracts (OCDS)"}
        assert _titles(_graph(app, "/catalog.ttl?fq=%2Bdataset_type:contracting-process", "turtle", user)) == set()
        assert _titles(_graph(app, "/catalog.ttl?fq=dataset_type:harvest", "turtle", user)) == set()


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_other_searches_still_find_processes(app, catalog):
    """The catalog's filter applies to the catalog's own search only."""
    _graph(app, "/catalog.ttl", "turtle")
    found = helpers.call_action("package_search", fq="+dataset_type:contracting-process")
    assert [pkg["name"] for pkg in found["results"]] == [catalog["process"]["name"]]
    response = app.get("/api/3/action/package_search?fq=%2Bdataset_type:contracting-process", status=200)
    assert response.json["result"]["count"] == 1


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_each_dataset_has_its_own_dcat_document(app, catalog):
    graph = _graph(app, f"/dataset/{catalog['bulk']['name']}.ttl", "turtle")
    _assert_bulk_dataset(graph, catalog["organization"])
    process = _graph(app, f"/dataset/{catalog['process']['name']}.jsonld", "json-ld")
    assert (_dataset_ref(process, catalog["process"]["title"]), DCTERMS.conformsTo, OCDS) in process
    # the city's own datasets keep CKAN's schema (no scheming one): ckanext-dcat serializes them all the same
    trees = _graph(app, "/dataset/street-trees.xml", "xml")
    assert _titles(trees) == {"Street trees"}
    # ... while ckanext-scheming's API answers as before
    app.get("/api/3/action/scheming_dataset_schema_show?type=dataset", status=404)
    # a private dataset's document is no more public than the dataset
    app.get(f"/dataset/{catalog['private']['name']}.ttl", status=403)


def _validator(variant: str, catalog_file: str = "catalog.json") -> jsonschema.Draft4Validator:
    folder = DCAT_US / variant
    schemas = {path.name: json.loads(path.read_text()) for path in folder.glob("*.json")}
    registry = Registry().with_resources(
        (schema["id"].rstrip("#"), Resource.from_contents(schema)) for schema in schemas.values())
    return jsonschema.Draft4Validator(schemas[catalog_file], registry=registry,
                                      format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _errors(validator: jsonschema.Draft4Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def _data_json(app) -> dict:
    response = app.get("/data.json", status=200)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_data_json_is_valid_dcat_us_and_lists_the_bulk_datasets(app, catalog):
    document = _data_json(app)
    assert _errors(_validator("non-federal"), document) == []
    assert document["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert document["@id"] == "http://test.ckan.net/data.json"
    entries = {entry["title"]: entry for entry in document["dataset"]}
    assert set(entries) == {"City contracts (OCDS)", "Street trees"}
    bulk = entries["City contracts (OCDS)"]
    assert bulk["identifier"] == f"http://test.ckan.net/dataset/{catalog['bulk']['id']}"
    assert bulk["landingPage"] == "http://test.ckan.net/procurement-dataset/city-contracts"
    assert bulk["publisher"] == {"@type": "org:Organization", "name": "City of Springfield"}
    assert bulk["contactPoint"]["fn"] == "City of Springfield"
    assert bulk["conformsTo"] == "https://standard.open-contracting.org/1.1/"
    assert bulk["license"] == "http://www.opendefinition.org/licenses/cc-by"
    assert bulk["accrualPeriodicity"] == "R/P1D"
    assert bulk["temporal"] == "2019-07-01/2026-06-30"
    assert bulk["references"] == [BULK["publication_policy_url"]]
    assert {"contracts", "spending", "procurement", "OCDS"} <= set(bulk["keyword"])
    assert {d["downloadURL"]: d["mediaType"] for d in bulk["distribution"]} == {
        "https://www.example.gov/bulk/compiled-releases.jsonl.gz": "application/gzip",
        "https://www.example.gov/bulk/contracts-csv.zip": "application/zip",
        "https://www.example.gov/bulk/contracts.xlsx": XLSX,
        "https://www.example.gov/bulk/record-package.json": "application/json",
    }
    assert "conformsTo" not in entries["Street trees"]


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config(INCLUDE_PROCESSES, "true")
def test_data_json_follows_the_catalog_setting(app, catalog):
    document = _data_json(app)
    assert _errors(_validator("non-federal"), document) == []
    assert {entry["title"] for entry in document["dataset"]} == {
        "City contracts (OCDS)", "Street trees", catalog["process"]["title"]}


@pytest.mark.usefixtures("clean_db", "clean_index")
@pytest.mark.ckan_config("ckanext.procurement.datajson.bureau_code", "015:11")
@pytest.mark.ckan_config("ckanext.procurement.datajson.program_code", "015:001")
@pytest.mark.ckan_config("ckanext.procurement.datajson.contact_email", "opendata@example.gov")
def test_data_json_of_a_federal_agency_passes_the_federal_schema(app, catalog):
    document = _data_json(app)
    assert _errors(_validator("federal"), document) == []
    for entry in document["dataset"]:
        assert entry["bureauCode"] == ["015:11"] and entry["programCode"] == ["015:001"]
        assert entry["contactPoint"]["hasEmail"] == "mailto:opendata@example.gov"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_the_federal_schema_catches_what_a_city_leaves_out(app, catalog):
    """The schemas really check: without codes a city's file is not a federal one."""
    errors = _errors(_validator("federal"), _data_json(app))
    assert any("'bureauCode' is a required property" in error for error in errors), errors
