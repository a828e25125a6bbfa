"""A release's `tag` is read by one rule (ocds.access.release_tags) for the summary, the timeline
and the history: a tag that isn't a string is passed over, never a 500."""
from __future__ import annotations

import pytest

from ckan.tests import helpers

from ckanext.procurement.tests.ckan.test_schema import release, save

OCID = "ocds-test07-000001"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_tag_holding_an_object_is_saved_and_shown(app, sysadmin, organization):
    # normalize_release warns about such a tag and keeps it; deriving the stage used to fail
    # on it (TypeError: unhashable type: 'dict') when the tender had no status
    data = release(OCID, title="Odd tags")
    del data["tender"]["status"]
    data["tag"] = [{"tender": True}, "planning"]
    save(sysadmin, organization, [data])
    dataset = helpers.call_action("package_show", id=OCID)
    assert (dataset["stage"], dataset["status"]) == ("planning", "planned")
    response = app.get(f"/contracting-process/{dataset['name']}", status=200)
    assert "Odd tags" in response.body
    assert 'data-stage="planning"' in response.body
