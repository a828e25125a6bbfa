"""Atom feeds (RFC 4287) of contracting processes: the open opportunities and the forecast.

ElementTree escapes every harvested value; links are only ever this portal's own pages.
"""
from __future__ import annotations

import re
from typing import Any, Callable
from xml.etree import ElementTree as ET

import ckan.plugins.toolkit as tk

from ckanext.procurement.dataset import DATASET_TYPE

ATOM = "http://www.w3.org/2005/Atom"
# characters XML 1.0 does not allow (ElementTree writes them anyway, and readers reject the feed)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Harvested text without the characters XML 1.0 (and iCalendar readers) refuse."""
    return XML_ILLEGAL.sub("", value)


def _atom_time(value: str | None) -> str:
    return (value or "1970-01-01T00:00:00")[:19] + "Z"


def feed(title: str, self_url: str, page_url: str, datasets: list[dict[str, Any]],
         summary: Callable[[dict[str, Any]], str]) -> bytes:
    """A feed of `datasets`, each entry linking its process page, summarized by `summary`."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = f"{title} · {tk.config.get('ckan.site_title')}"
    ET.SubElement(root, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", href=page_url)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _atom_time(max((d.get("metadata_modified") or "" for d in datasets), default=""))
    for dataset in datasets:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        url = tk.url_for(f"{DATASET_TYPE}.read", id=dataset["name"], _external=True)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = dataset.get("title") or dataset["name"]
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = (dataset.get("metadata_modified") or "")[:19] + "Z"
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = dataset.get("buyer_name") or (dataset.get("organization") or {}).get("title") or ""
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = summary(dataset)
    for element in root.iter():
        if element.text:
            element.text = clean_text(element.text)
        for key, value in element.attrib.items():
            element.set(key, clean_text(value))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
