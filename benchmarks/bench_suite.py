"""How long the conformance suite takes, and how long its 45-second timeouts really take.

Runs the whole suite against the embedded mock server a few times in fresh processes and prints
each run's wall time and pytest's own time (the session, without process start and imports),
then the time of each no-answer scenario, whose business time is 45 seconds or more. With
``--sdk`` it also runs the suite once with every device a real CometChat SDK in Node
(``pytest steps --ringcheck-adapter=sdk``), which needs ``npm ci --prefix sdkbridge`` first.
Figures only; the machine is shared, so compare within one run.

Usage: python benchmarks/bench_suite.py [--runs 2] [--sdk]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_suite(adapter: str, junit: Path, selection: list[str]) -> tuple[float, float]:
    """Wall seconds of the whole process, and pytest's session seconds from its JUnit file."""
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "steps",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "--ringcheck-adapter",
            adapter,
            *selection,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout[-3000:], file=sys.stderr)
        raise SystemExit(f"the suite failed (exit {result.returncode}); figures would mean nothing")
    suite = ET.parse(junit).getroot().find("testsuite")
    return elapsed, float(suite.get("time", "nan")) if suite is not None else float("nan")


def report(adapter: str, times: list[tuple[float, float]], junit: Path) -> None:
    count = sum(1 for _ in ET.parse(junit).getroot().iter("testcase"))
    walls = [wall for wall, _ in times]
    sessions = [session for _, session in times]
    print(
        f"full suite, {count} scenarios, adapter {adapter}: wall "
        + ", ".join(f"{t:.2f} s" for t in walls)
        + f" (median {statistics.median(walls):.2f} s, process start and collection included); pytest time "
        + ", ".join(f"{t:.2f} s" for t in sessions)
        + f" (median {statistics.median(sessions):.2f} s)"
    )


def main(runs: int, sdk: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "suite.xml"
        report("wire", [run_suite("wire", junit, []) for _ in range(runs)], junit)
        run_suite("wire", junit, ["-m", "feature(file='no_answer')"])
        print("no-answer scenarios (each rings for 10 to 120 seconds of business time):")
        for case in ET.parse(junit).getroot().iter("testcase"):
            print(f"  {1000 * float(case.get('time', '0')):7.1f} ms  {case.get('name')}")
        if sdk:
            if not (ROOT / "sdkbridge" / "node_modules").is_dir():
                raise SystemExit("--sdk needs the SDK installed first: npm ci --prefix sdkbridge")
            report("sdk", [run_suite("sdk", junit, [])], junit)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--sdk", action="store_true", help="also run the suite through the real SDK (node_modules)")
    args = parser.parse_args()
    main(args.runs, args.sdk)
