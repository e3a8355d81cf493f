"""tools/compat_table.py: the table says what the runs' JUnit XML says, and --check notices drift."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from xml.sax.saxutils import quoteattr

import pytest

from ringcheck.sdk import PROFILES

TOOL = Path(__file__).resolve().parent.parent / "tools" / "compat_table.py"


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compat_table", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat_table"] = module
    spec.loader.exec_module(module)
    return module


def case(name: str, scenario: str, inner: str = "", **props: str) -> str:
    every = {"feature": "Ending a call", "scenario": scenario, **{k.replace("_", " "): v for k, v in props.items()}}
    properties = "".join(f'<property name="{k}" value={quoteattr(v)}/>' for k, v in every.items())
    opening = f'<testcase classname="steps.test_ringing" name="{name}">'
    return f"{opening}<properties>{properties}</properties>{inner}</testcase>"


def write_runs(folder: Path, cases_by_profile: dict[str, list[str]]) -> None:
    folder.mkdir(exist_ok=True)
    for name in [*PROFILES, "browser"]:
        body = "".join(cases_by_profile.get(name, [case("t_pass", "It ends")]))
        (folder / f"{name}.xml").write_text(f'<testsuites><testsuite name="pytest">{body}</testsuite></testsuites>')


def test_pass_differs_not_offered_and_failures_become_cells_with_their_reasons(tmp_path: Path) -> None:
    tool = load_tool()
    xfail = '<skipped type="pytest.xfail" message="known difference of X: ignored"/>'
    skip = '<skipped type="pytest.skip" message="X does not offer this: ignored"/>'
    write_runs(
        tmp_path,
        {
            "js-3.0.13": [
                case("t_pass", "It ends", inner=xfail, differs="it sends unanswered later"),
                case("t_outline[a]", "Outline: <x>"),
                case("t_outline[b]", "Outline: <x>", inner=skip, not_offered="no timeout argument"),
            ],
            "rn-4.0.21": [case("t_pass", "It ends", inner='<failure message="boom&#10;more"/>')],
        },
    )
    text = tool.render(*tool.read_runs(tmp_path))
    row = next(line for line in text.splitlines() if line.startswith("| Ending a call | It ends |"))
    assert row == "| Ending a call | It ends | pass | differs [1] | FAILS [2] | pass |"
    outline = next(line for line in text.splitlines() if "Outline: <x>" in line)
    assert "pass (1 of 2), not offered (1 of 2) [3]" in outline
    assert "1. JavaScript SDK 3.0.13 (@cometchat-pro/chat): it sends unanswered later" in text
    assert "2. React Native SDK 4.0.21: boom" in text
    assert "3. JavaScript SDK 3.0.13 (@cometchat-pro/chat): no timeout argument" in text


def test_check_passes_on_the_written_file_and_fails_when_it_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = load_tool()
    write_runs(tmp_path / "runs", {})
    out = tmp_path / "compatibility.md"
    args = ["--results", str(tmp_path / "runs"), "--out", str(out)]
    assert tool.main(args) == 0
    assert tool.main([*args, "--check"]) == 0
    out.write_text(out.read_text() + "edited by hand\n")
    assert tool.main([*args, "--check"]) == 1
    assert "python tools/compat_table.py" in capsys.readouterr().err


def test_a_missing_run_names_the_tox_env_to_run(tmp_path: Path) -> None:
    tool = load_tool()
    write_runs(tmp_path, {})
    (tmp_path / "rn-4.0.21.xml").unlink()
    with pytest.raises(SystemExit, match="run `tox -e sdk-rn` first"):
        tool.read_runs(tmp_path)
