"""How long the conformance suite takes, and how long its 45-second timeouts really take.

Runs the whole suite against the embedded mock server a few times in fresh processes and prints
each run's wall time and pytest's own time (the session, without process start and imports),
then the time of each no-answer scenario, whose business time is 45 seconds or more. With
``--sdk all`` (what ``tox -e bench`` passes) it also runs the suite once through each real SDK
profile: every device a CometChat SDK in Node (js-4.2.0, js-3.0.13, rn-4.0.21; they need
``npm ci --prefix sdkbridge``) and every device a page in headless Chromium (``browser``; needs
``/usr/bin/chromium`` and Playwright, the ``browser`` extra). A profile whose parts are missing
is skipped with a line that says what is missing; one whose suite fails is reported as failed
and the others still run. Figures only; the machine is shared, so compare within one run.

Usage: python benchmarks/bench_suite.py [--runs 2] [--sdk all|none|js-4.2.0,browser,...]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK_PROFILES = ("js-4.2.0", "js-3.0.13", "rn-4.0.21")
"""ringcheck.sdk.profiles.PROFILES, named here so that listing them imports nothing."""
BROWSER = "browser"
CHROMIUM = Path("/usr/bin/chromium")
"""Where ringcheck.browser looks for it (Debian's package)."""


class SuiteFailed(RuntimeError):
    """The suite exited non-zero: its time would mean nothing."""


def missing_for(profile: str) -> str | None:
    """What ``profile`` needs that is not here, or None when it can run."""
    if profile == BROWSER:
        if not CHROMIUM.exists():
            return f"{CHROMIUM} is not installed"
        if importlib.util.find_spec("playwright") is None:
            return "Playwright is not installed (pip install -e '.[browser]')"
        if not (ROOT / "sdkbridge" / "node_modules").is_dir():
            return "the SDK is not installed (npm ci --prefix sdkbridge)"
        return None
    if not (ROOT / "sdkbridge" / "node_modules").is_dir():
        return "the SDK is not installed (npm ci --prefix sdkbridge)"
    return None


def adapter_args(profile: str) -> list[str]:
    if profile == BROWSER:
        return ["--ringcheck-adapter", "browser"]
    return ["--ringcheck-adapter", "sdk", "--ringcheck-sdk", profile]


def run_suite(adapter: str, junit: Path, selection: list[str]) -> tuple[float, float]:
    """Wall seconds of the whole process, and pytest's session seconds from its JUnit file."""
    return run_suite_with(["--ringcheck-adapter", adapter], junit, selection)


def run_suite_with(adapter: list[str], junit: Path, selection: list[str]) -> tuple[float, float]:
    """:func:`run_suite` with the adapter's options given whole (a profile's)."""
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
            *adapter,
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
        raise SuiteFailed(f"the suite failed (exit {result.returncode}) after {elapsed:.1f} s: no figure")
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


def outcomes(junit: Path) -> str:
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    return f"{len(cases) - skipped} ran, {skipped} skipped"


def through_profiles(profiles: list[str], junit: Path) -> None:
    """The suite once through each profile: its wall and pytest time, or why it did not run."""
    for profile in profiles:
        missing = missing_for(profile)
        if missing is not None:
            print(f"suite through {profile}: skipped, {missing}")
            continue
        try:
            wall, session = run_suite_with(adapter_args(profile), junit, [])
        except SuiteFailed as failed:
            print(f"suite through {profile}: {failed}")
            continue
        print(f"suite through {profile}: wall {wall:.1f} s, pytest time {session:.1f} s ({outcomes(junit)})")


def chosen_profiles(value: str) -> list[str]:
    everything = [*SDK_PROFILES, BROWSER]
    if value == "all":
        return everything
    if value == "none":
        return []
    chosen = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in everything]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown profile {', '.join(unknown)}; choose from {', '.join(everything)}")
    return chosen


def main(runs: int, profiles: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "suite.xml"
        report("wire", [run_suite("wire", junit, []) for _ in range(runs)], junit)
        run_suite("wire", junit, ["-m", "feature(file='no_answer')"])
        print("no-answer scenarios (each rings for 10 to 120 seconds of business time):")
        for case in ET.parse(junit).getroot().iter("testcase"):
            print(f"  {1000 * float(case.get('time', '0')):7.1f} ms  {case.get('name')}")
        through_profiles(profiles, junit)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--sdk",
        nargs="?",
        const="all",
        default="none",
        type=chosen_profiles,
        help=f"also run the suite once through these profiles: all, none (the default), or some of "
        f"{', '.join([*SDK_PROFILES, BROWSER])}, comma-separated; --sdk alone means all",
    )
    args = parser.parse_args()
    main(args.runs, args.sdk)
