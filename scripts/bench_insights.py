#!/usr/bin/env python
"""Benchmark of the public insight pages at N processes (default 100,000): the hub (/procurement), the
supplier and department lists and one of each, the forecast and the indicators page, each against
CKAN's own /dataset/ page over the same N datasets (median of 7 renders, the whole WSGI stack, same
process and database).

The catalog is built for the measurement, not harvested: scripts/bench_bulk.populate inserts the
datasets and records with SQL, the supplier and department figures a save writes are inserted beside
them (a pool of suppliers and departments, several fiscal years), and Solr gets one document per
dataset, a copy of a real process's document (made by procurement_process_save) under each dataset's
id and name, in batches; CKAN's /dataset/ gets as many plain datasets (copies of one made by
package_create, three resources and two tags), in the index only, as its search page reads them from there. So the figure is the pages', not a harvest's.

Usage: .venv/bin/python scripts/bench_insights.py [--processes 100000]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark database, site id and boot)
import bench_bulk  # noqa: E402  (the same processes)

SUPPLIERS = 5_000
DEPARTMENTS = [f"Department {name}" for name in (
    "of Streets and Sanitation", "of Transportation", "of Water Management", "of Aviation", "of Public Health",
    "of Fleet and Facility Management", "of Technology", "of Police", "of Fire", "of Parks", "of Libraries",
    "of Housing", "of Finance", "of Law", "of Procurement Services", "of Planning", "of Buildings",
    "of Family and Support Services", "of Environment", "of Cultural Affairs")]
CATEGORIES = ["goods", "works", "services"]
METHODS = ["open", "selective", "limited", "direct"]
PAGES = ["/procurement", "/supplier", "/supplier?sort=name", "/department", "/forecast", "/procurement/indicators"]


def figures_rows(processes: int) -> None:
    """The rows procurement_process_save writes for each process (supplier awards, process figures)."""
    import sqlalchemy as sa

    from ckan import model

    chance = random.Random(2026)
    ids = [package_id for (package_id,) in model.Session.execute(sa.text(
        "SELECT id FROM package WHERE type = 'contracting-process' ORDER BY name"))]
    for start in range(0, len(ids), 5000):
        awards, figures = [], []
        for package_id in ids[start:start + 5000]:
            buyer, year = chance.choice(DEPARTMENTS), chance.randint(2018, 2026)
            category, method = chance.choice(CATEGORIES), chance.choice(METHODS)
            tenderers = chance.randint(1, 6)
            awarded = round(chance.uniform(5_000, 2_000_000), 2)
            paid = round(awarded * chance.random(), 2)
            figures.append({"package_id": package_id, "buyer_name": buyer, "fiscal_year": year,
                            "main_category": category, "procurement_method": method,
                            "number_of_tenderers": tenderers, "single_bid": tenderers == 1, "currency": "USD",
                            "awarded": awarded, "contracted": awarded, "paid": paid})
            supplier = chance.randrange(SUPPLIERS)
            awards.append({"package_id": package_id, "supplier_key": f"US-EIN/{supplier:09d}",
                           "supplier_name": f"Supplier {supplier} Inc.", "identifier_scheme": "US-EIN",
                           "identifier_id": f"{supplier:09d}", "scale": chance.choice(["sme", "large", None]),
                           "categories": chance.choice([[], ["mbe"], ["wbe"], ["local"], ["mbe", "local"]]),
                           "currency": "USD", "awarded": awarded, "contracted": awarded, "paid": paid,
                           "buyer_name": buyer, "main_category": category, "fiscal_year": year})
        model.Session.execute(sa.text(
            "INSERT INTO procurement_process_figure (package_id, buyer_name, fiscal_year, main_category,"
            " procurement_method, number_of_tenderers, single_bid, currency, awarded, contracted, paid) VALUES"
            " (:package_id, :buyer_name, :fiscal_year, :main_category, :procurement_method, :number_of_tenderers,"
            " :single_bid, :currency, :awarded, :contracted, :paid)"), figures)
        model.Session.execute(sa.text(
            "INSERT INTO procurement_supplier_award (package_id, supplier_key, supplier_name, identifier_scheme,"
            " identifier_id, scale, categories, currency, awarded, contracted, paid, buyer_name, main_category,"
            " fiscal_year) VALUES (:package_id, :supplier_key, :supplier_name, :identifier_scheme, :identifier_id,"
            " :scale, :categories, :currency, :awarded, :contracted, :paid, :buyer_name, :main_category,"
            " :fiscal_year)"), awards)
        model.Session.commit()
    model.Session.execute(sa.text("ANALYZE procurement_process_figure; ANALYZE procurement_supplier_award"))
    model.Session.commit()


def index_copies(org_id: str, user: str) -> None:
    """Solr: a real process's document, copied under every inserted dataset's id and name."""
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa
    from ckan import model
    from ckan.lib.search.common import make_connection

    from ckanext.procurement.demo.server import DemoServer

    with DemoServer(processes=10, seed=7) as demo:
        releases = next(found for found in map(demo.system.releases, range(10)) if found)
    saved = tk.get_action("procurement_process_save")({"user": user}, {"releases": releases, "owner_org": org_id})
    plain = tk.get_action("package_create")({"user": user}, {
        "name": "plain-dataset", "title": "Street tree inventory", "owner_org": org_id, "notes": "Trees. " * 40,
        "tags": [{"name": "trees"}, {"name": "parks"}],
        "resources": [{"url": f"http://127.0.0.1/trees.{ext}", "format": ext} for ext in ("csv", "json", "xlsx")]})
    connection = make_connection()
    process_rows = model.Session.execute(sa.text(
        "SELECT id, name FROM package WHERE type = 'contracting-process' AND id != :template"),
        {"template": saved["package"]["id"]}).fetchall()
    # CKAN's /dataset/ lists datasets of the type `dataset`: as many of those, in the index only
    plain_rows = [(str(uuid.UUID(int=index + 1)), f"plain-dataset-{index}") for index in range(len(process_rows))]
    copy_documents(connection, saved["package"]["id"], process_rows, plan_every=10)
    copy_documents(connection, plain["id"], plain_rows)
    connection.commit()


class _Captured:
    """Stands in for CKAN's Solr connection while one dataset is indexed: keeps the document CKAN
    builds (with its unstored fields: permission labels, facets, text), sends nothing."""

    def __init__(self):
        self.docs = []

    def add(self, docs, commit=False, **kwargs):
        self.docs.extend(docs)


def indexed_document(package_id: str) -> dict:
    """The document CKAN sends to Solr for a dataset, as its own indexer builds it."""
    import ckan.plugins.toolkit as tk
    from ckan.lib.search import index

    shown = tk.get_action("package_show")({"ignore_auth": True, "validate": False, "use_cache": False},
                                          {"id": package_id})
    captured = _Captured()
    original = index.make_connection
    index.make_connection = lambda *args, **kwargs: captured  # this script only
    try:
        index.PackageSearchIndex().update_dict(shown)
    finally:
        index.make_connection = original
    return captured.docs[0]


def copy_documents(connection, template_id: str, rows: list, plan_every: int = 0) -> None:
    import ckan.plugins.toolkit as tk

    template = indexed_document(template_id)
    for start in range(0, len(rows), 2000):
        docs = []
        for package_id, name in rows[start:start + 2000]:
            doc = dict(template, id=package_id, name=name, title=name,
                       index_id=hashlib.md5(f"{tk.config['ckan.site_id']}{package_id}".encode()).hexdigest())
            for key in ("data_dict", "validated_data_dict"):
                if key in doc:
                    stored = json.loads(doc[key])
                    stored.update(id=package_id, name=name, title=name)
                    doc[key] = json.dumps(stored)
            if plan_every and (start + len(docs)) % plan_every == 0:  # some planned purchases for /forecast
                doc.update(status="planned", tender_start_date="2031-01-15T00:00:00Z")
            docs.append(doc)
        connection.add(docs, commit=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=100_000)
    args = parser.parse_args()
    app = bench.boot()
    from werkzeug.test import Client

    with app._wsgi_app.test_request_context():
        import sqlalchemy as sa
        from ckan import model

        started = time.perf_counter()
        bench_bulk.populate(args.processes)
        figures_rows(args.processes)
        user = model.Session.execute(sa.text("SELECT name FROM \"user\" WHERE sysadmin ORDER BY created DESC LIMIT 1")).scalar()
        org_id = model.Session.execute(sa.text("SELECT id FROM \"group\" WHERE is_organization LIMIT 1")).scalar()
        index_copies(org_id, user)
        built = time.perf_counter() - started
        supplier = model.Session.execute(sa.text(
            "SELECT supplier_key FROM procurement_supplier_award GROUP BY supplier_key ORDER BY count(*) DESC LIMIT 1")).scalar()
        department = model.Session.execute(sa.text(
            "SELECT buyer_name FROM procurement_process_figure GROUP BY buyer_name ORDER BY count(*) DESC LIMIT 1")).scalar()
        model.Session.remove()

    client = Client(app)
    pages = PAGES + [f"/supplier/{supplier}", "/department/" + department.replace(" ", "%20")]
    baseline = bench.median_ms(client, "/dataset/")
    timings = {url: bench.median_ms(client, url) for url in pages}
    result = {"processes": args.processes, "build_seconds": built, "dataset_page_ms": baseline,
              "pages": {url: {"ms": ms, "ratio": ms / baseline} for url, ms in timings.items()}}
    print(f"insight pages, {args.processes:,} processes (catalog built in {built:.0f} s); CKAN's /dataset/ "
          f"{baseline:.0f} ms")
    for url, figures in result["pages"].items():
        print(f"  {url}: {figures['ms']:.0f} ms ({figures['ratio']:.2f}x /dataset/)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
