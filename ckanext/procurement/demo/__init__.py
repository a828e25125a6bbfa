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
from .generator import (
    OCID_PREFIX,
    PUBLISHER,
    STAGES,
    CursorError,
    Page,
    Plan,
    Process,
    PurchasingSystem,
    Vendor,
    generate,
    is_hostile_index,
    make_plan,
    render_process,
)
from .mapping import CHICAGO_MAPPING
from .server import DemoServer, MERGE_RULES, make_merger

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
