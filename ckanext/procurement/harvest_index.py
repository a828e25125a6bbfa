"""Keep ckanext-harvest's tables out of the indexing of the catalog's own datasets.

ckanext-harvest looks up the harvest object of every dataset it indexes, to
add its source to the index. A catalog that enables this extension gets the
`harvest` plugin with it, and so, without this guard, that look-up for all
its other datasets too, which it never had before: where the harvest tables
are missing (migrations not applied yet, CKAN's test reset), the query fails,
aborts the transaction and the dataset is never indexed.

Only harvesters create harvest objects. When the only harvesters loaded are
this extension's, which create contracting processes alone, the look-up is
made for contracting processes and harvest sources only; with any other
harvester loaded (the catalog harvested before), ckanext-harvest works as it
always did.
"""
from __future__ import annotations

import functools
from typing import Any

import ckan.plugins as p

from ckanext.procurement.dataset import DATASET_TYPE

# ckanext-harvest's own dataset type, that of harvest sources
HARVEST_SOURCE_TYPE = "harvest"


def may_have_harvest_object(pkg_dict: dict[str, Any]) -> bool:
    """Whether a harvester loaded here can have made this dataset."""
    if not p.plugin_loaded("procurement"):
        return True  # the catalog without this extension: ckanext-harvest as it is
    if pkg_dict.get("type") in (DATASET_TYPE, HARVEST_SOURCE_TYPE):
        return True
    from ckanext.harvest.interfaces import IHarvester

    from ckanext.procurement.harvesters.base import ProcurementHarvester

    return any(not isinstance(harvester, ProcurementHarvester) for harvester in p.PluginImplementations(IHarvester))


def guard_harvest_index() -> None:
    """Make ckanext-harvest's `before_dataset_index` skip datasets no harvester here made (once)."""
    from ckanext.harvest.plugin import Harvest

    original = Harvest.before_dataset_index
    if getattr(original, "procurement_guarded", False):
        return

    @functools.wraps(original)
    def before_dataset_index(self, pkg_dict):
        if not may_have_harvest_object(pkg_dict):
            return pkg_dict
        return original(self, pkg_dict)

    before_dataset_index.procurement_guarded = True
    Harvest.before_dataset_index = before_dataset_index
