"""Write docs/coverage.md: which documented behaviours the feature files check, section by section.

Usage:
    python tools/coverage_page.py                   # docs/coverage.md from the catalogue and the tags
    python tools/coverage_page.py --check           # exit 1 when docs/coverage.md is not current
    python tools/coverage_page.py --results reports/allure-results --output reports/coverage.md

A product owner asks "which parts of the documentation does this suite check, and did they pass?";
the answer must come from the files the suite runs, not from a list someone keeps by hand. So the
page is generated from two sources that live in the repository: docs/behaviours.toml (every
behaviour the five documentation pages describe, plus the rules of ringcheck's own specification
that the scenarios check) and the ``@behaviour:<id>`` tags of features/*.feature. With
``--results`` (an Allure results folder of a run) it also counts each behaviour's outcomes; that
page depends on one run, so it goes elsewhere (``--output``) and the committed page has no counts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_bdd.parser import FeatureParser

from ringcheck.catalogue import Behaviour

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "behaviours.toml"
FEATURES = ROOT / "features"
PAGE = ROOT / "docs" / "coverage.md"

PLATFORMS = {
    "js-v4": "https://www.cometchat.com/docs/calls/v4/javascript/ringing",
    "rn-v4": "https://www.cometchat.com/docs/calls/v4/react-native/ringing",
    "ios-v4": "https://www.cometchat.com/docs/calls/v4/ios/ringing",
    "flutter-v4": "https://www.cometchat.com/docs/calls/v4/flutter/ringing",
    "js-v3": "https://www.cometchat.com/docs/sdk/javascript/3.0/calling-default-calling",
}
"""Each platform's public page; a behaviour's pages must be one of these (with a section anchor)."""

SECTIONS = {
    "overview": "Overview",
    "initiate-call": "Initiate Call",
    "call-listeners": "Call Listeners",
    "accept-call": "Accept Call",
    "reject-call": "Reject Call",
    "cancel-call": "Cancel Call",
    "start-call-session": "Start Call Session",
    "end-call": "End Call",
    "busy-call-handling": "Busy Call Handling",
}
"""The documentation's sections, in the pages' order (the ids are the v4 pages' anchors and @doc tags)."""

REQUIRED = ("id", "title", "section", "platforms", "pages")
OPTIONAL = ("spec", "not_checked", "gap")
ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG = "behaviour:"
COMMAND = "python tools/coverage_page.py"


class CatalogueError(ValueError):
    """The catalogue or the tags are inconsistent; the message lists every problem at once."""


@dataclass(frozen=True)
class Scenario:
    feature: str
    """The feature file's stem, e.g. ``cancel``."""
    name: str
    """The scenario's name as written (an outline keeps its ``<placeholders>``)."""
    line: int
    behaviours: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.feature}: {self.name}"


@dataclass
class Outcomes:
    """How a scenario's runs ended (one per example of an outline)."""

    passed: int = 0
    failed: int = 0
    known: int = 0
    skipped: int = 0

    def add(self, other: Outcomes) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.known += other.known
        self.skipped += other.skipped

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.known + self.skipped


@dataclass
class Results:
    by_scenario: dict[tuple[str, str], Outcomes] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    """Results naming no scenario of today's feature files (a stale results folder shows up here)."""


def catalogue_problems(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every problem of the raw catalogue tables, so one run shows them all."""
    problems: list[str] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        name = str(entry.get("id", f"entry {number}"))
        before = len(problems)
        problems += [f"{name}: no {key}" for key in REQUIRED if key not in entry]
        problems += [f"{name}: unknown field {key!r}" for key in entry if key not in REQUIRED + OPTIONAL]
        for key in ("id", "title", "section", *OPTIONAL):
            if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
                problems.append(f"{name}: {key} must be a non-empty string")
        for key in ("platforms", "pages"):
            if key in entry and not (isinstance(entry[key], list) and all(isinstance(v, str) for v in entry[key])):
                problems.append(f"{name}: {key} must be a list of strings")
        if len(problems) > before:
            continue  # the checks below read the fields just found missing or malformed
        if not ID.match(name):
            problems.append(f"{name}: the id must be short kebab-case")
        if name in seen:
            problems.append(f"{name}: catalogued twice")
        seen.add(name)
        if entry["section"] not in SECTIONS:
            problems.append(f"{name}: unknown section {entry['section']!r}; known: {', '.join(SECTIONS)}")
        problems += [f"{name}: unknown platform {p!r}" for p in entry["platforms"] if p not in PLATFORMS]
        problems += _page_problems(name, entry)
        if "not_checked" in entry and "gap" in entry:
            problems.append(f"{name}: either not checked (by design) or a gap (not yet), not both")
    return problems


def _page_problems(name: str, entry: Mapping[str, Any]) -> list[str]:
    platforms: list[str] = entry["platforms"]
    pages: list[str] = entry["pages"]
    if not platforms:
        if "spec" not in entry:
            return [f"{name}: no platform documents it, so it needs `spec` (where ringcheck states the rule)"]
        return [f"{name}: a rule no document states has no pages"] if pages else []
    problems = []
    if "spec" in entry:
        problems.append(f"{name}: a documented behaviour names its pages, not `spec`")
    bases = [page.partition("#")[0] for page in pages]
    problems += [
        f"{name}: {page} is none of the platforms' pages"
        for page in pages
        if page.partition("#")[0] not in PLATFORMS.values()
    ]
    for platform in platforms:
        if platform in PLATFORMS and PLATFORMS[platform] not in bases:
            problems.append(f"{name}: no page for {platform}")
    return problems


def load_catalogue(path: Path = CATALOGUE) -> list[Behaviour]:
    """The catalogue in file order; raises CatalogueError rather than guess at a broken entry."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("behaviour", [])
    problems = catalogue_problems(entries)
    if problems:
        raise CatalogueError(f"{path.name}:\n  " + "\n  ".join(problems))
    return [
        Behaviour(
            id=entry["id"],
            title=entry["title"],
            section=entry["section"],
            platforms=tuple(entry["platforms"]),
            pages=tuple(entry["pages"]),
            spec=entry.get("spec"),
            not_checked=entry.get("not_checked"),
            gap=entry.get("gap"),
        )
        for entry in entries
    ]


def read_scenarios(features: Path = FEATURES) -> list[Scenario]:
    """Every scenario with its behaviour tags (its own and its feature's), read by pytest-bdd's parser."""
    scenarios = []
    for path in sorted(features.glob("*.feature")):
        feature = FeatureParser(str(path.parent), path.name).parse()
        for template in feature.scenarios.values():
            tags = {*feature.tags, *template.tags}
            if template.rule is not None:
                tags |= set(template.rule.tags)
            found = sorted(tag.removeprefix(TAG) for tag in tags if tag.startswith(TAG))
            scenarios.append(Scenario(path.stem, template.name, template.line_number, tuple(found)))
    return sorted(scenarios, key=lambda s: (s.feature, s.line))


def coverage_problems(behaviours: Iterable[Behaviour], scenarios: Iterable[Scenario]) -> list[str]:
    """Tags that name nothing, and behaviours whose scenarios contradict what the catalogue says."""
    known = {b.id: b for b in behaviours}
    scenarios = list(scenarios)
    problems = [
        f"{s.label}: @behaviour:{tag} is not in the catalogue"
        for s in scenarios
        for tag in s.behaviours
        if tag not in known
    ]
    problems += [f"{s.label}: no @behaviour tag" for s in scenarios if not s.behaviours]
    checking = checked_by(known.values(), scenarios)
    for behaviour in known.values():
        if behaviour.expects_scenarios and not checking[behaviour.id]:
            problems.append(f"{behaviour.id}: no scenario checks it (tag one, or mark it a gap)")
        elif not behaviour.expects_scenarios and checking[behaviour.id]:
            what = "not checked" if behaviour.not_checked else "a gap"
            names = ", ".join(s.label for s in checking[behaviour.id])
            problems.append(f"{behaviour.id}: catalogued as {what}, yet tagged on {names}")
    return problems


def checked_by(behaviours: Iterable[Behaviour], scenarios: Iterable[Scenario]) -> dict[str, list[Scenario]]:
    found: dict[str, list[Scenario]] = {b.id: [] for b in behaviours}
    for scenario in scenarios:
        for tag in scenario.behaviours:
            found.setdefault(tag, []).append(scenario)
    return found


def _outcome_of(result: Mapping[str, Any]) -> Outcomes:
    """Allure's statuses in the page's words; a known difference is an xfail, before or after
    ringcheck.allure_results renamed it (status ``unknown``)."""
    status = result.get("status")
    message = str((result.get("statusDetails") or {}).get("message") or "")
    if status == "passed":
        return Outcomes(passed=1)
    if status in ("failed", "broken"):
        return Outcomes(failed=1)
    if status == "unknown" or message.startswith("XFAIL"):
        return Outcomes(known=1)
    return Outcomes(skipped=1)


def _template_pattern(name: str) -> re.Pattern[str]:
    parts = re.split(r"<[^<>]+>", name)
    return re.compile(".+?".join(re.escape(part) for part in parts) + r"\Z", re.DOTALL)


def read_results(folder: Path, scenarios: Sequence[Scenario]) -> Results:
    """Outcomes per scenario from an Allure results folder (``*-result.json``), the last run of each test."""
    latest: dict[str, Mapping[str, Any]] = {}
    for path in sorted(folder.glob("*-result.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        key = str(result.get("historyId") or result.get("fullName") or path.name)
        if key not in latest or int(result.get("stop") or 0) >= int(latest[key].get("stop") or 0):
            latest[key] = result
    by_feature: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        by_feature.setdefault(scenario.feature, []).append(scenario)
    results = Results()
    for result in latest.values():
        full_name = str(result.get("fullName") or "")
        feature_path, _, name = full_name.partition(".feature:")
        candidates = by_feature.get(Path(feature_path).name, [])
        match = next((s for s in candidates if s.name == name), None) or next(
            (s for s in candidates if _template_pattern(s.name).match(name)), None
        )
        if match is None:
            results.unmatched.append(full_name or str(result.get("name")))
            continue
        results.by_scenario.setdefault((match.feature, match.name), Outcomes()).add(_outcome_of(result))
    results.unmatched.sort()
    return results


def _md(text: str) -> str:
    """Text for a Markdown table cell: scenario names carry ``<a call>``, which would read as HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0 (-)"


def _platform_links(behaviour: Behaviour) -> str:
    if not behaviour.documented:
        return f"none: ringcheck's rule ([spec notes]({(behaviour.spec or '').removeprefix('docs/')}))"
    links = []
    for platform in behaviour.platforms:
        page = next(p for p in behaviour.pages if p.partition("#")[0] == PLATFORMS[platform])
        links.append(f"[{platform}]({page})")
    return " ".join(links)


def render(behaviours: Sequence[Behaviour], scenarios: Sequence[Scenario], results: Results | None = None) -> str:
    """The whole page; deterministic for the same inputs, so ``--check`` can compare it byte for byte."""
    page = _Page(list(behaviours), checked_by(behaviours, scenarios), results)
    return "\n".join([*page.intro(), *page.summary(), *page.sections(), *page.lists()]) + "\n"


@dataclass
class _Page:
    behaviours: list[Behaviour]
    checking: dict[str, list[Scenario]]
    results: Results | None

    @property
    def documented(self) -> list[Behaviour]:
        return [b for b in self.behaviours if b.documented]

    def outcomes_of(self, behaviour: Behaviour) -> Outcomes:
        total = Outcomes()
        runs = self.results.by_scenario if self.results else {}
        for scenario in self.checking[behaviour.id]:
            total.add(runs.get((scenario.feature, scenario.name), Outcomes()))
        return total

    def passing(self, behaviour: Behaviour) -> bool:
        got = self.outcomes_of(behaviour)
        return got.total > 0 and got.passed == got.total

    def intro(self) -> list[str]:
        documented = self.documented
        rules = len(self.behaviours) - len(documented)
        counted = sum(1 for b in documented if self.checking[b.id])
        not_checked = sum(1 for b in documented if b.not_checked)
        gaps = sum(1 for b in documented if b.gap)
        out = [
            "# Documented-behaviour coverage",
            "",
            "<!-- Generated by tools/coverage_page.py from docs/behaviours.toml and features/*.feature: edit those,"
            f" then run `{COMMAND}`. -->",
            "",
            f"Regenerate this page with `{COMMAND}` (any Python with the project installed, e.g. .tox/unit/bin/python)"
            " after changing docs/behaviours.toml or a `@behaviour` tag;"
            f" `{COMMAND} --check` fails when it is out of date (tests/test_coverage_catalogue.py runs that check)."
            " For a run's pass/fail/known-difference counts, write a separate page from its results:"
            f" `{COMMAND} --results reports/allure-results --output reports/coverage.md`.",
            "",
            f"The catalogue lists {len(self.behaviours)} behaviours: {len(documented)} that the five documentation"
            f" pages describe ({counted} checked by scenarios, {not_checked} not checked by design, {gaps} gaps)"
            f" and {rules} rules of ringcheck's own specification that no page states but the scenarios check"
            " (see [spec-notes.md](spec-notes.md)). Platforms: js-v4 (JavaScript), rn-v4 (React Native), ios-v4"
            " and flutter-v4 (Calls SDK v4 Ringing), js-v3 (Chat SDK v3 Default Call).",
            "",
        ]
        if self.results is not None:
            out += [
                "Outcomes are counted per scenario run (an outline runs once per example): **pass**, **fail**,"
                " **known** (a known difference of the implementation: an expected failure) and **skip**"
                " (the implementation lacks a capability the scenario needs).",
                "",
            ]
        return out

    def _figures(self, label: str, mine: list[Behaviour], width: int) -> str:
        scope = [b for b in mine if not b.not_checked]
        line = f"{label:<{width}} {_percent(sum(1 for b in mine if self.checking[b.id]), len(mine)):<12}"
        line += f"  in scope {_percent(sum(1 for b in scope if self.checking[b.id]), len(scope)):<12}"
        if self.results is not None:
            line += f"  passing {_percent(sum(1 for b in scope if self.passing(b)), len(scope))}"
        return line.rstrip()

    def summary(self) -> list[str]:
        passing = " Passing: of those in scope, the ones every run of whose scenarios passed."
        width = max(len(s) for s in SECTIONS) + 1
        lines = [self._figures(f"{s}:", [b for b in self.documented if b.section == s], width) for s in SECTIONS]
        return [
            "## Documented behaviours checked, per section",
            "",
            "Checked: behaviours with at least one scenario, of all the section describes; in scope: of those"
            " ringcheck means to check (all but the ones not checked by design)."
            + (passing if self.results is not None else ""),
            "",
            "```",
            *lines,
            self._figures("total:", self.documented, width),
            "```",
            "",
        ]

    def _row(self, behaviour: Behaviour) -> str:
        if behaviour.not_checked:
            cell = f"not checked: {_md(behaviour.not_checked)}"
        elif behaviour.gap:
            cell = f"**gap**: {_md(behaviour.gap)}"
        else:
            cell = "<br>".join(_md(s.label) for s in self.checking[behaviour.id])
        row = f"| `{behaviour.id}`<br>{_md(behaviour.title)} | {_platform_links(behaviour)} | {cell} |"
        if self.results is not None:
            got = self.outcomes_of(behaviour)
            row += f" {got.passed} | {got.failed} | {got.known} | {got.skipped} |"
        return row

    def sections(self) -> list[str]:
        head = "| behaviour | documented by | scenarios |"
        rule = "| --- | --- | --- |"
        if self.results is not None:
            head += " pass | fail | known | skip |"
            rule += " ---: | ---: | ---: | ---: |"
        out: list[str] = []
        for section, title in SECTIONS.items():
            mine = sorted((b for b in self.behaviours if b.section == section), key=lambda b: not b.documented)
            if mine:
                out += [f"## {title} (`{section}`)", "", head, rule, *(self._row(b) for b in mine), ""]
        return out

    def lists(self) -> list[str]:
        not_checked = [b for b in self.documented if b.not_checked]
        gaps = [b for b in self.documented if b.gap]
        out = ["## Not checked, and why", ""]
        out += [f"- `{b.id}` ({b.section}): {_md(b.title)}. {_md(b.not_checked or '')}" for b in not_checked]
        out += ["", "## Gaps: documented, in scope, no scenario yet", ""]
        out += [f"- `{b.id}` ({b.section}): {_md(b.title)}. {_md(b.gap or '')}" for b in gaps] or ["None."]
        if self.results is not None and self.results.unmatched:
            out += ["", "## Results that match no scenario of today's feature files", ""]
            out += [f"- {_md(name)}" for name in self.results.unmatched]
        return out


def build(results_folder: Path | None = None) -> str:
    """The page from the repository's catalogue and features; raises CatalogueError when they disagree."""
    behaviours = load_catalogue()
    scenarios = read_scenarios()
    problems = coverage_problems(behaviours, scenarios)
    if problems:
        raise CatalogueError("the tags and docs/behaviours.toml disagree:\n  " + "\n  ".join(problems))
    results = read_results(results_folder, scenarios) if results_folder is not None else None
    return render(behaviours, scenarios, results)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--results", type=Path, help="an Allure results folder of a run, to count outcomes")
    parser.add_argument("--output", type=Path, default=PAGE, help="where to write the page (default docs/coverage.md)")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/coverage.md is not what would be written")
    args = parser.parse_args(argv)
    if args.results is not None and not args.results.is_dir():
        print(f"coverage_page: no results folder at {args.results}", file=sys.stderr)
        return 2
    if args.results is not None and not args.check and args.output.resolve() == PAGE:
        print("coverage_page: a page with one run's counts is not the committed page; pass --output", file=sys.stderr)
        return 2
    try:
        page = build(args.results if not args.check else None)
    except CatalogueError as exc:
        print(f"coverage_page: {exc}", file=sys.stderr)
        return 1
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.is_file() else ""
        if current != page:
            print(f"coverage_page: docs/coverage.md is out of date; run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    print(f"coverage_page: wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
