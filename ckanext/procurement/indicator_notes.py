"""The indicators in plain language: a note per result on the process page, and the explanation page.

The results come from :func:`ckanext.procurement.ocds.indicators.assess` (through the summary);
this module only words them, translated.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.procurement import labels
from ckanext.procurement.formatting import format_money
from ckanext.procurement.ocds.indicators import FLAGGED, INDICATOR_LABELS, INDICATORS, NOT_ASSESSED, NOT_FLAGGED
from ckanext.procurement.ocds.vocabulary import N_

RESULT_LABELS = {FLAGGED: N_("Flagged"), NOT_FLAGGED: N_("Not flagged"), NOT_ASSESSED: N_("Not assessed")}


def _percent(share: Any) -> int:
    return round(float(share) * 100)


def _not_assessed(code: str, result: dict) -> str:
    _ = tk._
    if result.get("not_applicable"):
        return _("Not assessed: this indicator applies to open and selective procedures only.")
    if result.get("other_currency") and code == "non-competitive-above-threshold":
        return _("Not assessed: the value is not published in {currency}, the currency of the threshold.").format(
            currency=result.get("currency"))
    if result.get("inconsistent"):
        return _("Not assessed: the published bid deadline is before the tender period's start.")
    return {
        "short-submission-period": _("Not assessed: the start or the end of the tender period is not published."),
        "single-bid": _("Not assessed: the procurement method or the number of bids received is not published."),
        "non-competitive-above-threshold": _("Not assessed: the procurement method or the value is not published."),
        "amendment-increase": _("Not assessed: the contracts' original and current values are not both published "
                                "in one currency."),
        "award-above-estimate": _("Not assessed: the estimate and the awarded value are not both published in one "
                                  "currency."),
        "payments-exceed-contract": _("Not assessed: the payments and the contracted value are not both published "
                                      "in one currency for every contract."),
    }[code]


def _assessed(code: str, result: dict) -> str:
    _ = tk._
    flagged = result["result"] == FLAGGED
    if code == "short-submission-period":
        text = _("Bids could be submitted for {days} days, fewer than {threshold}.") if flagged else \
            _("Bids could be submitted for {days} days ({threshold} or more expected).")
        return text.format(days=result["days"], threshold=result["threshold"])
    if code == "single-bid":
        method = labels.label("method", result.get("method")).lower()
        if flagged:
            return _("One bid was received in a competitive ({method}) procedure.").format(method=method)
        return _("{count} bids were received.").format(count=result["tenderers"])
    if code == "non-competitive-above-threshold":
        method = labels.label("method", result.get("method")).lower()
        if "amount" not in result:
            return _("The procedure was competitive ({method}).").format(method=method)
        threshold = format_money(result["threshold"], result["currency"])
        amount = format_money(result["amount"], result["currency"])
        text = _("A {method} procedure (without open competition) for {amount}, at or above {threshold}.") if flagged \
            else _("A {method} procedure for {amount}, below {threshold}.")
        return text.format(method=method, amount=amount, threshold=threshold)
    share, limit = _percent(result["share"]), _percent(result["threshold"])
    if code == "amendment-increase":
        text = _("A contract's value grew by {share}% after it was first published, more than {limit}%.") if flagged \
            else _("No contract's value grew by more than {limit}% after it was first published.")
    elif code == "award-above-estimate":
        text = _("The awarded value is {share}% above the estimate, more than {limit}%.") if flagged \
            else _("The awarded value is not more than {limit}% above the estimate.")
    else:
        text = _("Payments exceed a contract's value by {share}%, more than {limit}%.") if flagged \
            else _("Payments do not exceed the contracted value by more than {limit}%.")
    return text.format(share=share, limit=limit)


def notes(results: list[dict] | None) -> list[dict[str, Any]]:
    """One note per indicator: code, label, result, result label, sentence, explanation link."""
    found = []
    for result in results or []:
        code = result.get("code")
        if code not in INDICATOR_LABELS:
            continue
        sentence = _not_assessed(code, result) if result["result"] == NOT_ASSESSED else _assessed(code, result)
        result_label = RESULT_LABELS[result["result"]]
        found.append({
            "code": code,
            "label": tk._(INDICATOR_LABELS[code]),
            "result": result["result"],
            "result_label": tk._(result_label),
            "text": sentence,
            "url": tk.url_for("procurement_insights.indicators") + "#" + code,
        })
    return found


def indicator_label(code: str) -> str:
    return tk._(INDICATOR_LABELS[code]) if code in INDICATOR_LABELS else code


__all__ = ["INDICATORS", "indicator_label", "notes"]
