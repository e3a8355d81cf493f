"""How long the conformance suite takes, and how long its 45-second timeouts really take.

Runs the whole suite against the embedded mock server a few times in fresh processes and prints
the wall time of each run, then the wall time of each no-answer scenario, whose business time is
45 seconds or more. Figures only; the machine is shared, so compare within one run.

Usage: python benchmarks/bench_suite.py [--runs 3] [--adapter wire|sdk]
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


def run_suite(adapter: str, junit: Path, selection: list[str]) -> float:
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
    return elapsed


def main(runs: int, adapter: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "suite.xml"
        times = [run_suite(adapter, junit, []) for _ in range(runs)]
        cases = ET.parse(junit).getroot().iter("testcase")
        count = sum(1 for _ in cases)
        print(
            f"full suite, {count} scenarios, adapter {adapter}: "
            + ", ".join(f"{t:.2f} s" for t in times)
            + f" (median {statistics.median(times):.2f} s, process start and collection included)"
        )
        run_suite(adapter, junit, ["-m", "feature(file='no_answer')"])
        print("no-answer scenarios (each rings for 10 to 120 seconds of business time):")
        for case in ET.parse(junit).getroot().iter("testcase"):
            print(f"  {1000 * float(case.get('time', '0')):7.1f} ms  {case.get('name')}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--adapter", default="wire")
    args = parser.parse_args()
    main(args.runs, args.adapter)
