"""The pytest plugin: options, the target for the run, a fresh scene per scenario, the report.

Gherkin tags of the form ``key:value`` become markers with an argument: ``@doc:cancel-call``
links the scenario to that documentation section in the report, ``@needs:time-control`` skips
it (with the reason) when the implementation lacks that capability.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
from collections.abc import Callable, Generator, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import allure
import pytest
from pytest_bdd.parser import Feature, Scenario, ScenarioTemplate
from pytest_bdd.scenario import scenario_wrapper_template_registry

from . import allure_results, catalogue, diagram, expectations, preflight, report, selection
from .adapter import Implementation
from .expectations import Expectation
from .scene import Scene
from .selection import NEEDS
from .settings import Settings
from .targets import Target, build
from .timeline import build as build_timeline

SETTINGS = pytest.StashKey[Settings]()
KEYED_TAGS = {"doc": "section", "needs": "capability", "behaviour": "id"}
"""Tag keys that become markers with a keyword argument: ``@doc:x`` is ``doc(section="x")``."""
SUMMARY = pytest.StashKey[str]()
TARGET = pytest.StashKey[Target]()
ALL_SCENARIOS = pytest.StashKey[list[str]]()
"""Every scenario collected, before ``-k``/``-m`` deselect some: what an expectation may name."""
SELECTION = pytest.StashKey[list[str]]()
EXPECTATIONS = pytest.StashKey[tuple[Path | None, list[Expectation]]]()
FAILURES = pytest.StashKey[dict[str, str]]()
"""With --ringcheck-update-expectations: each failing scenario and the first line of its failure."""
SCENARIO_ID = pytest.StashKey[str]()
ENV_EXPECTATIONS = "RINGCHECK_EXPECTATIONS"
__all__ = ["NEEDS"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ringcheck", "ringcheck: what the conformance suite runs against")
    for f in fields(Settings):
        meta = f.metadata
        if f.type == "bool":
            group.addoption(
                meta["option"],
                dest=f"ringcheck_{f.name}",
                action="store_true",
                default=None,
                help=f"{meta['help']} [env {meta['env']}]",
            )
        else:
            group.addoption(
                meta["option"],
                dest=f"ringcheck_{f.name}",
                default=None,
                help=f"{meta['help']} [env {meta['env']}; default {f.default!r}]",
            )
    group.addoption(
        "--ringcheck-expectations",
        dest="ringcheck_expectations",
        default=None,
        metavar="FILE",
        help="TOML file of the scenarios the implementation is known to fail, with reasons "
        f"[env {ENV_EXPECTATIONS}; default: the built-in adapter's own, if any]",
    )
    group.addoption(
        "--ringcheck-update-expectations",
        dest="ringcheck_update_expectations",
        action="store_true",
        default=False,
        help="run without expectations and write the expectations file from the scenarios that fail",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "doc(section): the documentation section a scenario checks")
    config.addinivalue_line("markers", "needs(capability): skip unless the implementation offers it")
    config.addinivalue_line(
        "markers", "behaviour(id): a documented behaviour the scenario checks (docs/behaviours.toml)"
    )
    config.addinivalue_line("markers", "feature(file): the feature file a scenario comes from, without .feature")
    options = {f.name: config.getoption(f"ringcheck_{f.name}") for f in fields(Settings)}
    try:
        preflight.check_environment(os.environ)
        settings = Settings.from_sources(options)
        preflight.check_cast(settings)
    except ValueError as exc:
        raise pytest.UsageError(f"ringcheck: {exc}") from None
    config.stash[SETTINGS] = settings
    config.stash[FAILURES] = {}


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash[SETTINGS]
    path = _expectations_path(config)
    return [
        f"ringcheck: adapter {settings.adapter}, server {settings.server}, expectations {path or 'none'} "
        "(the selection follows collection)"
    ]


def _expectations_path(config: pytest.Config) -> Path | None:
    given = config.getoption("ringcheck_expectations") or os.environ.get(ENV_EXPECTATIONS)
    if given:
        return Path(given)
    settings = config.stash[SETTINGS]
    return expectations.default_for(settings.adapter, settings.sdk)


def _update_mode(config: pytest.Config) -> bool:
    return bool(config.getoption("ringcheck_update_expectations"))


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable[..., Any]) -> Any:
    key, sep, value = tag.partition(":")
    if sep and key in KEYED_TAGS:
        return getattr(pytest.mark, key)(**{KEYED_TAGS[key]: value})(function)
    return None


def _scenario_of(item: pytest.Item) -> ScenarioTemplate | None:
    """The Gherkin scenario a generated test runs, if it is one.

    pytest-bdd keeps this in a registry that its own code reads the same way; there is no public
    accessor yet.
    """
    function = getattr(item, "obj", None)
    return None if function is None else scenario_wrapper_template_registry.get(function)


def scenario_id(item: pytest.Item, template: ScenarioTemplate) -> str:
    """``<feature>/<scenario name>``, and ``[<example id>]`` for one example of an outline."""
    callspec = getattr(item, "callspec", None)
    example = f"[{callspec.id}]" if callspec is not None else ""
    return f"{Path(template.feature.filename).stem}/{template.name}{example}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each scenario with its feature file, so ``-m "feature(file='cancel')"`` selects one file
    (before -k and -m deselect, which is also when every scenario's id is known)."""
    ids = []
    for item in items:
        template = _scenario_of(item)
        if template is not None:
            item.add_marker(pytest.mark.feature(file=Path(template.feature.filename).stem))
            # In the JUnit XML too, so tools/compat_table.py can name the behaviour, not the test function.
            item.user_properties.append(("feature", template.feature.name))
            item.user_properties.append(("scenario", template.name))
            item.stash[SCENARIO_ID] = scenario_id(item, template)
            ids.append(item.stash[SCENARIO_ID])
    config.stash[ALL_SCENARIOS] = ids


def pytest_collection_finish(session: pytest.Session) -> None:
    """Set up the target and decide the selection once, so a set-up mistake is one message, not a
    failure per scenario, and the run says what it is about to check before it checks it."""
    config = session.config
    scenarios = [(item, t) for item in session.items if (t := _scenario_of(item)) is not None]
    if not scenarios:
        return
    settings = config.stash[SETTINGS]
    update = _update_mode(config)
    path = _expectations_path(config)
    entries: list[Expectation] = []
    if path is not None and not update:
        try:
            entries = expectations.load(path)
        except expectations.ExpectationsError as exc:
            raise pytest.UsageError(f"ringcheck: {exc}") from None
        known: list[str] = config.stash.get(ALL_SCENARIOS, [])
        stale = expectations.stale(entries, known)
        if stale:
            raise pytest.UsageError(
                f"ringcheck: expectations file {path}: " + "; ".join(stale) + " (fix or remove the entry)"
            )
    config.stash[EXPECTATIONS] = (path, entries)
    try:
        target = build(settings)
    except Exception as exc:
        raise pytest.UsageError(
            f"ringcheck could not set up what the suite runs against (adapter {settings.adapter!r}, "
            f"server {settings.server!r}): {exc}"
        ) from None
    config.stash[TARGET] = target
    implementation = target.implementation
    choices = []
    try:
        for item, template in scenarios:
            needs = [str(mark.kwargs["capability"]) for mark in item.iter_markers("needs")]
            keys = (template.name, *sorted(template.tags), *sorted(template.feature.tags))
            choice = selection.choose(implementation, item.stash[SCENARIO_ID], needs, keys, [] if update else entries)
            if choice.skip:
                item.add_marker(pytest.mark.skip(reason=choice.skip))
                # In the JUnit XML too: tools/compat_table.py reads why.
                item.user_properties.append(("not offered", choice.why))
            elif choice.xfail and not update:
                item.add_marker(pytest.mark.xfail(reason=choice.xfail, strict=True))
                item.user_properties.append(("differs", choice.why))
            choices.append(choice)
    except ValueError as exc:
        raise pytest.UsageError(f"ringcheck: {exc}") from None
    shown = f"{path} ({len(entries)} expected failures)" if path and not update else "none"
    if update:
        shown = f"none (--ringcheck-update-expectations: failures will be written to {_update_target(config)})"
    where = ", ".join(f"{k} {v}" for k, v in implementation.describe().items() if k != "implementation")
    lines = selection.summary(implementation, f"adapter {settings.adapter}; {where}", choices, shown)
    config.stash[SELECTION] = lines
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        for line in lines:
            reporter.write_line(f"ringcheck {line}")


def _update_target(config: pytest.Config) -> Path:
    path = _expectations_path(config)
    if path is None or path.is_relative_to(expectations.PACKAGED):
        return Path("ringcheck-expectations.toml")
    return path


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Feature, scenario: Scenario) -> None:
    sections = [str(mark.kwargs["section"]) for mark in request.node.iter_markers("doc")]
    for section in sections:
        allure.dynamic.link(report.doc_link(section), name=f"documentation: {section}")
        allure.dynamic.tag(f"doc:{section}")
    # The "documented behaviours" view groups by these: section, then behaviour.
    for section in sections[:1]:
        allure.dynamic.epic(f"documentation: {section}")
    for mark in request.node.iter_markers("behaviour"):
        allure.dynamic.story(catalogue.title_of(str(mark.kwargs["id"])))


@pytest.fixture(scope="session")
def ringcheck_settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def ringcheck_target(pytestconfig: pytest.Config) -> Target:
    """Built when collection finished (see :func:`pytest_collection_finish`), closed when the session ends."""
    if TARGET not in pytestconfig.stash:
        pytestconfig.stash[TARGET] = build(pytestconfig.stash[SETTINGS])
    return pytestconfig.stash[TARGET]


def _write_environment(config: pytest.Config, target: Target) -> None:
    alluredir = config.getoption("allure_report_dir", default=None)
    if not alluredir:
        return
    # Written at the end, when the target knows everything it ran (e.g. the SDK's version).
    facts = {
        **target.implementation.describe(),
        "adapter": config.stash[SETTINGS].adapter,
        "python": platform.python_version(),
        **{package: _version(package) for package in ("ringcheck", "pytest", "pytest-bdd", "aiohttp")},
    }
    lines: list[str] = config.stash.get(SELECTION, [])
    for number, line in enumerate(lines, 1):
        facts[f"selection {number:02d}"] = line.strip()
    report.write_environment(Path(alluredir), facts)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@pytest.fixture(scope="session")
def implementation(ringcheck_target: Target) -> Implementation:
    return ringcheck_target.implementation


@pytest.fixture
def scene(
    implementation: Implementation, ringcheck_settings: Settings, request: pytest.FixtureRequest
) -> Iterator[Scene]:
    implementation.reset()
    scene = Scene(implementation, ringcheck_settings)
    try:
        yield scene
    finally:
        scene.close()


@pytest.hookimpl(trylast=True)
def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Feature, scenario: Scenario) -> None:
    """Attach what every party was told and what crossed the wire, pass or fail."""
    if "scene" not in request.fixturenames:
        return
    scene: Scene = request.getfixturevalue("scene")
    told = report.events_text(scene)
    try:
        wire = report.transcript_text(scene.implementation.transcript())
    except Exception as exc:  # the report must not hide the scenario's own failure
        wire = f"could not read the transcript: {exc}"
    try:
        timeline = build_timeline(scene, scene.implementation.wire_log())
        allure.attach(diagram.to_svg(timeline), "sequence diagram", allure.attachment_type.SVG)
        allure.attach(diagram.to_mermaid(timeline), "sequence diagram (Mermaid)", allure.attachment_type.TEXT)
    except Exception as exc:  # the report must not hide the scenario's own failure
        allure.attach(f"could not draw the sequence diagram: {exc!r}", "sequence diagram", allure.attachment_type.TEXT)
    allure.attach(report.events_html(scene), "what each party was told", allure.attachment_type.HTML)
    allure.attach(told, "what each party was told (text)", allure.attachment_type.TEXT)
    allure.attach(wire, "requests and frames", allure.attachment_type.TEXT)
    attempts = report.attempts_text(scene)
    if attempts:
        allure.attach(attempts, "operations that could be refused", allure.attachment_type.TEXT)
    request.node.stash[SUMMARY] = f"What each party was told:\n{told}\n\nRequests and frames:\n{wire}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    result: pytest.TestReport = outcome.get_result()
    if result.failed and SCENARIO_ID in item.stash and _update_mode(item.config):
        first = str(call.excinfo.value).strip().splitlines()[0] if call.excinfo is not None else "failed"
        item.config.stash[FAILURES].setdefault(item.stash[SCENARIO_ID], first[:300])
    if result.when == "call" and result.failed and SUMMARY in item.stash:
        result.sections.append(("ringcheck", item.stash[SUMMARY]))
        if call.excinfo is not None and call.excinfo.errisinstance(AssertionError):
            # The plain words first: what should have happened and what did, then pytest's traceback.
            result.longrepr = f"{call.excinfo.value}\n\n{result.longrepr}"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Record the target and selection, write updated expectations, close the target; known
    differences are not "skipped": they ran and differed (see :mod:`ringcheck.allure_results`)."""
    config = session.config
    target = config.stash.get(TARGET, None)
    if target is not None:
        try:
            _write_environment(config, target)
            if _update_mode(config):
                _write_expectations(config, target.implementation)
        finally:
            del config.stash[TARGET]
            target.close()
    alluredir = config.getoption("allure_report_dir", default=None)
    if alluredir and Path(alluredir).is_dir():
        allure_results.rewrite(Path(alluredir))


def _write_expectations(config: pytest.Config, implementation: Implementation) -> None:
    """Keep the reasons already written for scenarios that still fail; the rest get their failure's first line."""
    path = _expectations_path(config)
    old: list[Expectation] = []
    if path is not None and path.is_file():
        try:
            old = expectations.load(path)
        except expectations.ExpectationsError:
            old = []
    entries = {}
    for scenario, first_line in config.stash[FAILURES].items():
        known = expectations.reason_for(old, scenario)
        entries[scenario] = known or Expectation(scenario, f"TODO: say why; it failed with: {first_line}")
    destination = _update_target(config)
    destination.write_text(expectations.dump(implementation.name, entries), encoding="utf-8")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"ringcheck wrote {len(entries)} expected failures to {destination}")
