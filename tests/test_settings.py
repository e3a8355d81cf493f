"""Settings come from options, then the environment, then defaults; the cast maps names to ids."""

from __future__ import annotations

from ringcheck.settings import Settings, table


def test_defaults_target_the_embedded_server_with_the_reference_client() -> None:
    settings = Settings.from_sources({}, environ={})
    assert (settings.adapter, settings.server, settings.deadline) == ("wire", "embedded", 5.0)


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
