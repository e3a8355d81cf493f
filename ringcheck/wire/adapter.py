"""The default adapter: ringcheck's reference client driving any server of the wire protocol.

Synchronous on the outside (the :mod:`ringcheck.adapter` contract), asynchronous inside: every
device lives on one background loop, where its WebSocket keeps reading between steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import aiohttp

from mockserver.clock import VirtualClock

from ..adapter import CallInfo, CallStatus, CallType, Capabilities, Device, EventSink, Implementation, ReceiverType
from ..loopthread import LoopThread
from ..servers import ServerHandle
from .device import WireDevice
from .session import RECONNECT_SECONDS, ProtocolError

T = TypeVar("T")
OPERATION_DEADLINE = 10.0
QUIET_SECONDS = 2.0
"""Longest wait, in real seconds, for one device's pong between two rounds of lockstep time."""


class WireImplementation(Implementation):
    name = "ringcheck reference client (wire protocol v3.0)"

    def __init__(self, loop: LoopThread, server: ServerHandle) -> None:
        self._loop = loop
        self.server = server
        # Embedded: one clock for the server and every client. Remote: the clients' own.
        self.clock = server.shares_clock or VirtualClock()
        self.capabilities = Capabilities(
            time_control=True,
            devices_per_user=8,
            group_calls=True,
            sign_out=True,
            status_updates=True,
            reconnects=True,
        )
        self._http: aiohttp.ClientSession | None = None
        self._devices: list[SyncWireDevice] = []
        self._requests: list[str] = []
        """What the devices sent and got back, for a server that keeps no journal of its own."""
        self._lock = threading.Lock()

    def _run(self, coro: Coroutine[Any, Any, T], what: str) -> T:
        return self._loop.run(coro, OPERATION_DEADLINE, what)

    def _record(self, line: str) -> None:
        with self._lock:
            self._requests.append(line)

    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        async def login() -> WireDevice:
            if self._http is None:
                self._http = aiohttp.ClientSession()
            device = WireDevice(
                self.server.endpoint,
                uid,
                self._http,
                self.clock,
                on_event,
                lambda line: self._record(f"{label}: {line}"),
            )
            await device.session.login()
            return device

        device = SyncWireDevice(self, self._run(login(), f"logging {label} in"), label)
        self._devices.append(device)
        return device

    def advance_time(self, seconds: float) -> None:
        async def advance() -> None:
            if self.clock is self.server.shares_clock:
                await self.clock.advance(seconds)
                return
            # Two clocks (a server elsewhere): move them together, in rounds that end where the
            # next client timer falls due. The server goes first in each round, and its frames
            # reach every device before the client's timer fires: each side's timers then fire
            # in the order they fall due (a reconnect tried at 5 s meets the server as it is at
            # 5 s, refusing or not), and time moves in as few rounds as there are client timers.
            remaining = seconds
            while True:
                pending = self.clock.pending
                step = remaining if not pending else min(remaining, max(0.0, pending[0].due - self.clock.now()))
                if step > 0:
                    await self.server.advance(step)
                    for device in list(self._devices):
                        await device.quiet()
                await self.clock.advance(step)  # fires the client timer the round ends on
                remaining -= step
                if remaining <= 0:
                    return

        self._run(advance(), f"advancing time by {seconds:g} s")

    def reset(self) -> None:
        for device in self._devices:
            device.close()
        self._devices.clear()
        with self._lock:
            self._requests.clear()

    def transcript(self) -> Sequence[str]:
        if self.server.steerable:
            return ()  # the server's journal says it all, and better
        with self._lock:
            return list(self._requests)

    def describe(self) -> dict[str, str]:
        return {"implementation": self.name}

    def close(self) -> None:
        for device in self._devices:
            device.close()
        if self._http is not None:
            self._run(self._http.close(), "closing the HTTP client")


class SyncWireDevice(Device):
    def __init__(self, owner: WireImplementation, device: WireDevice, label: str) -> None:
        self._owner = owner
        self._device = device
        self.uid = device.uid
        self.wire_id = device.session.device_id
        self.label = label
        self.reconnect_interval = RECONNECT_SECONDS
        self._closed = False

    def _run(self, coro: Coroutine[Any, Any, T], what: str) -> T:
        return self._owner._run(coro, f"{self.label}: {what}")

    def initiate_call(
        self, receiver_id: str, receiver_type: ReceiverType, call_type: CallType, timeout: float | None = None
    ) -> CallInfo:
        return self._run(self._device.initiate_call(receiver_id, receiver_type, call_type, timeout), "initiateCall")

    def accept_call(self, session_id: str) -> CallInfo:
        return self._run(self._device.accept_call(session_id), "acceptCall")

    def reject_call(self, session_id: str, status: CallStatus) -> CallInfo:
        return self._run(self._device.reject_call(session_id, status), f"rejectCall({status})")

    def end_call(self, session_id: str) -> CallInfo | None:
        return self._run(self._device.end_call(session_id), "endCall")

    def send_status(self, session_id: str, status: str) -> CallInfo:
        return self._run(self._device.send_status(session_id, status), f"sending status {status!r}")

    def sign_out(self) -> None:
        self._run(self._device.sign_out(), "logout")

    def _on_loop(self, action: Callable[[], T], what: str) -> T:
        """Local operations too run on the loop, where the device's frames change its state."""

        async def call() -> T:
            return action()

        return self._run(call(), what)

    def get_active_call(self) -> CallInfo | None:
        return self._on_loop(self._device.get_active_call, "getActiveCall")

    def clear_active_call(self) -> None:
        self._on_loop(self._device.clear_active_call, "clearActiveCall")

    def add_call_listener(self, listener_id: str) -> None:
        self._on_loop(lambda: self._device.add_call_listener(listener_id), "addCallListener")

    def remove_call_listener(self, listener_id: str) -> None:
        self._on_loop(lambda: self._device.remove_call_listener(listener_id), "removeCallListener")

    def settle(self) -> None:
        self._run(self._device.session.barrier(), "waiting for the server's frames to arrive")

    async def quiet(self) -> None:
        """On the loop: return once the frames the server sent this device so far have been
        handled, if it is connected (an offline device hears nothing anyway). Bounded: a server
        that ignores pings holds a round back by :data:`QUIET_SECONDS` at most."""
        session = self._device.session
        if self._closed or not session.connected:
            return
        with contextlib.suppress(TimeoutError, ProtocolError, aiohttp.ClientError, ConnectionError):
            await asyncio.wait_for(session.barrier(), QUIET_SECONDS)

    def wait_online(self, online: bool, timeout: float) -> bool:
        async def wait() -> bool:
            try:
                await asyncio.wait_for(self._device.session.wait_online(online), timeout)
            except TimeoutError:
                return False
            return True

        # The loop thread's own deadline comes after the wait's, so the caller hears False and
        # says what it waited for, not that an operation ran out of time.
        what = f"waiting for the connection to be {'open' if online else 'closed'}"
        return self._owner._loop.run(wait(), timeout + OPERATION_DEADLINE, f"{self.label}: {what}")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._run(self._device.close(), "closing")
