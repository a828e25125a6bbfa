"""Where a process stands in review, stored on its dataset (scheming fields kept
as extras, indexed for the queue) and owned by this extension.

- ``review_status``: ``pending`` (a harvest of an ``after_review`` source made it
  private until a coordinator decides), ``withheld`` (a coordinator kept it private,
  with ``review_reason``), ``published`` (a coordinator published it). Empty: never
  under review; a private process with no status was made private on purpose.
- ``reviewed_by``, ``reviewed_at``: who decided last, and when (UTC).

A package action may only write these fields when its context says the value comes
from a review decision (``REVIEW_VALUES``, set by the review actions and by
procurement_process_save for a new process); any other ``package_update`` or form
keeps what is stored, so an editor can't forge a decision through the API.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

PENDING = "pending"
WITHHELD = "withheld"
PUBLISHED = "published"
STATUSES = (PENDING, WITHHELD, PUBLISHED)

STATUS = "review_status"
REASON = "review_reason"
REVIEWED_BY = "reviewed_by"
REVIEWED_AT = "reviewed_at"
FIELDS = (STATUS, REASON, REVIEWED_BY, REVIEWED_AT)

# set in the context of a package action whose review fields are a decision to store
REVIEW_VALUES = "procurement_review_values"


def stored(package, field_name: str) -> str:
    """The value stored on a dataset (a model.Package), '' when there is none."""
    if package is None:
        return ""
    return package.extras.get(field_name) or ""


def procurement_review_field(key, data, errors, context) -> None:
    """The stored value, whatever was sent, unless the action stores a review decision.

    Making a process waiting for review (or withheld) public through an ordinary edit
    publishes it: its status follows, so it never comes back to the queue by itself."""
    if context.get(REVIEW_VALUES):
        return
    package = context.get("package")  # set by package_update; None for package_create
    value = stored(package, key[0])
    if key == (STATUS,) and value in (PENDING, WITHHELD) and (("private",) in data) \
            and not tk.asbool(data[("private",)] or False):
        value = PUBLISHED
    data[key] = value or tk.missing


def for_new_process(private: bool) -> dict[str, Any]:
    """The review fields of a process saved for the first time: private means waiting for review."""
    return {STATUS: PENDING} if private else {}


def waiting(package_dict: dict[str, Any]) -> bool:
    return bool(package_dict.get("private")) and package_dict.get(STATUS) == PENDING
