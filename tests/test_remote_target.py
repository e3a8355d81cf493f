"""The suite pointed at a server that is already running, by URL and key, instead of the embedded one.

The mock server runs as its own process here, as a QA team's server would: once steered through
its ``/_admin/`` API, once plain (no reset, no journal: the suite must still pass, because every
clock the flow needs is the clients'), once over TLS with the CA it printed. Each run is the whole
conformance suite in a child pytest.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ROBUSTNESS_SCENARIOS = (ROOT / "features" / "robustness.feature").read_text(encoding="utf-8").count("  Scenario:")
"""features/robustness.feature: they need fault control, which only a server with the steering API has."""

TARGETS = {
    "steered": (["--admin"], ["--ringcheck-admin"]),
    "plain": ([], []),
    "tls": (["--admin", "--tls"], ["--ringcheck-admin"]),
}


@pytest.fixture(params=sorted(TARGETS))
def suite_options(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """A mock server process started with one target's flags; yields the suite's options for it."""
    server_flags, suite_flags = TARGETS[request.param]
    command = [sys.executable, "-m", "mockserver", "--port", "0", "--tls-dir", str(tmp_path), *server_flags]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) as server:
        try:
            assert server.stdout is not None
            banner = server.stdout.readline()
            url = re.search(r" on (https?://\S+)", banner)
            assert url, f"the server printed no URL: {banner!r}"
            options = ["--ringcheck-server", url.group(1), "--ringcheck-api-key", "ringcheck-api-key", *suite_flags]
            ca = re.search(r" ca=(\S+)", banner)
            yield options + (["--ringcheck-ca-file", ca.group(1)] if ca else [])
        finally:
            server.terminate()
            server.wait(10)


def test_the_whole_suite_passes_against_a_running_server(suite_options: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "steps", "-q", "-rs", "-p", "no:cacheprovider", *suite_options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.fullmatch(r"=* ?\d+ passed(, \d+ skipped)? in [0-9.]+s ?=*", summary), (
        f"not every scenario passed: {summary}"
    )
    # Without the steering API there is no fault control: those scenarios, and only those, skip.
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    expected = 0 if "--ringcheck-admin" in suite_options else ROBUSTNESS_SCENARIOS
    assert len(skipped) == (1 if expected else 0) and all("fault-control" in line for line in skipped), skipped
    if expected:
        assert f"SKIPPED [{expected}]" in skipped[0], skipped
