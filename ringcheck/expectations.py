"""Expectations files: the scenarios an implementation is known to fail, with the reason.

A TOML file per implementation::

    implementation = "CometChat JavaScript SDK 4.2.0"

    [[expected_failure]]
    scenario = "refusals/A call that is still ringing cannot be ended, only cancelled"
    reason = "endCall resolves locally when the server refuses"
    link = "https://github.com/you/yours/issues/12"

A scenario is named ``<feature file without .feature>/<scenario name>``, and one example of an
outline ``<feature>/<scenario name>[<example id>]`` (the id pytest shows); an outline named
without an example means every example. Listed scenarios run as strict expected failures, so one
that starts passing fails the run (the ratchet), and an entry that names no scenario fails the
run before anything runs: a stale entry cannot silently hide a regression.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .preflight import did_you_mean

PACKAGED = Path(__file__).resolve().parent / "expectations"
"""Expectations files shipped with ringcheck, for its own adapters."""

DEFAULTS = {"sdk": PACKAGED / "sdk-js-4.2.0.toml", "browser": PACKAGED / "sdk-js-4.2.0.toml"}
"""The file each built-in adapter uses when ``--ringcheck-expectations`` is not given (the sdk
adapter's depends on its profile: :func:`default_for`)."""


def default_for(adapter: str, sdk_profile: str) -> Path | None:
    """The packaged expectations of a built-in adapter: for the sdk adapter, its profile's."""
    if adapter == "sdk":
        from .sdk.profiles import profile_named

        return PACKAGED / profile_named(sdk_profile).expectations
    return DEFAULTS.get(adapter)


@dataclass(frozen=True)
class Expectation:
    scenario: str
    reason: str
    link: str = ""

    def matches(self, scenario_id: str) -> bool:
        return scenario_id == self.scenario or scenario_id.partition("[")[0] == self.scenario

    def describe(self) -> str:
        return f"{self.reason} ({self.link})" if self.link else self.reason


class ExpectationsError(ValueError):
    """The file cannot be used; the message names the file, the entry and the fix."""


def load(path: Path) -> list[Expectation]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExpectationsError(f"expectations file {path}: {exc}") from None
    entries = table.get("expected_failure", [])
    if not isinstance(entries, list):
        raise ExpectationsError(f"expectations file {path}: expected_failure must be a list of [[expected_failure]]")
    found: list[Expectation] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("scenario"), str):
            raise ExpectationsError(f'expectations file {path}: entry {number} has no scenario = "..."')
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(f'expectations file {path}: {entry["scenario"]!r} needs a reason = "..."')
        unknown = set(entry) - {"scenario", "reason", "link"}
        if unknown:
            raise ExpectationsError(
                f"expectations file {path}: {entry['scenario']!r} has unknown keys {sorted(unknown)}"
            )
        found.append(Expectation(entry["scenario"], reason, str(entry.get("link", ""))))
    return found


def stale(entries: Iterable[Expectation], scenario_ids: Iterable[str]) -> list[str]:
    """One message per entry that names no scenario, with the closest names."""
    ids = list(scenario_ids)
    names = sorted({*ids, *(i.partition("[")[0] for i in ids)})
    return [
        f"{entry.scenario!r} names no scenario{did_you_mean(entry.scenario, names)}"
        for entry in entries
        if not any(entry.matches(i) for i in ids)
    ]


def reason_for(entries: Iterable[Expectation], scenario_id: str) -> Expectation | None:
    return next((entry for entry in entries if entry.matches(scenario_id)), None)


def _string(value: str) -> str:
    # A JSON string is a valid TOML basic string for everything json.dumps emits.
    return json.dumps(value, ensure_ascii=False)


def dump(implementation: str, failures: Mapping[str, Expectation]) -> str:
    """The file for ``failures`` (scenario id to its entry), sorted by scenario."""
    lines = [
        "# Scenarios this implementation is known to fail (ringcheck --ringcheck-update-expectations).",
        "# Each runs as a strict expected failure: when it passes, remove it.",
        f"implementation = {_string(implementation)}",
    ]
    for scenario in sorted(failures):
        entry = failures[scenario]
        lines += ["", "[[expected_failure]]", f"scenario = {_string(scenario)}", f"reason = {_string(entry.reason)}"]
        if entry.link:
            lines.append(f"link = {_string(entry.link)}")
    return "\n".join(lines) + "\n"
