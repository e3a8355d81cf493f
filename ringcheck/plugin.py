"""The pytest plugin: options, the target for the run, a fresh scene per scenario, the report.

Gherkin tags of the form ``key:value`` become markers with an argument: ``@doc:cancel-call``
links the scenario to that documentation section in the report, ``@needs:time-control`` skips
it (with the reason) when the implementation lacks that capability.
"""

from __future__ import annotations

import importlib.metadata
import platform
from collections.abc import Callable, Generator, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import allure
import pytest
from pytest_bdd.parser import Feature, Scenario, ScenarioTemplate
from pytest_bdd.scenario import scenario_wrapper_template_registry

from . import allure_results, catalogue, diagram, report
from .adapter import Capabilities, Implementation
from .scene import Scene
from .settings import Settings
from .targets import Target, build
from .timeline import build as build_timeline

SETTINGS = pytest.StashKey[Settings]()
KEYED_TAGS = {"doc": "section", "needs": "capability", "behaviour": "id"}
"""Tag keys that become markers with a keyword argument: ``@doc:x`` is ``doc(section="x")``."""
SUMMARY = pytest.StashKey[str]()

NEEDS: dict[str, tuple[Callable[[Capabilities], bool], str]] = {
    "time-control": (lambda c: c.time_control, "control of time (moving every clock of the flow)"),
    "two-devices": (lambda c: c.devices_per_user >= 2, "a user signed in on two devices at once"),
    "group-calls": (lambda c: c.group_calls, "group calls"),
    "sign-out": (lambda c: c.sign_out, "signing out while the device stays open"),
    "status-updates": (
        lambda c: c.status_updates,
        "sending a status of the test's choosing (an SDK sends only the statuses of its own operations)",
    ),
}


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "doc(section): the documentation section a scenario checks")
    config.addinivalue_line("markers", "needs(capability): skip unless the implementation offers it")
    config.addinivalue_line(
        "markers", "behaviour(id): a documented behaviour the scenario checks (docs/behaviours.toml)"
    )
    config.addinivalue_line("markers", "feature(file): the feature file a scenario comes from, without .feature")
    options = {f.name: config.getoption(f"ringcheck_{f.name}") for f in fields(Settings)}
    try:
        config.stash[SETTINGS] = Settings.from_sources(options)
    except ValueError as exc:
        raise pytest.UsageError(f"ringcheck: {exc}") from None


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each scenario with its feature file, so ``-m "feature(file='cancel')"`` selects one file."""
    for item in items:
        template = _scenario_of(item)
        if template is not None:
            item.add_marker(pytest.mark.feature(file=Path(template.feature.filename).stem))
            # In the JUnit XML too, so tools/compat_table.py can name the behaviour, not the test function.
            item.user_properties.append(("feature", template.feature.name))
            item.user_properties.append(("scenario", template.name))


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
def ringcheck_target(ringcheck_settings: Settings, pytestconfig: pytest.Config) -> Iterator[Target]:
    target = build(ringcheck_settings)
    try:
        yield target
    finally:
        try:
            alluredir = pytestconfig.getoption("allure_report_dir", default=None)
            if alluredir:
                # Written at the end, when the target knows everything it ran (e.g. the SDK's version).
                facts = {
                    **target.implementation.describe(),
                    "adapter": ringcheck_settings.adapter,
                    "python": platform.python_version(),
                    **{package: _version(package) for package in ("ringcheck", "pytest", "pytest-bdd", "aiohttp")},
                }
                report.write_environment(Path(alluredir), facts)
        finally:
            target.close()


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
    _apply_capabilities(implementation, request)
    implementation.reset()
    scene = Scene(implementation, ringcheck_settings)
    try:
        yield scene
    finally:
        scene.close()


def _apply_capabilities(implementation: Implementation, request: pytest.FixtureRequest) -> None:
    """Skip what the implementation cannot do; expect a failure where it is known to differ."""
    capabilities = implementation.capabilities
    template = _scenario_of(request.node)
    if template is not None:
        for key in (template.name, *sorted(template.tags), *sorted(template.feature.tags)):
            if key in capabilities.not_offered:
                request.node.user_properties.append(("not offered", capabilities.not_offered[key]))
                pytest.skip(f"{implementation.name} does not offer this: {capabilities.not_offered[key]}")
            if key in capabilities.notes:
                request.node.user_properties.append(("differs", capabilities.notes[key]))
                reason = f"known difference of {implementation.name}: {capabilities.notes[key]}"
                request.node.add_marker(pytest.mark.xfail(reason=reason, strict=True))
    for mark in request.node.iter_markers("needs"):
        need = str(mark.kwargs["capability"])
        if need not in NEEDS:
            raise pytest.UsageError(f"unknown capability tag @needs:{need}; known: {', '.join(NEEDS)}")
        offers, what = NEEDS[need]
        if not offers(capabilities):
            request.node.user_properties.append(("not offered", f"needs {need}, which this implementation lacks"))
            pytest.skip(f"{implementation.name} does not offer {need}: {what}")


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
    if result.when == "call" and result.failed and SUMMARY in item.stash:
        result.sections.append(("ringcheck", item.stash[SUMMARY]))
        if call.excinfo is not None and call.excinfo.errisinstance(AssertionError):
            # The plain words first: what should have happened and what did, then pytest's traceback.
            result.longrepr = f"{call.excinfo.value}\n\n{result.longrepr}"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Known differences are not "skipped": they ran and differed (see :mod:`ringcheck.allure_results`)."""
    alluredir = session.config.getoption("allure_report_dir", default=None)
    if alluredir and Path(alluredir).is_dir():
        allure_results.rewrite(Path(alluredir))
