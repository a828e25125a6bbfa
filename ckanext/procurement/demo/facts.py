"""The facts of one process that its releases tell: wording, bids, awards, payments, milestones.

Where a :class:`~.plans.Plan` decides what a process is and when things happen,
its facts are what the city writes down about it: the solicitation's title,
who bid and at what price, who won each lot, what each contract pays and when,
which milestones are met. They are drawn once, from ``(seed, index)`` and in a
fixed order, before any release is written, so every release of a process
tells the same story and any release can be built on its own.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from . import data
from .parties import department_id, department_name
from .plans import MAX_VALUE, Event, Plan, round_price
from .vendors import Vendor

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_HTML = '<img src=x onerror="alert(1)">'
HOSTILE_URL = "javascript:alert(1)"

# Release tags for each kind of event.
EVENT_TAG = {
    "planning": "planning",
    "tender": "tender",
    "tenderAmendment": "tenderAmendment",
    "bidOpening": "tenderUpdate",
    "award": "award",
    "contract": "contract",
    "implementation": "implementation",
    "contractAmendment": "contractAmendment",
    "termination": "contractTermination",
    "cancellation": "tenderCancellation",
    "unsuccessful": "tenderUpdate",
}

_FACILITIES = {
    "police": ("7th District Station", "Police Headquarters", "Police Training Academy", "2nd District Station"),
    "fire": ("Fire Station No. 9", "Engine Company 14", "Fire Academy", "Fire Station No. 3"),
    "parks": ("Washington Park Fieldhouse", "Bunn Park Pool", "Lincoln Park Pavilion", "Douglas Park Fieldhouse"),
    "library": ("Main Library", "Lincoln Branch Library", "Oak Ridge Branch Library"),
    "fleet": ("Central Garage", "City Hall Annex", "Municipal Center West", "South Yard Salt Dome"),
    "planning": ("Midtown Redevelopment Area", "Eastside Business Incubator", "Old Capitol Plaza"),
    "aviation": ("Terminal B", "Runway 4/22", "Taxiway C", "Airport Maintenance Building"),
}


def is_hostile_index(index: int) -> bool:
    """Which processes carry hostile data when the hostile switch is on (2%)."""
    return index % 50 == 3


@dataclass
class Bids:
    """The bids received: from whom, at what price, which were thrown out, and when they came in."""

    bidders: list[Vendor]
    ratios: list[float]  # each bid's price over the estimate
    disqualified: list[bool]
    hours_early: list[int]  # hours before the bid opening each bid arrived


@dataclass
class Facts:
    """Everything one process's releases say, drawn before any of them is written."""

    plan: Plan
    hostile: bool  # this process carries hostile data
    title: str
    description: str
    spec: str  # the specification (solicitation) number
    months: int | None  # contract term
    tender_value: float
    budget: float
    bids: Bids
    lots: list[tuple[int, list[int]]]  # (winning bidder, line indexes) per award
    supplier_names: dict[int, str]  # winning bidder -> name as published
    award_values: list[float]
    po_numbers: list[str]  # purchase order (contract) number per award
    values_over_time: list[float]  # contract 1's value, then after each modification
    payment_plan: list[list[float]]  # per contract, every payment it will get
    milestone_met: list[bool]
    milestone_delay: list[int]  # days after the due date a milestone is met (negative: early)
    amendment_rationales: list[str]
    cancel_reason: str
    unsuccessful_reason: str
    direct_rationale: str  # why the method is not an open competition
    planning_rationale: str
    release_ids: list[tuple[datetime, str]]  # (date, id) of each release, in order
    amendment_release_ids: dict[int, str]  # modification number -> id of its release

    @property
    def ocid(self) -> str:
        return self.plan.ocid

    @property
    def year(self) -> int:
        return self.plan.events[0].when.year

    @property
    def n_bids(self) -> int:
        return len(self.bids.bidders)

    def event(self, kind: str) -> Event | None:
        """The first event of ``kind``, if the process has one."""
        return next((e for e in self.plan.events if e.kind == kind), None)

    @property
    def buyer_ref(self) -> dict:
        department = self.plan.department
        return {"id": department_id(department), "name": department_name(department)}

    def vendor_ref(self, k: int) -> dict:
        """An OrganizationReference to bidder ``k``."""
        vendor = self.bids.bidders[k]
        return {"id": vendor.party_id, "name": self.supplier_names.get(k, vendor.name)}

    def release_id_before(self, when: datetime) -> str | None:
        """The id of the last release dated before ``when``."""
        candidates = [rid for date_, rid in self.release_ids if date_ < when]
        return candidates[-1] if candidates else None


def draw_facts(plan: Plan, vendors: tuple[Vendor, ...], hostile: bool = False) -> Facts:
    """Draw the facts of ``plan``'s process; ``hostile`` plants hostile data in 2% of processes."""
    rng = random.Random(f"{plan.seed}:{plan.index}:content")
    hostile = hostile and is_hostile_index(plan.index)
    kind, details, criteria = plan.method
    year = plan.events[0].when.year
    months = None
    if plan.contract_start and plan.contract_end:
        months = max(1, round((plan.contract_end - plan.contract_start).days / 30.44))
    title = _title(plan, rng, year)
    description = _description(plan, months)
    if hostile:
        title = f"{HOSTILE_SCRIPT}{title}"
        description = f"{description} {HOSTILE_HTML}"
    tender_value = min(round_price(plan.value * rng.uniform(0.97, 1.12)), float(MAX_VALUE))
    budget = round(tender_value * rng.uniform(1.0, 1.2), -3) or 1000.0
    bids = _draw_bids(rng, plan, vendors)
    lots = _lots(plan, _rank(rng, bids, criteria))
    award_values = [round(sum(plan.lines[i].total for i in line_ids) * bids.ratios[b], 2) for b, line_ids in lots]
    values_over_time = _values_over_time(plan, award_values)
    release_ids, amendment_release_ids = _release_ids(plan)
    return Facts(
        plan=plan,
        hostile=hostile,
        title=title,
        description=description,
        spec=f"{year % 100:02d}-{plan.department.code}{plan.index + 1:06d}",
        months=months,
        tender_value=tender_value,
        budget=budget,
        bids=bids,
        lots=lots,
        supplier_names=_supplier_names(bids, lots, hostile),
        award_values=award_values,
        po_numbers=[str(2_000_000 + plan.index * 4 + k) for k in range(len(lots))],
        values_over_time=values_over_time,
        payment_plan=_payment_plan(rng, plan, award_values, values_over_time),
        milestone_met=[rng.random() >= 0.15 for _ in data.MILESTONES[plan.category]],
        milestone_delay=[rng.randint(-6, 12) for _ in data.MILESTONES[plan.category]],
        amendment_rationales=[rng.choice(data.AMENDMENT_RATIONALES[a.kind]) for a in plan.amendments],
        cancel_reason=rng.choice(data.CANCELLATION_REASONS),
        unsuccessful_reason=rng.choice(data.UNSUCCESSFUL_REASONS),
        direct_rationale=_direct_rationale(rng, details, plan.category),
        planning_rationale=(f"The {plan.department.name} requires {plan.lines[0].item.title.lower()} to maintain "
                            f"city services; funds are included in the FY{year} appropriation ordinance."),
        release_ids=release_ids,
        amendment_release_ids=amendment_release_ids,
    )


def _title(plan: Plan, rng: random.Random, year: int) -> str:
    """The solicitation's title: the items, and for construction the facility or program."""
    item = plan.lines[0].item
    if len(plan.lines) == 2:
        title = f"{item.title} and {plan.lines[1].item.title}"
    elif len(plan.lines) > 2:
        title = f"{item.title}, {plan.lines[1].item.title} and Related Items"
    else:
        title = item.title
    if plan.category == "works":
        facilities = _FACILITIES.get(plan.department.slug)
        if facilities and plan.sector in ("building_construction", "airfield"):
            return f"{title} - {rng.choice(facilities)}"
        return f"{title} - {year} Program, Package {rng.randint(1, 6)}"
    if plan.method[1] == "Small Purchase" or plan.category == "goods":
        return title
    if rng.random() < 0.5:
        return f"{title} for the {plan.department.name}"
    return title


def _description(plan: Plan, months: int | None) -> str:
    """The scope of work: what is bought, for whom, and for how long."""
    item = plan.lines[0].item
    text = f"{item.description}, for the {plan.department.name}."
    if len(plan.lines) > 1:
        text += " Also includes: " + "; ".join(line.item.description.lower() for line in plan.lines[1:]) + "."
    if months:
        if plan.category == "works":
            text += f" Work to be completed within {months} months of the notice to proceed."
        else:
            text += f" Term of {months} months"
            text += " with two one-year renewal options." if months >= 24 else "."
    return text


def _draw_bids(rng: random.Random, plan: Plan, vendors: tuple[Vendor, ...]) -> Bids:
    """Who bids: vendors of the plan's sector, more for open competitions, none valid if unsuccessful."""
    kind, details, _criteria = plan.method
    pool = [v for v in vendors if plan.sector in v.sectors] or list(vendors)
    outcome = next((e.kind for e in plan.events if e.kind in ("cancellation", "unsuccessful")), None)
    if outcome == "unsuccessful":
        n_bids = rng.choice((0, 0, 1))
    elif kind == "direct" or details == "Cooperative Purchase":
        n_bids = 1
    elif details == "Small Purchase":
        n_bids = rng.randint(1, 4)
    else:
        n_bids = rng.choices((1, 2, 3, 4, 5, 6, 7), (0.1, 0.2, 0.25, 0.2, 0.12, 0.08, 0.05))[0]
    n_bids = min(n_bids, len(pool))
    bidders = rng.sample(pool, n_bids)
    ratios = [rng.uniform(0.82, 1.25) for _ in bidders]
    disqualified = [False] * n_bids
    if n_bids > 2:
        for k in range(n_bids):
            disqualified[k] = rng.random() < 0.1
    hours_early = [rng.randint(1, 96) for _ in bidders]
    if outcome == "unsuccessful":
        disqualified = [True] * n_bids
    if outcome is None and n_bids and all(disqualified):
        disqualified[0] = False  # a process that goes on to an award has a responsive bid
    return Bids(bidders, ratios, disqualified, hours_early)


def _rank(rng: random.Random, bids: Bids, criteria: str) -> list[int]:
    """The valid bids, best first: lowest price, or for rated criteria price and a score."""
    valid = [k for k in range(len(bids.bidders)) if not bids.disqualified[k]]
    if criteria == "priceOnly":
        return sorted(valid, key=lambda k: bids.ratios[k])
    return sorted(valid, key=lambda k: bids.ratios[k] * rng.uniform(0.85, 1.15))


def _lots(plan: Plan, ranking: list[int]) -> list[tuple[int, list[int]]]:
    """The awards as (bidder, line indexes): one line per lot to the best bidders, the rest to the last."""
    n_awards = min(plan.n_awards, len(ranking)) if ranking else 0
    if n_awards > 1:
        lots = [(ranking[k], [k]) for k in range(n_awards - 1)]
        lots.append((ranking[n_awards - 1], list(range(n_awards - 1, len(plan.lines)))))
        return lots
    if ranking:
        return [(ranking[0], list(range(len(plan.lines))))]
    return []


def _supplier_names(bids: Bids, lots: list[tuple[int, list[int]]], hostile: bool) -> dict[int, str]:
    """The published name of each winning bidder (the first one hostile, if the process is)."""
    names = {}
    for n, (bidder, _) in enumerate(lots):
        vendor = bids.bidders[bidder]
        names[bidder] = f'"><script>alert(1)</script>{vendor.name}' if hostile and n == 0 else vendor.name
    return names


def _values_over_time(plan: Plan, award_values: list[float]) -> list[float]:
    """Contract 1's value as awarded and after each modification (other lots run as awarded)."""
    values = [award_values[0]] if award_values else []
    for amendment in plan.amendments:
        delta = round(award_values[0] * amendment.fraction, -2)
        values.append(round(values[-1] + delta, 2))
    return values


def _payment_plan(rng: random.Random, plan: Plan, award_values: list[float],
                  values_over_time: list[float]) -> list[list[float]]:
    """Every payment each contract will get: together 70-97% of its lowest value, never more."""
    n_payments = sum(plan.payments_per_run)
    payment_plan = []
    for k, value in enumerate(award_values):
        lowest = min(values_over_time) if k == 0 else value
        target = lowest * rng.uniform(0.7, 0.97)
        weights = [rng.uniform(0.6, 1.4) for _ in range(n_payments)]
        total_weight = sum(weights) or 1.0
        payment_plan.append([math.floor(target * w / total_weight * 100) / 100 for w in weights])
    return payment_plan


def _direct_rationale(rng: random.Random, details: str, category: str) -> str:
    """Why a purchase is not openly competed: sole source, emergency or cooperative contract."""
    if details == "Sole Source":
        return rng.choice(data.SOLE_SOURCE_RATIONALES)
    if details == "Emergency Procurement":
        return rng.choice(data.EMERGENCY_RATIONALES[category])
    if details == "Cooperative Purchase":
        return (f"Purchase under the {rng.choice(data.COOPERATIVE_AGREEMENTS)} cooperative contract, "
                "competitively solicited by the lead agency.")
    return ""


def _release_ids(plan: Plan) -> tuple[list[tuple[datetime, str]], dict[int, str]]:
    """The (date, id) of each release, and the id of each contract modification's release."""
    release_ids = []
    amendment_release_ids = {}
    for seq, event in enumerate(plan.releases, 1):
        release_id = f"{plan.ocid}-{seq:02d}-{EVENT_TAG[event.kind]}"
        release_ids.append((event.when, release_id))
        if event.kind == "contractAmendment":
            amendment_release_ids[event.number] = release_id
    return release_ids, amendment_release_ids
