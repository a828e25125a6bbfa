"""redact(): withholding fields everywhere they occur, never touching the input."""

from __future__ import annotations

import copy
import json

from ckanext.procurement.ocds import redact, redact_releases

from .conftest import FICTIONAL_OCID


def test_redact_contact_emails_everywhere(fictional_compiled):
    original = copy.deepcopy(fictional_compiled)
    redacted, withheld = redact(fictional_compiled, ["parties/contactPoint/email"])
    assert fictional_compiled == original  # input untouched
    assert withheld == ["parties/contactPoint/email"]
    assert "@" not in json.dumps(redacted["parties"])
    assert [p["contactPoint"]["name"] for p in redacted["parties"]] == ["Procurement Team", "Contracts Team",
                                                                       "Bids Team"]
    assert "procurement-team@example.com" in json.dumps(fictional_compiled)


def test_redact_several_paths(fictional_compiled):
    paths = ["parties/address", "parties/identifier/id", "tender/items/description", "awards/items/unit/value",
             "buyer/telephone", "planning/budget/amount"]
    redacted, withheld = redact(fictional_compiled, paths)
    assert withheld == ["parties/address", "parties/identifier/id", "tender/items/description",
                        "awards/items/unit/value", "planning/budget/amount"]  # the buyer has no telephone
    assert all("address" not in p for p in redacted["parties"])
    assert all("id" not in p["identifier"] and "scheme" in p["identifier"] for p in redacted["parties"])
    assert [p["id"] for p in redacted["parties"]] == [p["id"] for p in fictional_compiled["parties"]]
    assert all("description" not in item for item in redacted["tender"]["items"])
    assert all("value" not in item["unit"] for a in redacted["awards"] for item in a["items"])
    assert "amount" not in redacted["planning"]["budget"]
    assert redacted["contracts"][0]["items"][0]["description"] == "Cycle lane improvements"  # not listed


def test_redact_with_index_and_nothing_found(fictional_compiled):
    redacted, withheld = redact(fictional_compiled, ["parties/0/contactPoint", "/tender/nonexistent/", "", "x/9"])
    assert withheld == ["parties/0/contactPoint"]
    assert "contactPoint" not in redacted["parties"][0]
    assert "contactPoint" in redacted["parties"][1]


def test_redact_releases(fictional_releases):
    redacted, withheld = redact_releases(fictional_releases, ["tender/tenderers", "parties/contactPoint/telephone"])
    assert withheld == ["tender/tenderers", "parties/contactPoint/telephone"]
    assert all("tenderers" not in r.get("tender", {}) for r in redacted)
    assert all("telephone" not in p.get("contactPoint", {}) for r in redacted for p in r.get("parties", []))
    assert "tenderers" in fictional_releases[3]["tender"]
    assert redacted[0]["ocid"] == FICTIONAL_OCID


def test_redaction_copies_only_what_it_changes():
    from ckanext.procurement.ocds.redact import redact

    release = {
        "parties": [{"name": "A", "contactPoint": {"email": "a@example.com", "name": "Ann"}}, {"name": "B"}],
        "tender": {"items": [{"id": "1"}]},
    }
    before = repr(release)
    result, withheld = redact(release, ["parties/contactPoint/email", "parties/9/name", "awards/value"])
    assert withheld == ["parties/contactPoint/email"]
    assert result["parties"][0]["contactPoint"] == {"name": "Ann"}
    assert repr(release) == before, "the input is never modified"
    assert result["tender"] is release["tender"], "what is not redacted is shared, not copied"
    assert result["parties"][1] is release["parties"][1]
    untouched, nothing = redact(release, ["planning/budget"])
    assert untouched is release and nothing == []
