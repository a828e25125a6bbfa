"""Validators for the procurement schemas.

Error messages name the field's OCDS path (the `ocds_path` key of the
scheming field), so that a coordinator fixing a harvest or an API call knows
where in the publisher's data the bad value came from.
"""
from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckanext.scheming.validation import scheming_validator

from ckanext.procurement import identity, licenses, settings
from ckanext.procurement.ocds.urls import is_web_url
from ckanext.procurement.review.state import procurement_review_field

Invalid = tk.Invalid
missing = tk.missing
_ = tk._

OCID_PREFIX_RE = identity.OCID_PREFIX_RE
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
# set in the context of the package actions procurement_process_save calls: values come from OCDS data
PUBLISHED_VALUES = "procurement_published_values"
MAX_CODE_LENGTH = 200  # what a person types
MAX_PUBLISHED_CODE_LENGTH = 1000  # what a publisher's free text in a code field may be, still a facet Solr takes

def _where(field: dict[str, Any]) -> str:
    path = field.get("ocds_path")
    return f" ({path})" if path and not path.startswith("(") else ""


def parse_datetime(value: str) -> datetime.datetime:
    """ISO 8601 date or date-time, as OCDS publishes them (3.11 accepts `Z`)."""
    return datetime.datetime.fromisoformat(value.strip())


def parse_amount(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _empty(value: Any) -> bool:
    """Nothing given: these fields are optional, an empty value is left as it is."""
    return value is missing or value is None or value == ""


def _checked(convert: Callable[[Any], Any], message: Callable[[Any], str]):
    """A validator of one value: empty stays empty; otherwise `convert` gives the value
    to keep, and its ValueError or TypeError becomes `Invalid(message(value))`."""

    def validator(value):
        if _empty(value):
            return value
        try:
            return convert(value)
        except (TypeError, ValueError):
            raise Invalid(message(value))

    return validator


def _datetime_text(value: Any) -> str:
    parse_datetime(str(value))
    return str(value).strip()


def _count(value: Any) -> int:
    number = int(str(value).strip())
    if number < 0:
        raise ValueError(value)
    return number


def _ocid_prefix(value: str) -> str:
    if not OCID_PREFIX_RE.match(value.strip()):
        raise ValueError(value)
    return value.strip()


@scheming_validator
def procurement_code(field, schema):
    """A codelist value: known codes get labels, unknown ones are kept as published."""

    def validator(key, data, errors, context):
        value = data.get(key)
        if _empty(value):
            return
        if isinstance(value, str) and (len(value) <= MAX_CODE_LENGTH or _published(key, value, context)):
            data[key] = value.strip()
            return
        errors[key].append(_("{value!r} is not a code{where}").format(value=value, where=_where(field)))

    return validator


@scheming_validator
def procurement_datetime(field, schema):
    return _checked(_datetime_text, lambda value: _(
        "{value!r} is not an ISO 8601 date or date-time{where}, e.g. 2026-01-31T17:00:00-05:00").format(
        value=value, where=_where(field)))


@scheming_validator
def procurement_amount(field, schema):
    return _checked(parse_amount, lambda value: _("{value!r} is not a number{where}").format(value=value, where=_where(field)))


@scheming_validator
def procurement_count(field, schema):
    return _checked(_count, lambda value: _("{value!r} is not a whole number of zero or more{where}").format(
        value=value, where=_where(field)))


@scheming_validator
def procurement_currency(field, schema):
    """An ISO 4217 code; a publisher's other value (`mdl`) is kept as published when it
    comes from OCDS data (procurement_process_save reports it) or is the stored value."""

    def validator(key, data, errors, context):
        value = data.get(key)
        if _empty(value):
            return
        if isinstance(value, str) and (CURRENCY_RE.match(value.strip()) or _published(key, value, context)):
            data[key] = value.strip()
            return
        errors[key].append(_("{value!r} is not an ISO 4217 currency code{where}, e.g. USD").format(value=value, where=_where(field)))

    return validator


def _published(key, value: str, context) -> bool:
    """Whether a value a person couldn't enter is a publisher's, to keep: it comes
    from OCDS releases, or it is the value already stored (a form sending it back)."""
    if len(value) > MAX_PUBLISHED_CODE_LENGTH:
        return False
    if context.get(PUBLISHED_VALUES):
        return True
    package = context.get("package")
    return package is not None and len(key) == 1 and package.extras.get(key[0]) == value


def procurement_number_output(value):
    """Extras are stored as text: give API users numbers back."""
    if _empty(value):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() and "." not in str(value) else number


def procurement_ocid(value):
    if not isinstance(value, str) or not value.strip():
        raise Invalid(_("An ocid is required (ocid)"))
    value = value.strip()
    if len(value) > 250 or re.search(r"\s", value):
        raise Invalid(_("{value!r} is not a valid ocid (ocid): no spaces, at most 250 characters").format(value=value))
    return value


def procurement_unique_ocid(key, data, errors, context):
    """One dataset per ocid, one ocid per dataset: another dataset already holding exactly
    this ocid (or its releases) is an error, and so is changing the ocid of a dataset that
    holds a process's releases.

    Only the exact ocid counts: `ocds-abc123-X` and `OCDS-ABC123-x` are two
    processes, even though they derive the same name.
    """
    ocid = data.get(key)
    if not ocid or errors.get(key):
        return
    own_id = _own_id(data, context)
    held = identity.record_ocid(own_id)
    if held is not None and held != ocid:
        errors[key].append(_("The ocid of a process with published releases can't be changed: this one is {ocid!r}").format(ocid=held))
        return
    if identity.other_package_with_ocid(ocid, own_id) is not None or identity.held_by_another_record(ocid, own_id):
        errors[key].append(_("ocid {ocid!r} already has a dataset").format(ocid=ocid))  # which one may be private


def procurement_registered_ocid(key, data, errors, context):
    """An ocid whose prefix the site registered to an organization lives in that organization only."""
    ocid = data.get(key)
    if not ocid or errors.get(key) or not isinstance(ocid, str):
        return
    problem = identity.unregistered_owner_problem(ocid, data.get(("owner_org",)))
    if problem:
        errors[key].append(problem)


def procurement_name_from_ocid(key, data, errors, context):
    """The dataset name is derived from the ocid unless one is given; when another
    dataset holds the derived name, a short hash of the exact ocid is added."""
    value = data.get(key)
    if value and value is not missing:
        return
    ocid = data.get(("ocid",))
    if ocid and ocid is not missing and isinstance(ocid, str):
        data[key] = identity.name_for_process(ocid.strip(), _own_id(data, context))


def _own_id(data, context):
    own_id = data.get(("id",))
    if own_id and own_id is not missing:
        return own_id
    return context["package"].id if context.get("package") else None


procurement_ocid_prefix = _checked(_ocid_prefix, lambda value: _(
    "{value!r} is not an OCID prefix: expected ocds- followed by six letters or digits").format(value=value))


def procurement_safe_url(key, data, errors, context):
    """Only http(s) links with a host, never `javascript:` or `data:`; uploads keep their file name."""
    value = data.get(key)
    if not value or value is missing:
        return
    url_type_key = key[:-1] + ("url_type",)
    if data.get(url_type_key) == "upload":
        return
    if not is_web_url(value):
        errors[key].append(_("{value!r} is not an http or https URL").format(value=value[:200]))


def procurement_open_license(value, context):
    """The license must be open: free, without restrictions on use (open data principle)."""
    problem = licenses.open_license_problem(None if value is missing else value)
    if problem:
        raise Invalid(problem)
    return value


def procurement_default_license(value, context):
    """A contracting process saved without a license gets the site's default open license."""
    if value is missing or not value:
        return settings.default_license()
    return value


def procurement_after_coverage_start(key, data, errors, context):
    end = data.get(key)
    start = data.get(key[:-1] + ("coverage_start_date",))
    if end and start and end is not missing and start is not missing and str(end) < str(start):
        errors[key].append(_("The coverage end date is before its start date"))


# Items of the repeating lifecycle lists (scheming runs a subfield's validators on each
# item): errors name the list, the item and the OCDS path (the subfield's `ocds_path`).

def _item_validator(field: dict[str, Any], convert: Callable[[Any], Any], kind: str):
    def validator(key, data, errors, context):
        value = data.get(key)
        if _empty(value):
            return
        try:
            data[key] = convert(value)
        except (TypeError, ValueError):
            expected = {"datetime": _("an ISO 8601 date or date-time"), "amount": _("a number"), "json": _("JSON")}[kind]
            list_name, index, subfield = key
            errors.setdefault(key, []).append(_("{list}[{index}].{field} ({path}): {value!r} is not {expected}").format(
                list=list_name, index=index, field=subfield, path=field.get("ocds_path"), value=value, expected=expected))

    return validator


def _valid_datetime(value: Any) -> Any:
    parse_datetime(str(value))
    return value


def _valid_json(value: Any) -> Any:
    if not isinstance(value, (list, dict)):
        json.loads(value)
    return value


@scheming_validator
def procurement_item_datetime(field, schema):
    return _item_validator(field, _valid_datetime, "datetime")


@scheming_validator
def procurement_item_amount(field, schema):
    return _item_validator(field, parse_amount, "amount")


@scheming_validator
def procurement_item_json(field, schema):
    return _item_validator(field, _valid_json, "json")


def get_validators() -> dict[str, Any]:
    return {
        "procurement_code": procurement_code,
        "procurement_datetime": procurement_datetime,
        "procurement_amount": procurement_amount,
        "procurement_count": procurement_count,
        "procurement_currency": procurement_currency,
        "procurement_number_output": procurement_number_output,
        "procurement_ocid": procurement_ocid,
        "procurement_unique_ocid": procurement_unique_ocid,
        "procurement_registered_ocid": procurement_registered_ocid,
        "procurement_name_from_ocid": procurement_name_from_ocid,
        "procurement_ocid_prefix": procurement_ocid_prefix,
        "procurement_safe_url": procurement_safe_url,
        "procurement_open_license": procurement_open_license,
        "procurement_default_license": procurement_default_license,
        "procurement_after_coverage_start": procurement_after_coverage_start,
        "procurement_item_datetime": procurement_item_datetime,
        "procurement_item_amount": procurement_item_amount,
        "procurement_item_json": procurement_item_json,
        "procurement_review_field": procurement_review_field,
    }
