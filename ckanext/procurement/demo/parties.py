"""The organizations a release names: the buying department, the Department of Procurement Services, vendors."""

from __future__ import annotations

from . import data
from .data import BASE_URL, CITY, Department
from .ocds import CERT_SCHEME, VENDOR_SCHEME
from .vendors import Vendor


def department_id(department: Department) -> str:
    """The party id of a city department."""
    return f"US-SPFLD-{department.code}"


def department_name(department: Department) -> str:
    return f"{CITY}, {department.name}"


def buyer_party(department: Department, roles: list[str]) -> dict:
    """The department that needs the purchase and pays for it; its procurement liaison answers."""
    slug = department.slug
    return _city_party(department, {
        "name": f"Procurement Liaison, {department.name}",
        "email": f"{slug}.purchasing@springfield.example",
        "telephone": f"(217) 555-01{int(department.code) % 100:02d}",
        "url": f"https://www.springfield.example/departments/{slug}",
    }, roles)


def procuring_party() -> dict:
    """The Department of Procurement Services, which runs every solicitation; bids go to its bid room."""
    return _city_party(data.PROCUREMENT_DEPARTMENT, {
        "name": "Bid and Bond Room",
        "email": "bids@procurement.springfield.example",
        "telephone": "(217) 555-0135",
        "url": BASE_URL,
    }, ["procuringEntity"])


def _city_party(department: Department, contact_point: dict, roles: list[str]) -> dict:
    return {
        "id": department_id(department),
        "name": department_name(department),
        "identifier": {"id": department.code, "legalName": department_name(department)},
        "address": dict(data.CITY_ADDRESS),
        "contactPoint": contact_point,
        "roles": roles,
    }


def vendor_party(vendor: Vendor, roles: list[str], name: str | None = None) -> dict:
    """A vendor from the registry, with its EIN, city vendor number, size and certifications."""
    return {
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
