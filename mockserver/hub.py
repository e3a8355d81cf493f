"""The devices connected over WebSocket, and ordered delivery of frames to them.

Frames reach a device in the order the server decided them, even when several requests deliver
to it at once. ``post`` returns a future that resolves once the frame is written, which lets a
request answer after everyone was told. An event's frame arrives already encoded, once for all
its recipients.

Writing costs one call in the usual case: aiohttp writes a WebSocket frame to the socket at once
unless the socket's buffer is full, so a frame posted to a device with nothing queued or being
written is written right there, in the publisher's own step, and its future is already resolved
when ``post`` returns: no writer task to wake, no second wake-up for the publisher, and no task
parked per connected device (2 % of a flow's instructions and about 1 KiB per idle device,
docs/benchmarks.md). Only a write that has to wait makes a writer task, which finishes it and
then writes whatever was queued behind it, in order, and ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import jsonio
from .calls import AllDevices, Audience

log = logging.getLogger(__name__)

SendText = Callable[[str], Awaitable[None]]
Hangup = Callable[[], Awaitable[object]]
Steps = Generator[Any, None, None]
"""An awaitable's ``__await__()``: what an asyncio Task drives, one ``send`` per step."""


async def _nothing_to_hang_up() -> None:
    return None


def _nothing_to_abort() -> None:
    return None


async def _finish(steps: Steps, waiting: Any) -> None:
    """Drive to its end an awaitable started by hand that suspended on ``waiting``, as a Task would.

    A Task resumes a coroutine with ``send(None)`` once the future it yielded is done, or with
    ``throw(exc)`` if that future failed or the task was cancelled; so does this, so a write that
    began in the publisher's step can go on in a writer task exactly as if it had started there.
    """
    while True:
        try:
            if waiting is None:  # a bare yield (asyncio.sleep(0)): just let the loop run once
                await asyncio.sleep(0)
            else:
                # What a Task does with a future its coroutine yielded: the flag says "I yielded
                # it to be waited for", and awaiting it again with the flag still set is an error.
                waiting._asyncio_future_blocking = False
                await waiting
        except BaseException as exc:  # including our own cancellation: the write sees it where it waits
            try:
                waiting = steps.throw(exc)
            except StopIteration:
                return
        else:
            try:
                waiting = steps.send(None)
            except StopIteration:
                return


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
    """Frames not written yet, in order; the head is the one being written while a writer runs."""
    _writer: asyncio.Task[None] | None = None
    """Runs only while a write waits for the socket; frames posted meanwhile queue behind it."""
    _suspended: Steps | None = None
    """The write that had to wait, until the writer takes it over and finishes it."""
    _closed: bool = False
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False, repr=False)
    """The loop it serves on, looked up once: CPython 3.11's ``get_running_loop()`` makes a
    ``getpid`` system call every time (to notice a fork), one more per frame than aiohttp makes
    per request (strace, docs/benchmarks.md)."""

    def start(self) -> None:
        """Nothing to start: a writer is made only when a write has to wait."""

    def post(self, frame: dict[str, Any] | str) -> asyncio.Future[bool]:
        """Write ``frame`` (a str is a frame already encoded) after everything posted before it;
        the future tells whether it was written, and is already resolved when the socket took it."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        done: asyncio.Future[bool] = loop.create_future()
        if self._closed:
            # Nobody writes to a closed connection (e.g. one replaced by the device's reconnect):
            # a frame posted now is lost, and whoever awaits it must not wait forever.
            done.set_result(False)
            return done
        text = frame if isinstance(frame, str) else jsonio.dumps(frame).decode()
        if self._writer is not None:
            self._outbox.append((text, done))
            return done
        steps = self.send_text(text).__await__()
        try:
            waiting = steps.send(None)
        except StopIteration:
            done.set_result(True)
        except Exception as exc:
            self._lost(exc)
            done.set_result(False)
        else:
            # The socket is full (or the write awaits something else): a writer finishes it.
            self._outbox.append((text, done))
            self._suspended = steps
            self._writer = loop.create_task(self._drain(waiting), name=f"ws-writer:{self.device}")
        return done

    async def _drain(self, waiting: Any) -> None:
        """Finish the suspended write, then write the frames queued behind it, in order; then end."""
        try:
            while self._outbox:
                text, done = self._outbox[0]
                written = False
                try:
                    steps, self._suspended = self._suspended, None
                    if steps is not None:
                        await _finish(steps, waiting)
                    else:
                        await self.send_text(text)
                    written = True
                except Exception as exc:
                    self._lost(exc)
                finally:
                    # Also when cancelled mid-write by close(): the frame's publisher must not hang.
                    if self._outbox and self._outbox[0][1] is done:
                        self._outbox.popleft()
                    if not done.done():
                        done.set_result(written)
        finally:
            self._writer = None

    def _lost(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionError | RuntimeError):
            log.info("could not write to %s/%s: %s", self.uid, self.device, exc)
        else:
            log.exception("unexpected failure writing to %s/%s", self.uid, self.device, exc_info=exc)

    async def close(self) -> None:
        self._closed = True
        writer = self._writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        if self._suspended is not None:  # the writer was cancelled before it took the write over
            self._suspended.close()
            self._suspended = None
        while self._outbox:
            _, done = self._outbox.popleft()
            if not done.done():
                done.set_result(False)


class Recipient(NamedTuple):
    """A connected device an event is for. A tuple: made and compared a few times per event,
    and a frozen dataclass's ``__init__`` and ``__eq__`` run in Python, a tuple's in C."""

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
            connected = self._devices.get(audience.uid)
            if not connected:
                continue
            if isinstance(audience, AllDevices):
                devices: Iterable[str] = connected
            else:
                devices = (audience.device,) if audience.device in connected else ()
            for device in devices:
                if device != origin:
                    recipient = Recipient(audience.uid, device)
                    if recipient not in seen:
                        seen.append(recipient)
        return seen

    def post(self, recipient: Recipient, frame: dict[str, Any] | str) -> asyncio.Future[bool]:
        connection = self._connection(recipient)
        if connection is None:
            lost: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            lost.set_result(False)
            return lost
        return connection.post(frame)

    def connected(self, recipient: Recipient) -> bool:
        return self._connection(recipient) is not None

    def abort(self, recipient: Recipient) -> bool:
        """Kill the device's socket abnormally; False if it is not connected."""
        connection = self._connection(recipient)
        if connection is None:
            return False
        connection.abort()
        return True

    def _connection(self, recipient: Recipient) -> Connection | None:
        return self._devices.get(recipient.uid, {}).get(recipient.device)
