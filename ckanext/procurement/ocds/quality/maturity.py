"""The maturity ladder: which rung a publisher has reached, what is met and missing, its next steps.

It reads the figures (:meth:`Accumulator.to_json`), never the processes. Each rung lists
criteria: a measure and the share it must reach. A publisher is on the highest rung whose
criteria, and those of every rung below, are all met. The next steps are the first unmet
criteria from the bottom of the ladder, in plain language with the figures filled in.

Messages are marked with N_ and translated when shown: ``_(step["message"]).format(**step["params"])``.
"""

from __future__ import annotations

from typing import NamedTuple

from ..access import obj
from ..vocabulary import N_


class Criterion(NamedTuple):
    section: str  # "stages", "fields", "timeliness" or "bulk"
    name: str
    threshold: float
    label: str
    step: str  # what to do, with {missing} (the share lacking, "75%") and {share} (the share having)


RUNGS: tuple[tuple[str, str, tuple[Criterion, ...]], ...] = (
    ("opportunities", N_("Posts opportunities"), (
        Criterion("stages", "tender", 0.5, N_("Processes with a published tender"),
                  N_("Publish your opportunities: only {share} of processes have a tender.")),
        Criterion("fields", "tender_title", 0.9, N_("Tenders with a title"),
                  N_("Give every tender a title: {missing} of tenders have none.")),
        Criterion("fields", "tender_period", 0.9, N_("Tenders with start and end dates"),
                  N_("Publish when each tender opens and closes: {missing} of tenders lack a date.")),
        Criterion("fields", "buyer_name", 0.9, N_("Processes naming the buyer"),
                  N_("Name the buying department: {missing} of processes don't.")),
    )),
    ("awards", N_("Publishes awards"), (
        Criterion("stages", "award", 0.5, N_("Processes with a published award"),
                  N_("Publish who won: only {share} of processes have an award.")),
        Criterion("fields", "award_value", 0.9, N_("Awards with a value"),
                  N_("Publish the value of each award: {missing} of awards have none.")),
        Criterion("fields", "award_date", 0.9, N_("Awards with a date"),
                  N_("Publish the date of each award: {missing} of awards have none.")),
        Criterion("fields", "award_supplier_name", 0.9, N_("Awards naming the supplier"),
                  N_("Name the supplier of each award: {missing} of awards don't.")),
    )),
    ("contracts", N_("Publishes contracts"), (
        Criterion("stages", "contract", 0.5, N_("Processes with a published contract"),
                  N_("Publish the contracts you sign: only {share} of processes have one.")),
        Criterion("fields", "contract_period", 0.9, N_("Contracts with start and end dates"),
                  N_("Publish each contract's start and end dates: {missing} of contracts lack them.")),
        Criterion("fields", "contract_text_document", 0.5, N_("Contracts with the signed document"),
                  N_("Publish the signed contract document: {missing} of contracts have none.")),
    )),
    ("implementation", N_("Publishes implementation"), (
        Criterion("stages", "implementation", 0.25, N_("Processes with payments, milestones or reports"),
                  N_("Publish payments and milestones of your contracts: only {share} of processes have "
                     "any.")),
    )),
    ("lifecycle", N_("Publishes the whole lifecycle, on time, in bulk"), (
        Criterion("stages", "planning", 0.5, N_("Processes with planning or forecast data"),
                  N_("Publish your forecasts and budgets before tendering: only {share} of processes "
                     "have planning data.")),
        Criterion("timeliness", "award_published_within_30_days", 0.8, N_("Awards published within 30 days"),
                  N_("Publish awards within 30 days: {missing} of awards were published later or "
                     "without a date.")),
        Criterion("timeliness", "tender_closed_by_deadline", 0.9, N_("Tenders closed once their deadline passed"),
                  N_("Update tenders when bidding closes: {missing} still say they are open after their "
                     "deadline.")),
        Criterion("bulk", "bulk_downloads", 1.0, N_("Bulk downloads and an API"),
                  N_("Offer all your data as a bulk download and through the API.")),
    )),
)


def _share(figures: dict, criterion: Criterion, bulk: bool | None) -> float | None:
    if criterion.section == "bulk":
        return None if bulk is None else float(bool(bulk))
    if criterion.section == "timeliness":
        measures = obj(obj(figures.get("timeliness")).get("measures"))
        return obj(measures.get(criterion.name)).get("share")
    return obj(obj(figures.get(criterion.section)).get(criterion.name)).get("share")


def _percent(value: float) -> str:
    # the sign goes in the value, not the message: a "%" in a message makes gettext read it as %-format
    return f"{int(round(value * 100))}%"


def ladder(figures: dict, bulk: bool | None = None, steps: int = 3) -> dict:
    """The rung reached (0 = none), each rung with its criteria met or missing, and the next steps.

    :param bulk: whether the publisher's data is offered in bulk and through an API (known only
        to the portal); ``None`` counts as not shown.
    """
    rungs, next_steps, level, climbing = [], [], 0, True
    for number, (name, label, criteria) in enumerate(RUNGS, start=1):
        rows = []
        for criterion in criteria:
            value = _share(figures, criterion, bulk)
            met = value is not None and value >= criterion.threshold
            rows.append({"name": criterion.name, "label": criterion.label, "share": value,
                         "threshold": criterion.threshold, "met": met})
            if not met and len(next_steps) < steps:
                have = value or 0.0
                next_steps.append({"rung": name, "criterion": criterion.name, "message": criterion.step,
                                   "params": {"share": _percent(have), "missing": _percent(1 - have)}})
        rung_met = all(row["met"] for row in rows)
        climbing = climbing and rung_met
        level = number if climbing else level
        rungs.append({"name": name, "label": label, "met": rung_met, "criteria": rows})
    return {"level": level, "level_label": RUNGS[level - 1][1] if level else N_("Not yet on the ladder"),
            "rungs": rungs, "next_steps": next_steps}
