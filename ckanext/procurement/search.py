"""Search: what the Solr index gets and how procurement searches are asked.

Everything works with CKAN's stock Solr schema (a city's catalog already has
it): multi-valued facets go to `vocab_*` fields (multi-valued strings), dates
to `*_date` fields, and amounts are sorted through a zero-padded string
(`value_sort`), since the stock schema has no numeric dynamic field.
"""
from __future__ import annotations

import datetime
import re
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.procurement.dataset import BULK_DATASET_TYPE, DATASET_TYPE, LIST_FIELDS, REPEATING, json_or_value
from ckanext.procurement.ocds.amounts import VALUE_PRECEDENCE, best_value, value_sort_key

# facet query parameter -> Solr field of multi-valued list fields
LIST_INDEX_FIELDS = {name: f"vocab_{name}" for name in LIST_FIELDS}
# the flag of the "open for bids" filter, a CKAN `ext_` search parameter
OPEN_FOR_BIDS_PARAM = "ext_open"
OPEN_FOR_BIDS_FQ = "+tender_status:active +tender_end_date:[NOW TO *]"
# planned purchases (/forecast): planned, and the expected solicitation date not passed (a status saved
# before that date would otherwise keep a process on the forecast after its tender opened)
FORECAST_FQ = f"+dataset_type:{DATASET_TYPE} +status:planned -tender_start_date:[* TO NOW]"

# a query that is one identifier (an ocid, a contract number): `ocds-213czf-000-00001`,
# `ocds-34a6hz-01B68-160244/001/CZ`, `SDH-SMINC-26-2016`
IDENTIFIER_QUERY = re.compile(r"^[^\s:\"()]*[A-Za-z0-9][-/_.][A-Za-z0-9][^\s:\"()]*$")

# a search of contracting processes: `+dataset_type:contracting-process` (not its exclusion)
PROCESS_TYPE_FQ = re.compile(r'(?<![-\w])dataset_type:"?' + re.escape(DATASET_TYPE) + r'\b')

# What a process's search result shows (templates/snippets/package_item.html), asked of Solr by
# name on /contracting-process/ rather than the whole stored dataset (`validated_data_dict`), which
# for a long-running process holds tens of kB of documents, amendments and transactions. CKAN's
# stock schema stores every extra as `extras_<key>`; the rest are stored fields of their own.
LISTED_EXTRAS = ("status", "buyer_name", "tender_end_date", "currency", "supplier_names") + VALUE_PRECEDENCE
LISTED_FIELDS = ("id", "name", "title", "dataset_type", "capacity")

SORT_OPTIONS = {
    "deadline": "tender_end_date asc",
    "value_desc": "value_sort desc",
    "value_asc": "value_sort asc",
    "updated": "metadata_modified desc",
}


def _as_list(value: Any) -> list[str]:
    value = json_or_value(value)
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(item) for item in value if item not in (None, "")]
    return [str(value)]


def _solr_date(value: Any) -> str | None:
    """Any ISO 8601 date-time as the UTC `...Z` form Solr's date fields require."""
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed.isoformat(timespec="seconds") + "Z"


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    dataset_type = pkg_dict.get("dataset_type")
    if dataset_type == BULK_DATASET_TYPE:
        stages = _as_list(pkg_dict.pop("lifecycle_stages", None))
        pkg_dict["vocab_lifecycle_stages"] = stages
        return pkg_dict
    if dataset_type != DATASET_TYPE:
        return pkg_dict

    for field, index_field in LIST_INDEX_FIELDS.items():
        pkg_dict[index_field] = _as_list(pkg_dict.pop(field, None))
    # repeating lists are shown from the dataset, searched through extras_* (text)
    for field in list(REPEATING) + ["withheld_paths"]:
        pkg_dict.pop(field, None)

    for key in [k for k in pkg_dict if k.endswith("_date")]:
        date = _solr_date(pkg_dict[key])
        if date:
            pkg_dict[key] = date
        else:
            pkg_dict.pop(key)

    # the value that counts, as the summary's `value` (a dataset typed in by hand has no summary)
    best = best_value({key: _number(pkg_dict.get(key)) for key in VALUE_PRECEDENCE})
    if best is not None:
        pkg_dict["value_sort"] = value_sort_key(best[1])
    return pkg_dict


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def before_dataset_search(search_params: dict[str, Any]) -> dict[str, Any]:
    fq = search_params.get("fq") or ""
    searches_processes = bool(PROCESS_TYPE_FQ.search(fq))
    extras = search_params.get("extras") or {}
    if flag_set(extras.get(OPEN_FOR_BIDS_PARAM)):
        fq = f"{fq} {OPEN_FOR_BIDS_FQ}".strip()
    # the catalog's own /dataset page also lists bulk procurement datasets
    # (and, if the site opts in, contracting processes)
    show_processes = tk.asbool(tk.config.get("ckanext.procurement.show_processes_in_dataset_search"))
    if "+dataset_type:dataset" in fq:
        types = ["dataset", f'"{BULK_DATASET_TYPE}"']
        if show_processes:
            types.append(f'"{DATASET_TYPE}"')
        fq = fq.replace("+dataset_type:dataset", "+dataset_type:({})".format(" OR ".join(types)))
    elif not show_processes and "dataset_type:" not in fq and _search_page("dataset.search"):
        # with CKAN's default `ckan.search.show_all_types = dataset` the
        # /dataset page filters on no type at all: keep the (many) processes
        # on their own page
        fq = f'{fq} -dataset_type:"{DATASET_TYPE}"'.strip()
    search_params["fq"] = fq
    if not searches_processes:
        return search_params  # other datasets are searched as CKAN searches them
    # Solr's text analysis splits an identifier into its parts (ocd, 213, czf,
    # 000, 00001) and dismax ORs the parts of one word, so `ocds-...` would
    # match every process: an identifier is searched as a phrase instead
    q = str(search_params.get("q") or "").strip()
    if IDENTIFIER_QUERY.match(q):
        search_params["q"] = f'"{q}"'
    sort = search_params.get("sort")
    if sort in SORT_OPTIONS:
        search_params["sort"] = SORT_OPTIONS[sort]
    if not search_params.get("fl") and _search_page(f"{DATASET_TYPE}.search"):
        search_params["fl"] = listing_fl()
    return search_params


def after_dataset_search(search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
    """The results of /contracting-process/ as the dataset dicts its items read (CKAN gives the
    stored fields of an `fl` search as Solr stores them: lists as JSON text, the type, the capacity)."""
    names = listed_extras()
    if search_params.get("fl") == " ".join(listing_fl(names)) and _search_page(f"{DATASET_TYPE}.search"):
        search_results["results"] = [_listed(doc, names) for doc in search_results.get("results", [])]
    return search_results


def listed_extras() -> list[str]:
    """The extras a search result shows, and those a site's own item template adds."""
    more = tk.config.get("ckanext.procurement.search_listed_fields") or []
    return list(LISTED_EXTRAS) + [name for name in more if name not in LISTED_EXTRAS + LISTED_FIELDS]


def listing_fl(names: list[str] | None = None) -> list[str]:
    """What /contracting-process/ asks Solr for: the listed fields and extras (`listed_extras()`)."""
    return list(LISTED_FIELDS) + [f"extras_{name}" for name in (listed_extras() if names is None else names)]


def _listed(doc: dict[str, Any], names: list[str]) -> dict[str, Any]:
    listed = {"id": doc["id"], "name": doc.get("name"), "title": doc.get("title"),
              "type": doc.get("dataset_type"), "private": doc.get("capacity") == "private"}
    for name in names:  # CKAN's query has taken the `extras_` off
        if name in doc:
            listed[name] = _as_list(doc[name]) if name in LIST_FIELDS else doc[name]
    return listed


def flag_set(value: Any) -> bool:
    """A true/false URL parameter; anything that isn't a yes (`?ext_open=maybe`) is a no, not a 500."""
    try:
        return tk.asbool(value)
    except ValueError:
        return False


def _search_page(endpoint: str) -> bool:
    """Whether this search is the one of a search page (`dataset.search`: the catalog's /dataset),
    not the API's or another page's."""
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover
        return False
    return has_request_context() and request.endpoint == endpoint


def process_facets() -> dict[str, str]:
    """Facets of /contracting-process/, in the order they are shown."""
    _ = tk._
    return {
        "status": _("Status"),
        "stage": _("Stage"),
        "buyer_name": _("Department"),
        "procurement_method": _("Procurement method"),
        "main_category": _("Category"),
        LIST_INDEX_FIELDS["supplier_names"]: _("Supplier"),
        LIST_INDEX_FIELDS["supplier_categories"]: _("Supplier classification"),
        "fiscal_year": _("Fiscal year"),
        "value_band": _("Value"),
        LIST_INDEX_FIELDS["indicator_flags"]: _("Indicators flagged"),
    }
