"""`ckan procurement ...` commands."""
from __future__ import annotations

import json
import logging
import sys

import click


@click.group(short_help="Procurement transparency commands")
def procurement():
    """Commands of ckanext-procurement."""


def _site_user() -> dict:
    import ckan.plugins.toolkit as tk

    return tk.get_action("get_site_user")({"ignore_auth": True}, {})


@procurement.command("refresh-status")
def refresh_status():
    """Re-derive processes whose bid deadline has passed while they were 'open for bids'.

    A process's plain-language status moves with the clock (open for bids,
    then under evaluation); run this daily from cron so status facets stay right.
    """
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from ckanext.procurement.model import ProcurementRecord

    user = _site_user()["name"]
    result = tk.get_action("package_search")(
        {"user": user},
        {"fq": "+dataset_type:contracting-process +status:open +tender_end_date:[* TO NOW]", "rows": 1000,
         "include_private": True, "fl": "id"},
    )
    refreshed = 0
    for row in result["results"]:
        record = ProcurementRecord.by_package(row["id"])
        package = model.Package.get(row["id"])
        if record is None or package is None:
            continue
        _derive_again(record, package, user)
        refreshed += 1
    click.echo(f"refreshed {refreshed} processes")


def _derive_again(record, package, user: str) -> None:
    """Save a process again from its stored record: what was withheld from it (already taken
    out of the stored releases) and why stay named."""
    import ckan.plugins.toolkit as tk

    tk.get_action("procurement_process_save")(
        {"user": user, "ignore_auth": True},
        {"releases": record.releases, "owner_org": package.owner_org, "force": True,
         "harvest_source_id": record.harvest_source_id, "withheld_paths": list(record.withheld or []),
         "redaction_reason": package.extras.get("withheld_reason") or None},
    )


@procurement.command("rederive")
@click.option("--organization", "organizations", multiple=True, help="name or id; repeat for several (default: all)")
def rederive(organizations: tuple[str, ...]):
    """Derive every active process again from its stored OCDS record.

    Run it after an upgrade that adds derived figures (the supplier and
    department tables, indicator flags) and after changing an indicator
    threshold, the fiscal year or the classification mapping: a harvest only
    re-derives the processes whose releases changed. Nothing is fetched; the
    record, the review state and a coordinator's edits stay.
    """
    import ckan.model as model

    from ckanext.procurement.dataset import DATASET_TYPE
    from ckanext.procurement.model import ProcurementRecord

    user = _site_user()["name"]
    query = model.Session.query(model.Package.id).filter(
        model.Package.type == DATASET_TYPE, model.Package.state == "active")
    if organizations:
        found = [model.Group.get(name) for name in organizations]
        missing = [name for name, group in zip(organizations, found) if group is None or not group.is_organization]
        if missing:
            raise click.UsageError(f"no organization {', '.join(missing)}")
        query = query.filter(model.Package.owner_org.in_([group.id for group in found]))
    package_ids = [package_id for (package_id,) in query.order_by(model.Package.id)]
    done = failed = 0
    with click.progressbar(package_ids, label="processes", show_pos=True) as bar:
        for package_id in bar:
            record, package = ProcurementRecord.by_package(package_id), model.Package.get(package_id)
            if record is None or package is None:
                continue
            try:
                _derive_again(record, package, user)
                done += 1
            except Exception as error:  # one process that no longer validates must not stop the others
                model.Session.rollback()
                failed += 1
                click.echo(f"\n{record.ocid}: {error}", err=True)
    click.echo(f"derived {done} processes again" + (f"; {failed} failed (above)" if failed else ""))
    if failed:
        raise SystemExit(1)


@procurement.command("harvest")
@click.argument("source")
def harvest(source: str):
    """Run one harvest job of SOURCE (name or id) now, in this process, printing progress.

    The production loop is `ckan harvester run` on a schedule with the gather
    and fetch consumers; this is for set-up, demos and one-off catch-ups.
    """
    import ckan.plugins.toolkit as tk

    from ckanext.procurement.harvesters.inline import JobRunning, run_job

    # progress lines (counts and rate) from gather, whatever the ini's log levels
    progress = logging.getLogger("ckanext.procurement.harvesters")
    progress.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    progress.addHandler(handler)
    progress.propagate = False

    context = {"user": _site_user()["name"]}
    try:
        result = run_job(source, context["user"], on_progress=click.echo)
    except tk.ObjectNotFound:
        raise click.ClickException(tk._("No harvest source {source!r}").format(source=source))
    except JobRunning as running:
        # two runs of one source would import the same processes side by side
        raise click.ClickException(tk._(
            "Harvest source {source!r} already has a running job, {job} (started {started} UTC). "
            "Wait for it to finish (`ckan harvester run` finishes completed jobs and applies the timeout), "
            "or abort it with `ckan harvester job-abort {source}`, then run this command again."
        ).format(source=source, job=running.job.id,
                 started=(running.job.gather_started or running.job.created).strftime("%Y-%m-%d %H:%M:%S")))
    click.echo(f"job {result['status'].lower()}: {json.dumps(result['stats'])}")
    errors = tk.get_action("harvest_job_report")(dict(context), {"id": result["job_id"]})
    for error in errors["gather_errors"][:20]:
        click.echo(f"gather: {error['message']}", err=True)


@procurement.command("check-index")
@click.option("--repair", is_flag=True, help="reindex datasets missing from the index and remove index entries without a dataset")
@click.option("--delete-orphan-records", is_flag=True,
              help="with --repair, also delete OCDS records whose dataset no longer exists (their releases are lost)")
@click.option("--show", default=20, show_default=True, help="ids listed per kind of disagreement")
def check_index(repair: bool, delete_orphan_records: bool, show: int):
    """Check that the search index agrees with the database (and repair it on request).

    Lists active contracting-process datasets missing from Solr, Solr entries
    without an active dataset, OCDS records without a dataset and datasets
    without a record. Exits 1 while any disagreement remains.
    """
    from ckanext.procurement import consistency

    if delete_orphan_records and not repair:
        raise click.UsageError("--delete-orphan-records only applies with --repair")
    report = consistency.check()
    _print_report(report, show)
    if repair and not report.agrees:
        done = consistency.repair(report, delete_orphan_records=delete_orphan_records)
        click.echo("repaired: " + ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in done.items()))
        report = consistency.check()
        _print_report(report, show)
    if report.records_without_dataset and not delete_orphan_records:
        click.echo("records without a dataset are kept: re-harvest their source, "
                   "or delete them with --repair --delete-orphan-records", err=True)
    if not report.agrees:
        sys.exit(1)


def _print_report(report, show: int) -> None:
    click.echo(f"{report.datasets} active contracting-process datasets, {report.index_entries} index entries")
    kinds = [("missing from the index", report.missing_from_index),
             ("index entries without an active dataset", report.orphan_index_entries),
             ("records without a dataset (ocids)", report.records_without_dataset),
             ("datasets without a record", report.datasets_without_record)]
    for label, ids in kinds:
        if ids:
            more = f" (and {len(ids) - show} more)" if len(ids) > show else ""
            click.echo(f"{len(ids)} {label}: {' '.join(ids[:show])}{more}")
    click.echo("index and database agree" if report.agrees else "index and database disagree")


@procurement.command("demo-setup")
@click.option("--url", required=True, help="the demo purchasing system's base URL")
@click.option("--admin", default="admin", show_default=True)
def demo_setup(url: str, admin: str):
    """Create the demo organization and its harvest source (idempotent)."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    context = {"user": _site_user()["name"]}
    org = model.Group.get("city-of-springfield")
    if org is None:
        tk.get_action("organization_create")(dict(context), {
            "name": "city-of-springfield", "title": "City of Springfield",
            "description": "Department of Procurement Services of the (fictional) City of Springfield.",
            "users": [{"name": admin, "capacity": "admin"}],
        })
        click.echo("created organization city-of-springfield")
    # ALWAYS: the demo's scheduler (`ckan harvester run` every 30 s) starts a
    # harvest at each run, so a move of the demo clock shows on the portal
    # within a minute or two (an incremental run with nothing new takes seconds)
    source = model.Package.get("springfield-purchasing")
    if source is None:
        tk.get_action("harvest_source_create")(dict(context), {
            "name": "springfield-purchasing", "title": "Springfield purchasing system (OCDS)",
            "url": url.rstrip("/") + "/api/releases.json?limit=200", "source_type": "ocds",
            "owner_org": "city-of-springfield", "frequency": "ALWAYS",
            "config": json.dumps({"since_parameter": "since", "full_harvest_every": 7}),
        })
        click.echo("created harvest source springfield-purchasing")
    elif tk.get_action("harvest_source_show")(dict(context), {"id": source.id})["frequency"] != "ALWAYS":
        tk.get_action("harvest_source_patch")(dict(context), {"id": source.id, "frequency": "ALWAYS"})
        click.echo("springfield-purchasing now harvested at every scheduler run")
    if model.Package.get("springfield-contracts-export") is None:
        mapping = _demo_mapping(url)
        tk.get_action("harvest_source_create")(dict(context), {
            "name": "springfield-contracts-export", "title": "Springfield contracts export (CSV)",
            "url": url.rstrip("/") + "/exports/contracts.csv", "source_type": "procurement_csv",
            "owner_org": "city-of-springfield", "frequency": "MANUAL",
            "config": json.dumps({"mapping": mapping}),
        })
        click.echo("created harvest source springfield-contracts-export (manual)")


def _demo_mapping(url: str) -> dict:
    """The mapping of the demo's contracts export, as the demo purchasing system publishes it
    (production code never imports the demo)."""
    import requests

    mapping_url = url.rstrip("/") + "/exports/contracts.mapping.json"
    try:
        response = requests.get(mapping_url, timeout=30)
        response.raise_for_status()
        mapping = response.json()
    except (requests.RequestException, ValueError) as error:
        raise click.ClickException(f"could not read the export's mapping at {mapping_url}: {error}")
    if not isinstance(mapping, dict):
        raise click.ClickException(f"{mapping_url} is not a JSON object")
    return mapping


@procurement.group("quality")
def quality_group():
    """Publication quality figures (computed after each harvest)."""


@quality_group.command("recompute")
@click.option("--organization", "organizations", multiple=True, help="name or id; repeat for several (default: all)")
def quality_recompute(organizations: tuple[str, ...]):
    """Recompute the publication quality figures of the organizations, then the portal's."""
    import ckan.model as model

    from ckanext.procurement import quality

    ids = None
    if organizations:
        found = [model.Group.get(name) for name in organizations]
        missing = [name for name, group in zip(organizations, found) if group is None or not group.is_organization]
        if missing:
            raise click.UsageError(f"no organization {', '.join(missing)}")
        ids = [group.id for group in found]

    def progress(organization_id: str, processes: int) -> None:
        group = model.Group.get(organization_id)
        click.echo(f"{group.name if group else organization_id}: {processes} processes")

    counts = quality.recompute(ids, progress)
    click.echo(f"recomputed {len(counts)} organizations, {sum(counts.values())} processes, and the portal's figures")


def get_commands():
    from ckanext.procurement.bulk.cli import bulk

    procurement.add_command(bulk)
    return [procurement]
