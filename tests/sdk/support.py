"""Helpers for the real-SDK adapter's tests: the mock server on a thread, and a listener log.

The tests wait for what a device hears with a bounded deadline (:meth:`Ear.wait_for`), and
check what it did *not* hear after ``settle()``; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from mockserver import MockServer, ServerConfig, VirtualClock
from ringcheck.adapter import Callback, CallStatus, ListenerEvent
from ringcheck.sdk import SdkTarget, default_bridge_dir

T = TypeVar("T")

SDK_INSTALLED = (default_bridge_dir() / "node_modules" / "@cometchat" / "chat-sdk-javascript").is_dir()
NODE = shutil.which("node")

requires_sdk = pytest.mark.skipif(
    not (SDK_INSTALLED and NODE),
    reason=(
        "the real SDK is not installed: run `npm ci --prefix sdkbridge` (needs Node 20 on PATH)"
        if NODE
        else "node is not on PATH; the real-SDK adapter needs Node 20"
    ),
)

WAIT = 5.0


class ServerThread:
    """The mock server on its own asyncio loop (virtual clock, steering on), for sync tests."""

    def __init__(self, tls: bool) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="mockserver", daemon=True)
        self._thread.start()
        self.server = MockServer(ServerConfig(admin=True, tls=tls))
        self.run(self.server.start())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def advance(self, seconds: float) -> None:
        clock = self.server.clock
        assert isinstance(clock, VirtualClock)
        self.run(clock.advance(seconds))

    def reset(self) -> None:
        self.run(self.server.reset())

    def target(self, **extra: Any) -> SdkTarget:
        srv = self.server
        ca = None if srv.tls is None else srv.tls.ca_file
        return SdkTarget.for_loopback(srv.client_host, srv.config.app_id, srv.config.api_key, ca, **extra)

    def journal(self) -> list[str]:
        return [f"{e.kind}: {e.summary}" for e in self.server.state.journal.since(0)]

    def close(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


class Ear:
    """Everything one device's listeners heard, thread-safe, with a bounded wait."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.heard: list[ListenerEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: ListenerEvent) -> None:
        with self._cond:
            self.heard.append(event)
            self._cond.notify_all()

    def wait_for(
        self,
        callback: Callback,
        status: CallStatus | None = None,
        listener_id: str | None = None,
        timeout: float = WAIT,
    ) -> ListenerEvent:
        def match() -> ListenerEvent | None:
            for event in self.heard:
                if (
                    event.callback == callback
                    and (status is None or event.call.status == status)
                    and (listener_id is None or event.listener_id == listener_id)
                ):
                    return event
            return None

        with self._cond:
            found = self._cond.wait_for(match, timeout)
        if found is None:
            raise AssertionError(
                f"{self.label}: wanted {callback} ({status or 'any status'}) within {timeout:g} s, "
                f"heard {self.summary()}"
            )
        return found

    def summary(self) -> list[str]:
        with self._cond:
            return [f"{e.listener_id}:{e.callback}({e.call.status})" for e in self.heard]

    def clear(self) -> None:
        with self._cond:
            self.heard.clear()
