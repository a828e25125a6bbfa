"""Reference data for the demo purchasing system of the fictional City of Springfield.

Everything here is static: departments, the catalogue of things the city buys
(with UNSPSC and NIGP commodity codes), the words vendor names are made of, and
the places vendors are based. The generator combines these with a seeded random
number generator, so nothing in this module is random.

Names, addresses, phone numbers (555-01xx) and web domains (``.example``) are
fictional. Commodity codes follow the shape of UNSPSC (8 digits) and NIGP
(5 digits: 3-digit class and 2-digit item).
"""

from __future__ import annotations

from typing import NamedTuple

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


class Item(NamedTuple):
    sector: str
    category: str  # goods, services or works
    title: str  # short noun phrase used in process titles
    description: str
    unspsc: tuple[str, str]
    nigp: tuple[str, str]
    unit: tuple[str, str]  # UN/CEFACT Recommendation 20 name, code
    price: tuple[float, float]  # unit price range in USD
    quantity: tuple[int, int]


def _i(sector, category, title, description, unspsc, nigp, unit, price, quantity):
    return Item(sector, category, title, description, unspsc, nigp, unit, price, quantity)


EACH = ("Each", "EA")
LOT = ("Lump sum", "LS")
MONTH = ("Month", "MON")
HOUR = ("Hour", "HUR")
TON = ("Ton (US)", "STN")
GALLON = ("Gallon (US)", "GLL")
FOOT = ("Foot", "FOT")
CASE = ("Case", "CS")
YEAR = ("Year", "ANN")

ITEMS: tuple[Item, ...] = (
    # vehicles
    _i("vehicles", "goods", "Police Pursuit Utility Vehicles",
       "Pursuit-rated all-wheel-drive utility vehicles with emergency lighting and prisoner partition",
       ("25101702", "Police vehicles"), ("07054", "Police Vehicles"), EACH, (47_000, 61_000), (4, 45)),
    _i("vehicles", "goods", "Half-Ton Pickup Trucks",
       "Half-ton 4x4 crew cab pickup trucks, fleet specification",
       ("25101507", "Light trucks or sport utility vehicles"), ("07062", "Pickup Trucks"), EACH,
       (36_000, 52_000), (3, 25)),
    _i("vehicles", "goods", "Cargo Vans",
       "Full-size high-roof cargo vans with shelving package",
       ("25101505", "Minivans or vans"), ("07070", "Vans, Cargo"), EACH, (41_000, 56_000), (2, 15)),
    _i("vehicles", "goods", "Battery Electric Sedans",
       "Battery electric sedans for the municipal motor pool, including Level 2 chargers",
       ("25101503", "Cars"), ("07045", "Automobiles, Electric"), EACH, (38_000, 47_000), (5, 30)),
    # public safety
    _i("public_safety", "goods", "Body-Worn Cameras",
       "Body-worn cameras with docking stations and evidence management licences",
       ("46171610", "Security cameras"), ("68068", "Cameras, Body-Worn"), EACH, (650, 1_400), (100, 1_200)),
    _i("public_safety", "goods", "Ballistic Vests",
       "NIJ Level IIIA concealable ballistic vests, custom fitted",
       ("46181503", "Protective vests"), ("68049", "Body Armor"), EACH, (780, 1_250), (50, 600)),
    _i("public_safety", "goods", "Portable Radios",
       "P25 Phase II portable radios with batteries and chargers",
       ("43191500", "Personal communication devices"), ("72546", "Radios, Two-Way, Portable"), EACH,
       (3_200, 6_800), (25, 400)),
    _i("public_safety", "services", "Crime Laboratory Testing Services",
       "Forensic DNA and toxicology testing services on a per-case basis",
       ("85121800", "Medical laboratories"), ("94852", "Laboratory Testing Services"), ("Case", "CS"),
       (450, 1_900), (100, 1_500)),
    # fire
    _i("fire_equipment", "goods", "Pumper Fire Apparatus",
       "Custom pumper fire apparatus, 1,500 GPM pump, 750-gallon tank",
       ("25101703", "Fire fighting vehicles"), ("07071", "Fire Trucks"), EACH, (780_000, 1_150_000), (1, 4)),
    _i("fire_equipment", "goods", "Self-Contained Breathing Apparatus",
       "NFPA 1981 self-contained breathing apparatus with spare cylinders",
       ("46182001", "Self contained breathing apparatus"), ("34560", "Breathing Apparatus, Self-Contained"),
       EACH, (7_200, 9_800), (20, 250)),
    _i("fire_equipment", "goods", "Structural Firefighting Turnout Gear",
       "NFPA 1971 turnout coats and pants, custom sized",
       ("46181500", "Safety apparel"), ("34537", "Firefighter Protective Clothing"), EACH,
       (2_900, 4_100), (40, 400)),
    _i("fire_equipment", "services", "Fire Hose and Ladder Testing",
       "Annual service testing of fire hose, ground ladders and aerial devices",
       ("73152100", "Manufacturing equipment maintenance and repair services"),
       ("93634", "Fire Protection Equipment Maintenance and Repair"), YEAR, (35_000, 120_000), (1, 3)),
    # medical
    _i("medical_supplies", "goods", "Emergency Medical Supplies",
       "Emergency medical supplies for ambulances: airway, trauma and IV supplies",
       ("42171600", "Emergency medical services extrication and transport products"),
       ("46544", "Emergency Medical Supplies"), CASE, (80, 450), (200, 4_000)),
    _i("medical_supplies", "goods", "Nitrile Examination Gloves",
       "Powder-free nitrile examination gloves, assorted sizes",
       ("42132203", "Medical exam or non surgical procedure gloves"), ("46557", "Gloves, Examination"),
       CASE, (38, 95), (500, 8_000)),
    _i("medical_supplies", "goods", "Cardiac Monitor Defibrillators",
       "12-lead cardiac monitor defibrillators with service agreement",
       ("42172001", "Defibrillators"), ("46515", "Defibrillators"), EACH, (28_000, 39_000), (5, 60)),
    # water
    _i("water_infrastructure", "works", "Water Main Replacement",
       "Replacement of 8-inch and 12-inch cast iron water mains with ductile iron pipe, including services",
       ("72141100", "Infrastructure building and surfacing and paving services"),
       ("91364", "Water Main Construction"), FOOT, (280, 620), (1_500, 26_000)),
    _i("water_infrastructure", "works", "Lead Service Line Replacement",
       "Replacement of lead service lines from main to meter, including restoration",
       ("72141100", "Infrastructure building and surfacing and paving services"),
       ("91364", "Water Main Construction"), EACH, (9_500, 16_000), (80, 1_500)),
    _i("water_infrastructure", "works", "Sewer Lining Program",
       "Cured-in-place pipe lining of sanitary and combined sewers",
       ("72141100", "Infrastructure building and surfacing and paving services"),
       ("91358", "Sewer Construction and Rehabilitation"), FOOT, (95, 260), (4_000, 45_000)),
    _i("water_supplies", "goods", "Residential Water Meters",
       "5/8-inch ultrasonic residential water meters with AMI radio endpoints",
       ("41112501", "Water meters"), ("68059", "Meters, Water"), EACH, (190, 340), (500, 12_000)),
    _i("water_supplies", "goods", "Ductile Iron Pipe and Fittings",
       "Ductile iron pipe, mechanical joint fittings and valves",
       ("40171500", "Commercial pipe and piping"), ("65033", "Pipe, Ductile Iron"), FOOT, (38, 120),
       (2_000, 30_000)),
    _i("water_supplies", "goods", "Fire Hydrants",
       "Dry-barrel fire hydrants with 5-foot bury and auxiliary valves",
       ("40141700", "Hardware and fittings"), ("65046", "Hydrants, Fire"), EACH, (3_100, 4_600), (20, 300)),
    _i("treatment_chemicals", "goods", "Water Treatment Chemicals",
       "Liquid sodium hypochlorite and aluminium sulfate for water purification plants",
       ("12352300", "Inorganic compounds"), ("88524", "Water Treatment Chemicals"), TON, (290, 780),
       (200, 6_000)),
    _i("treatment_chemicals", "goods", "Activated Carbon",
       "Powdered activated carbon for taste and odour control",
       ("12141901", "Carbon"), ("88510", "Carbon, Activated"), TON, (1_700, 2_600), (40, 600)),
    # streets and sanitation
    _i("refuse", "goods", "Rear-Loading Refuse Trucks",
       "25-cubic-yard rear-loading refuse collection trucks with cart tippers",
       ("25101905", "Refuse trucks"), ("07080", "Refuse Trucks"), EACH, (285_000, 410_000), (2, 14)),
    _i("refuse", "goods", "Refuse and Recycling Carts",
       "95-gallon wheeled refuse and recycling carts with RFID tags",
       ("47121700", "Waste containers and accessories"), ("48550", "Refuse Containers, Plastic"), EACH,
       (52, 78), (2_000, 40_000)),
    _i("refuse", "services", "Recycling Processing Services",
       "Processing and marketing of residential single-stream recyclables",
       ("76121500", "Refuse disposal and treatment"), ("92670", "Recycling Services"), TON, (38, 95),
       (8_000, 90_000)),
    _i("refuse", "services", "Landfill Disposal Services",
       "Disposal of municipal solid waste at a permitted landfill, including transfer",
       ("76121500", "Refuse disposal and treatment"), ("92673", "Refuse Disposal Services"), TON,
       (32, 58), (20_000, 250_000)),
    _i("snow_ice", "goods", "Bulk Rock Salt",
       "Bulk sodium chloride rock salt for snow and ice control, delivered",
       ("12352300", "Inorganic compounds"), ("75045", "Salt, Road (Rock)"), TON, (68, 104),
       (5_000, 60_000)),
    _i("snow_ice", "goods", "Snow Plow Blades and Spreaders",
       "Reversible plow blades, cutting edges and V-box salt spreaders",
       ("22101700", "Heavy equipment components"), ("76535", "Snow Plow Parts"), EACH, (1_800, 24_000),
       (10, 120)),
    _i("snow_ice", "services", "Snow Removal Services",
       "On-call snow plowing and removal with operated equipment",
       ("72102900", "Facility maintenance and repair services"), ("96872", "Snow Removal Services"),
       HOUR, (145, 260), (800, 12_000)),
    _i("fuel", "goods", "Unleaded Gasoline and Diesel Fuel",
       "Bulk unleaded gasoline and ultra-low-sulfur diesel delivered to city fuel sites",
       ("15101505", "Diesel fuel"), ("40535", "Diesel Fuel"), GALLON, (2.6, 4.2), (250_000, 2_500_000)),
    _i("fuel", "goods", "Renewable Diesel",
       "Renewable diesel (R99) delivered to fleet fuel sites",
       ("15101505", "Diesel fuel"), ("40536", "Diesel Fuel, Biodiesel Blend"), GALLON, (3.1, 4.8),
       (100_000, 900_000)),
    # transportation
    _i("paving", "works", "Street Resurfacing Program",
       "Milling and resurfacing of arterial and residential streets, including ADA ramps",
       ("72141103", "Street paving services"), ("91378", "Street and Highway Paving"), ("Square yard", "YDK"),
       (24, 46), (20_000, 450_000)),
    _i("paving", "works", "Sidewalk and Curb Replacement",
       "Removal and replacement of sidewalk, curb and gutter, and ADA curb ramps",
       ("72141100", "Infrastructure building and surfacing and paving services"),
       ("91377", "Sidewalk and Curb Construction"), FOOT, (38, 95), (5_000, 80_000)),
    _i("paving", "goods", "Hot-Mix Asphalt",
       "Hot-mix asphalt surface and binder course, picked up at plant",
       ("30121601", "Asphalt"), ("74545", "Asphalt, Hot Mix"), TON, (68, 98), (2_000, 40_000)),
    _i("traffic", "works", "Traffic Signal Modernization",
       "Replacement of traffic signal controllers, mast arms and pedestrian signals",
       ("72151500", "Electrical system services"), ("91384", "Traffic Signal Installation"), EACH,
       (95_000, 260_000), (4, 40)),
    _i("traffic", "goods", "LED Street Light Fixtures",
       "LED roadway luminaires with networked lighting controls",
       ("39111700", "Outdoor lighting"), ("28564", "Lighting Fixtures, Street"), EACH, (310, 780),
       (500, 12_000)),
    _i("traffic", "services", "Pavement Marking Services",
       "Thermoplastic pavement markings and crosswalks",
       ("72141100", "Infrastructure building and surfacing and paving services"),
       ("96852", "Pavement Marking Services"), FOOT, (1.2, 4.5), (50_000, 900_000)),
    _i("bridges", "works", "Bridge Rehabilitation",
       "Deck replacement, bearing replacement and structural steel repairs",
       ("72141200", "Bridge construction and rehabilitation services"), ("91320", "Bridge Construction"),
       LOT, (1_800_000, 14_000_000), (1, 1)),
    _i("engineering", "services", "Design Engineering Services",
       "Phase I and Phase II design engineering, surveys and permitting",
       ("81101500", "Civil engineering"), ("92537", "Engineering Services, Civil"), LOT,
       (180_000, 3_500_000), (1, 1)),
    _i("engineering", "services", "Construction Engineering and Inspection",
       "Resident engineering, materials testing and construction inspection",
       ("81101500", "Civil engineering"), ("92538", "Construction Inspection Services"), HOUR,
       (115, 195), (2_000, 30_000)),
    # public health
    _i("laboratory", "goods", "Laboratory Reagents and Test Kits",
       "PCR reagents, test kits and consumables for the public health laboratory",
       ("41116000", "Clinical and diagnostic analyzer reagents"), ("49046", "Reagents, Laboratory"), CASE,
       (180, 1_200), (50, 2_000)),
    _i("laboratory", "goods", "Laboratory Analyzers",
       "Automated chemistry analyzers with installation and training",
       ("41115800", "Clinical and diagnostic analyzers"), ("49032", "Analyzers, Laboratory"), EACH,
       (65_000, 240_000), (1, 4)),
    _i("health_services", "services", "Community Vaccination Services",
       "Mobile vaccination clinics, nursing staff and cold-chain logistics",
       ("85121500", "Medical practice services"), ("94842", "Immunization Services"), MONTH,
       (40_000, 160_000), (6, 36)),
    _i("health_services", "services", "Behavioral Health Crisis Response",
       "Co-responder behavioral health clinicians for crisis calls",
       ("85121600", "Medical doctor specialist services"), ("94877", "Mental Health Services"), MONTH,
       (60_000, 210_000), (12, 36)),
    _i("health_services", "services", "Lead Poisoning Prevention Outreach",
       "Home inspections, case management and community outreach",
       ("85101700", "Health administration services"), ("94860", "Public Health Services"), MONTH,
       (25_000, 80_000), (12, 36)),
    # parks
    _i("landscaping", "services", "Turf Mowing and Grounds Maintenance",
       "Mowing, trimming and litter collection at parks and medians",
       ("70111700", "Parks and gardens and orchards"), ("98839", "Landscaping Services"), MONTH,
       (18_000, 75_000), (7, 36)),
    _i("landscaping", "services", "Tree Trimming and Removal",
       "Parkway tree trimming, removal and stump grinding",
       ("70151900", "Forestry management"), ("98874", "Tree Trimming and Removal Services"), EACH,
       (240, 1_600), (500, 8_000)),
    _i("landscaping", "goods", "Parkway Trees",
       "Balled-and-burlapped parkway trees, 2.5-inch caliper, planted",
       ("10151700", "Tree and shrub seeds and cuttings"), ("31582", "Trees, Shade"), EACH, (290, 520),
       (200, 4_000)),
    _i("recreation", "goods", "Playground Equipment",
       "Modular playground structures with poured-in-place safety surfacing",
       ("49221500", "Playground equipment"), ("65080", "Playground Equipment"), EACH, (45_000, 210_000),
       (1, 8)),
    _i("recreation", "goods", "Athletic Field Equipment",
       "Soccer goals, bleachers, scoreboards and field maintenance equipment",
       ("49161500", "Field and court sports equipment"), ("39020", "Athletic Field Equipment"), EACH,
       (1_200, 38_000), (5, 60)),
    _i("recreation", "services", "Aquatics Facility Management",
       "Lifeguard staffing, pool operations and water-quality monitoring",
       ("90151800", "Carnivals and fairs"), ("96158", "Recreation Services"), MONTH, (40_000, 140_000),
       (4, 36)),
    # facilities
    _i("facilities", "services", "HVAC Maintenance and Repair",
       "Preventive maintenance and emergency repair of HVAC systems at city facilities",
       ("72102900", "Facility maintenance and repair services"),
       ("91047", "Air Conditioning, Heating and Ventilating Maintenance"), MONTH, (15_000, 95_000),
       (12, 60)),
    _i("facilities", "services", "Elevator Maintenance",
       "Full-service maintenance of passenger and freight elevators",
       ("72102900", "Facility maintenance and repair services"), ("91034", "Elevator Maintenance"),
       MONTH, (6_000, 38_000), (12, 60)),
    _i("facilities", "goods", "Roof Replacement Materials",
       "Modified bitumen and TPO roofing systems",
       ("30151500", "Roofing materials"), ("07580", "Roofing Materials"), ("Square", "SQ"),
       (420, 980), (40, 900)),
    _i("building_construction", "works", "Facility Renovation",
       "General construction for interior renovation, MEP upgrades and accessibility improvements",
       ("72121400", "Specialized public building construction services"),
       ("90948", "Building Construction Services, General"), LOT, (350_000, 9_500_000), (1, 1)),
    _i("building_construction", "works", "New Facility Construction",
       "Construction of a new municipal facility, including site work",
       ("72121400", "Specialized public building construction services"),
       ("90940", "Building Construction Services, New"), LOT, (4_500_000, 24_000_000), (1, 1)),
    _i("building_construction", "works", "Roof Replacement",
       "Tear-off and replacement of low-slope roofs with insulation upgrades",
       ("72152600", "Roofing and siding and sheet metal services"), ("91450", "Roofing Services"), LOT,
       (180_000, 1_600_000), (1, 1)),
    _i("janitorial", "services", "Custodial Services",
       "Nightly custodial services, floor care and restroom sanitation",
       ("76111500", "General building and office cleaning and maintenance services"),
       ("91039", "Janitorial/Custodial Services"), MONTH, (12_000, 140_000), (12, 60)),
    _i("janitorial", "goods", "Janitorial Supplies",
       "Green Seal certified cleaning chemicals, paper products and can liners",
       ("47131800", "Cleaning and disinfecting solutions"), ("48545", "Janitorial Supplies"), CASE,
       (28, 140), (500, 9_000)),
    # library
    _i("library_materials", "goods", "Library Books and Materials",
       "Print books, shelf-ready processing and cataloguing records",
       ("55101500", "Printed publications"), ("71500", "Books, Library (Hardback and Paperback)"), EACH,
       (14, 38), (2_000, 60_000)),
    _i("library_materials", "services", "Electronic Resources and Databases",
       "Licensed e-books, audiobooks and research databases",
       ("43232300", "Data management and query software"), ("20890", "Software, Library Automation"),
       YEAR, (45_000, 420_000), (1, 3)),
    _i("furniture", "goods", "Library Furniture and Shelving",
       "Steel cantilever shelving, reading tables and soft seating",
       ("56101700", "Office furniture"), ("42545", "Library Furniture"), LOT, (60_000, 650_000), (1, 1)),
    _i("office", "goods", "Office Supplies",
       "Office supplies and recycled copy paper, desktop delivery",
       ("44120000", "Office supplies"), ("61500", "Office Supplies, General"), CASE, (25, 60),
       (400, 8_000)),
    _i("office", "goods", "Office Furniture",
       "Ergonomic task chairs, workstations and filing storage",
       ("56101700", "Office furniture"), ("42070", "Furniture, Office"), LOT, (25_000, 380_000), (1, 1)),
    # airport
    _i("airfield", "works", "Runway Pavement Rehabilitation",
       "Runway and taxiway pavement rehabilitation, lighting and markings",
       ("72141100", "Infrastructure building and surfacing and paving services"),
       ("91314", "Airport Runway Construction"), LOT, (2_500_000, 24_500_000), (1, 1)),
    _i("airfield", "goods", "Aircraft Deicing Fluid",
       "Type I and Type IV aircraft deicing and anti-icing fluid",
       ("15121800", "Anti corrosives"), ("88532", "Deicing Compounds"), GALLON, (7, 16), (20_000, 250_000)),
    _i("airfield", "goods", "Aircraft Rescue and Firefighting Vehicles",
       "ARFF vehicles, 3,000-gallon, with high-reach extendable turret",
       ("25101703", "Fire fighting vehicles"), ("07071", "Fire Trucks"), EACH, (980_000, 1_450_000), (1, 3)),
    _i("security_services", "services", "Unarmed Security Guard Services",
       "Unarmed security officers for terminals, garages and city facilities",
       ("92121504", "Security guard services"), ("99046", "Security Guard Services"), HOUR, (28, 46),
       (15_000, 320_000)),
    _i("security_services", "goods", "Access Control System",
       "Card access control readers, panels and video management integration",
       ("46171600", "Surveillance and detection equipment"), ("34041", "Access Control Systems"), LOT,
       (120_000, 1_900_000), (1, 1)),
    # housing
    _i("housing_programs", "services", "Emergency Rental Assistance Administration",
       "Intake, eligibility review and payment processing for rental assistance",
       ("93141700", "Social services"), ("95260", "Housing Assistance Services"), MONTH,
       (45_000, 260_000), (6, 36)),
    _i("housing_programs", "services", "Homeownership Counseling",
       "HUD-certified homebuyer education and foreclosure prevention counseling",
       ("93141700", "Social services"), ("95264", "Counseling Services, Housing"), MONTH, (15_000, 60_000),
       (12, 36)),
    _i("housing_rehab", "works", "Home Repair Program",
       "Roof, porch, furnace and accessibility repairs for owner-occupied homes",
       ("72101500", "Building support services"), ("91425", "Home Repair and Rehabilitation Services"),
       EACH, (9_000, 42_000), (20, 220)),
    _i("housing_rehab", "works", "Vacant Building Demolition",
       "Demolition of vacant and hazardous buildings, including abatement and site restoration",
       ("72141600", "Demolition services"), ("91230", "Demolition Services"), EACH, (18_000, 65_000),
       (10, 120)),
    # technology
    _i("it_hardware", "goods", "Laptop Computers",
       "Business-class laptops with docking stations and three-year warranty",
       ("43211503", "Notebook computers"), ("20470", "Computers, Notebook"), EACH, (1_050, 2_300),
       (50, 1_500)),
    _i("it_hardware", "goods", "Rugged Mobile Data Computers",
       "Rugged in-vehicle mobile data computers with mounts and modems",
       ("43211509", "Tablet computers"), ("20472", "Computers, Rugged"), EACH, (3_400, 6_200), (40, 500)),
    _i("it_hardware", "goods", "Network Switches and Routers",
       "Enterprise network switches, routers and wireless access points",
       ("43222600", "Network service equipment"), ("20580", "Networking Equipment"), EACH, (900, 28_000),
       (10, 300)),
    _i("it_software", "services", "Enterprise Resource Planning Software",
       "Cloud ERP subscription for financials, procurement and payroll, with implementation",
       ("43232600", "Industry specific software"), ("20886", "Software, Financial"), YEAR,
       (600_000, 3_800_000), (3, 7)),
    _i("it_software", "services", "Case Management Software",
       "Software-as-a-service case management platform with configuration and training",
       ("43232300", "Data management and query software"), ("20889", "Software, Case Management"), YEAR,
       (85_000, 650_000), (1, 5)),
    _i("it_software", "goods", "Productivity Software Licences",
       "Productivity and collaboration software licences, enterprise agreement",
       ("43233000", "Operating environment software"), ("20845", "Software, Office Suites"), EACH,
       (180, 420), (500, 9_000)),
    _i("it_services", "services", "IT Staff Augmentation",
       "Senior developers, business analysts and project managers on an hourly basis",
       ("80111600", "Temporary personnel services"), ("92040", "Information Technology Staffing"), HOUR,
       (95, 185), (2_000, 40_000)),
    _i("it_services", "services", "Cybersecurity Assessment",
       "Penetration testing, vulnerability assessment and incident response retainer",
       ("81111800", "System and system component administration services"),
       ("92045", "Computer Security Services"), LOT, (75_000, 900_000), (1, 1)),
    _i("telecom", "services", "Wireless Voice and Data Services",
       "Wireless voice and data plans for city-issued devices",
       ("83111600", "Mobile communications services"), ("91580", "Telephone Services, Cellular"), MONTH,
       (40_000, 160_000), (12, 60)),
    _i("telecom", "services", "Fiber Network Maintenance",
       "Maintenance, locates and repairs of the city-owned fiber network",
       ("81112300", "Computer hardware maintenance and support"), ("91518", "Fiber Optic Maintenance"),
       MONTH, (15_000, 70_000), (12, 60)),
    # finance
    _i("financial_services", "services", "Independent Audit Services",
       "Annual financial statement and single audit under Uniform Guidance",
       ("84111600", "Audit services"), ("94605", "Auditing Services"), YEAR, (240_000, 780_000), (1, 5)),
    _i("financial_services", "services", "Banking and Treasury Services",
       "Depository, merchant card processing and lockbox services",
       ("84121500", "Banking institutions"), ("94610", "Banking Services"), YEAR, (120_000, 520_000),
       (3, 5)),
    _i("financial_services", "services", "Debt Collection Services",
       "Collection of delinquent parking, utility and administrative debts on contingency",
       ("84111500", "Accounting services"), ("94620", "Collection Agency Services"), YEAR,
       (150_000, 900_000), (1, 5)),
    # law
    _i("legal_services", "services", "Outside Counsel, Litigation",
       "Outside counsel for complex civil litigation defence",
       ("80121700", "Liability law services"), ("96152", "Legal Services"), HOUR, (225, 495),
       (400, 9_000)),
    _i("legal_services", "services", "Outside Counsel, Bond and Disclosure",
       "Bond counsel and disclosure counsel for general obligation and revenue bonds",
       ("80121600", "Business law services"), ("96152", "Legal Services"), LOT, (90_000, 650_000), (1, 1)),
    _i("legal_services", "services", "Court Reporting Services",
       "Certified court reporting, transcripts and videography",
       ("80121800", "Family law services"), ("96144", "Court Reporting Services"), HOUR, (85, 160),
       (300, 4_000)),
    # planning and development
    _i("planning_studies", "services", "Comprehensive Plan Update",
       "Comprehensive plan update with community engagement and zoning code audit",
       ("80101500", "Business and corporate management consultation services"),
       ("91885", "Urban Planning Consulting"), LOT, (240_000, 1_400_000), (1, 1)),
    _i("planning_studies", "services", "Environmental Site Assessments",
       "Phase I and Phase II environmental site assessments of city-owned parcels",
       ("77101700", "Environmental advisory services"), ("92635", "Environmental Assessment Services"),
       EACH, (4_500, 38_000), (10, 90)),
    _i("consulting", "services", "Management Consulting Services",
       "Operational review, performance management and organizational consulting",
       ("80101500", "Business and corporate management consultation services"),
       ("91839", "Management Consulting"), LOT, (90_000, 1_200_000), (1, 1)),
    _i("fleet_parts", "goods", "Automotive Parts and Supplies",
       "OEM and aftermarket automotive parts, on-site parts room operation",
       ("25170000", "Transportation components and systems"), ("06000", "Automotive Parts and Accessories"),
       LOT, (450_000, 4_500_000), (1, 1)),
    _i("fleet_parts", "goods", "Tires and Tubes",
       "Passenger, light truck and heavy-duty tires, including mounting and recapping",
       ("25172500", "Tires and tire tubes"), ("86500", "Tires and Tubes"), EACH, (140, 1_100),
       (500, 9_000)),
    _i("fleet_parts", "services", "Heavy Equipment Repair",
       "Repair of heavy equipment and refuse truck bodies at vendor facilities",
       ("78181500", "Vehicle maintenance and repair services"), ("92835", "Vehicle Repair Services"), HOUR,
       (110, 175), (1_500, 18_000)),
)

ITEMS_BY_SECTOR: dict[str, tuple[Item, ...]] = {}
for _item in ITEMS:
    ITEMS_BY_SECTOR.setdefault(_item.sector, ())
    ITEMS_BY_SECTOR[_item.sector] += (_item,)

SECTORS = tuple(ITEMS_BY_SECTOR)

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
