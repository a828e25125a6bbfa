"""How the City of Springfield writes OCDS: its publisher identity and the small values every release uses.

The OCID prefix, licence and extensions of the city's publication, the date
format of its purchasing system, and the value objects (money, organization
references, documents) that the planning, tender, award and contract sections
are made of.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timezone

from .data import BASE_URL, CITY, CURRENCY

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
#: Scheme of the city's business certifications (MBE, WBE, DBE, LBE) in a vendor's classifications.
CERT_SCHEME = "CITY-CERT"
#: Scheme of the city's own vendor numbers, next to the vendor's EIN.
VENDOR_SCHEME = "X-SPFLD-VENDOR"


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


def midnight(value: date | datetime | str | None) -> datetime:
    """The system's starting clock from a date, datetime or ISO string (default: today, UTC midnight)."""
    if value is None:
        value = datetime.now(timezone.utc).date()
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    return datetime.combine(value, time(), tzinfo=timezone.utc)


def money(amount: float) -> dict:
    """An OCDS Value in the city's currency, to the cent."""
    return {"amount": round(amount, 2), "currency": CURRENCY}


def money_text(amount: float) -> str:
    """An amount as the city writes it in prose: ``$1,234.50``."""
    return f"${amount:,.2f}"


def ref(party: dict) -> dict:
    """An OrganizationReference to ``party``."""
    return {"id": party["id"], "name": party["name"]}


def document(ocid: str, slug: str, document_type: str, title: str, when: datetime, description: str = "",
             fmt: str = "application/pdf") -> dict:
    """A document the city posts on its procurement site for process ``ocid`` (a PDF unless ``fmt`` says)."""
    extension = "pdf" if fmt == "application/pdf" else "html"
    result = {
        "id": slug,
        "documentType": document_type,
        "title": title,
        "url": f"{BASE_URL}/docs/{ocid}/{slug}.{extension}",
        "datePublished": format_datetime(when),
        "format": fmt,
        "language": "en",
    }
    if description:
        result["description"] = description
    return result
