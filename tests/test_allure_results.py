"""Outcomes named for what happened: a known difference is not "skipped", plain words come first."""

from __future__ import annotations

import json
from pathlib import Path

from ringcheck.allure_results import honest, rewrite


def test_a_strict_expected_failure_becomes_a_known_difference_with_its_reason_first() -> None:
    result = {
        "status": "skipped",
        "statusDetails": {"message": "XFAIL known difference of SDK: keeps its active call\n\nAssertionError: x"},
    }
    assert honest(result) == {
        "status": "unknown",
        "statusDetails": {"message": "Known difference: SDK: keeps its active call\n\nAssertionError: x"},
    }


def test_a_skip_for_a_missing_capability_stays_a_skip() -> None:
    result = {"status": "skipped", "statusDetails": {"message": "Skipped: SDK does not offer sign-out"}}
    assert honest(dict(result)) == result


def test_a_failure_starts_with_the_plain_words_not_the_exception_class() -> None:
    result = {"status": "failed", "statusDetails": {"message": "AssertionError: Bob's phone should have been told"}}
    assert honest(result)["statusDetails"]["message"] == "Bob's phone should have been told"
    broken = {"status": "broken", "statusDetails": {"message": "TimeoutError: login did not finish within 5 s"}}
    assert honest(broken)["statusDetails"]["message"] == "login did not finish within 5 s"


def test_rewrite_counts_the_known_differences_of_a_results_folder(tmp_path: Path) -> None:
    (tmp_path / "a-result.json").write_text(json.dumps({"status": "skipped", "statusDetails": {"message": "XFAIL r"}}))
    (tmp_path / "b-result.json").write_text(json.dumps({"status": "passed"}))
    assert rewrite(tmp_path) == 1
    assert json.loads((tmp_path / "a-result.json").read_text())["status"] == "unknown"
