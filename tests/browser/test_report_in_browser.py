"""The single-file report as a newcomer opens it: from disk, in headless Chromium.

A few scenarios run against a mock server broken on purpose (one mutant of tools/mutants.py), so
the report has passes and a failure; then the page must show the scenario list, the failing
scenario's message in plain words and its sequence diagram. Screenshots are kept under
reports/browser-check/ as CI artifacts. Needs Debian's chromium, Node.js (the report is drawn by
the Allure CLI) and the `browser` extra (Playwright for Python); `tox -e browser` has them all.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "reports" / "browser-check"
FAILING = "Cancelling stops the call ringing on every device Bob is signed in on"
MUTANT = "a cancel or a no-answer reaches only the first device it is meant for"
PYTEST = [sys.executable, "-m", "pytest", "steps", "-q", "-p", "no:cacheprovider", "--ringcheck-deadline", "1"]
CHROMIUM_FLAGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"),
    *("--disable-sync", "--no-first-run"),
]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (tox -e browser)"),
    pytest.mark.skipif(
        shutil.which("npm") is None, reason="the HTML report is drawn by the Allure CLI, an npm package"
    ),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is the `browser` extra")
if TYPE_CHECKING:
    from playwright.sync_api import Page


def _mutants() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ringcheck_mutants", ROOT / "tools" / "mutants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reports of three scenarios, one of which fails on a server that tells only Bob's first device."""
    scratch = tmp_path_factory.mktemp("report")
    copy = scratch / "repo"
    mutants = _mutants()
    for name in mutants.COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy2(source, copy / name)
    mutants.apply(next(m for m in mutants.MUTANTS if m.name == MUTANT), copy)
    results, html = scratch / "results", scratch / "html"
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [*PYTEST, "-k", "cancelling or bob_rejects", f"--alluredir={results}"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 1, f"one scenario should have failed:\n{run.stdout[-2000:]}"
    drawn = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_report.py"), str(results), str(html)],
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert drawn.returncode == 0, drawn.stdout + drawn.stderr
    return html


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[Page]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
        )
        try:
            opened = browser.new_page(viewport={"width": 1400, "height": 1000})
            opened.goto((report / "awesome" / "index.html").as_uri())
            yield opened
        finally:
            browser.close()


def test_the_report_opens_from_disk_and_lists_the_scenarios(page: Page) -> None:
    sync_api.expect(page.get_by_text("Cancelling a call").first).to_be_visible()
    sync_api.expect(page.get_by_text("Rejecting a call").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "scenario-list.png"))


def test_a_failing_scenario_shows_its_message_in_plain_words_and_its_category(page: Page) -> None:
    page.get_by_text(FAILING).first.click()
    sync_api.expect(
        page.get_by_text("Bob's laptop should have been told that Alex cancelled the call").first
    ).to_be_visible()
    sync_api.expect(page.get_by_text("The implementation deviates from the specification").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "failing-scenario.png"))


def test_the_failing_scenario_shows_its_sequence_diagram(page: Page) -> None:
    page.get_by_text(FAILING).first.click()
    page.get_by_text("Attachments").first.click()
    page.get_by_text("sequence diagram", exact=True).first.click()
    diagram = page.locator("img[src^='blob:']").first
    sync_api.expect(diagram).to_be_visible()
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150, box
    page.screenshot(path=str(SHOTS / "sequence-diagram.png"))
