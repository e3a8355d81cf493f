"""The behaviour catalogue, the feature files' @behaviour tags and docs/coverage.md agree.

The coverage page is only worth reading if it cannot drift: a catalogued behaviour that nothing
checks, a tag naming a behaviour nobody catalogued, an entry missing the field that says where it is
documented, or a page older than its sources must each fail here. Everything read lives in the
repository (docs/, features/, tools/), so the test holds in a fresh clone with nothing beside it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_generator() -> ModuleType:
    """tools/ is scripts, not a package: load the generator from its file, as CI would run it."""
    spec = importlib.util.spec_from_file_location("coverage_page", ROOT / "tools" / "coverage_page.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


cp = _load_generator()

GOOD = {
    "id": "cancel-tells-receiver",
    "title": "The receiver hears of the cancel",
    "section": "cancel-call",
    "platforms": ["js-v4"],
    "pages": ["https://www.cometchat.com/docs/calls/v4/javascript/ringing#cancel-call"],
}


def behaviour(**fields: object) -> object:
    return cp.Behaviour(**{**GOOD, "platforms": ("js-v4",), "pages": tuple(GOOD["pages"]), **fields})


def scenario(name: str, *tags: str) -> object:
    return cp.Scenario("cancel", name, 1, tags)


def test_the_catalogue_has_every_field_and_only_known_values() -> None:
    entries = cp.tomllib.loads(cp.CATALOGUE.read_text(encoding="utf-8"))["behaviour"]
    assert entries, "docs/behaviours.toml catalogues nothing"
    assert cp.catalogue_problems(entries) == []


def test_every_tag_names_a_catalogued_behaviour_and_every_checked_behaviour_has_a_scenario() -> None:
    assert cp.coverage_problems(cp.load_catalogue(), cp.read_scenarios()) == []


def test_docs_coverage_md_is_what_the_generator_writes() -> None:
    current = cp.PAGE.read_text(encoding="utf-8") if cp.PAGE.is_file() else ""
    assert current == cp.build(), "docs/coverage.md is out of date: run python tools/coverage_page.py"
    assert cp.main(["--check"]) == 0


def test_the_tags_reach_every_scenario_through_the_gherkin_parser() -> None:
    """Feature-level tags count for each scenario; an outline is one scenario, not one per example."""
    scenarios = {(s.feature, s.name): s for s in cp.read_scenarios()}
    busy = scenarios[("busy", "Bob still hears a new call while he is in another one")]
    assert busy.behaviours == ("busy-call-still-rings",)
    outline = scenarios[("accept", "Bob accepts <a call> from Alex")]
    assert "accept-tells-caller" in outline.behaviours
    assert "accept-answers-with-the-call" in outline.behaviours


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": None}, "cancel-tells-receiver: no title"),
        ({"pages": None}, "cancel-tells-receiver: no pages"),
        ({"section": "hang-up"}, "unknown section 'hang-up'"),
        ({"platforms": ["android-v4"]}, "unknown platform 'android-v4'"),
        ({"pages": ["https://example.com/ringing#cancel-call"]}, "none of the platforms' pages"),
        ({"platforms": ["js-v4", "ios-v4"]}, "no page for ios-v4"),
        ({"platforms": [], "pages": []}, "needs `spec`"),
        ({"id": "Cancel Tells"}, "short kebab-case"),
        ({"not_checked": "media", "gap": "later"}, "not both"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_a_broken_entry_is_named(change: dict[str, object], problem: str) -> None:
    entry = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    problems = cp.catalogue_problems([entry])
    assert any(problem in found for found in problems), problems


def test_the_same_id_twice_is_refused() -> None:
    assert cp.catalogue_problems([GOOD, GOOD]) == ["cancel-tells-receiver: catalogued twice"]


def test_a_checked_behaviour_without_a_scenario_fails() -> None:
    problems = cp.coverage_problems([behaviour()], [scenario("Alex cancels", "something-else")])
    assert "cancel-tells-receiver: no scenario checks it (tag one, or mark it a gap)" in problems
    assert "cancel: Alex cancels: @behaviour:something-else is not in the catalogue" in problems


def test_a_behaviour_not_checked_or_a_gap_must_not_be_tagged() -> None:
    tagged = [scenario("Alex cancels", "cancel-tells-receiver")]
    assert cp.coverage_problems([behaviour(not_checked="media")], tagged) == [
        "cancel-tells-receiver: catalogued as not checked, yet tagged on cancel: Alex cancels"
    ]
    assert cp.coverage_problems([behaviour(gap="no scenario yet")], []) == []


def test_a_scenario_without_any_behaviour_tag_fails() -> None:
    problems = cp.coverage_problems(
        [behaviour()], [scenario("Alex cancels", "cancel-tells-receiver"), scenario("Bare")]
    )
    assert problems == ["cancel: Bare: no @behaviour tag"]


def test_outcomes_are_counted_per_behaviour_from_allure_results(tmp_path: Path) -> None:
    """An outline's examples all count for it; an xfail, renamed or not, is a known difference."""
    results = [
        ("features/cancel.feature:Alex cancels an audio call", "passed", ""),
        ("features/cancel.feature:Alex cancels a video call", "failed", "Bob was not told"),
        ("features/cancel.feature:Bob hears it", "unknown", "Known difference: SDK"),
        ("features/cancel.feature:Bob hears it twice", "skipped", "XFAIL known difference of SDK"),
        ("features/cancel.feature:Bob hears it thrice", "skipped", "no two devices"),
        ("features/cancel.feature:Gone", "passed", ""),
    ]
    for number, (full_name, status, message) in enumerate(results):
        body = {
            "fullName": full_name,
            "historyId": str(number),
            "status": status,
            "statusDetails": {"message": message},
        }
        (tmp_path / f"{number}-result.json").write_text(cp.json.dumps(body), encoding="utf-8")
    scenarios = [
        scenario("Alex cancels <a call>", "cancel-tells-receiver"),
        scenario("Bob hears it", "cancel-tells-receiver"),
        scenario("Bob hears it twice", "cancel-tells-receiver"),
        scenario("Bob hears it thrice", "cancel-tells-receiver"),
    ]
    read = cp.read_results(tmp_path, scenarios)
    assert read.by_scenario[("cancel", "Alex cancels <a call>")] == cp.Outcomes(passed=1, failed=1)
    assert read.by_scenario[("cancel", "Bob hears it")] == cp.Outcomes(known=1)
    assert read.by_scenario[("cancel", "Bob hears it twice")] == cp.Outcomes(known=1)
    assert read.by_scenario[("cancel", "Bob hears it thrice")] == cp.Outcomes(skipped=1)
    assert read.unmatched == ["features/cancel.feature:Gone"]
    page = cp.render([behaviour()], scenarios, read)
    assert "| 1 | 1 | 2 | 1 |" in page
    assert "passing 0/1 (0%)" in page
    assert "features/cancel.feature:Gone" in page


def test_the_committed_page_has_no_run_in_it() -> None:
    """The page in docs/ must not depend on one machine's run, or --check could never hold."""
    assert cp.main(["--results", str(ROOT / "features"), "--output", str(cp.PAGE)]) == 2


def test_every_spec_link_names_a_heading_of_the_spec_notes() -> None:
    """A rule's `spec` is a link on the page; a renamed heading would leave it pointing nowhere."""
    notes = (ROOT / "docs" / "spec-notes.md").read_text(encoding="utf-8")
    anchors = {
        cp.re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in notes.splitlines()
        if line.startswith("#")
    }
    links = {b.spec for b in cp.load_catalogue() if b.spec}
    assert links, "no rule names its spec note"
    for link in links:
        path, _, anchor = link.partition("#")
        assert path == "docs/spec-notes.md", link
        assert anchor in anchors, f"{link}: no such heading in docs/spec-notes.md"
