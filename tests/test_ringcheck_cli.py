"""The ``ringcheck`` command's own choices: what it hands pytest, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringcheck import cli, suite


def test_run_points_pytest_at_the_suite_with_its_own_configuration() -> None:
    args = cli.suite_args(["-k", "cancel"])
    assert args[:2] == ["-c", str(suite.PACKAGE / "suite.ini")]
    assert f"--rootdir={suite.root()}" in args
    assert str(suite.root() / "steps" / "test_ringing.py") in args
    assert any(a.startswith("--alluredir=") for a in args)
    assert args[-2:] == ["-k", "cancel"], "the user's arguments come last, so they win"


def test_run_leaves_the_users_own_results_folder_and_test_paths_alone() -> None:
    args = cli.suite_args(["--alluredir=mine", "tests/test_x.py::test_y"])
    assert [a for a in args if a.startswith("--alluredir")] == ["--alluredir=mine"]
    assert str(suite.root() / "steps" / "test_ringing.py") not in args


def test_where_prints_the_folder_holding_the_features(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["where"]) == 0
    assert (Path(capsys.readouterr().out.strip()) / "features").is_dir()


def test_report_without_results_says_to_run_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["report", str(tmp_path / "nothing"), str(tmp_path / "html")])
    assert code == 2
    err = capsys.readouterr().err
    # Without Node.js it says so first; with it, that there is nothing to draw yet.
    assert "run `ringcheck run` first" in err or "Node.js 20+ and npm are needed" in err, err


def test_an_unknown_command_prints_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve"])
    assert "run" in capsys.readouterr().err
