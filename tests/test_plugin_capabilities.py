"""What an implementation does not offer is skipped with its reason; known differences and the
scenario's names reach the JUnit XML (which tools/compat_table.py reads).

Runs pytest on the feature files in a subprocess, with an adapter factory from this module that
is the reference client on the embedded server with two entries added to its capabilities.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from ringcheck.adapter import Device, EventSink, Implementation
from ringcheck.settings import Settings
from ringcheck.targets import Target, build

NOT_OFFERED = "Nobody can call themselves"
DIFFERS = "Nobody can call a user who does not exist"


class Annotated(Implementation):
    """The reference client, claiming it lacks one thing and differs in another."""

    def __init__(self, target: Target) -> None:
        self._target = target
        inner = target.implementation
        self.name = "an annotated reference client"
        self.capabilities = dataclasses.replace(
            inner.capabilities,
            not_offered={NOT_OFFERED: "has no mirror"},
            notes={DIFFERS: "says so for the test"},
        )

    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        return self._target.implementation.open_device(uid, label, on_event)

    def reset(self) -> None:
        self._target.implementation.reset()

    def transcript(self) -> Sequence[str]:
        return self._target.implementation.transcript()

    def close(self) -> None:
        self._target.close()


def make_annotated(settings: Settings) -> Implementation:
    return Annotated(build(dataclasses.replace(settings, adapter="wire")))


def test_not_offered_skips_with_the_reason_and_differences_are_recorded(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    junit = tmp_path / "run.xml"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "steps",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-k",
            "nobody_can_call_themselves or nobody_can_call_a_user_who_does_not_exist",
            f"--ringcheck-adapter={__name__}:make_annotated",
            f"--junitxml={junit}",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    # The reference client meets the scenario noted as a difference: a strict xfail that passes fails.
    assert run.returncode == 1, run.stdout[-2000:]
    assert "an annotated reference client does not offer this: has no mirror" in run.stdout
    cases = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        cases[props["scenario"]] = (props, case)
    skipped_props, skipped_case = cases[NOT_OFFERED]
    assert skipped_props["not offered"] == "has no mirror"
    assert skipped_props["feature"] == "What the call service refuses"
    skipped = skipped_case.find("skipped")
    assert skipped is not None and skipped.get("type") == "pytest.skip"
    differs_props, differs_case = cases[DIFFERS]
    assert differs_props["differs"] == "says so for the test"
    assert differs_case.find("failure") is not None  # XPASS(strict)
