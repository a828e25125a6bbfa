"""`ckan procurement ...` commands."""
from __future__ import annotations

import click


@click.group(short_help="Procurement transparency commands")
def procurement():
    """Commands of ckanext-procurement."""


@procurement.command("refresh-status")
def refresh_status():
    """Re-index processes whose bid deadline has passed since they were indexed.

    A process's plain-language status (open for bids, under evaluation) moves
    with the clock; run this daily from cron so facets stay right.
    """
    import ckan.plugins.toolkit as tk
    from ckan.lib.search import rebuild

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    result = tk.get_action("package_search")(
        {"user": site_user["name"]},
        {"fq": "+dataset_type:contracting-process +status:open +tender_end_date:[* TO NOW]", "rows": 1000,
         "include_private": True, "fl": "id"},
    )
    ids = [row["id"] for row in result["results"]]
    for package_id in ids:
        tk.get_action("package_patch")({"user": site_user["name"]}, {"id": package_id})
    click.echo(f"refreshed {len(ids)} processes")


def get_commands():
    return [procurement]
