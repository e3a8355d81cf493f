"""Expectations files: listed scenarios are strict expected failures (the ratchet), a stale entry
stops the run with the closest names, and the file can be written from the current failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringcheck import expectations
from ringcheck.expectations import Expectation

from .test_selection import ROOT, suite

__all__ = ["suite"]

ACCEPT = "accept/Bob accepts <a call> from Alex"
BROKEN = "--ringcheck-adapter=tests.limited:broken_accept"
ONLY = ("-k", "bob_accepts_a_call_from_alex")


def _write(path: Path, *entries: tuple[str, str]) -> Path:
    path.write_text(expectations.dump("test", {s: Expectation(s, r) for s, r in entries}), encoding="utf-8")
    return path


def test_a_file_round_trips_with_awkward_text(tmp_path: Path) -> None:
    reason = 'says "no" \\ then\nstops: ünïcode'
    entries = {f"{ACCEPT}[an audio call]": Expectation(f"{ACCEPT}[an audio call]", reason, "https://x/1")}
    path = tmp_path / "e.toml"
    path.write_text(expectations.dump("impl", entries), encoding="utf-8")
    assert expectations.load(path) == list(entries.values())


def test_an_outline_named_without_its_example_means_every_example() -> None:
    entry = Expectation(ACCEPT, "r")
    assert entry.matches(f"{ACCEPT}[an audio call]") and entry.matches(f"{ACCEPT}[a video call]")
    assert not Expectation(f"{ACCEPT}[a video call]", "r").matches(f"{ACCEPT}[an audio call]")
    assert not entry.matches("accept/Bob accepts")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[expected_failure]]\nreason = 'r'\n", "has no scenario"),
        ("[[expected_failure]]\nscenario = 's'\n", "needs a reason"),
        ("[[expected_failure]]\nscenario = 's'\nreason = 'r'\nreson = 'x'\n", r"unknown keys \[.reson.\]"),
        ("expected_failure = 3\n", "must be a list"),
        ("[[expected_failure]\n", "expectations file"),
    ],
)
def test_a_malformed_file_is_refused_naming_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "e.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(expectations.ExpectationsError, match=message):
        expectations.load(path)


def test_the_sdk_adapters_known_differences_name_real_scenarios(suite: pytest.Pytester) -> None:
    """The packaged file is checked like any other: every entry names a scenario that exists."""
    entries = expectations.load(expectations.DEFAULTS["sdk"])
    assert len(entries) >= 2
    result = suite.runpytest(f"--ringcheck-expectations={expectations.DEFAULTS['sdk']}", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK, result.errlines
    assert f"({len(entries)} of them expected to fail)" in result.stdout.str()


def test_a_listed_scenario_that_fails_is_an_expected_failure(suite: pytest.Pytester, tmp_path: Path) -> None:
    path = _write(tmp_path / "e.toml", (ACCEPT, "cannot accept yet"))
    result = suite.runpytest(BROKEN, f"--ringcheck-expectations={path}", *ONLY, "-rx")
    result.assert_outcomes(xfailed=2)
    assert "cannot accept yet" in result.stdout.str()
    assert f"expected to fail: {ACCEPT}[an audio call]" in result.stdout.str()


def test_the_ratchet_a_new_failure_fails_the_run(suite: pytest.Pytester, tmp_path: Path) -> None:
    path = _write(tmp_path / "e.toml", (f"{ACCEPT}[an audio call]", "cannot accept audio"))
    result = suite.runpytest(BROKEN, f"--ringcheck-expectations={path}", *ONLY)
    result.assert_outcomes(xfailed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_the_ratchet_an_unexpected_pass_fails_the_run(suite: pytest.Pytester, tmp_path: Path) -> None:
    path = _write(tmp_path / "e.toml", (ACCEPT, "used to fail"))
    result = suite.runpytest(f"--ringcheck-expectations={path}", *ONLY)
    result.assert_outcomes(failed=2)
    assert "[XPASS(strict)]" in result.stdout.str()


def test_the_ratchet_a_stale_entry_fails_the_run_with_the_closest_names(suite: pytest.Pytester, tmp_path: Path) -> None:
    path = _write(tmp_path / "e.toml", ("accept/Bob accepts <a call> from Alx", "renamed since"))
    result = suite.runpytest(f"--ringcheck-expectations={path}", *ONLY)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"names no scenario; did you mean {ACCEPT}" in result.stderr.str()
    assert "passed" not in result.stdout.str()


def test_an_entry_for_a_deselected_scenario_is_not_stale(suite: pytest.Pytester, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "e.toml",
        ("cancel/Cancelling stops the call ringing on every device Bob is signed in on", "elsewhere"),
    )
    result = suite.runpytest(f"--ringcheck-expectations={path}", *ONLY)
    result.assert_outcomes(passed=2)


def test_update_writes_the_current_failures_keeping_known_reasons(suite: pytest.Pytester, tmp_path: Path) -> None:
    path = _write(tmp_path / "e.toml", (f"{ACCEPT}[a video call]", "the reason we wrote"))
    result = suite.runpytest(BROKEN, f"--ringcheck-expectations={path}", "--ringcheck-update-expectations", *ONLY)
    result.assert_outcomes(failed=2)
    written = {e.scenario: e.reason for e in expectations.load(path)}
    assert written[f"{ACCEPT}[a video call]"] == "the reason we wrote"
    assert "this adapter cannot accept calls" in written[f"{ACCEPT}[an audio call]"]
    again = suite.runpytest(BROKEN, f"--ringcheck-expectations={path}", *ONLY)
    again.assert_outcomes(xfailed=2)


def test_capabilities_notes_still_mark_known_differences(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        noted="""
import dataclasses
from tests.limited import FULL, Limited

def make(settings):
    return Limited(settings, dataclasses.replace(FULL, notes={"Bob accepts <a call> from Alex": "old style"}),
                   break_accept=True)
"""
    )
    result = suite.runpytest("--ringcheck-adapter=noted:make", *ONLY, f"--rootdir={ROOT}")
    result.assert_outcomes(xfailed=2)
