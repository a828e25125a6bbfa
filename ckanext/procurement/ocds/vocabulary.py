"""The codes the portal derives for a process (stage, status, value band) and their English labels.

The labels are marked with :func:`N_` so that the portal's message catalog picks them up; the
CKAN glue (``ckanext.procurement.labels``) translates them when it shows them. The rules that
choose a code live in :mod:`.stages` and :mod:`.amounts`.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a string for translation (``pybabel extract -k N_``); it is translated when shown."""
    return message


STAGE_LABELS = {
    "planning": N_("Planning"),
    "tender": N_("Tender"),
    "award": N_("Award"),
    "contract": N_("Contract"),
    "implementation": N_("Implementation"),
}
STAGES = tuple(STAGE_LABELS)

# The plain-language status of a process (see stages.plain_status()).
STATUS_LABELS = {
    "planned": N_("Planned"),
    "open": N_("Open for bids"),
    "evaluation": N_("Under evaluation"),
    "awarded": N_("Awarded"),
    "active": N_("Active"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
    "unsuccessful": N_("Unsuccessful"),
}
STATUSES = tuple(STATUS_LABELS)

# (code, lower bound inclusive, upper bound exclusive), on the best known value.
VALUE_BANDS = (
    ("under-10k", 0, 10_000),
    ("10k-100k", 10_000, 100_000),
    ("100k-1m", 100_000, 1_000_000),
    ("1m-10m", 1_000_000, 10_000_000),
    ("10m-plus", 10_000_000, float("inf")),
)
VALUE_BAND_LABELS = {
    "under-10k": N_("Under $10,000"),
    "10k-100k": N_("$10,000 to $100,000"),
    "100k-1m": N_("$100,000 to $1 million"),
    "1m-10m": N_("$1 million to $10 million"),
    "10m-plus": N_("Over $10 million"),
}
