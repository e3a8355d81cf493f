"""Fixtures for the real-SDK adapter: one TLS mock server and one implementation per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ringcheck.sdk import SdkDevice, SdkImplementation

from .support import SDK_INSTALLED, Ear, ServerThread

Opener = Callable[[str, str], tuple[SdkDevice, Ear]]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = ServerThread(tls=True)
    yield thread
    thread.close()


@pytest.fixture(scope="module")
def impl(server: ServerThread) -> Iterator[SdkImplementation]:
    if not SDK_INSTALLED:
        pytest.skip("the real SDK is not installed: run `npm ci --prefix sdkbridge`")
    implementation = SdkImplementation(server.target(), advance_server=server.advance)
    yield implementation
    implementation.close()


@pytest.fixture
def open_device(impl: SdkImplementation, server: ServerThread) -> Iterator[Opener]:
    """Log a user in on a new SDK device with listener "L1"; everything is closed afterwards."""

    def opener(uid: str, label: str) -> tuple[SdkDevice, Ear]:
        ear = Ear(label)
        device = impl.open_device(uid, label, ear)
        device.add_call_listener("L1")
        return device, ear

    yield opener
    impl.reset()
    server.reset()
