"""What a contracting process of the city will be: its plan.

A plan is every structural decision about one process, drawn from
``(seed, index)``: which department buys what (items, quantities, prices), by
which procurement method, and the calendar of its events (planning notice,
tender, addendum, bid opening, award, contract, modifications, payment runs,
close-out). Drawing a plan is cheap (a few dozen random numbers), so scans over
all processes, for ``since=`` queries, only ever compute plans.

The calendar of each process is placed relative to the system's starting clock
so that, at that clock, the process is in a chosen *stage* (see :data:`STAGES`):
there are always open solicitations with future bid deadlines, tenders under
evaluation, contracts being paid, and so on. Each calendar continues past the
clock, so moving the clock forward publishes what happens next.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import data
from .data import Department, Item
from .ocds import OCID_PREFIX

#: Stage of a process at the system's starting clock, with its share of processes.
STAGES: dict[str, float] = {
    "planning": 0.10,  # planning notice only, tender to come
    "open": 0.15,  # solicitation open, bid deadline in the future
    "evaluation": 0.10,  # bids opened, award pending
    "awarded": 0.10,  # award made, contract not yet signed
    "contract": 0.12,  # contract signed, no payment yet
    "implementation": 0.18,  # payments and milestones
    "amended": 0.10,  # contract modified (value or period), being paid
    "completed": 0.10,  # contract closed out
    "cancelled": 0.03,  # tender cancelled
    "unsuccessful": 0.02,  # no responsive bids
}

# Stage a process is in after each kind of event.
EVENT_STAGE = {
    "planning": "planning",
    "tender": "open",
    "tenderAmendment": "open",
    "deadline": "closed",
    "bidOpening": "evaluation",
    "award": "awarded",
    "contract": "contract",
    "implementation": "implementation",
    "contractAmendment": "amended",
    "termination": "completed",
    "cancellation": "cancelled",
    "unsuccessful": "unsuccessful",
}
# Order of events on the same day.
_EVENT_ORDER = {kind: n for n, kind in enumerate(EVENT_STAGE)}

_DEPARTMENT_WEIGHTS = (10, 7, 10, 10, 10, 6, 7, 4, 8, 5, 8, 7, 3, 3, 4)
_GOLDEN = (math.sqrt(5) - 1) / 2
_SMALL_PURCHASE_LIMIT = 75_000
#: The largest contract value the city lets a single process reach.
MAX_VALUE = 25_000_000
DAY = timedelta(days=1)
_NO_SOLICITATION = ("Cooperative Purchase", "Emergency Procurement")  # published at award
# Days a solicitation stays open, and days of evaluation after the bid deadline, by method.
_BID_PERIOD_DAYS = {"Invitation for Bid": (21, 42), "Request for Proposals": (30, 60),
                    "Request for Qualifications": (28, 45), "Small Purchase": (7, 14), "Sole Source": (10, 15)}
_EVALUATION_DAYS = {"Invitation for Bid": (14, 45), "Request for Proposals": (45, 120),
                    "Request for Qualifications": (40, 100), "Small Purchase": (4, 15), "Sole Source": (5, 20)}


def stage_for(seed: int, index: int) -> str:
    """The stage of process ``index`` at the starting clock.

    A low-discrepancy (golden ratio) sequence spreads the stages evenly, so the
    shares in :data:`STAGES` hold closely for any number of processes and every
    stage appears as soon as there are a few dozen processes.
    """
    offset = (seed * _GOLDEN * 7.0) % 1.0
    u = (index * _GOLDEN + offset) % 1.0
    total = 0.0
    for stage, share in STAGES.items():
        total += share
        if u < total:
            return stage
    return "unsuccessful"


@dataclass
class Line:
    """One line of a purchase: an item from the city's catalogue, how many, at what unit price."""

    item: Item
    quantity: int
    unit_price: float

    @property
    def total(self) -> float:
        return round(self.quantity * self.unit_price, 2)


@dataclass
class Event:
    """Something that happens to a process on a date; all but the bid ``deadline`` publish a release."""

    kind: str  # a key of EVENT_STAGE
    when: datetime
    number: int = 0  # addendum, modification or payment-run number


@dataclass
class Amendment:
    """A change order to a signed contract."""

    kind: str  # increase, decrease or extension
    fraction: float  # of the original contract value (negative for decreases)
    extension_days: int


@dataclass
class Plan:
    """Every structural decision about one process: what, how, when."""

    seed: int
    index: int
    stage: str  # stage at the starting clock
    department: Department
    category: str
    sector: str
    lines: list[Line]
    method: tuple[str, str, str]  # OCDS method, procurementMethodDetails, awardCriteria
    events: list[Event]  # in date order, including the non-release "deadline" marker
    n_awards: int
    amendments: list[Amendment]
    contract_start: datetime | None
    contract_end: datetime | None  # original end date
    payments_per_run: list[int] = field(default_factory=list)
    deadline: datetime | None = None  # bid (or objection) due date, after any extension
    extension_days: int = 0  # of the bid deadline by the addendum

    @property
    def ocid(self) -> str:
        return f"{OCID_PREFIX}-{self.events[0].when.year}-{self.index + 1:06d}"

    @property
    def value(self) -> float:
        return round(sum(line.total for line in self.lines), 2)

    @property
    def releases(self) -> list[Event]:
        return [event for event in self.events if event.kind != "deadline"]

    def stage_at(self, when: datetime) -> str | None:
        """The stage at ``when``, or None if nothing is published yet."""
        stage = None
        amended = False
        for event in self.events:
            if event.when > when:
                break
            if event.kind == "contractAmendment":
                amended = True
            stage = EVENT_STAGE[event.kind]
            if stage == "implementation" and amended:
                stage = "amended"
        return stage


@dataclass
class _Calendar:
    """A process's calendar while it is drawn, in days from its first event."""

    events: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, day, number)
    deadline: int | None = None
    extension: int = 0
    ended: str | None = None  # "cancellation" or "unsuccessful" ends the process early
    award_day: int = 0
    n_awards: int = 1
    amendments: list[Amendment] = field(default_factory=list)
    payments: list[int] = field(default_factory=list)
    contract_start: int | None = None
    contract_end: int | None = None

    def add(self, kind: str, day: int, number: int = 0) -> None:
        self.events.append((kind, day, number))


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    """A random number between ``low`` and ``high``, as likely in each order of magnitude."""
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def round_price(value: float) -> float:
    """A price rounded as a buyer would estimate it: cents, dollars, hundreds or thousands."""
    if value < 100:
        return round(value, 2)
    if value < 10_000:
        return round(value, 0)
    if value < 1_000_000:
        return round(value, -2)
    return round(value, -3)


def make_plan(seed: int, index: int, clock: datetime) -> Plan:
    """Draw the plan of process ``index``, with its calendar placed around ``clock``."""
    rng = random.Random(f"{seed}:{index}:plan")
    stage = stage_for(seed, index)
    department = rng.choices(data.DEPARTMENTS, _DEPARTMENT_WEIGHTS)[0]
    category = rng.choices(data.CATEGORIES, department.weights)[0]
    sector = rng.choice([s for s in department.sectors
                         if any(item.category == category for item in data.ITEMS_BY_SECTOR[s])])
    lines = _draw_lines(rng, category, sector, stage)
    method = _choose_method(rng, category, sector, sum(line.total for line in lines), stage)
    calendar = _draw_calendar(rng, stage, category, method, len(lines))
    origin = _origin(rng, calendar.events, stage, method[0], clock)
    return Plan(
        seed=seed,
        index=index,
        stage=stage,
        department=department,
        category=category,
        sector=sector,
        lines=lines,
        method=method,
        events=_timed_events(rng, calendar.events, origin),
        n_awards=calendar.n_awards,
        amendments=calendar.amendments,
        contract_start=_moment(origin, calendar.contract_start, timedelta()),
        contract_end=_moment(origin, calendar.contract_end, timedelta(hours=23, minutes=59, seconds=59)),
        payments_per_run=calendar.payments,
        deadline=_moment(origin, calendar.deadline, timedelta(hours=17)),  # 11:00 a.m. Central
        extension_days=calendar.extension,
    )


def _draw_lines(rng: random.Random, category: str, sector: str, stage: str) -> list[Line]:
    """What is bought: one to three catalogue items of the sector, scaled to a plausible total."""
    pool = [item for item in data.ITEMS_BY_SECTOR[sector] if item.category == category]
    count = min(len(pool), rng.choice((1, 1, 1, 2, 3)) if category == "goods" else 1)
    lines = []
    for item in rng.sample(pool, count):
        low, high = item.quantity
        quantity = low if low == high else int(round(log_uniform(rng, low, high + 0.99)))
        lines.append(Line(item, max(1, quantity), round_price(rng.uniform(*item.price))))
    value = sum(line.total for line in lines)
    # One in five purchases of goods and services is a small purchase; nothing exceeds MAX_VALUE.
    small = (category != "works" and rng.random() < 0.2 and all(line.unit_price < 20_000 for line in lines)
             and stage not in ("amended",))
    if small or value > MAX_VALUE:
        target = log_uniform(rng, 5_000, 70_000) if small else rng.uniform(0.6, 0.95) * MAX_VALUE
        for line in lines:
            line.quantity = max(1, int(line.quantity * target / value))
    return lines


def _choose_method(rng: random.Random, category: str, sector: str, value: float, stage: str):
    """The procurement method the city's code allows for this purchase (see ``data.METHODS``)."""
    competitive_only = stage in ("open", "evaluation", "cancelled", "unsuccessful")
    if value < _SMALL_PURCHASE_LIMIT:
        if competitive_only:
            return data.SMALL
        return rng.choices((data.SMALL, data.COOPERATIVE, data.SOLE_SOURCE), (0.85, 0.1, 0.05))[0]
    professional = sector in data.PROFESSIONAL_SECTORS
    weights = {
        "works": {data.IFB: 0.88, data.RFQ: 0.06, data.EMERGENCY: 0.03, data.SOLE_SOURCE: 0.03},
        "goods": {data.IFB: 0.66, data.RFP: 0.12, data.COOPERATIVE: 0.14, data.SOLE_SOURCE: 0.08},
        "services": {data.RFP: 0.5, data.RFQ: 0.25 if professional else 0.08, data.IFB: 0.12,
                     data.SOLE_SOURCE: 0.06, data.EMERGENCY: 0.02, data.COOPERATIVE: 0.04},
    }[category]
    if competitive_only:
        weights = {m: w for m, w in weights.items() if m in data.COMPETITIVE}
    elif stage == "planning" or value > 2_500_000:
        weights.pop(data.EMERGENCY, None)
    methods = list(weights)
    return rng.choices(methods, [weights[m] for m in methods])[0]


def _draw_calendar(rng: random.Random, stage: str, category: str, method: tuple[str, str, str],
                   n_lines: int) -> _Calendar:
    """The events of the process in days from the first one, in date order."""
    kind, details, _criteria = method
    calendar = _Calendar()
    day = 0
    if stage == "planning" or rng.random() < (0.1 if kind == "direct" or details == "Small Purchase" else 0.55):
        calendar.add("planning", 0)
        day = rng.randint(21, 120)
    if details in _NO_SOLICITATION:
        calendar.award_day = day + rng.randint(2, 20)
    else:
        calendar.add("tender", day)
        _solicitation(rng, calendar, stage, category, method, day)
    if calendar.ended is None:
        _contract_life(rng, calendar, stage, category, method, n_lines)
    calendar.events.sort(key=lambda e: (e[1], _EVENT_ORDER[e[0]]))
    return calendar


def _solicitation(rng: random.Random, calendar: _Calendar, stage: str, category: str,
                  method: tuple[str, str, str], start: int) -> None:
    """The published solicitation: bid period, perhaps an addendum, then bid opening (or an early end)."""
    kind, details, _criteria = method
    period = rng.randint(*_BID_PERIOD_DAYS[details])
    calendar.deadline = start + period
    cancel_early = stage == "cancelled" and rng.random() < 0.6
    if details != "Small Purchase" and kind != "direct" and rng.random() < 0.35:
        calendar.extension = rng.choice((0, 0, 7, 14))
        addendum_day = start + max(1, int(period * rng.uniform(0.3, 0.7)))
        if not cancel_early or addendum_day < start + period // 2:
            calendar.add("tenderAmendment", addendum_day, 1)
        calendar.deadline += calendar.extension
    if cancel_early:
        last = max(d for _, d, _ in calendar.events)
        calendar.add("cancellation", rng.randint(last + 1, max(last + 1, calendar.deadline - 1)))
        calendar.ended = "cancellation"
    else:
        _bid_opening(rng, calendar, stage, kind)
    evaluation = _EVALUATION_DAYS[details]
    if category == "works" and details == "Invitation for Bid":
        evaluation = (21, 60)
    calendar.award_day = calendar.deadline + rng.randint(*evaluation)


def _bid_opening(rng: random.Random, calendar: _Calendar, stage: str, kind: str) -> None:
    """Bids are due and publicly opened; a cancelled or unsuccessful process ends some weeks later."""
    deadline = calendar.deadline
    calendar.add("deadline", deadline)
    if kind != "direct":  # a sole source notice receives objections, not bids
        calendar.add("bidOpening", deadline)
    if stage in ("cancelled", "unsuccessful"):
        ending = "cancellation" if stage == "cancelled" else "unsuccessful"
        calendar.add(ending, deadline + rng.randint(5 if stage == "cancelled" else 7, 40))
        calendar.ended = ending


def _contract_life(rng: random.Random, calendar: _Calendar, stage: str, category: str,
                   method: tuple[str, str, str], n_lines: int) -> None:
    """Award, signature, modifications, payment runs and close-out of the contract(s)."""
    kind, details, _criteria = method
    if category == "goods" and details == "Invitation for Bid" and n_lines > 1 and rng.random() < 0.4:
        calendar.n_awards = n_lines  # one award per line
    calendar.add("award", calendar.award_day)
    sign = rng.randint(3, 12) if kind in ("limited", "direct") else rng.randint(14, 60)
    contract_day = calendar.award_day + sign
    calendar.add("contract", contract_day)
    start_day = contract_day + rng.randint(0, 21)
    end_day = start_day + int(_contract_months(rng, stage, category, details) * 30.44)
    final_end = end_day + _modifications(rng, calendar, stage, contract_day, start_day, end_day)
    _payment_runs(rng, calendar, contract_day, start_day, final_end)
    calendar.add("termination", final_end + rng.randint(5, 45))
    calendar.contract_start, calendar.contract_end = start_day, end_day


def _contract_months(rng: random.Random, stage: str, category: str, details: str) -> int:
    """The contract's original term: construction by the job, supplies and services by the year."""
    if stage == "completed":
        return rng.randint(4, 18)
    if details == "Small Purchase":
        return rng.randint(3, 12)
    if category == "works":
        return rng.randint(6, 30)
    if category == "goods":
        return rng.choice((12, 12, 24, 36))
    return rng.choice((12, 24, 36, 36, 60))


def _modifications(rng: random.Random, calendar: _Calendar, stage: str, contract_day: int, start_day: int,
                   end_day: int) -> int:
    """Change orders during the contract term; returns the days they add to it."""
    extension = 0
    if stage == "amended" or (stage == "completed" and rng.random() < 0.25):
        fractions = sorted(rng.uniform(0.1, 0.85) for _ in range(rng.choice((1, 1, 2, 2, 3))))
        for number, fraction in enumerate(fractions, 1):
            amendment = _draw_amendment(rng)
            calendar.amendments.append(amendment)
            amendment_day = max(contract_day + 1, start_day + int(fraction * (end_day - start_day)))
            calendar.add("contractAmendment", amendment_day, number)
            extension += amendment.extension_days
    return extension


def _draw_amendment(rng: random.Random) -> Amendment:
    kind = rng.choices(("increase", "decrease", "extension"), (0.45, 0.25, 0.3))[0]
    if kind == "increase":
        return Amendment(kind, rng.uniform(0.05, 0.35), 0)
    if kind == "decrease":
        return Amendment(kind, -rng.uniform(0.03, 0.2), 0)
    change = 0.0 if rng.random() < 0.4 else rng.uniform(0.1, 0.5)
    return Amendment(kind, change, rng.choice((90, 180, 365)))


def _payment_runs(rng: random.Random, calendar: _Calendar, contract_day: int, start_day: int,
                  final_end: int) -> None:
    """The finance department's payment runs, every three months or so, at most twelve."""
    run_day = start_day + rng.randint(45, 100)
    while run_day < final_end and len(calendar.payments) < 12:
        calendar.payments.append(rng.choice((1, 1, 2, 2, 3)))  # payments in the run
        calendar.add("implementation", run_day, len(calendar.payments))
        run_day += rng.randint(75, 110)
    if not calendar.payments:
        calendar.payments.append(1)
        calendar.add("implementation", max(contract_day + 1, (start_day + final_end) // 2), 1)


def _origin(rng: random.Random, events: list[tuple[str, int, int]], stage: str, kind: str,
            clock: datetime) -> datetime:
    """The date of day 0, chosen so that at ``clock`` the process is in ``stage``."""
    amended = False
    windows = []  # (day of an event that starts the stage, days until the next event)
    for k, (event_kind, event_day, _) in enumerate(events):
        amended = amended or event_kind == "contractAmendment"
        label = EVENT_STAGE[event_kind]
        if label == "open" and kind == "direct":
            label = "notice"
        if label == "implementation" and amended:
            label = "amended"
        if label != stage:
            continue
        gap = events[k + 1][1] - event_day if k + 1 < len(events) else rng.randint(1, 300)
        if gap >= 1:
            windows.append((event_day, gap))
    if windows:
        event_day, gap = rng.choice(windows)
        clock_day = event_day + rng.randint(1, gap)
    else:  # cannot happen with the calendars above; keep the process in the past
        clock_day = events[-1][1] + 1
    return clock.replace(hour=0, minute=0, second=0, microsecond=0) - clock_day * DAY


def _moment(origin: datetime, day: int | None, time_of_day: timedelta) -> datetime | None:
    return None if day is None else origin + day * DAY + time_of_day


def _timed_events(rng: random.Random, events: list[tuple[str, int, int]], origin: datetime) -> list[Event]:
    """The events at times of day in business hours (UTC; Springfield is on Central time)."""
    timed = []
    previous = None
    for event_kind, event_day, number in events:
        day_start = origin + event_day * DAY
        if event_kind == "deadline":
            when = day_start + timedelta(hours=17)  # 11:00 a.m. Central Standard Time
        elif event_kind == "bidOpening":
            when = day_start + timedelta(hours=19, minutes=rng.randint(0, 120))
        else:
            when = day_start + timedelta(seconds=14 * 3600 + int(rng.random() * 8 * 3600))
        if previous is not None and when <= previous:
            when = previous + timedelta(seconds=300 + int(rng.random() * 1500))
        timed.append(Event(event_kind, when, number))
        previous = when
    return timed
