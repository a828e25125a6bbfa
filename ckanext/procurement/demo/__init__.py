"""Demo purchasing system: a fictional US city's procurement office publishing OCDS 1.1.

Pure Python (no CKAN imports). ``python -m ckanext.procurement.demo`` serves it
over HTTP; tests use :class:`DemoServer` in-process::

    from ckanext.procurement.demo import DemoServer

    with DemoServer(processes=50, seed=1) as server:
        url = server.url + "/api/releases.json"

:class:`PurchasingSystem` is the data and clock behind the server, and
:func:`generate` yields processes (lists of releases) without a server.
"""

from .exports import CONTRACT_COLUMNS, contract_rows, iter_contract_rows
from .facts import is_hostile_index
from .feed import CursorError, Page, PurchasingSystem, generate
from .ocds import OCID_PREFIX, PUBLISHER
from .plans import STAGES, Plan, make_plan
from .releases import Process, render_process
from .server import DemoServer, MERGE_RULES, make_merger
from .vendors import Vendor

__all__ = [
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
