"""The devices connected over WebSocket, and ordered delivery of frames to them.

Each connection has its own outbox drained by one writer task, so frames reach a device in the
order the server decided them, even when several requests deliver to it at once. ``deliver``
returns only once the frames are written, which lets a request answer after everyone was told.
An event's frame arrives already encoded, once for all its recipients.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from . import jsonio
from .calls import AllDevices, Audience

log = logging.getLogger(__name__)

SendText = Callable[[str], Awaitable[None]]
Hangup = Callable[[], Awaitable[object]]


async def _nothing_to_hang_up() -> None:
    return None


def _nothing_to_abort() -> None:
    return None


@dataclass(eq=False)
class Connection:
    uid: str
    device: str
    send_text: SendText
    hang_up: Hangup = _nothing_to_hang_up
    """Close the underlying socket, for a connection replaced by the device's newer one."""
    abort: Callable[[], None] = _nothing_to_abort
    """Drop the socket without a close frame, as a network failure would (a fault rule)."""
    _outbox: deque[tuple[str, asyncio.Future[bool]]] = field(default_factory=deque)
    """Frames waiting for the writer: a deque and one wake-up future rather than an
    asyncio.Queue, whose bookkeeping cost more per frame than writing it."""
    _wake: asyncio.Future[None] | None = None
    _writer: asyncio.Task[None] | None = None
    _closed: bool = False

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._drain(), name=f"ws-writer:{self.device}")

    def post(self, frame: dict[str, Any] | str) -> asyncio.Future[bool]:
        """Queue ``frame`` (a str is a frame already encoded); the future tells whether it was written."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self._closed:
            # Nobody drains a closed outbox (e.g. a connection replaced by the device's reconnect):
            # a frame posted now is lost, and whoever awaits it must not wait forever.
            done.set_result(False)
            return done
        self._outbox.append((frame if isinstance(frame, str) else jsonio.dumps(frame).decode(), done))
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)
        return done

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._outbox:
                self._wake = loop.create_future()
                await self._wake
            text, done = self._outbox.popleft()
            written = False
            try:
                await self.send_text(text)
                written = True
            except (ConnectionError, RuntimeError) as exc:
                log.info("could not write to %s/%s: %s", self.uid, self.device, exc)
            finally:
                # Also when cancelled mid-write by close(): the frame's publisher must not hang.
                if not done.done():
                    done.set_result(written)

    async def close(self) -> None:
        self._closed = True
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        while self._outbox:
            _, done = self._outbox.popleft()
            if not done.done():
                done.set_result(False)


@dataclass(frozen=True)
class Recipient:
    uid: str
    device: str


MAX_AWAY_DEVICES = 16
"""Recently disconnected devices remembered per user (the oldest is forgotten first)."""
MAX_MISSED_CALLS = 100
"""Calls remembered per away device (the oldest is forgotten first)."""


class Hub:
    def __init__(self, remember_away: bool = False) -> None:
        self._devices: dict[str, dict[str, Connection]] = {}
        self.remember_away = remember_away
        """Keep, per recently disconnected device, the calls it missed (``--on-reconnect current-state``)."""
        self._away: dict[str, dict[str, dict[str, str | None]]] = {}
        """uid -> device -> session id -> the device whose request caused the latest missed event."""

    def went_away(self, connection: Connection) -> None:
        """The device disconnected (not replaced): from now on it misses what its user is told."""
        if not self.remember_away:
            return
        away = self._away.setdefault(connection.uid, {})
        away.pop(connection.device, None)
        away[connection.device] = {}
        while len(away) > MAX_AWAY_DEVICES:
            del away[next(iter(away))]

    def note_missed(self, audiences: tuple[Audience, ...], origin: str | None, session_id: str) -> None:
        """An event the audiences' away devices did not get: remember its call for their return."""
        for audience in audiences:
            away = self._away.get(audience.uid)
            if not away:
                continue
            devices = list(away) if isinstance(audience, AllDevices) else [audience.device]
            for device in devices:
                missed = away.get(device)
                if missed is None or device == origin or self._connection(Recipient(audience.uid, device)):
                    continue
                missed.pop(session_id, None)
                missed[session_id] = origin
                while len(missed) > MAX_MISSED_CALLS:
                    del missed[next(iter(missed))]

    def came_back(self, uid: str, device: str) -> dict[str, str | None]:
        """The calls the device missed while away (each once, oldest first); it is away no longer."""
        return self._away.get(uid, {}).pop(device, None) or {}

    def forget_away(self) -> None:
        self._away.clear()

    def attach(self, connection: Connection) -> Connection | None:
        """Register ``connection``; return the one it replaces (a device that reconnected)."""
        devices = self._devices.setdefault(connection.uid, {})
        previous = devices.get(connection.device)
        devices[connection.device] = connection
        connection.start()
        return previous

    def detach(self, connection: Connection) -> bool:
        """Forget ``connection``; False if it was no longer the device's (a newer one replaced it)."""
        devices = self._devices.get(connection.uid, {})
        if devices.get(connection.device) is connection:
            del devices[connection.device]
            return True
        return False

    def devices_of(self, uid: str) -> list[str]:
        return list(self._devices.get(uid, {}))

    def connections(self) -> list[Connection]:
        return [c for devices in self._devices.values() for c in devices.values()]

    def resolve(self, audiences: tuple[Audience, ...], origin: str | None) -> list[Recipient]:
        """Connected devices that the audiences name, without ``origin``, each once, in order."""
        seen: list[Recipient] = []
        for audience in audiences:
            if isinstance(audience, AllDevices):
                candidates = [Recipient(audience.uid, d) for d in self.devices_of(audience.uid)]
            else:
                candidates = [Recipient(audience.uid, audience.device)]
            for recipient in candidates:
                if recipient.device != origin and recipient not in seen and self._connection(recipient):
                    seen.append(recipient)
        return seen

    def post(self, recipient: Recipient, frame: dict[str, Any] | str) -> asyncio.Future[bool]:
        connection = self._connection(recipient)
        if connection is None:
            lost: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            lost.set_result(False)
            return lost
        return connection.post(frame)

    def abort(self, recipient: Recipient) -> bool:
        """Kill the device's socket abnormally; False if it is not connected."""
        connection = self._connection(recipient)
        if connection is None:
            return False
        connection.abort()
        return True

    def _connection(self, recipient: Recipient) -> Connection | None:
        return self._devices.get(recipient.uid, {}).get(recipient.device)
