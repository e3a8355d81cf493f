"""The ringcheck adapter for the real CometChat SDKs, one Node process per device.

Each :class:`SdkDevice` is an unmodified CometChat chat SDK instance (the package of an
:class:`~ringcheck.sdk.profiles.SdkProfile`: JavaScript 4.2.0 by default, JavaScript 3.0.13 or
React Native 4.0.21) in its own Node 20 process (``sdkbridge/device.js``), so the suite checks
what the SDK really does on the wire and in its listeners, including its client-side rules (one
call at a time, the caller's no-answer timer) and its quirks. Operations map one-to-one onto SDK
calls; listener callbacks come back as :class:`~ringcheck.adapter.ListenerEvent`;
``CometChatException`` becomes :class:`~ringcheck.adapter.Refused` with the SDK's code.

Time: every device's SDK runs on its own fake clock (``sdkbridge/sdkclock.js``), so
:meth:`SdkImplementation.advance_time` fires a 45 s no-answer timeout in milliseconds. The clocks
move in lockstep, in steps short enough that the SDK's heartbeat (ping every 15 s, pong due
within 3 s) is always answered before its clock could call the pong late.

Start-up: processes are started ahead of need (a small warm pool), so Node's boot and the SDK's
initialisation overlap with the scenario that runs meanwhile; a device then only has to log in.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..adapter import (
    Capabilities,
    EventSink,
    Implementation,
    Refused,
)
from .bridge import BridgeError, NodeBridge, PendingRequest, ReadyInfo
from .operations import SdkOperations, listener_event
from .profiles import DEFAULT_PROFILE, PROFILES, SdkProfile
from .target import SdkTarget

log = logging.getLogger(__name__)

STEP_SECONDS = 2.0
"""Largest move of the SDK clocks per round. Below the SDK's 3 s pong deadline, so a ping sent
during one round is answered (in real time) before the next round starts."""

TRANSCRIPT_LIMIT = 5000

AdvanceHook = Callable[[float], None]


class MissingBridge(RuntimeError):
    """``sdkbridge/node_modules`` is absent: the SDK has not been installed."""


class SdkDevice(SdkOperations):
    """One logged-in SDK instance (one Node process)."""

    def __init__(self, owner: SdkImplementation, bridge: NodeBridge, uid: str, label: str, on_event: EventSink) -> None:
        self.uid = uid
        self.label = label
        self.bridge = bridge
        self.session_id: str | None = None
        """The SDK's session id: the ``resource`` header and WebSocket ``deviceId`` the server sees."""
        self.connection = "unknown"
        """The SDK's connection state as its ConnectionListener last reported it."""
        self._connection_changed = threading.Condition()
        self._owner = owner
        self._on_event = on_event
        self._closed = False
        self._signed_out = False
        bridge.set_event_handler(self._handle_event, label)

    def __repr__(self) -> str:
        return f"<SdkDevice {self.label} ({self.uid}, pid {self.bridge.pid})>"

    # ---- plumbing ---------------------------------------------------------------------

    def _run(self, op: str, args: Mapping[str, Any], what: str, timeout: float | None = None) -> Any:
        if self._closed:
            raise BridgeError(f"{self.label}: {what} after the device was closed")
        deadline = self._owner.target.request_timeout if timeout is None else timeout
        answer = self.bridge.wait_answer(self.bridge.send_nowait(op, args, what), deadline)
        if answer.hidden_refusals and self._owner.surface_hidden_refusals:
            first = answer.hidden_refusals[0]
            raise Refused(
                first.code,
                f"{first.message} (the server refused {first.request}; SDK {what} resolved anyway)",
            )
        return answer.result

    def _handle_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "call":
            listened = listener_event(event, self.label, self._owner.record)
            if listened is not None:
                self._on_event(listened)
        elif kind == "connection":
            with self._connection_changed:
                self.connection = str(event.get("state"))
                self._connection_changed.notify_all()
            if self.connection == "disconnected":
                self._owner.record(f"{self.label}: the SDK reports its WebSocket disconnected")
        elif kind == "trace":
            self._owner.record(f"{self.label}: {event.get('kind')} {json.dumps(event.get('data'))}")
        elif kind in ("unhandledRejection", "uncaughtException", "note", "fatal"):
            self._owner.record(f"{self.label}: {kind}: {event.get('message')}")

    def login(self) -> None:
        result = self._run(
            "login",
            {"uid": self.uid, "authKey": self._owner.target.auth_key},
            f"login({self.uid})",
            timeout=self._owner.target.login_timeout,
        )
        self.session_id = str(result.get("sessionId"))
        self.wire_id = self.session_id
        self.connection = str(result.get("connection"))

    # ---- the adapter contract ---------------------------------------------------------

    def _check_initiate(self, timeout: float | None, what: str) -> None:
        profile = self._owner.profile
        if timeout is not None and not profile.call_timeout:
            raise BridgeError(f"{self.label}: {what}: {profile.title}'s initiateCall takes no timeout")

    def _check_clear_active_call(self) -> None:
        profile = self._owner.profile
        if not profile.clear_active_call:
            raise BridgeError(f"{self.label}: clearActiveCall(): {profile.title} has no CometChat.clearActiveCall")

    def sign_out(self) -> None:
        """``CometChat.logout()``: the SDK closes its socket, so nothing more can arrive here."""
        self._run("logout", {}, "logout()")
        self._signed_out = True

    def settle(self) -> None:
        """Ping on the SDK's own socket and wait for the pong; the server answers in order.
        Signed out, the SDK has no socket and nothing can arrive. With its socket dropped and
        not yet back, the bridge fails (tests/sdk: no vacuous pass; docs/reconnect.md)."""
        if not self._signed_out:
            self._run("settle", {}, "settle()")

    def wait_online(self, online: bool, timeout: float) -> bool:
        """The SDK says "connected" as its socket opens, before the server answered its auth
        frame; settling then waits for that answer too (the bridge counts a socket whose auth
        is unanswered as work in flight), so the server knows the device when this returns."""
        if not online:
            return self.wait_for_connection("disconnected", timeout)
        if not self.wait_for_connection("connected", timeout):
            return False
        self.settle()
        return True

    def wait_for_connection(self, state: str, timeout: float) -> bool:
        """Wait (bounded) until the SDK reports ``state`` (connected, connecting, disconnected)."""
        with self._connection_changed:
            return self._connection_changed.wait_for(lambda: self.connection == state, timeout)

    def status(self) -> dict[str, Any]:
        """Diagnostics from the process: connection, active call, SDK clock, work in flight."""
        result: dict[str, Any] = self._run("status", {}, "status()")
        return result

    def advance_nowait(self, seconds: float) -> PendingRequest:
        return self.bridge.send_nowait("advance", {"ms": round(seconds * 1000)}, f"advance_time({seconds:g} s)")

    def close(self) -> None:
        """Log out (the server sees the socket close), then end the process."""
        if self._closed:
            return
        try:
            if self.bridge.alive and not self._signed_out:
                self._run("logout", {}, "logout()")
        except Exception as exc:  # closing must go on; the failure is still reported
            self._owner.record(f"{self.label}: logout failed: {exc}")
        finally:
            self._closed = True
            self.bridge.set_event_handler(None)
            self.bridge.close(wait=False)
            self._owner.forget(self)


class _WarmPool:
    """Device processes started ahead of need, SDK loaded and initialised, not yet logged in."""

    def __init__(self, start: Callable[[], NodeBridge], size: int) -> None:
        self._start = start
        self._size = size
        self._idle: collections.deque[NodeBridge] = collections.deque()
        self._lock = threading.Lock()

    def take(self) -> NodeBridge:
        """A started process; the caller calls :meth:`refill` once it has used it (after login),
        so that starting the replacement does not compete with that login for the CPU."""
        with self._lock:
            while self._idle:
                bridge = self._idle.popleft()
                if bridge.alive:
                    return bridge
                bridge.close()
            return self._start()

    def refill(self) -> None:
        with self._lock:
            while len(self._idle) < self._size:
                self._idle.append(self._start())

    def close(self) -> None:
        with self._lock:
            idle, self._idle = list(self._idle), collections.deque()
        for bridge in idle:
            bridge.close()


class SdkImplementation(Implementation):
    """Runs every device through a real CometChat SDK in Node (the profile says which)."""

    def __init__(
        self,
        target: SdkTarget,
        *,
        profile: SdkProfile | None = None,
        advance_server: AdvanceHook | None = None,
        warm_processes: int = 2,
        devices_per_user: int = 4,
        notes: Mapping[str, str] | None = None,
        surface_hidden_refusals: bool = False,
    ) -> None:
        self.target = target
        self._advance_server = advance_server
        self.surface_hidden_refusals = surface_hidden_refusals
        """SDK 4.2.0's ``endCall`` resolves (with its local Call marked ended) when the server
        refuses the PUT. False reports what the app sees (success, plus a transcript note);
        True raises :class:`Refused` with the server's code, i.e. what happened on the wire."""
        self.profile = PROFILES[DEFAULT_PROFILE] if profile is None else profile
        self.name = f"CometChat {self.profile.title} (Node)"
        bridge_dir = target.bridge
        if not (bridge_dir / "node_modules" / self.profile.package).is_dir():
            raise MissingBridge(
                f"{bridge_dir / 'node_modules'} has no {self.profile.package}: run `npm ci --prefix {bridge_dir}` first"
            )
        self.capabilities = Capabilities(
            time_control=advance_server is not None or target.is_loopback,
            devices_per_user=devices_per_user,
            group_calls=True,
            reset=False,
            sign_out=True,
            reconnects=True,
            notes=dict(notes or {}),
            not_offered=dict(self.profile.not_offered),
        )
        self._devices: list[SdkDevice] = []
        self._lock = threading.Lock()
        self._transcript: collections.deque[str] = collections.deque(maxlen=TRANSCRIPT_LIMIT)
        self._spawned = 0
        self.last_ready: ReadyInfo | None = None
        self._warm = warm_processes
        self._pool = _WarmPool(self._spawn, warm_processes)
        self._pool.refill()

    def _spawn(self) -> NodeBridge:
        self._spawned += 1
        return NodeBridge(
            f"SDK process #{self._spawned}",
            self.target.bridge,
            {**self.target.device_config(), "sdkPackage": self.profile.package, "standIns": self.profile.stand_ins},
            node=self.target.node,
            env=self.target.device_env(),
        )

    # ---- bookkeeping used by devices --------------------------------------------------

    def record(self, line: str) -> None:
        self._transcript.append(line)

    def forget(self, device: SdkDevice) -> None:
        with self._lock:
            if device in self._devices:
                self._devices.remove(device)

    @property
    def devices(self) -> Sequence[SdkDevice]:
        with self._lock:
            return tuple(self._devices)

    # ---- the adapter contract ---------------------------------------------------------

    def open_device(self, uid: str, label: str, on_event: EventSink) -> SdkDevice:
        bridge = self._pool.take()
        try:
            self.last_ready = bridge.wait_ready(self.target.login_timeout)
            if self.last_ready.sdk_version != self.profile.version:
                raise MissingBridge(
                    f"profile {self.profile.name} wants {self.profile.package} {self.profile.version}, but the "
                    f"device loaded {self.last_ready.sdk_version} ({self.last_ready.sdk_file}): "
                    f"run `npm ci --prefix {self.target.bridge}`"
                )
            device = SdkDevice(self, bridge, uid, label, on_event)
            device.login()
        except BaseException:
            bridge.close()
            raise
        finally:
            self._pool.refill()
        with self._lock:
            self._devices.append(device)
        return device

    def advance_time(self, seconds: float) -> None:
        """Move the server's clock (if hooked) and every device's SDK clock, in lockstep rounds."""
        if seconds < 0 or math.isnan(seconds):
            raise ValueError(f"time only moves forward; got {seconds}")
        remaining = float(seconds)
        while remaining > 1e-9:
            step = min(STEP_SECONDS, remaining)
            if self._advance_server is not None:
                self._advance_server(step)
            # A device whose process died fails here, naming itself, rather than being skipped.
            pending = [(d, d.advance_nowait(step)) for d in self.devices]
            for device, request in pending:
                # Each round may have to wait for a pong and for a timer's REST request.
                device.bridge.wait(request, self.target.request_timeout)
            remaining -= step

    def reset(self) -> None:
        for device in self.devices:
            device.close()
        self._transcript.clear()

    def transcript(self) -> Sequence[str]:
        return list(self._transcript)

    def describe(self) -> dict[str, str]:
        facts = {
            "implementation": self.name,
            "target": self.target.describe(),
            "process model": f"one Node process per device (the SDK is a singleton), {self._warm} kept warm",
            "time control": "fake SDK timers (@sinonjs/fake-timers), lockstep with the server",
            "sdk processes started": str(self._spawned),
            "sdk profile": self.profile.name,
        }
        if self.profile.stand_ins is not None:
            facts["stand-ins"] = f"sdkbridge/standins/{self.profile.stand_ins}.js"
        if self.last_ready is not None:
            facts["sdk"] = f"{self.profile.package} {self.last_ready.sdk_version}"
            facts["node"] = self.last_ready.node
        return facts

    def close(self) -> None:
        for device in self.devices:
            device.close()
        self._pool.close()
