"""The ``ringcheck`` command: run the packaged suite, serve the mock server, draw the report.

``ringcheck run [pytest args]`` is plain pytest over the suite's own feature files and steps, with
the suite's own configuration, from whatever folder it is started in: every ``--ringcheck-*``
option and every pytest option works.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from . import html_report, suite

DEFAULT_RESULTS = Path("ringcheck-report") / "allure-results"
DEFAULT_HTML = Path("ringcheck-report") / "html"
SUITE_HINT = "the conformance suite is not installed: pip install 'ringcheck[suite]'"


def suite_args(extra: Sequence[str]) -> list[str]:
    """pytest's arguments for the packaged suite. The rootdir is the suite's folder because
    allure-pytest-bdd names each feature by its path under the rootdir; the ini is ringcheck's own,
    so a user's pytest configuration in the current folder does not change the suite."""
    root = suite.root()
    args = [
        "-c",
        str(suite.PACKAGE / "suite.ini"),
        f"--rootdir={root}",
        "-o",
        f"bdd_features_base_dir={root / 'features'}",
        "-p",
        "no:cacheprovider",
    ]
    if not any(a == "--alluredir" or a.startswith("--alluredir=") for a in extra):
        args.append(f"--alluredir={DEFAULT_RESULTS.resolve()}")
    if not any(Path(a.split("::")[0]).suffix == ".py" for a in extra if not a.startswith("-")):
        args.append(str(root / "steps" / "test_ringing.py"))
    return [*args, *extra]


def run(extra: Sequence[str]) -> int:
    if importlib.util.find_spec("pytest_bdd") is None:
        print(f"ringcheck: {SUITE_HINT}", file=sys.stderr)
        return 2
    import pytest

    return int(pytest.main(suite_args(extra)))


def report(argv: Sequence[str]) -> int:
    """One self-contained HTML file from Allure results (Node.js and npm needed; the Allure command
    line is pinned and installed with ``npm ci`` on first use)."""
    results = Path(argv[0]) if argv else DEFAULT_RESULTS
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_HTML
    return html_report.draw(results, output, suite.allure_tool(), "ringcheck report", "ringcheck run")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="ringcheck",
        description="Conformance suite and mock call server for ringing call flows.",
        epilog="ringcheck run --help lists pytest's options, the --ringcheck-* ones among them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the conformance suite (pytest arguments follow)", add_help=False)
    commands.add_parser(
        "mockserver", help="serve the mock call server (see ringcheck mockserver --help)", add_help=False
    )
    commands.add_parser("report", help="ringcheck report [RESULTS [HTML]]: one HTML file from Allure results")
    commands.add_parser("where", help="print the folder holding the suite's features/ and steps/")
    if not args or args[0] not in ("run", "mockserver", "report", "where"):
        parser.parse_args(args)  # prints the usage and exits
        return 2
    command, rest = args[0], args[1:]
    if command == "run":
        return run(rest)
    if command == "mockserver":
        from mockserver.cli import main as serve

        return serve(rest)
    if command == "report":
        return report(rest)
    print(suite.root())
    return 0


if __name__ == "__main__":
    sys.exit(main())
