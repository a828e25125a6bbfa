"""The names of the former single-module generator, for code that imports them from here.

The generator is now split by what each piece models of the city; the package
docstring (:mod:`ckanext.procurement.demo`) lists the modules.
"""

from .facts import HOSTILE_HTML, HOSTILE_SCRIPT, HOSTILE_URL, is_hostile_index
from .feed import CursorError, Page, PurchasingSystem, decode_cursor, encode_cursor, generate
from .ocds import (
    CERT_SCHEME,
    EXTENSIONS,
    LICENSE,
    OCID_PREFIX,
    PUBLICATION_POLICY,
    PUBLISHER,
    VENDOR_SCHEME,
    format_datetime,
    parse_datetime,
)
from .plans import STAGES, Amendment, Event, Line, Plan, make_plan, stage_for
from .releases import Process, render_process
from .vendors import Vendor, build_vendors

__all__ = [
    "CERT_SCHEME",
    "EXTENSIONS",
    "HOSTILE_HTML",
    "HOSTILE_SCRIPT",
    "HOSTILE_URL",
    "LICENSE",
    "OCID_PREFIX",
    "PUBLICATION_POLICY",
    "PUBLISHER",
    "STAGES",
    "VENDOR_SCHEME",
    "Amendment",
    "CursorError",
    "Event",
    "Line",
    "Page",
    "Plan",
    "Process",
    "PurchasingSystem",
    "Vendor",
    "build_vendors",
    "decode_cursor",
    "encode_cursor",
    "format_datetime",
    "generate",
    "is_hostile_index",
    "make_plan",
    "parse_datetime",
    "render_process",
    "stage_for",
]
