"""Open licenses: every contracting process carries one, in CKAN's `license_id`.

Open means what CKAN's license register says: approved by the Open Definition
(`od_conformance`) or the Open Source Definition (`osd_conformance`).
"""
from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk


def open_license_problem(license_id: str | None) -> str | None:
    """Why ``license_id`` is not an open license of this site's register; None if it is one."""
    if not license_id:
        return tk._("A license is required")
    license = model.Package.get_license_register().get(license_id)
    if license is None:
        return tk._("{value!r} is not a license this site knows").format(value=license_id)
    if not license.isopen():
        return tk._("{title} is not an open license: procurement data must be free to use and share").format(title=license.title)
    return None
