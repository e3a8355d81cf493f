"""The selection, decided and printed before the first scenario: each missing capability skips
exactly the scenarios that need it, with the reason; set-up mistakes stop the run once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ringcheck.adapter import Capabilities, Device, EventSink, Implementation
from ringcheck.selection import NEEDS, RESET_WARNING, choose

from .limited import LACKING

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "features"


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's folder that runs ringcheck's feature files and steps (as an installed suite would)."""
    pytester.makeini(
        f"[pytest]\nbdd_features_base_dir = {FEATURES}\naddopts = -p no:allure_pytest\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    # The plugin and the steps come from ringcheck's pytest11 entry point, as in a user's project.
    pytester.makepyfile(test_suite="from pytest_bdd import scenarios\n\nscenarios('.')\n")
    return pytester


def _selected(result: pytest.RunResult) -> tuple[int, int, int]:
    line = next(line for line in result.outlines if line.startswith("ringcheck scenarios:"))
    match = re.search(r"(\d+) selected, (\d+) to run \((\d+) of them expected to fail\), (\d+) skipped", line)
    assert match, line
    selected, run, xfail, skipped = map(int, match.groups())
    assert selected == run + skipped
    return selected, xfail, skipped


def test_every_capability_tag_has_an_adapter_lacking_it() -> None:
    assert set(NEEDS) | {"reset"} == set(LACKING)


@pytest.mark.parametrize("capability", sorted(NEEDS))
def test_an_adapter_lacking_a_capability_skips_exactly_the_scenarios_that_need_it(
    suite: pytest.Pytester, capability: str
) -> None:
    adapter = f"--ringcheck-adapter=tests.limited:lacking_{capability.replace('-', '_')}"
    needing = suite.runpytest(adapter, "-m", f"needs(capability='{capability}')", "-rs")
    selected, _, skipped = _selected(needing)
    assert selected > 0, f"no scenario needs {capability}: the tag is unused"
    assert skipped == selected, needing.outlines
    needing.assert_outcomes(skipped=selected)
    assert f"does not offer {capability}: {NEEDS[capability][1]}" in needing.stdout.str()
    # The others are not skipped for it: the full selection skips just as many, all for this reason.
    everything = suite.runpytest(adapter, "--collect-only", "-q")
    _, _, skipped_of_all = _selected(everything)
    assert skipped_of_all == selected
    assert f"skip {selected}: limited" in everything.stdout.str()


def test_with_every_capability_nothing_is_skipped(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--ringcheck-adapter=tests.limited:full", "--collect-only", "-q")
    selected, xfail, skipped = _selected(result)
    assert selected > 60 and skipped == 0 and xfail == 0
    assert RESET_WARNING not in result.stdout.str()


def test_an_adapter_without_reset_is_told_scenarios_share_state_and_they_still_run(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--ringcheck-adapter=tests.limited:lacking_reset", "-k", "bob_accepts_a_call_from_alex")
    assert RESET_WARNING in result.stdout.str()
    assert "reset no" in result.stdout.str()
    result.assert_outcomes(passed=2)


def test_the_selection_is_recorded_in_the_report(suite: pytest.Pytester) -> None:
    pytest.importorskip("allure_pytest_bdd")
    result = suite.runpytest(
        "--ringcheck-adapter=tests.limited:lacking_time_control",
        f"--alluredir={suite.path / 'results'}",
        # allure-pytest-bdd names features by their path under the rootdir.
        f"--rootdir={ROOT}",
        "-k",
        "bob_accepts_a_call_from_alex",
    )
    result.assert_outcomes(passed=2)
    environment = (suite.path / "results" / "environment.properties").read_text(encoding="utf-8")
    assert "scenarios\\: 2 selected" in environment or "scenarios: 2 selected" in environment, environment
    assert "time control no" in environment


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ringcheck-adapter=nosuch.module:make"], "cannot import 'nosuch.module'"),
        (["--ringcheck-adapter=tests.limited:fulll"], "has no factory 'fulll'; did you mean 'full'?"),
        (["--ringcheck-adapter=wrie"], "did you mean 'wire'?"),
        (["--ringcheck-server=http://127.0.0.1:9"], "nothing answers at http://127.0.0.1:9"),
        (["--ringcheck-server=ftp://x"], "must be 'embedded' or an http(s) URL"),
        (["--ringcheck-deadline=soon"], "must be a positive number of seconds"),
        (["--ringcheck-cast=alx=superhero1"], "called 'alx'; did you mean alex?"),
        (["--ringcheck-cast=alex"], "'alex' is not name=id"),
    ],
)
def test_a_set_up_mistake_is_one_message_before_any_scenario(
    suite: pytest.Pytester, args: list[str], message: str
) -> None:
    result = suite.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and message in errors[0], result.errlines
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


def test_a_misspelled_environment_variable_is_refused_with_the_likely_name(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGCHECK_SEVRER", "http://127.0.0.1:8080")
    result = suite.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "RINGCHECK_SEVRER is not a ringcheck setting; did you mean RINGCHECK_SERVER" in result.stderr.str()


class _Bare(Implementation):
    name = "bare"
    capabilities = Capabilities()

    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        raise NotImplementedError("no scenario runs here")


def test_a_scenario_lacking_two_needs_skips_for_the_first_in_the_catalogue_order_whatever_its_tag_order() -> None:
    """pytest-bdd keeps tags in a set: the skip reason (in the compatibility table) must not depend on it."""
    bare = _Bare()  # offers neither
    first = choose(bare, "robustness/x", ["reconnect", "time-control"], [], [])
    second = choose(bare, "robustness/x", ["time-control", "reconnect"], [], [])
    assert first.why == second.why == "needs time-control, which this implementation lacks"
