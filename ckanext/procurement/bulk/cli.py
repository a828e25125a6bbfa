"""`ckan procurement bulk ...`"""
from __future__ import annotations

import click


@click.group(short_help="Bulk download files")
def bulk():
    """The bulk files of each publisher and of the whole portal."""


@bulk.command()
@click.option("--organization", default=None, help="only this organization (name or id), and the whole portal")
def regenerate(organization):
    """Regenerate the bulk files and datasets now, in this process, printing progress."""
    import ckan.plugins.toolkit as tk

    from ckanext.procurement.bulk import regenerate as bulk_regenerate

    try:
        bulk_regenerate.generate_all(organization, echo=click.echo)
    except tk.ObjectNotFound as error:
        raise click.ClickException(str(error))
