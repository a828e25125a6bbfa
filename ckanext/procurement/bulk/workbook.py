"""Header-only sheets added to the workbook flatterer writes.

flatterer writes a sheet for each table that has rows and none for a table
without any; the flattened XLSX has one sheet per table whatever the data, so
the missing ones are added here: each a worksheet part holding its header row,
listed in the workbook (at its place in the table order), its relationships,
the package's content types and the document's properties. The other parts
are copied as they are.
"""
from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from typing import Sequence

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
EXTENDED_PROPERTIES = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
DOC_PROPS_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKSHEET_RELATIONSHIP = RELATIONSHIPS + "/worksheet"

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES_PART = "[Content_Types].xml"
APP = "docProps/app.xml"


def _header_sheet(header: Sequence[str]) -> bytes:
    """A worksheet whose only row is `header`, as inline strings."""
    worksheet = etree.Element(f"{{{MAIN}}}worksheet", nsmap={None: MAIN})
    data = etree.SubElement(worksheet, f"{{{MAIN}}}sheetData")
    row = etree.SubElement(data, f"{{{MAIN}}}row", r="1")
    for column, text in enumerate(header):
        cell = etree.SubElement(row, f"{{{MAIN}}}c", r=f"{_column_letters(column)}1", t="inlineStr")
        etree.SubElement(etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t").text = text
    return etree.tostring(worksheet, xml_declaration=True, encoding="UTF-8", standalone=True)


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def add_header_sheets(path: Path, order: Sequence[str], headers: dict[str, Sequence[str]]) -> None:
    """Add a sheet for each of `headers` (sheet name -> header row) to the workbook at `path`,
    placed so that the sheets follow `order`."""
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in (WORKBOOK, WORKBOOK_RELS, CONTENT_TYPES_PART, APP)
                 if name in source.namelist()}
        workbook = etree.fromstring(parts[WORKBOOK])
        rels = etree.fromstring(parts[WORKBOOK_RELS])
        types = etree.fromstring(parts[CONTENT_TYPES_PART])
        sheets = workbook.find(f"{{{MAIN}}}sheets")
        taken_ids = [int(sheet.get("sheetId")) for sheet in sheets]
        taken_rels = {rel.get("Id") for rel in rels}
        new_parts = {}
        for name in order:
            if name not in headers:
                continue
            sheet_id = max(taken_ids, default=0) + 1
            taken_ids.append(sheet_id)
            rel_id = next(f"rId{n}" for n in range(1, len(taken_rels) + 2) if f"rId{n}" not in taken_rels)
            taken_rels.add(rel_id)
            number = sheet_id
            while f"xl/worksheets/sheet{number}.xml" in source.namelist() or f"xl/worksheets/sheet{number}.xml" in new_parts:
                number += 1
            part = f"worksheets/sheet{number}.xml"
            new_parts[f"xl/{part}"] = _header_sheet(headers[name])
            etree.SubElement(rels, f"{{{PACKAGE_RELATIONSHIPS}}}Relationship", Id=rel_id, Type=WORKSHEET_RELATIONSHIP,
                             Target=part)
            etree.SubElement(types, f"{{{CONTENT_TYPES}}}Override", PartName=f"/xl/{part}", ContentType=WORKSHEET_TYPE)
            sheet = etree.Element(f"{{{MAIN}}}sheet", name=name, sheetId=str(sheet_id))
            sheet.set(f"{{{RELATIONSHIPS}}}id", rel_id)
            _insert_in_order(sheets, sheet, order)
        names = [sheet.get("name") for sheet in sheets]
        rewritten = {
            WORKBOOK: _xml(workbook), WORKBOOK_RELS: _xml(rels), CONTENT_TYPES_PART: _xml(types),
        }
        if APP in parts:
            rewritten[APP] = _app_properties(parts[APP], names)
        temporary = path.with_name(path.name + ".sheets")
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as target:
            for info in source.infolist():
                if info.filename in rewritten:
                    target.writestr(info.filename, rewritten[info.filename])
                else:
                    with source.open(info) as reader, target.open(info.filename, "w", force_zip64=True) as writer:
                        shutil.copyfileobj(reader, writer, 1 << 20)
            for name, data in new_parts.items():
                target.writestr(name, data)
    os.replace(temporary, path)


def _insert_in_order(sheets, sheet, order: Sequence[str]) -> None:
    position = order.index(sheet.get("name"))
    for index, existing in enumerate(sheets):
        if existing.get("name") in order and order.index(existing.get("name")) > position:
            sheets.insert(index, sheet)
            return
    sheets.append(sheet)


def _app_properties(data: bytes, names: list[str]) -> bytes:
    """docProps/app.xml with the worksheet count and titles of the sheets as they now are."""
    properties = etree.fromstring(data)
    vector = f"{{{DOC_PROPS_TYPES}}}vector"
    pairs = properties.find(f"{{{EXTENDED_PROPERTIES}}}HeadingPairs/{vector}")
    titles = properties.find(f"{{{EXTENDED_PROPERTIES}}}TitlesOfParts/{vector}")
    if pairs is None or titles is None or len(pairs) != 2:
        return data  # not the layout flatterer writes: left as it is (readers don't need it)
    pairs[1][0].text = str(len(names))
    for child in list(titles):
        titles.remove(child)
    for name in names:
        etree.SubElement(titles, f"{{{DOC_PROPS_TYPES}}}lpstr").text = name
    titles.set("size", str(len(names)))
    return _xml(properties)


def _xml(element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
