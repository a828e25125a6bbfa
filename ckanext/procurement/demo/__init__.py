"""Demo purchasing system: a fictional US city's procurement office publishing OCDS 1.1.

Pure Python (no CKAN imports). ``python -m ckanext.procurement.demo`` serves it
over HTTP; tests use :class:`DemoServer` in-process::

    from ckanext.procurement.demo import DemoServer

    with DemoServer(processes=50, seed=1) as server:
        url = server.url + "/api/releases.json"

:class:`PurchasingSystem` is the data and clock behind the server, and
:func:`generate` yields processes (lists of releases) without a server.

Every process is computed on demand from ``(seed, index)``, in two steps: its
*plan* (what, how, when) and then its releases. The modules, by what they model:

- :mod:`.plans`: what a process will be: department, items, method, calendar;
- :mod:`.vendors`: the vendor registry; :mod:`.parties`: the organizations a release names;
- :mod:`.facts`: what the city writes down about a process: wording, bids, awards, payments;
- :mod:`.tender`, :mod:`.contracts`: the sections of a release; :mod:`.releases`: a process's releases;
- :mod:`.feed`: the purchasing system, its clock and paging; :mod:`.changes`: unplanned updates;
- :mod:`.ocds`: the publisher's identity, dates and small OCDS values;
- :mod:`.exports`: the flat contracts export; :mod:`.server`: the HTTP API; :mod:`.data`: reference data.
"""

from .exports import CONTRACT_COLUMNS, contract_rows, iter_contract_rows
from .facts import is_hostile_index
from .feed import CursorError, Page, PurchasingSystem, generate
from .ocds import OCID_PREFIX, PUBLISHER
from .plans import STAGES, Plan, make_plan
from .releases import Process, render_process
from .mapping import CHICAGO_MAPPING
from .server import DemoServer, MERGE_RULES, make_merger
from .vendors import Vendor

__all__ = [
    "CHICAGO_MAPPING",
    "CONTRACT_COLUMNS",
    "CursorError",
    "DemoServer",
    "MERGE_RULES",
    "OCID_PREFIX",
    "PUBLISHER",
    "Page",
    "Plan",
    "Process",
    "PurchasingSystem",
    "STAGES",
    "Vendor",
    "contract_rows",
    "generate",
    "is_hostile_index",
    "iter_contract_rows",
    "make_merger",
    "make_plan",
    "render_process",
]
