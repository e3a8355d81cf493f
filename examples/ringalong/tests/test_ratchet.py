"""The expectations file's ratchet, shown on ringalong: the correct adapter passes what it claims;
the faulty one's new failure, an unexpected pass and a stale entry each fail the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent
EXPECTATIONS = HERE / "expectations.toml"
FAULTY_EXPECTATIONS = HERE / "faulty-expectations.toml"
BUSY = "busy/Bob answers <a call> from Alex that he is busy"
ONLY_BUSY = ("-k", "busy")


def ringcheck(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "ringcheck"), "run", "-q", "-rfEX", *args]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)


def test_ringalong_passes_what_it_claims(tmp_path: Path) -> None:
    result = ringcheck(tmp_path, "--ringcheck-adapter=ringalong", f"--ringcheck-expectations={EXPECTATIONS}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "ringcheck target: ringalong" in result.stdout
    assert " passed" in result.stdout and "xfailed" in result.stdout


def test_the_faulty_variant_passes_with_its_fault_listed(tmp_path: Path) -> None:
    result = ringcheck(
        tmp_path, "--ringcheck-adapter=ringalong-faulty", f"--ringcheck-expectations={FAULTY_EXPECTATIONS}", *ONLY_BUSY
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "2 xfailed" in result.stdout


def test_a_new_failure_fails_the_run(tmp_path: Path) -> None:
    result = ringcheck(
        tmp_path, "--ringcheck-adapter=ringalong-faulty", f"--ringcheck-expectations={EXPECTATIONS}", *ONLY_BUSY
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    assert "2 failed" in result.stdout
    assert "told that Bob answered busy" in result.stdout or "status busy" in result.stdout


def test_an_unexpected_pass_fails_the_run(tmp_path: Path) -> None:
    """The fault fixed (the correct adapter) while the file still lists it: the ratchet says so."""
    result = ringcheck(
        tmp_path, "--ringcheck-adapter=ringalong", f"--ringcheck-expectations={FAULTY_EXPECTATIONS}", *ONLY_BUSY
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    assert "XPASS(strict)" in result.stdout and "2 failed" in result.stdout


def test_a_stale_entry_fails_the_run_with_the_closest_names(tmp_path: Path) -> None:
    stale = tmp_path / "stale.toml"
    text = FAULTY_EXPECTATIONS.read_text(encoding="utf-8")
    stale.write_text(text.replace(BUSY, "busy/Bob answers a call from Alex that he is busy"), encoding="utf-8")
    result = ringcheck(tmp_path, "--ringcheck-adapter=ringalong-faulty", f"--ringcheck-expectations={stale}")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-3000:]
    assert f"names no scenario; did you mean {BUSY}" in result.stderr
    assert "passed" not in result.stdout
