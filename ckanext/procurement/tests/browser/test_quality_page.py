"""The publication quality page of the demo publisher, in a real browser: axe-core at 1280 and 375 px,
no sideways scrolling on a phone, and the demo's deliberate gaps named."""
from __future__ import annotations

import pytest

from ckanext.procurement import quality


@pytest.fixture
def quality_path(portal_data) -> str:
    from ckan import model

    quality.recompute()
    model.Session.remove()
    return f"/publication-quality/{portal_data.organization['name']}"


def test_no_serious_or_critical_axe_violations(portal, quality_path, axe_audit):
    portal.goto(quality_path)
    assert portal.page.locator("h1").inner_text().startswith("Publication quality")
    assert portal.page.locator(".procurement-quality-steps li").count() >= 1
    axe_audit(portal.page)


def test_no_serious_or_critical_axe_violations_on_a_phone(mobile_portal, quality_path, axe_audit):
    portal = mobile_portal
    portal.goto(quality_path)
    axe_audit(portal.page, "phone")
    sizes = portal.page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["scroll"] <= sizes["inner"] + 1, sizes


def test_the_demo_gaps_are_named(portal, quality_path):
    portal.goto(quality_path)
    # the demo publishes tenders whose dates don't add up: the check names them, linked to their pages
    period = portal.page.locator("table.procurement-quality-checks tr", has_text="The tender period starts before")
    assert period.locator("a[href*='/contracting-process/']").count() >= 1
    certifications = portal.page.locator("table.procurement-quality-fields tr", has_text="Supplier certifications")
    assert certifications.locator("a[href*='/contracting-process/']").count() >= 1
    # the portal's page adds up every publisher
    portal.goto("/publication-quality")
    assert portal.page.locator("table.procurement-quality-checks tbody tr").count() >= 8
