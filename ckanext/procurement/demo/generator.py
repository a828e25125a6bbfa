"""The generator's public names, for code that imports them from here.

The demo generator is split by what each piece models of the city:

- :mod:`.plans`: what a process will be (department, items, method, calendar);
- :mod:`.vendors`: the vendor registry; :mod:`.parties`: organizations in releases;
- :mod:`.facts`: what the city writes down about a process (wording, bids, awards, payments);
- :mod:`.tender`, :mod:`.contracts`: the sections of a release; :mod:`.releases`: the releases;
- :mod:`.feed`: the purchasing system with its clock and paging; :mod:`.changes`: unplanned updates;
- :mod:`.ocds`: publisher identity, dates and small OCDS values.
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
