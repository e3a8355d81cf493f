"""The soak script in its short form, and its judge on made-up histories (so it can say no).

The short run is a correctness check: 200 users for 3 seconds against ``python -m mockserver`` on
its real clock, and the script must find nothing lost, duplicated, out of order, stuck or refused.
How fast it went is printed, never asserted (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "soak.py"


def soak_module() -> ModuleType:
    if "soak" in sys.modules:
        return sys.modules["soak"]
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec = importlib.util.spec_from_file_location("soak", SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["soak"] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPT.parent))


def test_a_short_soak_loses_nothing() -> None:
    """With the server keeping only 10 ended calls, so that the judge also meets calls it forgot."""
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--seconds", "3", "--users", "200", "--keep-ended-calls", "10"],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "lost: 0, duplicated: 0, unexpected: 0, out of order: 0, wrong cause: 0, stuck calls: 0" in run.stdout
    calls = int(run.stdout.split("calls made: ")[1].split()[0])
    assert calls > 10
    assert f"forgotten by the end (ended, beyond the ended calls it keeps): {calls - 10}\n" in run.stdout
    assert "forgotten too many: 0" in run.stdout


def judged(expected: list[tuple[str, str | None]], received: list[tuple[str, str]]) -> dict[str, int]:
    soak = soak_module()
    device: Any = soak.Device(None, "", "u", "u-1")
    device.expected = [(("s1", status), origin) for status, origin in expected]
    device.received = [(("s1", status), cause) for status, cause in received]
    counts: Counter[str] = soak.judge(device)
    return {name: n for name, n in counts.items() if n}


def test_the_judge_counts_each_kind_of_fault() -> None:
    expected: list[tuple[str, str | None]] = [("initiated", "a-1"), ("cancelled", "a-1")]
    assert judged(expected, [("initiated", "a-1"), ("cancelled", "a-1")]) == {}
    assert judged(expected, [("initiated", "a-1")]) == {"lost": 1}
    assert judged(expected, [("initiated", "a-1"), ("initiated", "a-1"), ("cancelled", "a-1")]) == {"duplicated": 1}
    assert judged(expected, [("cancelled", "a-1"), ("initiated", "a-1")]) == {"out of order": 1}
    assert judged(expected, [("initiated", "a-1"), ("cancelled", "b-1")]) == {"wrong cause": 1}
    extra = [("initiated", "a-1"), ("ongoing", "b-1"), ("cancelled", "a-1")]
    assert judged(expected, extra) == {"unexpected": 1}
    assert judged([("unanswered", None)], [("unanswered", "server")]) == {}
