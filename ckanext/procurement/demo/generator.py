"""Deterministic generator of OCDS 1.1 contracting processes for the demo purchasing system.

Every process is computed on demand from ``(seed, index)``, so any process can be
regenerated at any time, a page of 100 releases out of 100,000 processes costs
the same as the first page, and nothing is held in memory except a small cache.

A process is made in two steps:

1. :func:`make_plan` draws the *plan*: department, category, items, quantities,
   procurement method and the calendar of events (planning notice, tender,
   addendum, bid opening, award, contract, modifications, payments, close-out).
   This is cheap (a few dozen random numbers), so scans over all processes, for
   ``since=`` queries, only ever compute plans.
2. :func:`render_process` turns a plan into OCDS releases: parties, bids,
   awards, contracts, documents, transactions and milestones.

The calendar of each process is placed relative to the system's starting clock
so that, at that clock, the process is in a chosen *stage* (see :data:`STAGES`):
there are always open solicitations with future bid deadlines, tenders under
evaluation, contracts being paid, and so on. Each process's calendar continues
past the clock; :meth:`PurchasingSystem.advance` moves the clock forward and the
releases dated before it become visible, as in a real system where tenders
close, awards are made and payments are posted.
"""

from __future__ import annotations

import base64
import bisect
import binascii
import copy
import functools
import math
import random
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from . import data
from .data import BASE_URL, CITY, CURRENCY, Department, Item

OCID_PREFIX = "ocds-demo01"
PUBLISHER = {
    "name": CITY,
    "uri": BASE_URL,
}
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
PUBLICATION_POLICY = f"{BASE_URL}/open-data/publication-policy"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyScale_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_organizationClassification_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/master/extension.json",
]
CERT_SCHEME = "CITY-CERT"
VENDOR_SCHEME = "X-SPFLD-VENDOR"

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
_EVENT_STAGE = {
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
# Release tags for each kind of event.
_EVENT_TAG = {
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
# Order of events on the same day.
_EVENT_ORDER = {kind: n for n, kind in enumerate(_EVENT_STAGE)}

_DEPARTMENT_WEIGHTS = (10, 7, 10, 10, 10, 6, 7, 4, 8, 5, 8, 7, 3, 3, 4)
_GOLDEN = (math.sqrt(5) - 1) / 2
_SMALL_PURCHASE_LIMIT = 75_000
_MAX_VALUE = 25_000_000
_DAY = timedelta(days=1)

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_HTML = '<img src=x onerror="alert(1)">'
HOSTILE_URL = "javascript:alert(1)"


@functools.lru_cache(maxsize=8192)
def format_datetime(value: datetime) -> str:
    """Format an aware datetime as OCDS does here: UTC, seconds precision, ``Z``."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str) -> datetime:
    """Parse an ISO 8601 date or datetime; naive values are taken as UTC."""
    text = value.strip()
    if not text:
        raise ValueError("empty datetime")
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    if len(text) == 10:
        parsed = datetime.combine(date.fromisoformat(text), time())
    else:
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _midnight(value: date | datetime | str | None) -> datetime:
    if value is None:
        value = datetime.now(timezone.utc).date()
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    return datetime.combine(value, time(), tzinfo=timezone.utc)


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


# --------------------------------------------------------------------------- vendors

@dataclass(frozen=True)
class Vendor:
    number: str  # the city's vendor number
    ein: str
    name: str
    legal_name: str
    street: str
    city: str
    state: str
    zip: str
    phone: str
    email: str
    website: str
    scale: str  # partyScale: small, sme, large
    certifications: tuple[str, ...]
    sectors: tuple[str, ...]

    @property
    def party_id(self) -> str:
        return f"US-EIN-{self.ein.replace('-', '')}"

    @property
    def local(self) -> bool:
        return self.city == "Springfield"


def build_vendors(seed: int, count: int = 150) -> tuple[Vendor, ...]:
    """The city's vendor registry: ``count`` vendors, at least four per sector."""
    rng = random.Random(f"{seed}:vendors")
    sectors = list(data.SECTORS)
    names: set[str] = set()
    eins: set[str] = set()
    vendors = []
    for i in range(count):
        primary = sectors[i % len(sectors)]
        own = [primary]
        if rng.random() < 0.2:
            other = rng.choice(sectors)
            if other != primary:
                own.append(other)
        trade = rng.choice(data.SECTOR_TRADES[primary])
        while True:
            stem = rng.choice(data.NAME_STEMS)
            if trade == "LLP":
                partner = rng.choice(data.NAME_STEMS)
                name = f"{stem} & {partner} LLP" if partner != stem else f"{stem} LLP"
                legal = name
            elif trade == "Bank":
                name = f"{stem} Bank"
                legal = f"{stem} Bank, N.A."
            else:
                name = f"{stem} {trade}"
                legal = f"{name} {rng.choice(data.SUFFIXES)}"
            if name not in names:
                names.add(name)
                break
        scale = rng.choices(("small", "sme", "large"), (0.4, 0.35, 0.25))[0]
        local = rng.random() < (0.2 if scale == "large" else 0.55)
        if local:
            city, state = "Springfield", "IL"
            street = f"{rng.randint(100, 3999)} {rng.choice(data.LOCAL_STREETS)}"
            zip_code = rng.choice(data.LOCAL_ZIPS)
            area = "217"
        else:
            city, state, prefix, streets = rng.choice(data.OTHER_CITIES)
            street = f"{rng.randint(100, 9999)} {rng.choice(streets)}"
            zip_code = f"{prefix}{rng.randint(1, 99):02d}"
            area = {"IL": "312", "MO": "314", "IN": "317", "WI": "414", "OH": "614", "MN": "612",
                    "TX": "214", "GA": "404", "CO": "303"}[state]
            if city == "Peoria":
                area = "309"
        certifications = []
        if scale != "large":
            if rng.random() < 0.28:
                certifications.append("MBE")
            if rng.random() < 0.22:
                certifications.append("WBE")
            if certifications and rng.random() < 0.5:
                certifications.append("DBE")
        if local and (scale != "large" or rng.random() < 0.3):
            certifications.append("LBE")
        while True:
            ein = f"{rng.randint(10, 99)}-{rng.randint(1_000_000, 9_999_999)}"
            if ein not in eins:
                eins.add(ein)
                break
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        vendors.append(Vendor(
            number=str(1_040_000 + i * 97 + rng.randint(0, 96)),
            ein=ein,
            name=name,
            legal_name=legal,
            street=street,
            city=city,
            state=state,
            zip=zip_code,
            phone=f"({area}) 555-{rng.randint(100, 199):04d}",
            email=f"{rng.choice(('bids', 'contracts', 'sales', 'info', 'govsales'))}@{slug}.example",
            website=f"https://www.{slug}.example",
            scale=scale,
            certifications=tuple(sorted(certifications, key=["MBE", "WBE", "DBE", "LBE"].index)),
            sectors=tuple(own),
        ))
    return tuple(vendors)


# --------------------------------------------------------------------------- plans

@dataclass
class Line:
    item: Item
    quantity: int
    unit_price: float

    @property
    def total(self) -> float:
        return round(self.quantity * self.unit_price, 2)


@dataclass
class Event:
    kind: str  # a key of _EVENT_STAGE
    when: datetime
    number: int = 0  # addendum, modification or payment-run number


@dataclass
class Amendment:
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
            stage = _EVENT_STAGE[event.kind]
            if stage == "implementation" and amended:
                stage = "amended"
        return stage


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _round_price(value: float) -> float:
    if value < 100:
        return round(value, 2)
    if value < 10_000:
        return round(value, 0)
    if value < 1_000_000:
        return round(value, -2)
    return round(value, -3)


def _choose_method(rng: random.Random, category: str, sector: str, value: float, stage: str):
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


def make_plan(seed: int, index: int, clock: datetime) -> Plan:
    """Draw the plan of process ``index``, with its calendar placed around ``clock``."""
    rng = random.Random(f"{seed}:{index}:plan")
    stage = stage_for(seed, index)
    department = rng.choices(data.DEPARTMENTS, _DEPARTMENT_WEIGHTS)[0]
    category = rng.choices(data.CATEGORIES, department.weights)[0]
    sectors = [s for s in department.sectors
               if any(item.category == category for item in data.ITEMS_BY_SECTOR[s])]
    sector = rng.choice(sectors)
    pool = [item for item in data.ITEMS_BY_SECTOR[sector] if item.category == category]
    count = min(len(pool), rng.choice((1, 1, 1, 2, 3)) if category == "goods" else 1)
    lines = []
    for item in rng.sample(pool, count):
        low, high = item.quantity
        quantity = low if low == high else int(round(_log_uniform(rng, low, high + 0.99)))
        lines.append(Line(item, max(1, quantity), _round_price(rng.uniform(*item.price))))
    value = sum(line.total for line in lines)
    small = (category != "works" and rng.random() < 0.2 and all(line.unit_price < 20_000 for line in lines)
             and stage not in ("amended",))
    if small or value > _MAX_VALUE:
        target = _log_uniform(rng, 5_000, 70_000) if small else rng.uniform(0.6, 0.95) * _MAX_VALUE
        for line in lines:
            line.quantity = max(1, int(line.quantity * target / value))
        value = sum(line.total for line in lines)
    method = _choose_method(rng, category, sector, value, stage)
    kind, details, _criteria = method

    # The calendar, in days from the first event.
    events: list[tuple[str, int, int]] = []
    day = 0
    if stage == "planning" or rng.random() < (0.1 if kind == "direct" or details == "Small Purchase" else 0.55):
        events.append(("planning", 0, 0))
        day = rng.randint(21, 120)
    if details not in ("Cooperative Purchase", "Emergency Procurement"):
        events.append(("tender", day, 0))  # these two are published at award: no solicitation
    extension = 0
    deadline = None
    ended = None  # "cancellation" or "unsuccessful" ends the process early
    if details in ("Cooperative Purchase", "Emergency Procurement"):
        award_day = day + rng.randint(2, 20)
    else:
        period = {"Invitation for Bid": (21, 42), "Request for Proposals": (30, 60),
                  "Request for Qualifications": (28, 45), "Small Purchase": (7, 14),
                  "Sole Source": (10, 15)}[details]
        period = rng.randint(*period)
        deadline = day + period
        cancel_early = stage == "cancelled" and rng.random() < 0.6
        if details != "Small Purchase" and kind != "direct" and rng.random() < 0.35:
            extension = rng.choice((0, 0, 7, 14))
            addendum_day = day + max(1, int(period * rng.uniform(0.3, 0.7)))
            if not cancel_early or addendum_day < day + period // 2:
                events.append(("tenderAmendment", addendum_day, 1))
            deadline += extension
        if cancel_early:
            last = max(d for _, d, _ in events)
            events.append(("cancellation", rng.randint(last + 1, max(last + 1, deadline - 1)), 0))
            ended = "cancellation"
        else:
            events.append(("deadline", deadline, 0))
            if kind != "direct":
                events.append(("bidOpening", deadline, 0))
            if stage == "cancelled":
                events.append(("cancellation", deadline + rng.randint(5, 40), 0))
                ended = "cancellation"
            elif stage == "unsuccessful":
                events.append(("unsuccessful", deadline + rng.randint(7, 40), 0))
                ended = "unsuccessful"
        evaluation = {"Invitation for Bid": (14, 45), "Request for Proposals": (45, 120),
                      "Request for Qualifications": (40, 100), "Small Purchase": (4, 15),
                      "Sole Source": (5, 20)}[details]
        if category == "works" and details == "Invitation for Bid":
            evaluation = (21, 60)
        award_day = deadline + rng.randint(*evaluation)

    n_awards = 1
    amendments: list[Amendment] = []
    payments: list[int] = []
    contract_start = contract_end = None
    if ended is None:
        if category == "goods" and details == "Invitation for Bid" and len(lines) > 1 and rng.random() < 0.4:
            n_awards = len(lines)
        events.append(("award", award_day, 0))
        sign = rng.randint(3, 12) if kind in ("limited", "direct") else rng.randint(14, 60)
        contract_day = award_day + sign
        events.append(("contract", contract_day, 0))
        start_day = contract_day + rng.randint(0, 21)
        if stage == "completed":
            months = rng.randint(4, 18)
        elif details == "Small Purchase":
            months = rng.randint(3, 12)
        elif category == "works":
            months = rng.randint(6, 30)
        elif category == "goods":
            months = rng.choice((12, 12, 24, 36))
        else:
            months = rng.choice((12, 24, 36, 36, 60))
        end_day = start_day + int(months * 30.44)
        final_end = end_day
        if stage == "amended" or (stage == "completed" and rng.random() < 0.25):
            fractions = sorted(rng.uniform(0.1, 0.85) for _ in range(rng.choice((1, 1, 2, 2, 3))))
            for number, fraction in enumerate(fractions, 1):
                amendment_kind = rng.choices(("increase", "decrease", "extension"), (0.45, 0.25, 0.3))[0]
                if amendment_kind == "increase":
                    change, days = rng.uniform(0.05, 0.35), 0
                elif amendment_kind == "decrease":
                    change, days = -rng.uniform(0.03, 0.2), 0
                else:
                    change = 0.0 if rng.random() < 0.4 else rng.uniform(0.1, 0.5)
                    days = rng.choice((90, 180, 365))
                amendments.append(Amendment(amendment_kind, change, days))
                amendment_day = max(contract_day + 1, start_day + int(fraction * (end_day - start_day)))
                events.append(("contractAmendment", amendment_day, number))
                final_end += days
        run_day = start_day + rng.randint(45, 100)
        while run_day < final_end and len(payments) < 12:
            payments.append(rng.choice((1, 1, 2, 2, 3)))
            events.append(("implementation", run_day, len(payments)))
            run_day += rng.randint(75, 110)
        if not payments:
            payments.append(1)
            events.append(("implementation", max(contract_day + 1, (start_day + final_end) // 2), 1))
        events.append(("termination", final_end + rng.randint(5, 45), 0))
        contract_start, contract_end = start_day, end_day

    events.sort(key=lambda e: (e[1], _EVENT_ORDER[e[0]]))

    # Place the calendar so that, at the clock, the process is in its stage.
    amended = False
    windows = []
    for k, (event_kind, event_day, _) in enumerate(events):
        amended = amended or event_kind == "contractAmendment"
        label = _EVENT_STAGE[event_kind]
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
    origin = clock.replace(hour=0, minute=0, second=0, microsecond=0) - clock_day * _DAY

    # Times of day (UTC; Springfield is on Central time): business hours.
    timed = []
    previous = None
    for event_kind, event_day, number in events:
        day_start = origin + event_day * _DAY
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
    return Plan(
        seed=seed,
        index=index,
        stage=stage,
        department=department,
        category=category,
        sector=sector,
        lines=lines,
        method=method,
        events=timed,
        n_awards=n_awards,
        amendments=amendments,
        contract_start=None if contract_start is None else origin + contract_start * _DAY,
        contract_end=None if contract_end is None else origin + contract_end * _DAY + timedelta(hours=23, minutes=59,
                                                                                               seconds=59),
        payments_per_run=payments,
        deadline=None if deadline is None else origin + deadline * _DAY + timedelta(hours=17),
        extension_days=extension,
    )


# --------------------------------------------------------------------------- rendering

class Process:
    """One contracting process: its plan and every release, including future ones.

    Releases are built when first asked for (most of a process's future releases
    are never needed) and then kept.
    """

    def __init__(self, plan: Plan, dates: list[datetime], build):
        self.plan = plan
        self.dates = dates  # the releases' dates, increasing
        self._build = build
        self._built: list[dict | None] = [None] * len(dates)

    @property
    def ocid(self) -> str:
        return self.plan.ocid

    @property
    def index(self) -> int:
        return self.plan.index

    def release(self, position: int) -> dict:
        release = self._built[position]
        if release is None:
            release = self._built[position] = self._build(position)
        return release

    @property
    def releases(self) -> list[dict]:
        """Every release, sorted by date."""
        return [self.release(position) for position in range(len(self.dates))]

    def visible(self, until: datetime, since: datetime | None = None) -> list[dict]:
        """The releases published by ``until`` (inclusive), and after ``since`` (exclusive)."""
        end = bisect.bisect_right(self.dates, until)
        begin = 0 if since is None else bisect.bisect_right(self.dates, since, 0, end)
        return [self.release(position) for position in range(begin, end)]


def _money(amount: float) -> dict:
    return {"amount": round(amount, 2), "currency": CURRENCY}


def _ref(party: dict) -> dict:
    return {"id": party["id"], "name": party["name"]}


def _doc(ocid: str, slug: str, document_type: str, title: str, when: datetime, description: str = "",
         fmt: str = "application/pdf") -> dict:
    extension = "pdf" if fmt == "application/pdf" else "html"
    document = {
        "id": slug,
        "documentType": document_type,
        "title": title,
        "url": f"{BASE_URL}/docs/{ocid}/{slug}.{extension}",
        "datePublished": format_datetime(when),
        "format": fmt,
        "language": "en",
    }
    if description:
        document["description"] = description
    return document


def _money_text(amount: float) -> str:
    return f"${amount:,.2f}"


_FACILITIES = {
    "police": ("7th District Station", "Police Headquarters", "Police Training Academy", "2nd District Station"),
    "fire": ("Fire Station No. 9", "Engine Company 14", "Fire Academy", "Fire Station No. 3"),
    "parks": ("Washington Park Fieldhouse", "Bunn Park Pool", "Lincoln Park Pavilion", "Douglas Park Fieldhouse"),
    "library": ("Main Library", "Lincoln Branch Library", "Oak Ridge Branch Library"),
    "fleet": ("Central Garage", "City Hall Annex", "Municipal Center West", "South Yard Salt Dome"),
    "planning": ("Midtown Redevelopment Area", "Eastside Business Incubator", "Old Capitol Plaza"),
    "aviation": ("Terminal B", "Runway 4/22", "Taxiway C", "Airport Maintenance Building"),
}


def _title(plan: Plan, rng: random.Random, year: int) -> str:
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


def _vendor_party(vendor: Vendor, roles: list[str], name: str | None = None) -> dict:
    party = {
        "id": vendor.party_id,
        "name": name or vendor.name,
        "identifier": {"scheme": "US-EIN", "id": vendor.ein, "legalName": vendor.legal_name},
        "additionalIdentifiers": [{"scheme": VENDOR_SCHEME, "id": vendor.number,
                                   "legalName": vendor.legal_name}],
        "address": {
            "streetAddress": vendor.street,
            "locality": vendor.city,
            "region": vendor.state,
            "postalCode": vendor.zip,
            "countryName": "United States",
        },
        "contactPoint": {
            "name": "Contracts Administrator",
            "email": vendor.email,
            "telephone": vendor.phone,
            "url": vendor.website,
        },
        "roles": roles,
        "details": {
            "scale": vendor.scale,
            "classifications": [
                {"scheme": CERT_SCHEME, "id": code, "description": data.CERTIFICATIONS[code]}
                for code in vendor.certifications
            ],
        },
    }
    return party


def _buyer_party(department: Department, roles: list[str]) -> dict:
    slug = department.slug
    return {
        "id": f"US-SPFLD-{department.code}",
        "name": f"{CITY}, {department.name}",
        "identifier": {"id": department.code, "legalName": f"{CITY}, {department.name}"},
        "address": dict(data.CITY_ADDRESS),
        "contactPoint": {
            "name": f"Procurement Liaison, {department.name}",
            "email": f"{slug}.purchasing@springfield.example",
            "telephone": f"(217) 555-01{int(department.code) % 100:02d}",
            "url": f"https://www.springfield.example/departments/{slug}",
        },
        "roles": roles,
    }


def _procuring_party() -> dict:
    department = data.PROCUREMENT_DEPARTMENT
    return {
        "id": f"US-SPFLD-{department.code}",
        "name": f"{CITY}, {department.name}",
        "identifier": {"id": department.code, "legalName": f"{CITY}, {department.name}"},
        "address": dict(data.CITY_ADDRESS),
        "contactPoint": {
            "name": "Bid and Bond Room",
            "email": "bids@procurement.springfield.example",
            "telephone": "(217) 555-0135",
            "url": BASE_URL,
        },
        "roles": ["procuringEntity"],
    }


def is_hostile_index(index: int) -> bool:
    """Which processes carry hostile data when the hostile switch is on (2%)."""
    return index % 50 == 3


def render_process(plan: Plan, vendors: tuple[Vendor, ...], hostile: bool = False) -> Process:
    """Turn a plan into its OCDS releases (all of them, including future ones)."""
    rng = random.Random(f"{plan.seed}:{plan.index}:content")
    ocid = plan.ocid
    hostile = hostile and is_hostile_index(plan.index)
    events = plan.events
    releases_events = plan.releases
    first = events[0].when
    year = first.year
    dept = plan.department
    kind, details, criteria = plan.method
    category = plan.category
    months = None
    if plan.contract_start and plan.contract_end:
        months = max(1, round((plan.contract_end - plan.contract_start).days / 30.44))

    # ---- content drawn up front, in a fixed order
    title = _title(plan, rng, year)
    description = _description(plan, months)
    if hostile:
        title = f"{HOSTILE_SCRIPT}{title}"
        description = f"{description} {HOSTILE_HTML}"
    spec = f"{year % 100:02d}-{dept.code}{plan.index + 1:06d}"
    estimate = plan.value
    tender_value = min(_round_price(estimate * rng.uniform(0.97, 1.12)), float(_MAX_VALUE))
    budget = round(tender_value * rng.uniform(1.0, 1.2), -3) or 1000.0
    pool = [v for v in vendors if plan.sector in v.sectors] or list(vendors)
    outcome = next((e.kind for e in events if e.kind in ("cancellation", "unsuccessful")), None)
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
    bid_hours = [rng.randint(1, 96) for _ in bidders]
    if outcome == "unsuccessful":
        disqualified = [True] * n_bids
    if outcome is None and n_bids and all(disqualified):
        disqualified[0] = False
    valid = [k for k in range(n_bids) if not disqualified[k]]
    if criteria == "priceOnly":
        ranking = sorted(valid, key=lambda k: ratios[k])
    else:  # rated criteria: price counts, but not alone
        ranking = sorted(valid, key=lambda k: ratios[k] * rng.uniform(0.85, 1.15))
    n_awards = min(plan.n_awards, len(ranking)) if ranking else 0
    lots: list[tuple[int, list[int]]] = []  # (bidder, line indexes)
    if n_awards > 1:
        lots = [(ranking[k], [k]) for k in range(n_awards - 1)]
        lots.append((ranking[n_awards - 1], list(range(n_awards - 1, len(plan.lines)))))
    elif ranking:
        lots = [(ranking[0], list(range(len(plan.lines))))]
    hostile_supplier = hostile and bool(lots)
    award_values = [round(sum(plan.lines[i].total for i in line_ids) * ratios[b], 2) for b, line_ids in lots]
    po_numbers = [str(2_000_000 + plan.index * 4 + k) for k in range(len(lots))]
    # Modifications change contract 1 only; other lots run as awarded.
    values_over_time = [award_values[0]] if award_values else []
    for amendment in plan.amendments:
        delta = round(award_values[0] * amendment.fraction, -2)
        values_over_time.append(round(values_over_time[-1] + delta, 2))
    n_payments = sum(plan.payments_per_run)
    payment_plan: list[list[float]] = []
    for k, value in enumerate(award_values):
        lowest = min(values_over_time) if k == 0 else value
        target = lowest * rng.uniform(0.7, 0.97)
        weights = [rng.uniform(0.6, 1.4) for _ in range(n_payments)]
        total_weight = sum(weights) or 1.0
        payment_plan.append([math.floor(target * w / total_weight * 100) / 100 for w in weights])
    milestone_fates = [rng.random() >= 0.15 for _ in data.MILESTONES[category]]
    milestone_delay = [rng.randint(-6, 12) for _ in data.MILESTONES[category]]
    rationale_choices = [rng.choice(data.AMENDMENT_RATIONALES[a.kind]) for a in plan.amendments]
    cancel_reason = rng.choice(data.CANCELLATION_REASONS)
    unsuccessful_reason = rng.choice(data.UNSUCCESSFUL_REASONS)
    direct_rationale = ""
    if details == "Sole Source":
        direct_rationale = rng.choice(data.SOLE_SOURCE_RATIONALES)
    elif details == "Emergency Procurement":
        direct_rationale = rng.choice(data.EMERGENCY_RATIONALES[category])
    elif details == "Cooperative Purchase":
        direct_rationale = (f"Purchase under the {rng.choice(data.COOPERATIVE_AGREEMENTS)} cooperative contract, "
                            "competitively solicited by the lead agency.")
    planning_rationale = (f"The {dept.name} requires {plan.lines[0].item.title.lower()} to maintain city "
                          f"services; funds are included in the FY{year} appropriation ordinance.")

    # ---- fixed references
    tender_event = next((e for e in events if e.kind == "tender"), None)
    deadline = plan.deadline
    bid_opening = next((e for e in events if e.kind == "bidOpening"), None)
    award_event = next((e for e in events if e.kind == "award"), None)
    contract_event = next((e for e in events if e.kind == "contract"), None)
    procuring = _procuring_party()
    buyer_name = f"{CITY}, {dept.name}"
    buyer_ref = {"id": f"US-SPFLD-{dept.code}", "name": buyer_name}
    supplier_names = {}
    for n, (bidder, _) in enumerate(lots):
        vendor = bidders[bidder]
        supplier_names[bidder] = (f'"><script>alert(1)</script>{vendor.name}'
                                  if hostile_supplier and n == 0 else vendor.name)

    def vendor_ref(k: int) -> dict:
        return {"id": bidders[k].party_id, "name": supplier_names.get(k, bidders[k].name)}

    def items(line_ids=None, ratio=1.0) -> list[dict]:
        result = []
        for i, line in enumerate(plan.lines):
            if line_ids is not None and i not in line_ids:
                continue
            item = line.item
            result.append({
                "id": str(i + 1),
                "description": item.description,
                "classification": {"scheme": "UNSPSC", "id": item.unspsc[0], "description": item.unspsc[1]},
                "additionalClassifications": [
                    {"scheme": "NIGP", "id": item.nigp[0], "description": item.nigp[1]},
                ],
                "quantity": line.quantity,
                "unit": {
                    "scheme": "UNCEFACT",
                    "id": item.unit[1],
                    "name": item.unit[0],
                    "value": _money(round(line.unit_price * ratio, 2)),
                },
            })
        return result

    def planning_block(when: datetime) -> dict:
        docs = []
        if events[0].kind == "planning":
            docs.append(_doc(ocid, "planned-procurement-notice", "plannedProcurementNotice",
                             f"Planned Procurement Notice: {title}", events[0].when,
                             fmt="text/html"))
            if hostile:
                docs[0]["url"] = HOSTILE_URL
                docs[0]["title"] = f"<i onclick=alert(1)>{docs[0]['title']}</i>"
        return {
            "rationale": planning_rationale,
            "budget": {
                "id": f"FY{year}-{dept.code}-{plan.index + 1:06d}",
                "description": f"FY{year} {dept.fund}, {dept.name}",
                "amount": _money(budget),
                "project": title,
                "projectID": f"{dept.code}-{year % 100:02d}-{plan.index + 1:06d}",
                "uri": f"{BASE_URL}/budget/FY{year}/{dept.code}",
            },
            "documents": docs,
        }

    def tender_block(when: datetime, status: str) -> dict:
        tender = {
            "id": spec,
            "title": title,
            "description": description,
            "status": status,
            "procuringEntity": _ref(procuring),
            "items": items(),
            "value": _money(tender_value),
            "procurementMethod": kind,
            "procurementMethodDetails": details,
            "mainProcurementCategory": category,
            "awardCriteria": criteria,
        }
        if details == "Sole Source":
            tender["submissionMethod"] = ["written"]
            tender["submissionMethodDetails"] = ("Objections to this sole source may be submitted in writing to "
                                                 "the Chief Procurement Officer until the date shown.")
        elif tender_event is not None:
            tender["submissionMethod"] = ["electronicSubmission"]
            tender["submissionMethodDetails"] = "Submit through the City of Springfield eProcurement portal."
        if direct_rationale:
            tender["procurementMethodRationale"] = direct_rationale
        if category == "services" and plan.sector in data.PROFESSIONAL_SECTORS:
            tender["additionalProcurementCategories"] = ["consultingServices"]
        if months:
            tender["contractPeriod"] = {"durationInDays": int(months * 30.44)}
        if status == "planned":
            if tender_event is not None:
                tender["tenderPeriod"] = {"startDate": format_datetime(tender_event.when)}
            return tender
        if tender_event is None:  # published at award (emergency or cooperative purchase)
            tender_start = award_event.when
            docs = []
        else:
            tender_start = tender_event.when
            notice = "Notice of Intent to Sole Source" if details == "Sole Source" else "Notice"
            docs = [_doc(ocid, "tender-notice", "tenderNotice", f"{notice}: {title}", tender_start,
                         fmt="text/html")]
        if deadline is not None:
            tender["tenderPeriod"] = {
                "startDate": format_datetime(tender_start),
                "endDate": format_datetime(deadline),
            }
            if (deadline - tender_start).days >= 14 and kind != "direct":
                tender["enquiryPeriod"] = {
                    "startDate": format_datetime(tender_start),
                    "endDate": format_datetime(deadline - 7 * _DAY),
                }
            if kind != "direct":  # a sole source notice has no bid documents
                docs.append(_doc(ocid, "bid-documents", "biddingDocuments", f"{details} {spec}", tender_start,
                                 description="Solicitation documents, specifications and bid forms."))
                if criteria == "ratedCriteria":
                    docs.append(_doc(ocid, "evaluation-criteria", "evaluationCriteria", "Evaluation Criteria",
                                     tender_start))
                elif category in ("goods", "works"):
                    docs.append(_doc(ocid, "technical-specifications", "technicalSpecifications",
                                     "Technical Specifications", tender_start))
        if hostile and docs:
            docs[0]["url"] = HOSTILE_URL
            docs[-1]["title"] = f"<b onmouseover=alert(1)>{docs[-1]['title']}</b>"
        amendments = [e for e in events if e.kind == "tenderAmendment" and e.when <= when]
        if amendments:
            tender["hasEnquiries"] = True
            tender["amendments"] = []
            for e in amendments:
                text = (f"Addendum No. {e.number}: answers to vendor questions"
                        + (f"; bid due date extended by {plan.extension_days} days."
                           if plan.extension_days else "."))
                tender["amendments"].append({"id": f"addendum-{e.number}", "date": format_datetime(e.when),
                                             "rationale": text})
                docs.append(_doc(ocid, f"addendum-{e.number}", "clarifications", f"Addendum No. {e.number}",
                                 e.when, description=text))
        elif deadline is not None and plan.extension_days:
            # Until the addendum, the bid due date was earlier.
            tender["tenderPeriod"]["endDate"] = format_datetime(deadline - plan.extension_days * _DAY)
        if bid_opening is not None and when >= bid_opening.when:
            tender["numberOfTenderers"] = n_bids
            tender["tenderers"] = [vendor_ref(k) for k in range(n_bids)]
            docs.append(_doc(ocid, "bid-tabulation", "bidders", "Bid Tabulation", bid_opening.when,
                             description=f"{n_bids} bid(s) received and publicly read."))
        elif kind == "direct" or details == "Cooperative Purchase":
            if award_event is not None and when >= award_event.when:
                tender["numberOfTenderers"] = 1
                tender["tenderers"] = [vendor_ref(k) for k in range(n_bids)]
        if award_event is not None and when >= award_event.when:
            tender["awardPeriod"] = {
                "startDate": format_datetime(bid_opening.when if bid_opening else tender_start),
                "endDate": format_datetime(award_event.when),
            }
        if docs:
            tender["documents"] = docs
        return tender

    def bids_block(final: bool) -> dict:
        details_list = []
        for k, vendor in enumerate(bidders):
            total = round(estimate * ratios[k], 2)
            status = ("disqualified" if disqualified[k] else "valid") if final else "pending"
            details_list.append({
                "id": f"bid-{k + 1}",
                "date": format_datetime((bid_opening or tender_event or award_event).when
                                        - timedelta(hours=bid_hours[k])),
                "status": status,
                "tenderers": [vendor_ref(k)],
                "value": _money(total),
            })
        statistics = [{"id": "1", "measure": "bids", "value": n_bids}]
        if final:
            statistics.append({"id": "2", "measure": "disqualifiedBids", "value": sum(disqualified)})
        return {"statistics": statistics, "details": details_list}

    def awards_block() -> list[dict]:
        awards = []
        for n, (bidder, line_ids) in enumerate(lots):
            lot_title = title if len(lots) == 1 else f"{title} - Lot {n + 1}: {plan.lines[line_ids[0]].item.title}"
            award = {
                "id": f"{ocid}-award-{n + 1}",
                "title": lot_title,
                "description": f"Award to {supplier_names[bidder]} "
                               f"({'lowest responsive and responsible bidder' if criteria == 'priceOnly' else 'highest-ranked proposer' if kind != 'direct' else details.lower()}).",
                "status": "active",
                "date": format_datetime(award_event.when),
                "value": _money(award_values[n]),
                "suppliers": [vendor_ref(bidder)],
                "items": items(line_ids, ratios[bidder]),
                "documents": [_doc(ocid, f"award-notice-{n + 1}", "awardNotice", f"Award Notice: {lot_title}",
                                   award_event.when, fmt="text/html")],
            }
            if plan.contract_start:
                award["contractPeriod"] = {"startDate": format_datetime(plan.contract_start),
                                           "endDate": format_datetime(plan.contract_end)}
            if hostile and n == 0:
                award["documents"][0]["url"] = HOSTILE_URL
            if criteria == "ratedCriteria" and n == 0:
                award["documents"].append(_doc(ocid, "evaluation-report", "evaluationReports",
                                               "Evaluation Committee Report", award_event.when))
            awards.append(award)
        return awards

    def milestones_at(when: datetime) -> list[dict]:
        start, end = plan.contract_start, plan.contract_end
        result = []
        for n, (milestone_type, milestone_title, fraction) in enumerate(data.MILESTONES[category]):
            due = start + (end - start) * fraction
            due = due.replace(hour=22, minute=0, second=0, microsecond=0)
            milestone = {
                "id": f"milestone-{n + 1}",
                "title": milestone_title,
                "type": milestone_type,
                "dueDate": format_datetime(due),
                "status": "scheduled",
            }
            met_on = due + milestone_delay[n] * _DAY
            if milestone_fates[n]:
                if met_on <= when:
                    milestone["status"] = "met"
                    milestone["dateMet"] = format_datetime(met_on)
                    milestone["dateModified"] = format_datetime(met_on)
            elif due <= when:
                milestone["status"] = "notMet"
                milestone["dateModified"] = format_datetime(due)
            result.append(milestone)
        return result

    def contracts_block(when: datetime, release_id: str, terminated: bool) -> list[dict]:
        runs = [e for e in events if e.kind == "implementation" and e.when <= when]
        paid_count = sum(plan.payments_per_run[:len(runs)])
        contract_amendments = [e for e in events if e.kind == "contractAmendment" and e.when <= when]
        contracts = []
        for n, (bidder, _) in enumerate(lots):
            award_id = f"{ocid}-award-{n + 1}"
            po = po_numbers[n]
            value = award_values[n]
            end = plan.contract_end
            documents = [_doc(ocid, f"contract-{po}", "contractSigned", f"Contract No. {po}",
                              contract_event.when)]
            contract = {
                "id": po,
                "awardID": award_id,
                "title": title if len(lots) == 1 else f"{title} - Lot {n + 1}",
                "description": description,
                "status": "terminated" if terminated else "active",
                "period": {"startDate": format_datetime(plan.contract_start)},
                "value": None,
                "dateSigned": format_datetime(contract_event.when),
                "documents": documents,
            }
            if n == 0 and contract_amendments:
                contract["amendments"] = []
                for e in contract_amendments:
                    amendment = plan.amendments[e.number - 1]
                    before = values_over_time[e.number - 1]
                    value = values_over_time[e.number]
                    end = end + amendment.extension_days * _DAY
                    delta = value - before
                    text = f"Modification No. {e.number}: "
                    if delta > 0:
                        text += f"increases the contract value by {_money_text(delta)} to {_money_text(value)}"
                    elif delta < 0:
                        text += f"decreases the contract value by {_money_text(-delta)} to {_money_text(value)}"
                    else:
                        text += "no change to the contract value"
                    if amendment.extension_days:
                        text += f"; extends the end date to {end:%B} {end.day}, {end.year}"
                    previous_release = release_ids_before(e.when)
                    record = {
                        "id": f"{po}-mod-{e.number}",
                        "date": format_datetime(e.when),
                        "rationale": rationale_choices[e.number - 1],
                        "description": text + ".",
                    }
                    if previous_release:
                        record["amendsReleaseID"] = previous_release
                    record["releaseID"] = amendment_ids[e.number]
                    contract["amendments"].append(record)
                    documents.append(_doc(ocid, f"modification-{po}-{e.number}", "contractAnnexe",
                                          f"Contract No. {po}, Modification No. {e.number}", e.when,
                                          description=text + "."))
            contract["value"] = _money(value)
            contract["period"]["endDate"] = format_datetime(end)
            if runs:
                payments = payment_plan[n][:paid_count]
                transactions = []
                number = 0
                for run in runs:
                    in_run = plan.payments_per_run[run.number - 1]
                    for j in range(in_run):
                        amount = payments[number]
                        number += 1
                        paid_on = run.when - timedelta(days=2 * (in_run - 1 - j))
                        transactions.append({
                            "id": f"{po}-pay-{number}",
                            "source": f"{BASE_URL}/finance/payments",
                            "date": format_datetime(paid_on),
                            "value": _money(amount),
                            "payer": dict(buyer_ref),
                            "payee": vendor_ref(bidder),
                            "uri": f"{BASE_URL}/finance/payments/{po}-{number}",
                        })
                implementation = {"transactions": transactions, "milestones": milestones_at(when)}
                implementation["documents"] = [
                    _doc(ocid, f"payment-summary-{po}", "financialProgressReport", f"Payment Summary, Contract {po}",
                         runs[-1].when, description=f"{len(transactions)} payment(s) to date.")
                ]
                if terminated and category == "works":
                    implementation["documents"].append(
                        _doc(ocid, f"completion-{po}", "completionCertificate", "Certificate of Completion", when))
                contract["implementation"] = implementation
            contracts.append(contract)
        return contracts

    release_ids: list[tuple[datetime, str]] = []
    amendment_ids: dict[int, str] = {}

    def release_ids_before(when: datetime) -> str | None:
        candidates = [rid for date_, rid in release_ids if date_ < when]
        return candidates[-1] if candidates else None

    # precompute release ids (needed for amendment cross references)
    for seq, event in enumerate(releases_events, 1):
        release_id = f"{ocid}-{seq:02d}-{_EVENT_TAG[event.kind]}"
        release_ids.append((event.when, release_id))
        if event.kind == "contractAmendment":
            amendment_ids[event.number] = release_id

    # ---- one release per event, built when first asked for
    buyer_roles_late = ["buyer", "payer"]

    def build(position: int) -> dict:
        when, release_id = release_ids[position]
        event = releases_events[position]
        event_kind = event.kind
        stage_contract = contract_event is not None and when >= contract_event.when
        buyer_party = _buyer_party(dept, buyer_roles_late if stage_contract else ["buyer"])
        parties = [buyer_party, _procuring_party()]
        release = {
            "ocid": ocid,
            "id": release_id,
            "date": format_datetime(when),
            "tag": [_EVENT_TAG[event_kind]],
            "initiationType": "tender",
            "language": "en",
            "parties": parties,
            "buyer": dict(buyer_ref),
        }
        if event_kind == "planning":
            release["planning"] = planning_block(when)
            release["tender"] = tender_block(when, "planned")
        elif event_kind in ("tender", "tenderAmendment"):
            release["planning"] = planning_block(when)
            release["tender"] = tender_block(when, "active")
        elif event_kind == "bidOpening":
            release["tender"] = tender_block(when, "active")
            release["bids"] = bids_block(final=False)
        elif event_kind in ("cancellation", "unsuccessful"):
            status = "cancelled" if event_kind == "cancellation" else "unsuccessful"
            tender = tender_block(when, status)
            tender["statusDetails"] = cancel_reason if event_kind == "cancellation" else unsuccessful_reason
            tender.setdefault("documents", []).append(_doc(ocid, "cancellation-notice", "cancellationDetails",
                                            "Notice of Cancellation" if status == "cancelled"
                                            else "Notice of No Award", when,
                                            description=tender["statusDetails"]))
            release["tender"] = tender
            if bid_opening is not None:
                release["bids"] = bids_block(final=True)
        elif event_kind == "award":
            if tender_event is None:
                release["planning"] = planning_block(when)
            release["tender"] = tender_block(when, "complete")
            if bid_opening is not None:
                release["bids"] = bids_block(final=True)
            release["awards"] = awards_block()
        else:  # contract, contractAmendment, implementation, termination
            release["contracts"] = contracts_block(when, release_id, event_kind == "termination")
        # Parties referenced by this release.
        if "bids" in release or release.get("tender", {}).get("tenderers"):
            for k, vendor in enumerate(bidders):
                roles = ["tenderer"]
                if k in supplier_names and event_kind not in ("bidOpening", "cancellation", "unsuccessful"):
                    roles = ["tenderer", "supplier"]
                parties.append(_vendor_party(vendor, roles, supplier_names.get(k)))
        elif "awards" in release or "contracts" in release:
            for bidder, _ in lots:
                roles = ["tenderer", "supplier", "payee"] if stage_contract else ["tenderer", "supplier"]
                parties.append(_vendor_party(bidders[bidder], roles, supplier_names.get(bidder)))
        return release

    return Process(plan, [e.when for e in releases_events], build)

# --------------------------------------------------------------------------- the system

class CursorError(ValueError):
    """An opaque paging cursor that this system did not issue."""


def encode_cursor(index: int, position: int, clock: datetime) -> str:
    raw = f"v1:{index}:{position}:{int(clock.timestamp())}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, datetime]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, index, position, clock = raw.split(":")
        if version != "v1" or int(index) < 0 or int(position) < 0:
            raise ValueError(raw)
        return int(index), int(position), datetime.fromtimestamp(int(clock), timezone.utc)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError) as error:
        raise CursorError(f"invalid cursor: {cursor!r}") from error


@dataclass
class Page:
    releases: list[dict]
    next_cursor: str | None
    clock: datetime


class PurchasingSystem:
    """The purchasing system of the City of Springfield, with a clock.

    ``processes`` contracting processes are generated from ``seed``; ``start``
    (a date or datetime, default: today, UTC midnight) is the clock when the
    system starts. Releases dated after the clock are not published yet.

    Thread-safe: the server shares one instance between request threads.
    """

    def __init__(self, processes: int = 500, seed: int = 42, start: date | datetime | str | None = None,
                 hostile: bool = False, cache_size: int = 64):
        if processes < 0:
            raise ValueError("processes must be >= 0")
        self.n = processes
        self.seed = seed
        self.hostile = hostile
        self.start = _midnight(start)
        self.now = self.start
        self.vendors = build_vendors(seed)
        self._lock = threading.RLock()
        self._cache: OrderedDict[int, Process] = OrderedDict()
        self._cache_size = cache_size
        self._removed: set[int] = set()
        self._changes: dict[int, list[datetime]] = {}
        self._change_cache: dict[tuple[int, int], dict] = {}
        self._index_lock = threading.Lock()
        self._dates: array | None = None  # release timestamps of every process, flattened
        self._offsets: array | None = None
        #: How many processes were rendered into releases (tests use it to check laziness).
        self.render_count = 0
        #: How many plans were drawn.
        self.plan_count = 0

    # -- identity
    def ocid(self, index: int) -> str:
        return self.plan(index).ocid

    def index_of(self, ocid: str) -> int:
        """The index of the process with ``ocid``; KeyError if there is none."""
        prefix = f"{OCID_PREFIX}-"
        try:
            if not ocid.startswith(prefix):
                raise ValueError(ocid)
            index = int(ocid.rsplit("-", 1)[1]) - 1
        except (ValueError, IndexError):
            raise KeyError(ocid) from None
        if not 0 <= index < self.n or self.ocid(index) != ocid:
            raise KeyError(ocid)
        return index

    # -- generation
    def plan(self, index: int) -> Plan:
        if not 0 <= index < self.n:
            raise IndexError(index)
        self.plan_count += 1
        return make_plan(self.seed, index, self.start)

    def process(self, index: int) -> Process:
        """Process ``index`` with all its releases, including future ones (cached)."""
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        process = render_process(self.plan(index), self.vendors, self.hostile)
        with self._lock:
            self.render_count += 1
            self._cache[index] = process
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return process

    def releases(self, index: int, until: datetime | None = None, since: datetime | None = None) -> list[dict]:
        """The published releases of process ``index`` at ``until`` (default: the clock), after ``since``.

        Removed processes have none.
        """
        with self._lock:
            if index in self._removed:
                return []
            until = until or self.now
            changes = list(self._changes.get(index, ()))
        process = self.process(index)
        result = process.visible(until, since)
        if changes:
            extra = [self._change_release(process, n, when) for n, when in enumerate(changes, 1)
                     if when <= until and (since is None or when > since)]
            if extra:
                result = sorted(result + extra, key=lambda r: r["date"])
        return result

    def stage(self, index: int, at: datetime | None = None) -> str | None:
        """The stage of process ``index`` at ``at`` (default: the clock)."""
        return self.plan(index).stage_at(at or self.now)

    def iter_processes(self, until: datetime | None = None) -> Iterator[tuple[int, list[dict]]]:
        """``(index, releases)`` of every process with published releases."""
        for index in range(self.n):
            releases = self.releases(index, until)
            if releases:
                yield index, releases

    # -- paging
    def build_index(self, stop: threading.Event | None = None) -> bool:
        """Build the index of release dates used by ``since`` queries (plans only: about
        8 s per 100,000 processes). Done on first use; the server does it in a background
        thread at start-up, which ``stop`` can interrupt. Returns whether the index is built.
        """
        return self._release_dates(stop) is not None

    def _release_dates(self, stop: threading.Event | None = None) -> tuple[array, array] | None:
        """Timestamps of every scheduled release, flattened, with per-process offsets."""
        with self._index_lock:
            if self._dates is None:
                dates, offsets = array("q"), array("q", [0])
                for index in range(self.n):
                    if stop is not None and index % 1000 == 0 and stop.is_set():
                        return None
                    plan = make_plan(self.seed, index, self.start)
                    dates.extend(int(e.when.timestamp()) for e in plan.events if e.kind != "deadline")
                    offsets.append(len(dates))
                self._dates, self._offsets = dates, offsets
            return self._dates, self._offsets

    def _has_releases(self, index: int, since: datetime, until: datetime) -> bool:
        with self._lock:
            if index in self._removed:
                return False
            if any(since < when <= until for when in self._changes.get(index, ())):
                return True
        dates, offsets = self._release_dates()
        low, high = offsets[index], offsets[index + 1]
        position = bisect.bisect_right(dates, int(since.timestamp()), low, high)
        return position < high and dates[position] <= int(until.timestamp())

    def page(self, limit: int = 100, cursor: str | None = None, since: datetime | None = None) -> Page:
        """One page of releases in (process, date) order.

        The cursor pins the clock of the first page, so a walk through all the
        pages sees one consistent state even if the clock moves meanwhile.
        """
        limit = max(1, limit)
        if cursor:
            index, position, clock = decode_cursor(cursor)
        else:
            index, position, clock = 0, 0, self.now
        result: list[dict] = []
        while index < self.n and len(result) < limit:
            if since is not None and not self._has_releases(index, since, clock):
                index, position = index + 1, 0
                continue
            releases = self.releases(index, clock, since)
            room = limit - len(result)
            chunk = releases[position:position + room]
            result.extend(chunk)
            if position + len(chunk) < len(releases):
                position += len(chunk)
                break
            index, position = index + 1, 0
        # Skip ahead over empty processes so the last page has no "next" link.
        while index < self.n and position == 0:
            if since is None:
                if not self._is_removed(index):
                    break
            elif self._has_releases(index, since, clock):
                break
            index += 1
        next_cursor = encode_cursor(index, position, clock) if index < self.n else None
        return Page(result, next_cursor, clock)

    def record_page(self, limit: int = 100, cursor: str | None = None,
                    since: datetime | None = None) -> tuple[list[tuple[int, list[dict]]], str | None, datetime]:
        """One page of ``(index, releases)`` for record packages: every published release of each
        process, for processes with a release after ``since`` (if given)."""
        limit = max(1, limit)
        if cursor:
            index, _, clock = decode_cursor(cursor)
        else:
            index, clock = 0, self.now

        def wanted(i: int) -> bool:
            if since is None:
                return not self._is_removed(i)
            return self._has_releases(i, since, clock)

        result = []
        while index < self.n and len(result) < limit:
            if wanted(index):
                releases = self.releases(index, clock)
                if releases:
                    result.append((index, releases))
            index += 1
        while index < self.n and not wanted(index):
            index += 1
        return result, (encode_cursor(index, 0, clock) if index < self.n else None), clock

    def _is_removed(self, index: int) -> bool:
        with self._lock:
            return index in self._removed

    # -- controls
    def advance(self, days: float = 1) -> datetime:
        """Move the clock forward (or back, with negative days); returns the new clock."""
        with self._lock:
            self.now = self.now + timedelta(days=days)
            return self.now

    def remove(self, ocid: str) -> None:
        index = self.index_of(ocid)
        with self._lock:
            self._removed.add(index)

    def restore(self, ocid: str) -> None:
        index = self.index_of(ocid)
        with self._lock:
            self._removed.discard(index)

    def change(self, ocid: str) -> dict:
        """Publish a new release of ``ocid`` dated at the clock, and return it.

        With a signed contract it is an implementation release with one more
        payment (or, if the contract is fully paid, a contract update); before
        that, a tender (or planning) update with a revised description.
        """
        index = self.index_of(ocid)
        with self._lock:
            published = self.releases(index)
            if not published:
                raise KeyError(f"{ocid} has no published release")
            latest = parse_datetime(published[-1]["date"])
            when = self.now
            if when <= latest:  # keep dates strictly increasing; the clock moves with it
                when = latest + timedelta(seconds=1)
                self.now = when
            self._changes.setdefault(index, []).append(when)
            number = len(self._changes[index])
        return self._change_release(self.process(index), number, when)

    def reset(self) -> None:
        """Back to the starting clock, with no removals and no changes."""
        with self._lock:
            self.now = self.start
            self._removed.clear()
            self._changes.clear()
            self._change_cache.clear()

    def state(self) -> dict:
        with self._lock:
            return {
                "processes": self.n,
                "seed": self.seed,
                "hostile": self.hostile,
                "start": format_datetime(self.start),
                "now": format_datetime(self.now),
                "removed": sorted(self.ocid(i) for i in self._removed),
                "changed": {self.ocid(i): len(v) for i, v in sorted(self._changes.items())},
            }

    def _change_release(self, process: Process, number: int, when: datetime) -> dict:
        key = (process.index, number)
        with self._lock:
            cached = self._change_cache.get(key)
        if cached is not None:
            return cached
        ocid = process.ocid
        base = process.visible(when)
        previous_changes = [self._change_cache.get((process.index, n)) for n in range(1, number)]
        history = sorted(base + [r for r in previous_changes if r], key=lambda r: r["date"])
        latest = history[-1]
        release = {
            "ocid": ocid,
            "id": "",
            "date": format_datetime(when),
            "tag": [],
            "initiationType": "tender",
            "language": "en",
            "parties": copy.deepcopy(latest["parties"]),
            "buyer": dict(latest["buyer"]),
        }
        with_contracts = next((r for r in reversed(history) if "contracts" in r), None)
        if with_contracts is not None:
            contracts = copy.deepcopy(with_contracts["contracts"])
            contract = contracts[0]
            value = contract["value"]["amount"]
            implementation = contract.setdefault("implementation", {})
            transactions = implementation.setdefault("transactions", [])
            paid = sum(t["value"]["amount"] for t in transactions)
            amount = round(min(value * 0.02, max(value - paid, 0)), 2)
            if amount >= 0.01 and contract["status"] == "active":
                payee = next((p for p in release["parties"] if "supplier" in p.get("roles", [])), None)
                transactions.append({
                    "id": f"{contract['id']}-pay-u{number}",
                    "source": f"{BASE_URL}/finance/payments",
                    "date": format_datetime(when),
                    "value": _money(amount),
                    "payer": dict(release["buyer"]),
                    "payee": _ref(payee) if payee else dict(release["buyer"]),
                    "uri": f"{BASE_URL}/finance/payments/{contract['id']}-u{number}",
                })
                tag = "implementation"
            else:
                contract["description"] = f"{contract.get('description', '')} (Record updated {when:%Y-%m-%d}.)"
                tag = "contractUpdate"
            release["contracts"] = contracts
        else:
            with_tender = next(r for r in reversed(history) if "tender" in r)
            tender = copy.deepcopy(with_tender["tender"])
            tender["description"] = f"{tender.get('description', '')} (Updated {when:%Y-%m-%d}: contact details revised.)"
            release["tender"] = tender
            if tender.get("status") == "planned":
                tag = "planningUpdate"
                release["planning"] = copy.deepcopy(with_tender.get("planning", {}))
            else:
                tag = "tenderUpdate"
        release["tag"] = [tag]
        release["id"] = f"{ocid}-u{number:02d}-{tag}"
        with self._lock:
            self._change_cache[key] = release
        return release


def generate(n: int = 500, seed: int = 42, start: date | datetime | str | None = None, hostile: bool = False,
             until: datetime | None = None) -> Iterator[list[dict]]:
    """Yield each process as its list of releases published at ``until`` (default: ``start``).

    Deterministic: the same ``n``, ``seed`` and ``start`` give the same releases.
    Processes are computed one at a time, so memory does not grow with ``n``.
    """
    system = PurchasingSystem(processes=n, seed=seed, start=start, hostile=hostile, cache_size=1)
    until = until or system.start
    for index in range(n):
        releases = system.releases(index, until)
        if releases:
            yield releases
