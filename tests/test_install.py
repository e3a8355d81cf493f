"""From an empty folder outside this checkout: the wheel installs into a fresh virtual environment
and ``ringcheck run`` passes against the embedded mock server; the base install is the mock server
alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(600)


def _uv() -> str:
    for candidate in (ROOT / ".tools" / "bin" / "uv", Path(sys.executable).parent / "uv"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("uv")
    if found is None:
        pytest.skip("uv is needed to build and install the wheel (make .tools/bin/tox installs it with tox-uv)")
    return found


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=500, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = _run([_uv(), "build", "--wheel", "--out-dir", str(out), str(ROOT)], ROOT)
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("ringcheck-*.whl")
    return path


def test_the_wheel_ships_the_suite(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for feature in (ROOT / "features").glob("*.feature"):
        assert f"ringcheck/_suite/features/{feature.name}" in names
    for step in (ROOT / "steps").glob("*.py"):
        assert f"ringcheck/_suite/steps/{step.name}" in names
    assert "ringcheck/_suite/sdkbridge/device.js" in names
    assert "ringcheck/expectations/sdk-js-4.2.0.toml" in names
    assert not [n for n in names if "__pycache__" in n or "node_modules" in n]


def test_from_an_empty_folder_the_installed_suite_passes(wheel: Path, tmp_path: Path) -> None:
    uv = _uv()
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RINGCHECK_", "PYTHON", "VIRTUAL_ENV"))}
    assert _run([uv, "venv", "--python", sys.executable, str(venv)], tmp_path, env).returncode == 0
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    empty = tmp_path / "empty"
    empty.mkdir()

    base = _run([uv, "pip", "install", "--python", str(python), str(wheel)], tmp_path, env)
    assert base.returncode == 0, base.stderr
    serve = _run([str(bin_dir / "ringcheck-mockserver"), "--help"], empty, env)
    assert serve.returncode == 0 and "--admin" in serve.stdout, serve.stderr
    missing = _run([str(bin_dir / "ringcheck"), "run"], empty, env)
    assert missing.returncode == 2 and "pip install 'ringcheck[suite]'" in missing.stderr
    assert _run([str(python), "-c", "import pytest_bdd"], empty, env).returncode != 0, "base install pulls the suite"

    full = _run([uv, "pip", "install", "--python", str(python), f"ringcheck[suite] @ {wheel.as_uri()}"], tmp_path, env)
    assert full.returncode == 0, full.stderr
    result = _run([str(bin_dir / "ringcheck"), "run", "-q"], empty, env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
    assert "ringcheck scenarios:" in result.stdout, "the selection is printed"
    assert str(ROOT) not in result.stdout, "the run must not use this checkout"
    assert any((empty / "ringcheck-report" / "allure-results").glob("*-result.json"))
    where = _run([str(bin_dir / "ringcheck"), "where"], empty, env)
    assert str(venv) in where.stdout
