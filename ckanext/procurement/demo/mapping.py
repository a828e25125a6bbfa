"""The mapping of the demo purchasing system's contracts export (`/exports/contracts.csv`).

A complete example of a `procurement_csv` harvest source's `mapping`: the export
follows the City of Chicago's contracts table, one row per contract modification
(revision 0 is the award; later revisions carry signed amounts that add up to the
contract's current value). The demo purchasing system serves it at
`/exports/contracts.mapping.json`, where `ckan procurement demo-setup` reads it
for the demo's CSV harvest source: production code never imports the demo.
"""

CHICAGO_MAPPING: dict = {
    "rows_are": "modification",
    "ocid": "ocds-demo01-{purchase_order_number}",
    "release_id": "{ocid}-{revision_number}",
    "date": "approval_date",
    "revision": "revision_number",
    "amount": "award_amount",
    "currency": "USD",
    "timezone": "America/Chicago",
    "columns": {
        "tender/id": "specification_number",
        "tender/title": "purchase_order_description",
        "tender/procurementMethod": "procurement_type",
        "tender/procurementMethodDetails": "procurement_type",
        "buyer/name": "department",
        "awards/0/id": "purchase_order_number",
        "awards/0/title": "purchase_order_description",
        "awards/0/date": "approval_date",
        "awards/0/value/amount": "award_amount",
        "awards/0/suppliers/0/id": "vendor_id",
        "awards/0/suppliers/0/name": "vendor_name",
        "awards/0/suppliers/0/address/streetAddress": "address",
        "awards/0/suppliers/0/address/locality": "city",
        "awards/0/suppliers/0/address/region": "state",
        "awards/0/suppliers/0/address/postalCode": "zip",
        "contracts/0/id": "purchase_order_number",
        "contracts/0/title": "purchase_order_description",
        "tender/mainProcurementCategory": "contract_type",
        "contracts/0/value/amount": "award_amount",
        "contracts/0/period/startDate": "start_date",
        "contracts/0/period/endDate": "end_date",
        "contracts/0/dateSigned": "approval_date",
        "contracts/0/documents/0/url": "contract_pdf",
    },
    "constants": {
        "contracts/0/documents/0/documentType": "contractSigned",
    },
    "value_maps": {
        "tender/procurementMethod": {
            "Invitation for Bid": "open",
            "Invitation to Bid": "open",
            "Request for Proposals": "open",
            "Request for Proposal": "open",
            "Request for Qualifications": "selective",
            "Small Purchase": "limited",
            "Cooperative Purchase": "limited",
            "Sole Source": "direct",
            "Emergency Procurement": "direct",
        },
        "tender/mainProcurementCategory": {
            "Commodities": "goods",
            "Goods": "goods",
            "Construction": "works",
            "Works": "works",
            "Services": "services",
            "Professional Services": "services",
            "Work Services": "services",
        },
    },
    "supplier_scale": "business_size",
    "supplier_certifications": "certifications",
    "certification_scheme": "CITY-CERT",
    "certification_labels": {
        "MBE": "Minority Business Enterprise",
        "WBE": "Women Business Enterprise",
        "LBE": "Local Business Enterprise",
        "DBE": "Disadvantaged Business Enterprise",
        "VBE": "Veteran Business Enterprise",
        "SBE": "Small Business Enterprise",
    },
}
