"""Compare two JUnit XML reports of CKAN's and ckanext-harvest's own suites:
one run without this extension, one with it (scripts/test.sh makes both).

The catalog keeps working when the run with the extension fails no test
the run without it passes, and runs the same tests. Prints both counts and
every difference; exits 1 on one of those (or when a report has no tests).
Tests that fail only without the extension are listed, not counted against it.

    python scripts/compare_core_tests.py WITHOUT.xml WITH.xml
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def outcomes(path: str) -> dict[str, str]:
    """test id -> passed, failed, error or skipped."""
    results = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        module = (case.get("classname") or "").split("site-packages.")[-1]
        test_id = f"{module}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
                break
            if child.tag == "skipped":
                outcome = "skipped"
        results[test_id] = outcome
    return results


def counts(results: dict[str, str]) -> str:
    tally = {kind: sum(1 for outcome in results.values() if outcome == kind) for kind in ("passed", "failed", "skipped")}
    return f"{tally['passed']} passed, {tally['failed']} failed, {tally['skipped']} skipped"


def main(without_path: str, with_path: str) -> int:
    without, with_ = outcomes(without_path), outcomes(with_path)
    print(f"CKAN's and ckanext-harvest's suites without the extension: {counts(without)}")
    print(f"CKAN's and ckanext-harvest's suites with the extension:    {counts(with_)}")
    if not without or not with_:
        print("a run has no tests: nothing compared")
        return 1
    failed_without = {test for test, outcome in without.items() if outcome == "failed"}
    failed_with = {test for test, outcome in with_.items() if outcome == "failed"}
    differences = [
        ("fail only with the extension", sorted(failed_with - failed_without)),
        ("fail only without the extension", sorted(failed_without - failed_with)),
        ("ran only without the extension", sorted(without.keys() - with_.keys())),
        ("ran only with the extension", sorted(with_.keys() - without.keys())),
    ]
    for title, tests in differences:
        if tests:
            print(f"{len(tests)} {title}:")
            for test in tests:
                print(f"  {test}")
    if any(tests for title, tests in differences if title != "fail only without the extension"):
        print("the extension changes the results of CKAN's own suites")
        return 1
    print(f"no test fails with the extension that passes without it ({len(failed_with & failed_without)} fail both ways)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
