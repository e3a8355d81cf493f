"""Settings come from options, then the environment, then defaults; the cast maps names to ids."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ringcheck.settings import Settings, table


def test_defaults_target_the_embedded_server_with_the_reference_client() -> None:
    settings = Settings.from_sources({}, environ={})
    assert (settings.adapter, settings.server, settings.deadline) == ("wire", "embedded", 5.0)


def test_the_sdk_profile_defaults_to_4_2_0_and_comes_from_the_environment() -> None:
    assert Settings.from_sources({}, environ={}).sdk == "js-4.2.0"
    assert Settings.from_sources({}, environ={"RINGCHECK_SDK": "rn-4.0.21"}).sdk == "rn-4.0.21"


def test_an_option_wins_over_the_environment() -> None:
    settings = Settings.from_sources({"server": "http://127.0.0.1:9"}, environ={"RINGCHECK_SERVER": "embedded"})
    assert settings.server == "http://127.0.0.1:9"


def test_the_environment_wins_over_defaults_and_is_converted() -> None:
    settings = Settings.from_sources({}, environ={"RINGCHECK_ADMIN": "true", "RINGCHECK_DEADLINE": "2.5"})
    assert settings.admin is True
    assert settings.deadline == 2.5


def test_the_cast_maps_feature_names_to_ids_and_defaults_to_lower_case() -> None:
    settings = Settings(cast="alex=superhero1, team = group-7")
    assert settings.uid_of("Alex") == "superhero1"
    assert settings.uid_of("team") == "group-7"
    assert settings.uid_of("Bob") == "bob"


def test_the_documented_table_lists_every_setting() -> None:
    text = table()
    for option in ("--ringcheck-adapter", "--ringcheck-server", "RINGCHECK_CAST", "--ringcheck-deadline"):
        assert option in text


def test_the_readme_shows_the_table_as_the_settings_print_it() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert table() in readme, "README.md's configuration table is stale: paste `python -m ringcheck.settings`"


def test_the_cast_can_come_from_a_file(tmp_path: Path) -> None:
    cast = tmp_path / "cast.toml"
    cast.write_text('alex = "cometchat-uid-1"\nteam = "cometchat-guid-1"\n', encoding="utf-8")
    settings = Settings(cast=str(cast))
    assert (settings.uid_of("Alex"), settings.uid_of("team"), settings.uid_of("Bob")) == (
        "cometchat-uid-1",
        "cometchat-guid-1",
        "bob",
    )


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"deadline": "soon"}, "--ringcheck-deadline must be a positive number of seconds, not 'soon'"),
        ({"deadline": "nan"}, "--ringcheck-deadline must be a positive number of seconds"),
        ({"deadline": "inf"}, "--ringcheck-deadline must be a positive number of seconds"),
        ({"deadline": "0"}, "--ringcheck-deadline must be a positive number of seconds"),
        ({"cast": "/nonexistent/cast.toml"}, "--ringcheck-cast /nonexistent/cast.toml"),
        ({"sdk": "js-9"}, "--ringcheck-sdk must be one of js-4.2.0, js-3.0.13, rn-4.0.21, not 'js-9'"),
    ],
)
def test_settings_that_cannot_be_used_are_refused_naming_the_option(options: dict[str, str], complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        Settings.from_sources(options, environ={})


def test_a_cast_file_given_on_pytests_command_line_is_used(tmp_path: Path) -> None:
    """Through pytest's own argument parsing, where a value starting with @ would be a file of arguments.

    Alex is cast as a user the server does not know, so the scenario can only fail if the file
    was read; with him cast as himself it passes.
    """
    root = Path(__file__).resolve().parent.parent
    results = {}
    for uid in ("alex", "nobody-known"):
        cast = tmp_path / f"{uid}.toml"
        cast.write_text(f'alex = "{uid}"\n', encoding="utf-8")
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "steps",
                "-q",
                "-p",
                "no:cacheprovider",
                "-k",
                "nobody_can_call_themselves",
                "--ringcheck-cast",
                str(cast),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        results[uid] = (run.returncode, run.stdout)
    assert results["alex"][0] == 0, results["alex"][1][-2000:]
    assert results["nobody-known"][0] != 0
    assert "nobody-known" in results["nobody-known"][1]
