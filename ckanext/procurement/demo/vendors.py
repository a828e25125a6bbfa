"""The city's vendor registry: the businesses that bid on Springfield's solicitations.

Each vendor has a city vendor number and a federal EIN, an address (local to
Springfield or in another Midwestern city), a size (partyScale) and the city's
business certifications (minority-, women-, disadvantaged- and local-business
enterprise). The registry is drawn once per seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import data

_AREA_CODES = {"IL": "312", "MO": "314", "IN": "317", "WI": "414", "OH": "614", "MN": "612",
               "TX": "214", "GA": "404", "CO": "303"}
_CERTIFICATION_ORDER = ["MBE", "WBE", "DBE", "LBE"]


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


@dataclass(frozen=True)
class _Address:
    street: str
    city: str
    state: str
    zip: str
    area_code: str


def build_vendors(seed: int, count: int = 150) -> tuple[Vendor, ...]:
    """The city's vendor registry: ``count`` vendors, at least four per sector."""
    rng = random.Random(f"{seed}:vendors")
    names: set[str] = set()
    eins: set[str] = set()
    return tuple(_draw_vendor(rng, i, names, eins) for i in range(count))


def _draw_vendor(rng: random.Random, i: int, names: set[str], eins: set[str]) -> Vendor:
    """Vendor ``i`` of the registry; ``names`` and ``eins`` are those already taken."""
    sectors = _sectors(rng, data.SECTORS[i % len(data.SECTORS)])
    name, legal = _unique_name(rng, rng.choice(data.SECTOR_TRADES[sectors[0]]), names)
    scale = rng.choices(("small", "sme", "large"), (0.4, 0.35, 0.25))[0]
    local = rng.random() < (0.2 if scale == "large" else 0.55)
    address = _address(rng, local)
    certifications = _certifications(rng, scale, local)
    ein = _unique_ein(rng, eins)
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
    return Vendor(
        number=str(1_040_000 + i * 97 + rng.randint(0, 96)),
        ein=ein,
        name=name,
        legal_name=legal,
        street=address.street,
        city=address.city,
        state=address.state,
        zip=address.zip,
        phone=f"({address.area_code}) 555-{rng.randint(100, 199):04d}",
        email=f"{rng.choice(('bids', 'contracts', 'sales', 'info', 'govsales'))}@{slug}.example",
        website=f"https://www.{slug}.example",
        scale=scale,
        certifications=certifications,
        sectors=sectors,
    )


def _sectors(rng: random.Random, primary: str) -> tuple[str, ...]:
    """The sectors a vendor bids in: its primary one, and one in five also another."""
    own = [primary]
    if rng.random() < 0.2:
        other = rng.choice(data.SECTORS)
        if other != primary:
            own.append(other)
    return tuple(own)


def _unique_name(rng: random.Random, trade: str, taken: set[str]) -> tuple[str, str]:
    """A trading name not in ``taken`` (which it joins), and the legal name behind it."""
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
        if name not in taken:
            taken.add(name)
            return name, legal


def _address(rng: random.Random, local: bool) -> _Address:
    """A street address in Springfield, or in one of the other cities vendors come from."""
    if local:
        street = f"{rng.randint(100, 3999)} {rng.choice(data.LOCAL_STREETS)}"
        return _Address(street, "Springfield", "IL", rng.choice(data.LOCAL_ZIPS), "217")
    city, state, prefix, streets = rng.choice(data.OTHER_CITIES)
    street = f"{rng.randint(100, 9999)} {rng.choice(streets)}"
    zip_code = f"{prefix}{rng.randint(1, 99):02d}"
    area_code = "309" if city == "Peoria" else _AREA_CODES[state]
    return _Address(street, city, state, zip_code, area_code)


def _certifications(rng: random.Random, scale: str, local: bool) -> tuple[str, ...]:
    """The city's business certifications: small businesses may be MBE, WBE or DBE; local ones LBE."""
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
    return tuple(sorted(certifications, key=_CERTIFICATION_ORDER.index))


def _unique_ein(rng: random.Random, taken: set[str]) -> str:
    """A federal Employer Identification Number not in ``taken`` (which it joins)."""
    while True:
        ein = f"{rng.randint(10, 99)}-{rng.randint(1_000_000, 9_999_999)}"
        if ein not in taken:
            taken.add(ein)
            return ein
