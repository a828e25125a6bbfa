"""The flat-file mapping's JSON Schema (ocds/flat/mapping-schema.json): errors name the key at fault."""
from __future__ import annotations

import copy

import jsonschema
import pytest

from ckanext.procurement.demo.mapping import CHICAGO_MAPPING
from ckanext.procurement.ocds.flat import FlatMapping, MappingError
from ckanext.procurement.ocds.flat.mapping import MAPPING_SCHEMA

from .test_flat import award_config


def test_the_schema_is_valid_and_describes_every_key():
    jsonschema.Draft202012Validator.check_schema(MAPPING_SCHEMA)
    assert FlatMapping.CONFIG_KEYS[:4] == ("columns", "ocid", "release_id", "date")
    assert FlatMapping.REQUIRED_KEYS == ("columns", "ocid", "date")
    jsonschema.validate(CHICAGO_MAPPING, MAPPING_SCHEMA)


@pytest.mark.parametrize(("config", "key", "message"), [
    ([], "", "the mapping must be a JSON object"),
    ({"columns": {"tender/title": "t"}, "ocid": "ocds-demo01-{po}"}, "date", "is required"),
    ({"columns": {"tender/title": "t"}, "date": "d"}, "ocid", "is required"),
    ({"ocid": "ocds-demo01-{po}", "date": "d"}, "columns", "is required"),
])
def test_shape_errors_name_the_key(config, key, message):
    with pytest.raises(MappingError) as error:
        FlatMapping.from_config(config)
    assert (error.value.key, error.value.message) == (key, message)
    assert str(error.value) == f"mapping.{key}: {message}"


@pytest.mark.parametrize(("change", "key", "message"), [
    ({"date": "  "}, "date", "must be a column name (a non-empty string)"),
    ({"date": 3}, "date", "must be a column name (a non-empty string)"),
    ({"ocid": "  "}, "ocid", "must be a non-empty template string such as 'ocds-demo01-{po_number}'"),
    ({"release_id": None}, "release_id", "must be a non-empty template string"),
    ({"columns": {"tender/title": 5}}, "columns.tender/title", "must be a column name"),
    ({"constants": ["goods"]}, "constants", 'must be an object like {"tender/mainProcurementCategory": "goods"}'),
    ({"constants": {"tender/mainProcurementCategory": ""}}, "constants.tender/mainProcurementCategory",
     "must not be empty"),
    ({"constants": {"language": None}}, "constants.language", "must not be empty"),
    ({"value_maps": "Bid=open"}, "value_maps", "must be an object like"),
    ({"value_maps": {"buyer/name": {}}}, "value_maps.buyer/name", "must be a non-empty object"),
    ({"value_maps": {"buyer/name": {"Finance": ""}}}, "value_maps.buyer/name.Finance", "must map to a non-empty code"),
    ({"value_maps": {"buyer/name": {"Finance": ["x"]}}}, "value_maps.buyer/name.Finance", "must map to a non-empty code"),
    ({"rows_are": None}, "rows_are", "None is not one of award, contract, modification, tender"),
    ({"rows_are": "modification", "revision": ""}, "revision", "must be a column name"),
    ({"amount": 12}, "amount", "must be a column name"),
    ({"currency": "US Dollar"}, "currency", "'US Dollar' is not an ISO 4217 code like USD"),
    ({"currency": None}, "currency", "None is not an ISO 4217 code like USD"),
    ({"supplier_scale": " "}, "supplier_scale", "must be a column name"),
    ({"scale_values": ["small"]}, "scale_values", "must be an object of strings"),
    ({"scale_values": {"Tiny": 1}}, "scale_values", "must be an object of strings"),
    ({"scale_values": {"Tiny": "tiny"}}, "scale_values.Tiny",
     "'tiny' is not one of micro, sme, small, medium, large, selfEmployed"),
    ({"certification_labels": {"MBE": None}}, "certification_labels", "must be an object of strings"),
    ({"certification_scheme": ""}, "certification_scheme", "must be a non-empty string"),
    ({"timezone": ""}, "timezone", "must be 'UTC', an IANA name like 'America/Chicago' or an offset like '-05:00'"),
    ({"timezone": "+25:00"}, "timezone", "'+25:00' is not a valid UTC offset"),
    ({"date_order": None}, "date_order", "None is not MDY or DMY"),
    ({"sheet": ""}, "sheet", "must be a worksheet name"),
    ({"sheet": 2}, "sheet", "must be a worksheet name"),
])
def test_value_errors_name_the_key(change, key, message):
    with pytest.raises(MappingError) as error:
        FlatMapping.from_config(award_config(**change))
    assert error.value.key == key
    assert message in error.value.message


def test_an_unknown_key_is_reported_before_the_rest():
    config = {**award_config(currency="usd"), "colour": "blue"}
    with pytest.raises(MappingError) as error:
        FlatMapping.from_config(config)
    assert error.value.key == "colour"
    assert error.value.message.startswith("unknown key; expected one of: columns, ocid, release_id, date, rows_are")


def test_optional_keys_may_be_null():
    config = award_config(constants=None, value_maps=None, scale_values=None, certification_labels=None,
                          sheet=None, supplier_scale=None, supplier_certifications=None, revision=None, amount=None)
    mapping = FlatMapping.from_config(config)
    assert mapping.constants == {} and mapping.sheet is None and mapping.supplier_scale is None
    assert FlatMapping.from_config(copy.deepcopy(CHICAGO_MAPPING)).amount == "award_amount"
