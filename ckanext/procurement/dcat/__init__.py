"""The portal in national and federal catalogs: DCAT (ckanext-dcat) and DCAT-US 1.1 (`/data.json`).

Which datasets the catalogs list is decided here, once, for ckanext-dcat's
catalog endpoints and for `/data.json` alike: public, active datasets, and
contracting processes only if `ckanext.procurement.dcat.include_processes`
is set (the bulk `procurement-dataset` entries already hold all of them, and
100,000 per-process datasets would flood what aggregators harvest). Other
searches are left alone: the filter applies only while a catalog action runs.
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator

from dateutil.parser import parse as dateutil_parse

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.procurement.dataset import DATASET_TYPE

INCLUDE_PROCESSES_OPTION = "ckanext.procurement.dcat.include_processes"
# the version of the standard the published data conforms to
OCDS_STANDARD_URI = "https://standard.open-contracting.org/1.1/"
OCDS_RELEASE_SCHEMA_URI = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"

# ckanext-dcat's actions that list datasets for the catalog, by the plugin providing them
CATALOG_ACTIONS = {
    "dcat": ("dcat_catalog_show", "dcat_catalog_search"),
    "dcat_json_interface": ("dcat_datasets_list",),
}
NOT_DATA_TYPES = ("harvest", "showcase")
SERIALIZING_ACTIONS = ("dcat_dataset_show", "dcat_catalog_show", "dcat_catalog_search")

_listing_catalog: contextvars.ContextVar[bool] = contextvars.ContextVar("procurement_listing_catalog", default=False)
_serializing: contextvars.ContextVar[bool] = contextvars.ContextVar("procurement_dcat_serializing", default=False)


def include_processes() -> bool:
    return tk.asbool(tk.config.get(INCLUDE_PROCESSES_OPTION))


@contextlib.contextmanager
def _flag(var: contextvars.ContextVar[bool]) -> Iterator[None]:
    token = var.set(True)
    try:
        yield
    finally:
        var.reset(token)


def listing_catalog() -> contextlib.AbstractContextManager:
    """Searches made inside this block are a catalog's listing (see `limit_catalog_search`)."""
    return _flag(_listing_catalog)


def limit_catalog_search(search_params: dict[str, Any]) -> dict[str, Any]:
    """IPackageController.before_dataset_search: what a catalog listing may hold.

    The filters go to `fq_list`, separate Solr filter queries, so nothing in
    the `q` or `fq` a harvester sends to the catalog can undo them (CKAN
    trusts a `+state:` in `fq`: `/catalog.ttl?fq=%2Bstate:deleted` would
    otherwise list withdrawn datasets).
    """
    if not _listing_catalog.get():
        return search_params
    fq_list = list(search_params.get("fq_list") or [])
    fq_list.append("+state:active")
    # harvest sources (and showcases) are datasets to CKAN, not data
    fq_list.extend(f"-dataset_type:{name}" for name in NOT_DATA_TYPES)
    if not include_processes():
        fq_list.append(f'-dataset_type:"{DATASET_TYPE}"')
    search_params["fq_list"] = fq_list
    return search_params


# Solr's `start` is a 32-bit integer: a page past it is refused before the search
MAX_START = 2 ** 31 - 1


def _check_catalog_page(data_dict: dict[str, Any]) -> None:
    """What ckanext-dcat passes on unchecked, refused (409, naming it) instead of a 500: a page
    whose first row Solr can't address, and a `modified_since` date dateutil overflows on."""
    per_page = int(tk.config.get("ckanext.dcat.datasets_per_page") or 100)
    page = str(data_dict.get("page") or "1").strip()
    if page.isdigit() and int(page) * per_page > MAX_START:
        raise tk.ValidationError({"page": [tk._("There is no such page")]})
    modified_since = data_dict.get("modified_since")
    if modified_since:
        try:
            dateutil_parse(str(modified_since))
        except (ValueError, OverflowError):
            raise tk.ValidationError({"modified_since": [tk._("Wrong modified date format. Use ISO-8601 format")]})


def _chained(name: str, *flags: contextvars.ContextVar[bool]):
    """ckanext-dcat's action `name`, run with `flags` set."""
    def action(up_func, context, data_dict):
        if name in CATALOG_ACTIONS["dcat"]:
            _check_catalog_page(data_dict)
        with contextlib.ExitStack() as stack:
            for var in flags:
                stack.enter_context(_flag(var))
            return up_func(context, data_dict)
    action.__name__ = name
    return tk.side_effect_free(tk.chained_action(action))


@tk.side_effect_free
@tk.chained_action
def scheming_dataset_schema_show(up_func, context, data_dict):
    """While ckanext-dcat serializes, the city's own `dataset` type has CKAN's schema.

    ckanext-dcat 2.x's profiles ask ckanext-scheming for the `dataset`
    schema whatever the type serialized, and fail (404 on every DCAT
    endpoint) when the site keeps CKAN's own schema for it, as a city's
    portal with this extension does. Outside DCAT's actions the API answers as before.
    """
    try:
        return up_func(context, data_dict)
    except tk.ObjectNotFound:
        if _serializing.get() and data_dict.get("type") == "dataset":
            return None  # what the profiles see when ckanext-scheming is not installed
        raise


def get_chained_actions() -> dict:
    """ckanext-dcat's actions with this extension's catalog rules (only those of loaded plugins)."""
    actions = {}
    if p.plugin_loaded("dcat"):
        for name in SERIALIZING_ACTIONS:
            flags = (_serializing, _listing_catalog) if name in CATALOG_ACTIONS["dcat"] else (_serializing,)
            actions[name] = _chained(name, *flags)
        if p.plugin_loaded("scheming_datasets"):
            actions["scheming_dataset_schema_show"] = scheming_dataset_schema_show
    if p.plugin_loaded("dcat_json_interface"):
        actions["dcat_datasets_list"] = _chained("dcat_datasets_list", _listing_catalog)
    return actions
