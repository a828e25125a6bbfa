"""Download what you searched: the results of a /contracting-process/ search as CSV or XLSX.

The parameters are the search page's own (`q`, `sort`, facet fields, `ext_*`
flags), asked through `package_search`, so the same visibility rules apply: an
anonymous visitor gets public processes only, a member also the private ones
of their organizations, as on the page. Results are read a page at a time in a
total order (the chosen sort, then the dataset id), so a whole catalog of
100,000 processes never sits in memory: CSV is streamed as it is read, XLSX
is written row by row (XlsxWriter's constant-memory mode) to a temporary file that
is then streamed and deleted.

Harvested text is data, never a formula: a CSV cell that a spreadsheet would
run (`=`, `+`, `-`, `@`...) gets a leading apostrophe, and XLSX cells are
typed as text.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
import tempfile
from typing import Any, Iterator

from flask import Response, stream_with_context

import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.lib.search.common import SearchError, SearchQueryError, SolrConnectionError

from ckanext.procurement.bulk.flatten import neutralise
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.search import SORT_OPTIONS

log = logging.getLogger(__name__)

# the columns, in order: the process's summary fields (contracting_process.yaml)
COLUMNS = (
    "ocid", "title", "url", "publisher", "buyer", "status", "stage", "procurement_method", "main_category",
    "value", "currency", "budget_amount", "tender_value", "award_value", "contract_value", "amount_paid",
    "suppliers", "supplier_categories", "number_of_tenderers", "fiscal_year", "tender_start_date",
    "tender_end_date", "award_date", "contract_start_date", "contract_end_date", "last_release_date",
    "metadata_modified",
)
# the same precedence as the summary's `value` and the value sort: contract > award > tender > budget
VALUE_FIELDS = ("contract_value", "award_value", "tender_value", "budget_amount")
LIST_SEPARATOR = "; "
# parameters of the search page that are not filters
NOT_FILTERS = ("q", "page", "sort")
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
CHUNK = 64 * 1024

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _solr_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_params() -> dict[str, Any]:
    """The search page's parameters as a package_search query; a malformed one is a 400."""
    fq, extras = f"+dataset_type:{DATASET_TYPE}", {}
    for param, value in request.args.items(multi=True):
        if param in NOT_FILTERS or not value or param.startswith("_"):
            continue
        if not FIELD_NAME.match(param):
            tk.abort(400, tk._("Unknown search parameter: {name}").format(name=param[:100]))
        if param.startswith("ext_"):
            extras[param] = value
        else:
            fq += f" +{param}:{_solr_quote(value)}"
    sort = request.args.get("sort") or tk.config.get("ckan.search.default_package_sort")
    sort = SORT_OPTIONS.get(sort, sort)
    return {
        "q": request.args.get("q", ""),
        "fq": fq,
        "extras": extras,
        # a total order, so that pages neither skip nor repeat a process
        "sort": f"{sort}, id asc",
        "fl": ["validated_data_dict"],
        "include_private": tk.config.get("ckan.search.default_include_private"),
    }


def _context() -> dict[str, Any]:
    user = tk.current_user
    return {"user": user.name if user and user.is_authenticated else "", "auth_user_obj": user}


def _page(context: dict[str, Any], params: dict[str, Any], start: int, rows: int) -> dict[str, Any]:
    return tk.get_action("package_search")(dict(context), dict(params, start=start, rows=rows))


def first_page(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The first page, asked before anything is sent, so that a bad query is a 400, not a broken download."""
    context, rows = _context(), int(tk.config.get("ckan.search.rows_max"))
    try:
        return context, _page(context, params, 0, rows), rows
    except SolrConnectionError:
        log.exception("Solr unavailable for a search download")
        return tk.abort(503, tk._("Search is unavailable; please try again later"))
    except (SearchQueryError, SearchError) as error:
        return tk.abort(400, tk._("Invalid search query: {error_message}").format(error_message=str(error)))
    except tk.ValidationError as error:
        return tk.abort(400, tk._("Invalid search query: {error_message}").format(
            error_message="; ".join(f"{key}: {value}" for key, value in error.error_dict.items())))


def datasets(params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every dataset the search finds, a page at a time (the first page asked at once)."""
    context, page, rows = first_page(params)

    def pages() -> Iterator[dict[str, Any]]:
        current, start = page, 0
        while True:
            for result in current["results"]:
                yield json.loads(result["validated_data_dict"])
            start += rows
            if len(current["results"]) < rows or start >= current["count"]:
                return
            current = _page(context, params, start, rows)

    return pages()


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value if item not in (None, ""))
    return value


def row(dataset: dict[str, Any]) -> list[Any]:
    values = {key: dataset.get(key) for key in COLUMNS}
    values["url"] = tk.url_for(f"{DATASET_TYPE}.read", id=dataset.get("name"), _external=True)
    values["publisher"] = (dataset.get("organization") or {}).get("title") or ""
    values["buyer"] = dataset.get("buyer_name")
    values["suppliers"] = dataset.get("supplier_names")
    values["value"] = next((dataset[key] for key in VALUE_FIELDS if dataset.get(key) not in (None, "")), None)
    return [_plain(values[key]) for key in COLUMNS]


def _csv_lines(rows: Iterator[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # the BOM spreadsheets need to read UTF-8
    writer.writerow(COLUMNS)
    for count, values in enumerate(rows, 1):
        writer.writerow([neutralise(value) if isinstance(value, str) else value for value in values])
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _attachment(response: Response, extension: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="contracting-processes.{extension}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def download_csv():
    found = datasets(search_params())
    lines = _csv_lines(row(dataset) for dataset in found)
    return _attachment(Response(stream_with_context(lines), mimetype=CSV_TYPE), "csv")


def _write_xlsx(handle, rows: Iterator[list[Any]]) -> None:
    """Row by row: XlsxWriter's constant-memory mode flushes each row to disk. Text is
    written as text, never as a formula or a link, whatever it starts with."""
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
               "strings_to_urls": False, "use_zip64": True}
    with xlsxwriter.Workbook(handle, options) as workbook:
        sheet = workbook.add_worksheet(tk._("Contracting processes")[:31])
        sheet.write_row(0, 0, COLUMNS)
        for index, values in enumerate(rows, 1):
            for column, value in enumerate(values):
                if isinstance(value, str):
                    sheet.write_string(index, column, value)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(index, column, value)
                elif value not in (None, ""):
                    sheet.write_string(index, column, str(value))


def _file_chunks(handle) -> Iterator[bytes]:
    try:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk
    finally:
        handle.close()


def download_xlsx():
    found = datasets(search_params())
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        _write_xlsx(handle, (row(dataset) for dataset in found))
        size = handle.tell()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = Response(_file_chunks(handle), mimetype=XLSX_TYPE)
    response.headers["Content-Length"] = str(size)
    return _attachment(response, "xlsx")


def register(blueprint) -> None:
    blueprint.add_url_rule(f"/{DATASET_TYPE}/download.csv", view_func=download_csv)
    blueprint.add_url_rule(f"/{DATASET_TYPE}/download.xlsx", view_func=download_xlsx)
