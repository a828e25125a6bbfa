"""Flat exports of the demo purchasing system, in the style of Chicago's "Contracts" table.

One row per contract *modification*: revision 0 is the original award, later
revisions carry the change in value (the delta, which can be negative) and the
contract's end date after the modification. Rows are derived from the published
OCDS releases, so the export and the API always agree.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import IO, Iterable, Iterator

from .data import CITY, CONTRACT_TYPES
from .feed import PurchasingSystem
from .ocds import CERT_SCHEME

CONTRACT_COLUMNS = (
    "purchase_order_number",
    "revision_number",
    "specification_number",
    "purchase_order_description",
    "department",
    "vendor_name",
    "vendor_id",
    "address",
    "city",
    "state",
    "zip",
    "award_amount",
    "procurement_type",
    "contract_type",
    "start_date",
    "end_date",
    "approval_date",
    "contract_pdf",
    "business_size",
    "certifications",
)


def _day(value: str | None) -> str:
    return value[:10] if value else ""


def _amount(value: float) -> str:
    return f"{value:.2f}"


def contract_rows(releases: list[dict]) -> list[dict]:
    """The export rows of one process, from its published releases (in date order)."""
    tender: dict = {}
    parties: dict[str, dict] = {}
    buyer_name = ""
    awards: dict[str, dict] = {}
    contracts: dict[str, dict] = {}  # contract id -> state
    rows: list[dict] = []
    for release in releases:
        for party in release.get("parties", ()):
            parties[party["id"]] = party
        if release.get("buyer"):
            buyer_name = release["buyer"].get("name", buyer_name)
        if release.get("tender"):
            tender = release["tender"]
        for award in release.get("awards", ()):
            awards[award["id"]] = award
        for contract in release.get("contracts", ()):
            state = contracts.get(contract["id"])
            value = contract.get("value", {}).get("amount", 0.0)
            end = contract.get("period", {}).get("endDate")
            if state is None:
                state = {"value": value, "amendments": set(), "revision": 0}
                contracts[contract["id"]] = state
                rows.append(_row(contract, 0, value, end, contract.get("dateSigned"), tender, awards, parties,
                                 buyer_name))
                for amendment in contract.get("amendments", ()):
                    state["amendments"].add(amendment["id"])
                continue
            for amendment in contract.get("amendments", ()):
                if amendment["id"] in state["amendments"]:
                    continue
                state["amendments"].add(amendment["id"])
                state["revision"] += 1
                delta = round(value - state["value"], 2)
                rows.append(_row(contract, state["revision"], delta, end, amendment.get("date"), tender, awards,
                                 parties, buyer_name))
            state["value"] = value
    return rows


def _row(contract: dict, revision: int, amount: float, end: str | None, approved: str | None, tender: dict,
         awards: dict, parties: dict, buyer_name: str) -> dict:
    award = awards.get(contract.get("awardID"), {})
    suppliers = award.get("suppliers") or [{}]
    vendor = parties.get(suppliers[0].get("id"), {})
    address = vendor.get("address", {})
    vendor_number = next((i.get("id") for i in vendor.get("additionalIdentifiers", ())), "")
    details = vendor.get("details", {})
    certifications = [c["id"] for c in details.get("classifications", ()) if c.get("scheme") == CERT_SCHEME]
    pdf = next((d.get("url") for d in contract.get("documents", ()) if d.get("documentType") == "contractSigned"),
               "")
    category = tender.get("mainProcurementCategory", "")
    contract_type = CONTRACT_TYPES.get(category, "")
    if "consultingServices" in tender.get("additionalProcurementCategories", ()):
        contract_type = "Professional Services"
    department = buyer_name
    if department.startswith(f"{CITY}, "):
        department = department[len(CITY) + 2:]
    return {
        "purchase_order_number": contract.get("id", ""),
        "revision_number": revision,
        "specification_number": tender.get("id", ""),
        "purchase_order_description": contract.get("title", ""),
        "department": department,
        "vendor_name": vendor.get("name", suppliers[0].get("name", "")),
        "vendor_id": vendor_number,
        "address": address.get("streetAddress", ""),
        "city": address.get("locality", ""),
        "state": address.get("region", ""),
        "zip": address.get("postalCode", ""),
        "award_amount": _amount(amount),
        "procurement_type": tender.get("procurementMethodDetails", ""),
        "contract_type": contract_type,
        "start_date": _day(contract.get("period", {}).get("startDate")),
        "end_date": _day(end),
        "approval_date": _day(approved),
        "contract_pdf": pdf,
        "business_size": details.get("scale", ""),
        "certifications": ";".join(certifications),
    }


def iter_contract_rows(system: PurchasingSystem, until: datetime | None = None) -> Iterator[dict]:
    """Every export row, process by process (only processes with a published contract)."""
    until = until or system.now
    for index in range(system.n):
        plan = system.plan(index)
        contract = next((e for e in plan.events if e.kind == "contract"), None)
        if contract is None or contract.when > until:
            continue  # no published contract: skip without rendering
        releases = system.releases(index, until)
        if releases:
            yield from contract_rows(releases)


def write_csv(rows: Iterable[dict], stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=CONTRACT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)


def iter_csv_chunks(rows: Iterable[dict], rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The CSV as UTF-8 chunks, for streaming."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CONTRACT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[dict], target) -> None:
    """Write the rows as an XLSX workbook (openpyxl write-only mode) to a path or binary file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Contracts")
    sheet.append(list(CONTRACT_COLUMNS))
    for row in rows:
        values = [row[column] for column in CONTRACT_COLUMNS]
        values[CONTRACT_COLUMNS.index("award_amount")] = float(row["award_amount"])
        sheet.append(values)
    workbook.save(target)
