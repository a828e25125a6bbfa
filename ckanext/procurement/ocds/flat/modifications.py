"""The replay of contract modifications (``rows_are: "modification"``).

A purchasing system's modification export has one row per revision of a contract: revision 0
is the award, later revisions add a signed amount to the contract's value. The rows of one
ocid, in revision order, become an award+contract release and then one ``contractAmendment``
release per revision, carrying the running total and every amendment so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from ..dates import parse_date
from ..parse import Problem
from .mapping import normal_text
from .release import Row, add_problem, dedupe_id, fill_defaults, ordered
from .values import ConversionError, json_number, money, to_decimal


def revision_key(revision: str) -> str:
    """The revision as compared for repeats: ``"2"``, ``"2.0"`` and ``"02"`` are the same."""
    try:
        return str(to_decimal(revision).normalize())
    except ConversionError:
        return normal_text(revision)


def revision_number(revision: str | None) -> float | None:
    """The revision as a number to sort by, if it is one."""
    if revision is None:
        return None
    try:
        return float(to_decimal(revision))
    except ConversionError:
        return None


def replay(rows: Iterable[Row], currency: str) -> Iterator[tuple[dict | None, list[Problem]]]:
    """Yield one ocid's modification rows, in revision order, as an award+contract release, then amendments."""
    original: dict | None = None
    total: Decimal | None = None
    amendments: list[dict] = []
    previous_id = previous_date = None
    revisions: set[str] = set()
    release_ids: set[str] = set()
    for converted in rows:
        problems = converted.problems

        def report(severity: str, message: str, path: str = "") -> None:
            add_problem(problems, severity, message, path, converted.ocid, converted.release_id)

        revision = revision_key(converted.revision)
        if revision in revisions:
            report("error", f"row {converted.number}: revision {converted.revision} of {converted.ocid} appears "
                   "more than once; this row is skipped")
            yield None, problems
            continue
        revisions.add(revision)
        dedupe_id(converted, release_ids)
        delta = None if converted.delta is None else Decimal(converted.delta)
        release = converted.release

        if original is None:
            if revision != "0":
                report("warning", f"row {converted.number}: the first revision of {converted.ocid} in the file is "
                       f"{converted.revision}, not 0: its amount is taken as the contract's original value",
                       "contracts/0/value")
            total = delta
            release.setdefault("awards", [{}])
            release.setdefault("contracts", [{}])
            release["tag"] = ["award", "contract"]
            fill_defaults(release, converted.ocid, currency)
            contract = release["contracts"][0]
            if total is not None:
                contract["value"] = {**contract.get("value", {}), "amount": json_number(total)}
                contract["value"].setdefault("currency", currency)
            original = {"id": contract["id"], "awardID": contract["awardID"]}
            out = ordered(release)
        else:
            moment, before = parse_date(release["date"]), parse_date(previous_date)
            amendment_date = release["date"]
            if moment and before and moment < before:
                report("warning", f"row {converted.number}: revision {converted.revision} is dated "
                       f"{release['date']}, before the release it amends ({previous_date}); its release is "
                       f"dated {previous_date} so that revisions are compiled in order", "date")
                release["date"] = previous_date
            if delta is not None:
                total = delta if total is None else total + delta
            contract = {key: value for key, value in (release.get("contracts") or [{}])[0].items()
                        if key not in ("id", "awardID", "dateSigned", "value", "amendments")}
            description = f"Modification {converted.revision}: " + (
                money(delta, currency) if delta is not None else "no amount given")
            amendments.append({"id": converted.revision, "date": amendment_date, "description": description,
                               "amendsReleaseID": previous_id, "releaseID": converted.release_id})
            contract = {"id": original["id"], "awardID": original["awardID"], **contract}
            if total is not None:
                contract["value"] = {"amount": json_number(total), "currency": currency}
            contract["amendments"] = [dict(a) for a in amendments]
            amendment = {"ocid": release["ocid"], "id": release["id"], "date": release["date"],
                         "tag": ["contractAmendment"], "initiationType": release["initiationType"],
                         "contracts": [contract]}
            # Top-level scalars (e.g. a constant "language") go in every release.
            amendment.update((key, value) for key, value in release.items()
                             if key not in amendment and not isinstance(value, (dict, list)))
            fill_defaults(amendment, converted.ocid, currency)
            out = ordered(amendment)
        previous_id, previous_date = out["id"], out["date"]
        yield out, problems
