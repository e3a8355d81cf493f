"""Choosing the target from the settings: the built-in adapters, your own adapter, clear refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ringcheck.adapter import Device, EventSink, Implementation
from ringcheck.settings import Settings
from ringcheck.targets import ConfigurationError, Target, build


class OwnImplementation(Implementation):
    """Stands for a QA team's adapter: the suite must get exactly what the factory returned."""

    name = "a team's own implementation"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.closed = False

    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        raise NotImplementedError("not needed to check how the target is chosen")

    def close(self) -> None:
        self.closed = True


def make_own(settings: Settings) -> Implementation:
    return OwnImplementation(settings)


def make_nothing(settings: Settings) -> object:
    return object()


@pytest.fixture
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    built = build(Settings(**request.param))
    try:
        yield built
    finally:
        built.close()


@pytest.mark.parametrize("target", [{"adapter": f"{__name__}:make_own", "api_key": "k"}], indirect=True)
def test_your_own_adapter_is_the_factory_named_and_gets_the_settings(target: Target) -> None:
    implementation = target.implementation
    assert isinstance(implementation, OwnImplementation)
    assert implementation.settings.api_key == "k"
    assert target.server is None, "an own adapter brings its own server; the suite starts none"


@pytest.mark.parametrize("target", [{}], indirect=True)
def test_the_default_is_the_reference_client_on_the_embedded_server(target: Target) -> None:
    assert target.server is not None and target.server.steerable
    assert "reference client" in target.implementation.name
    assert target.implementation.capabilities.reset and target.implementation.capabilities.time_control


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"adapter": "nonsense"}, "is neither a built-in adapter, nor an installed one"),
        ({"adapter": f"{__name__}:make_nothing"}, "not a ringcheck Implementation"),
        ({"server": "ftp://127.0.0.1:21"}, "must be 'embedded' or an http(s) URL"),
    ],
)
def test_settings_that_cannot_work_are_refused_saying_what_to_change(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        build(Settings(**settings))  # type: ignore[arg-type]
