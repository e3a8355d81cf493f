"""Fixtures for the real-SDK adapter: one TLS mock server and one implementation per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ringcheck.background import BackgroundMockServer
from ringcheck.journal import EventLog, shared_counter
from ringcheck.sdk import SdkDevice, SdkImplementation

from .support import SDK_INSTALLED, sdk_target

Opener = Callable[[str, str], tuple[SdkDevice, EventLog]]


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundMockServer]:
    with BackgroundMockServer(tls=True) as background:
        yield background


@pytest.fixture(scope="module")
def impl(server: BackgroundMockServer) -> Iterator[SdkImplementation]:
    if not SDK_INSTALLED:
        pytest.skip("the real SDK is not installed: run `npm ci --prefix sdkbridge`")
    implementation = SdkImplementation(sdk_target(server), advance_server=server.advance)
    yield implementation
    implementation.close()


@pytest.fixture
def open_device(impl: SdkImplementation, server: BackgroundMockServer) -> Iterator[Opener]:
    """Log a user in on a new SDK device with listener "L1"; everything is closed afterwards."""
    counter = shared_counter()

    def opener(uid: str, label: str) -> tuple[SdkDevice, EventLog]:
        log = EventLog(label, counter)
        device = impl.open_device(uid, label, log)
        device.add_call_listener("L1")
        return device, log

    yield opener
    impl.reset()
    server.reset()
