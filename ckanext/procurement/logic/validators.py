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
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.scheming.validation import scheming_validator

from ckanext.procurement import identity, licenses, settings

Invalid = tk.Invalid
missing = tk.missing
_ = tk._

OCID_PREFIX_RE = identity.OCID_PREFIX_RE
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
SAFE_URL_SCHEMES = ("http", "https")
# set in the context of the package actions procurement_process_save calls: values come from OCDS data
PUBLISHED_VALUES = "procurement_published_values"
MAX_CODE_LENGTH = 200  # what a person types
MAX_PUBLISHED_CODE_LENGTH = 1000  # what a publisher's free text in a code field may be, still a facet Solr takes

# repeating lists: subfield -> (kind, OCDS path) checked as whole lists
LIST_CHECKS: dict[str, dict[str, tuple[str, str]]] = {
    "awards": {"date": ("datetime", "awards/date"), "value": ("amount", "awards/value/amount")},
    "contracts": {
        "start_date": ("datetime", "contracts/period/startDate"),
        "end_date": ("datetime", "contracts/period/endDate"),
        "date_signed": ("datetime", "contracts/dateSigned"),
        "value": ("amount", "contracts/value/amount"),
        "original_value": ("amount", "contracts/value/amount"),
        "amount_paid": ("amount", "contracts/implementation/transactions/value/amount"),
    },
    "amendments": {"date": ("datetime", "contracts/amendments/date"), "changes": ("json", "contracts/amendments")},
    "milestones": {
        "due_date": ("datetime", "contracts/implementation/milestones/dueDate"),
        "date_met": ("datetime", "contracts/implementation/milestones/dateMet"),
    },
    "transactions": {
        "date": ("datetime", "contracts/implementation/transactions/date"),
        "value": ("amount", "contracts/implementation/transactions/value/amount"),
    },
}


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


@scheming_validator
def procurement_code(field, schema):
    """A codelist value: known codes get labels, unknown ones are kept as published."""

    def validator(key, data, errors, context):
        value = data.get(key)
        if value is missing or value is None or value == "":
            return
        if isinstance(value, str) and (len(value) <= MAX_CODE_LENGTH or _published(key, value, context)):
            data[key] = value.strip()
            return
        errors[key].append(_("{value!r} is not a code{where}").format(value=value, where=_where(field)))

    return validator


@scheming_validator
def procurement_datetime(field, schema):
    def validator(value):
        if value is missing or value is None or value == "":
            return value
        try:
            parse_datetime(str(value))
        except ValueError:
            raise Invalid(
                _("{value!r} is not an ISO 8601 date or date-time{where}, e.g. 2026-01-31T17:00:00-05:00").format(
                    value=value, where=_where(field)
                )
            )
        return str(value).strip()

    return validator


@scheming_validator
def procurement_amount(field, schema):
    def validator(value):
        if value is missing or value is None or value == "":
            return value
        try:
            return parse_amount(value)
        except (TypeError, ValueError):
            raise Invalid(_("{value!r} is not a number{where}").format(value=value, where=_where(field)))

    return validator


@scheming_validator
def procurement_count(field, schema):
    def validator(value):
        if value is missing or value is None or value == "":
            return value
        try:
            number = int(str(value).strip())
        except ValueError:
            number = -1
        if number < 0:
            raise Invalid(_("{value!r} is not a whole number of zero or more{where}").format(value=value, where=_where(field)))
        return number

    return validator


@scheming_validator
def procurement_currency(field, schema):
    """An ISO 4217 code; a publisher's other value (`mdl`) is kept as published when it
    comes from OCDS data (procurement_process_save reports it) or is the stored value."""

    def validator(key, data, errors, context):
        value = data.get(key)
        if value is missing or value is None or value == "":
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
    if value in (None, "", missing):
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
    """One dataset per ocid: another dataset already holding exactly this ocid is an error.

    Only the exact ocid counts: `ocds-abc123-X` and `OCDS-ABC123-x` are two
    processes, even though they derive the same name.
    """
    ocid = data.get(key)
    if not ocid or errors.get(key):
        return
    other = identity.other_package_with_ocid(ocid, _own_id(data, context))
    if other is not None:
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


def procurement_ocid_prefix(value):
    if value is missing or value is None or value == "":
        return value
    if not OCID_PREFIX_RE.match(value.strip()):
        raise Invalid(_("{value!r} is not an OCID prefix: expected ocds- followed by six letters or digits").format(value=value))
    return value.strip()


def procurement_safe_url(key, data, errors, context):
    """Only http(s) links, never `javascript:` or `data:`; uploads keep their file name."""
    value = data.get(key)
    if not value or value is missing:
        return
    url_type_key = key[:-1] + ("url_type",)
    if data.get(url_type_key) == "upload":
        return
    scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
    if scheme not in SAFE_URL_SCHEMES:
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


def procurement_lifecycle_lists(key, data, errors, context):
    """Check the repeating lifecycle lists as whole lists.

    Scheming does not run field validators inside repeating subfields, so
    every item is checked here; errors name the list, the item and the
    OCDS path.
    """
    for (list_name, index, subfield), value in list(_subfield_items(data)):
        check = LIST_CHECKS.get(list_name, {}).get(subfield)
        if not check or value in (None, "", missing):
            continue
        kind, path = check
        try:
            if kind == "datetime":
                parse_datetime(str(value))
            elif kind == "amount":
                data[(list_name, index, subfield)] = parse_amount(value)
            elif kind == "json" and not isinstance(value, (list, dict)):
                json.loads(value)
        except (TypeError, ValueError):
            expected = {
                "datetime": _("an ISO 8601 date or date-time"),
                "amount": _("a number"),
                "json": _("JSON"),
            }[kind]
            message = _("{list}[{index}].{field} ({path}): {value!r} is not {expected}").format(
                list=list_name, index=index, field=subfield, path=path, value=value, expected=expected
            )
            # on the subfield itself: navl unflattens errors like data, so a
            # message on the list key would collide with the items' errors
            errors.setdefault((list_name, index, subfield), []).append(message)


def _subfield_items(data):
    for key, value in data.items():
        if len(key) == 3 and key[0] in LIST_CHECKS and isinstance(key[1], int):
            yield key, value


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
        "procurement_lifecycle_lists": procurement_lifecycle_lists,
    }
