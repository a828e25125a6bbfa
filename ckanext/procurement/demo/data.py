"""Reference data for the demo purchasing system of the fictional City of Springfield.

Everything here is static: departments, the catalogue of things the city buys
(in catalogue.py, with UNSPSC and NIGP commodity codes), the words vendor names are made of, and
the places vendors are based. The generator combines these with a seeded random
number generator, so nothing in this module is random.

Names, addresses, phone numbers (555-01xx) and web domains (``.example``) are
fictional. Commodity codes follow the shape of UNSPSC (8 digits) and NIGP
(5 digits: 3-digit class and 2-digit item).
"""

from __future__ import annotations

from typing import NamedTuple

from .catalogue import (  # noqa: F401 (the catalogue is part of the reference data)
    CASE, EACH, FOOT, GALLON, HOUR, ITEMS, ITEMS_BY_SECTOR, LOT, MONTH, SECTORS, TON, YEAR, Item,
)

CITY = "City of Springfield"
CITY_STATE = "IL"
CITY_DOMAIN = "procurement.springfield.example"
BASE_URL = f"https://{CITY_DOMAIN}"
CURRENCY = "USD"

CITY_ADDRESS = {
    "streetAddress": "800 E. Monroe St.",
    "locality": "Springfield",
    "region": "IL",
    "postalCode": "62701",
    "countryName": "United States",
}


class Department(NamedTuple):
    code: str  # city department number, as in the city's financial system
    slug: str
    name: str  # without the city prefix
    weights: tuple[float, float, float]  # goods, services, works
    sectors: tuple[str, ...]  # what the department buys (keys of ITEMS' sectors)
    fund: str  # main budget fund


DEPARTMENTS: tuple[Department, ...] = (
    Department("057", "police", "Department of Police", (0.50, 0.40, 0.10),
               ("vehicles", "public_safety", "it_hardware", "it_software", "facilities", "consulting",
                "building_construction"),
               "Corporate Fund"),
    Department("059", "fire", "Fire Department", (0.60, 0.25, 0.15),
               ("fire_equipment", "medical_supplies", "vehicles", "facilities", "building_construction"),
               "Corporate Fund"),
    Department("067", "water", "Department of Water Management", (0.30, 0.20, 0.50),
               ("water_infrastructure", "water_supplies", "treatment_chemicals", "engineering"),
               "Water Fund"),
    Department("081", "streets", "Department of Streets and Sanitation", (0.35, 0.35, 0.30),
               ("refuse", "snow_ice", "vehicles", "fuel", "paving", "landscaping"),
               "Corporate Fund"),
    Department("084", "transportation", "Department of Transportation", (0.10, 0.30, 0.60),
               ("paving", "traffic", "engineering", "bridges"),
               "Motor Fuel Tax Fund"),
    Department("041", "health", "Department of Public Health", (0.40, 0.60, 0.00),
               ("medical_supplies", "laboratory", "health_services", "it_software"),
               "Public Health Grant Fund"),
    Department("099", "parks", "Department of Parks and Recreation", (0.30, 0.35, 0.35),
               ("landscaping", "recreation", "building_construction", "janitorial"),
               "Parks and Recreation Fund"),
    Department("091", "library", "Springfield Public Library", (0.60, 0.35, 0.05),
               ("library_materials", "it_hardware", "furniture", "building_construction"),
               "Library Fund"),
    Department("085", "aviation", "Department of Aviation", (0.20, 0.40, 0.40),
               ("airfield", "security_services", "janitorial", "engineering", "snow_ice"),
               "Airport Operating Fund"),
    Department("054", "housing", "Department of Housing", (0.00, 0.60, 0.40),
               ("housing_programs", "housing_rehab", "consulting"),
               "Community Development Block Grant Fund"),
    Department("038", "fleet", "Department of Fleet and Facility Management", (0.45, 0.35, 0.20),
               ("vehicles", "fleet_parts", "fuel", "facilities", "janitorial", "building_construction"),
               "Corporate Fund"),
    Department("005", "technology", "Department of Innovation and Technology", (0.35, 0.65, 0.00),
               ("it_hardware", "it_software", "it_services", "telecom"),
               "Corporate Fund"),
    Department("027", "finance", "Department of Finance", (0.15, 0.85, 0.00),
               ("financial_services", "office", "it_software"),
               "Corporate Fund"),
    Department("031", "law", "Department of Law", (0.05, 0.95, 0.00),
               ("legal_services", "office"),
               "Corporate Fund"),
    Department("021", "planning", "Department of Planning and Development", (0.00, 0.80, 0.20),
               ("planning_studies", "engineering", "building_construction"),
               "Tax Increment Financing Fund"),
)

PROCUREMENT_DEPARTMENT = Department(
    "035", "procurement", "Department of Procurement Services", (0, 0, 0), (), "Corporate Fund")

CATEGORIES = ("goods", "services", "works")


# Words vendors in each sector put in their names.
SECTOR_TRADES: dict[str, tuple[str, ...]] = {
    "vehicles": ("Fleet Sales", "Ford Lincoln", "Truck Center", "Auto Group", "Motors"),
    "public_safety": ("Public Safety Supply", "Tactical Equipment", "Communications", "Police Supply"),
    "fire_equipment": ("Fire Apparatus", "Fire Equipment", "Safety Products", "Emergency Vehicles"),
    "medical_supplies": ("Medical Supply", "Healthcare Products", "EMS Supply", "Scientific"),
    "water_infrastructure": ("Underground", "Excavating", "Utility Contractors", "Pipeline"),
    "water_supplies": ("Waterworks Supply", "Meter Company", "Pipe and Supply", "Utility Supply"),
    "treatment_chemicals": ("Chemical", "Water Solutions", "Industrial Chemicals"),
    "refuse": ("Environmental", "Waste Systems", "Recycling", "Disposal"),
    "snow_ice": ("Salt Company", "Equipment", "Snow Services", "Minerals"),
    "fuel": ("Petroleum", "Oil Company", "Energy", "Fuels"),
    "paving": ("Paving", "Asphalt", "Construction", "Contractors", "Concrete"),
    "traffic": ("Electric", "Signal Company", "Lighting", "Traffic Services"),
    "bridges": ("Bridge Company", "Structures", "Heavy Civil", "Constructors"),
    "engineering": ("Engineering", "Engineers", "Consulting Engineers", "Associates"),
    "laboratory": ("Scientific", "Diagnostics", "Laboratories", "Life Sciences"),
    "health_services": ("Health Partners", "Community Health", "Nursing Services", "Wellness Center"),
    "landscaping": ("Landscaping", "Tree Service", "Lawn Care", "Nursery", "Grounds Management"),
    "recreation": ("Playgrounds", "Recreation", "Sports", "Aquatics"),
    "facilities": ("Mechanical", "Building Services", "Elevator", "Roofing"),
    "building_construction": ("Builders", "Construction", "General Contractors", "Construction Group"),
    "janitorial": ("Building Maintenance", "Janitorial Services", "Cleaning Solutions", "Facility Services"),
    "library_materials": ("Book Company", "Library Services", "Publishing", "Media"),
    "furniture": ("Interiors", "Office Furniture", "Furnishings", "Workplace Solutions"),
    "office": ("Office Products", "Business Supply", "Office Solutions", "Stationers"),
    "airfield": ("Aviation Services", "Airport Systems", "Aerospace", "Heavy Civil"),
    "security_services": ("Security", "Protective Services", "Security Systems", "Guard Services"),
    "housing_programs": ("Housing Services", "Community Development", "Neighborhood Partners"),
    "housing_rehab": ("Home Improvement", "Restoration", "Wrecking", "Renovations"),
    "it_hardware": ("Technology", "Computer Systems", "Data Systems", "Networks"),
    "it_software": ("Software", "Systems", "Cloud Solutions", "Digital"),
    "it_services": ("Technology Consulting", "IT Solutions", "Consulting Group", "Digital Services"),
    "telecom": ("Communications", "Wireless", "Fiber Networks", "Telecom"),
    "financial_services": ("LLP", "Financial Services", "Bank", "Revenue Recovery"),
    "legal_services": ("Law Group", "LLP", "Legal", "Reporting Services"),
    "planning_studies": ("Planning Associates", "Urban Design", "Environmental Consultants", "Design Studio"),
    "consulting": ("Consulting", "Advisors", "Management Partners", "Strategy Group"),
    "fleet_parts": ("Auto Parts", "Tire", "Truck Parts", "Equipment Repair"),
}

# Name stems: places, natural features and family names.
NAME_STEMS = (
    "Lakeshore", "Prairie State", "Sangamon", "Lincoln", "Capitol", "Heartland", "Midwest",
    "Great Lakes", "Keystone", "Summit", "Riverbend", "Northfield", "Oak Ridge", "Cardinal",
    "Frontier", "Pioneer", "Liberty", "Meridian", "Sterling", "Horizon", "Evergreen", "Bluestem",
    "Ironwood", "Granite", "Heritage", "Allied", "United", "Premier", "Central Illinois",
    "Tri-County", "Cornerstone", "Benchmark", "Ashford", "Whitfield", "Delgado", "Nguyen",
    "Okafor", "Kowalski", "Hernandez", "Patel", "Washington", "Brooks", "Ramirez", "O'Brien",
    "Castillo", "Jefferson", "Morgan", "Sullivan", "Kim", "Abernathy", "Lakeview", "Clearwater",
    "Stonebridge", "Redwood", "Fox River", "Illini", "Wabash", "Mississippi Valley", "Two Rivers",
    "Bright Star", "Beacon", "Harbor", "Crossroads", "Anchor", "Foster", "Greenway", "Madison",
    "Garfield", "Douglas", "Bennett", "Ortiz", "Johnson", "Reyes", "Chen", "Goldberg", "Adeyemi",
    "Novak", "Mendoza", "Fitzgerald", "Harrington", "Vega", "Thompson", "Black Hawk", "Pontiac",
)

SUFFIXES = ("Inc.", "LLC", "Co.", "Corp.", "Inc.", "LLC", "Ltd.", "& Sons, Inc.", "Group, LLC")

LOCAL_STREETS = (
    "S. 6th St.", "E. Adams St.", "W. Jefferson St.", "N. Grand Ave.", "Stevenson Dr.",
    "N. Dirksen Pkwy.", "S. Wabash Ave.", "Chatham Rd.", "Veterans Pkwy.", "S. MacArthur Blvd.",
    "E. Cook St.", "N. Peoria Rd.", "Clear Lake Ave.", "W. Iles Ave.", "E. Sangamon Ave.",
    "S. Dirksen Pkwy.", "Wolf Rd.", "W. Washington St.",
)
LOCAL_ZIPS = ("62701", "62702", "62703", "62704", "62707", "62711", "62712")

# (city, state, ZIP prefix, streets) for vendors based elsewhere.
OTHER_CITIES = (
    ("Chicago", "IL", "606", ("W. Lake St.", "S. Halsted St.", "N. Elston Ave.", "W. Fulton Market")),
    ("Peoria", "IL", "616", ("SW Adams St.", "N. University St.", "W. War Memorial Dr.")),
    ("Decatur", "IL", "625", ("N. Water St.", "E. Pershing Rd.")),
    ("Champaign", "IL", "618", ("N. Neil St.", "W. Bradley Ave.")),
    ("Bloomington", "IL", "617", ("W. Market St.", "Hamilton Rd.")),
    ("St. Louis", "MO", "631", ("Washington Ave.", "S. Kingshighway Blvd.", "Chouteau Ave.")),
    ("Indianapolis", "IN", "462", ("N. Meridian St.", "E. Washington St.")),
    ("Milwaukee", "WI", "532", ("N. Water St.", "W. Wisconsin Ave.")),
    ("Columbus", "OH", "432", ("E. Broad St.", "N. High St.")),
    ("Minneapolis", "MN", "554", ("Nicollet Mall", "Washington Ave. S.")),
    ("Dallas", "TX", "752", ("Commerce St.", "N. Akard St.")),
    ("Atlanta", "GA", "303", ("Peachtree St. NE", "Marietta St. NW")),
    ("Denver", "CO", "802", ("17th St.", "Larimer St.")),
    ("Kansas City", "MO", "641", ("Grand Blvd.", "Main St.")),
)

CERTIFICATIONS = {
    "MBE": "Minority Business Enterprise",
    "WBE": "Women Business Enterprise",
    "LBE": "Local Business Enterprise",
    "DBE": "Disadvantaged Business Enterprise",
}

# Procurement methods: (OCDS method, procurementMethodDetails, award criteria)
IFB = ("open", "Invitation for Bid", "priceOnly")
RFP = ("open", "Request for Proposals", "ratedCriteria")
RFQ = ("selective", "Request for Qualifications", "ratedCriteria")
SMALL = ("limited", "Small Purchase", "priceOnly")
COOPERATIVE = ("limited", "Cooperative Purchase", "priceOnly")
SOLE_SOURCE = ("direct", "Sole Source", "singleBidOnly")
EMERGENCY = ("direct", "Emergency Procurement", "singleBidOnly")

METHODS = (IFB, RFP, RFQ, SMALL, COOPERATIVE, SOLE_SOURCE, EMERGENCY)
COMPETITIVE = (IFB, RFP, RFQ, SMALL)

COOPERATIVE_AGREEMENTS = (
    "Sourcewell", "OMNIA Partners", "NASPO ValuePoint", "Illinois Central Management Services master contract",
    "GSA Schedule (Cooperative Purchasing Program)",
)

SOLE_SOURCE_RATIONALES = (
    "Proprietary equipment: only the original manufacturer can supply compatible parts and firmware.",
    "Continuation of an existing software platform; licences and support are available only from the developer.",
    "Only known source able to deliver within the grant's performance period.",
    "Compatibility with existing city-wide radio infrastructure.",
)
EMERGENCY_RATIONALES = {
    "works": (
        "Emergency repair of a water main break affecting hospital service.",
        "Imminent threat to public safety from a structurally unsound building.",
        "Sinkhole: emergency repair required to reopen an arterial street.",
    ),
    "services": (
        "Storm damage: immediate debris removal required to reopen arterial streets.",
        "Failure of critical HVAC equipment at the 911 emergency communications center.",
        "Continuity of service after the incumbent contractor's unexpected default.",
    ),
    "goods": (
        "Replacement of equipment destroyed in a fire, required to maintain emergency response.",
    ),
}
CANCELLATION_REASONS = (
    "Requirements have changed; the specification will be revised and re-advertised.",
    "Funding for this project was not appropriated in the adopted budget.",
    "Department has determined the need can be met under an existing city contract.",
    "A material error in the bid documents was identified during the question period.",
)
UNSUCCESSFUL_REASONS = (
    "No responsive bids were received.",
    "All bids exceeded the available funding by more than 25 percent.",
    "The only bid received was found non-responsive to the specification.",
)
AMENDMENT_RATIONALES = {
    "increase": (
        "Additional quantities required due to increased demand.",
        "Change order for unforeseen site conditions.",
        "Scope expanded to cover additional city facilities.",
        "Price adjustment per the contract's escalation clause (CPI-U).",
    ),
    "decrease": (
        "De-obligation of unused contract authority.",
        "Reduction in scope: the project phase was deferred.",
        "Credit for work not performed, reconciled at close-out.",
    ),
    "extension": (
        "Exercise of the first renewal option.",
        "Time extension to complete work delayed by weather.",
        "Extension to allow a new solicitation to be completed without a gap in service.",
    ),
}

MILESTONES = {
    "works": (
        ("engagement", "Notice to Proceed", 0.02),
        ("delivery", "Substantial Completion", 0.80),
        ("assessment", "Final Inspection and Acceptance", 0.95),
    ),
    "goods": (
        ("delivery", "First Delivery", 0.15),
        ("delivery", "Final Delivery", 0.60),
        ("assessment", "Acceptance Inspection", 0.70),
    ),
    "services": (
        ("engagement", "Kick-off Meeting", 0.03),
        ("reporting", "Mid-term Performance Report", 0.50),
        ("reporting", "Final Performance Report", 0.97),
    ),
}

CONTRACT_TYPES = {"goods": "Commodities", "works": "Construction", "services": "Services"}
PROFESSIONAL_SECTORS = {
    "engineering", "consulting", "legal_services", "financial_services", "planning_studies",
    "it_services", "health_services",
}
