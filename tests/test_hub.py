"""Delivery (mockserver.hub): who an Outcome's audiences reach, and the per-device outbox.

A request answers only after every frame it caused was written (or known lost), so an outbox
future that never resolves would hang that request forever; these tests pin each way a frame
can end: written, failed, dropped on close, posted after close.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from mockserver.calls import AllDevices, OneDevice
from mockserver.hub import Connection, Hub, Recipient

from .support import DEADLINE

pytestmark = pytest.mark.asyncio


class Wire:
    """A fake socket: records what was written; can be made to block or to fail."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.fail_next = False

    async def send_text(self, text: str) -> None:
        self.entered.set()
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise ConnectionResetError("peer went away")
        self.written.append(text)


def connected(hub: Hub, uid: str, device: str) -> tuple[Connection, Wire]:
    wire = Wire()
    connection = Connection(uid, device, wire.send_text)
    assert hub.attach(connection) is None
    return connection, wire


async def test_frames_are_written_in_the_order_posted() -> None:
    """Each device sees events in the order the server decided them."""
    connection, wire = connected(Hub(), "bob", "bob-1")
    results = await asyncio.wait_for(asyncio.gather(*(connection.post({"n": n}) for n in range(20))), DEADLINE)
    assert results == [True] * 20
    assert [json.loads(text) for text in wire.written] == [{"n": n} for n in range(20)]
    await connection.close()


async def test_a_frame_the_socket_takes_at_once_is_written_before_post_returns() -> None:
    """The usual case: nothing queued, the write does not wait, so the frame is already written
    and its future resolved when ``post`` returns (no writer task in between)."""
    connection, wire = connected(Hub(), "bob", "bob-1")
    done = connection.post({"n": 1})
    assert done.done() and done.result() is True
    assert [json.loads(text) for text in wire.written] == [{"n": 1}]
    await connection.close()


async def test_frames_posted_while_a_write_waits_follow_it_in_order() -> None:
    """A write that has to wait (a full socket) holds every later frame behind it, then all go
    in order, and the next frame after that is written at once again."""
    connection, wire = connected(Hub(), "bob", "bob-1")
    wire.release.clear()
    waiting = [connection.post({"n": n}) for n in range(5)]
    assert not any(done.done() for done in waiting), "nothing can be written while the first write waits"
    assert wire.written == []
    wire.release.set()
    assert await asyncio.wait_for(asyncio.gather(*waiting), DEADLINE) == [True] * 5
    assert [json.loads(text) for text in wire.written] == [{"n": n} for n in range(5)]
    later = connection.post({"n": 5})
    assert later.done() and later.result() is True
    assert json.loads(wire.written[-1]) == {"n": 5}
    await connection.close()


async def test_a_waiting_write_that_fails_resolves_false_and_the_queue_still_goes() -> None:
    """A write that waited and then failed must not hang its publisher nor those queued behind it."""
    connection, wire = connected(Hub(), "bob", "bob-1")
    wire.release.clear()
    wire.fail_next = True
    first, second = connection.post({"n": 1}), connection.post({"n": 2})
    wire.release.set()
    assert list(await asyncio.wait_for(asyncio.gather(first, second), DEADLINE)) == [False, True]
    assert [json.loads(text) for text in wire.written] == [{"n": 2}]
    await connection.close()


async def test_a_failed_write_resolves_false_and_the_next_frame_still_goes() -> None:
    """One broken write must neither hang its publisher nor stop the writer."""
    connection, wire = connected(Hub(), "bob", "bob-1")
    wire.fail_next = True
    assert await asyncio.wait_for(connection.post({"n": 1}), DEADLINE) is False
    assert await asyncio.wait_for(connection.post({"n": 2}), DEADLINE) is True
    assert [json.loads(text) for text in wire.written] == [{"n": 2}]
    await connection.close()


async def test_closing_mid_write_resolves_the_frame_being_written() -> None:
    """A device that goes away while a frame is being written must not leave its publisher waiting."""
    connection, wire = connected(Hub(), "bob", "bob-1")
    wire.release.clear()
    writing = connection.post({"n": 1})
    queued = connection.post({"n": 2})
    await asyncio.wait_for(wire.entered.wait(), DEADLINE)
    await connection.close()
    assert writing.done() and writing.result() is False
    assert queued.done() and queued.result() is False


async def test_a_frame_posted_after_close_is_lost_at_once() -> None:
    """Nobody drains a closed outbox (a connection replaced by a reconnect): resolve, don't hang."""
    connection, wire = connected(Hub(), "bob", "bob-1")
    await connection.close()
    lost = connection.post({"action": "pong"})
    assert lost.done() and lost.result() is False
    assert wire.written == []


async def test_resolve_expands_audiences_to_connected_devices_less_the_origin_each_once() -> None:
    """AllDevices reaches every connected device of the user; OneDevice only that one, if connected;
    the origin device is left out; a device named twice is told once."""
    hub = Hub()
    connections = [
        connected(hub, uid, device)[0]
        for uid, device in [("alex", "alex-1"), ("alex", "alex-2"), ("bob", "bob-1"), ("bob", "bob-2")]
    ]
    audiences = (
        OneDevice("alex", "alex-1"),
        AllDevices("bob"),
        OneDevice("bob", "bob-2"),
        OneDevice("carol", "carol-1"),
        AllDevices("dave"),
    )
    assert hub.resolve(audiences, origin="bob-1") == [Recipient("alex", "alex-1"), Recipient("bob", "bob-2")]
    assert hub.resolve(audiences, origin=None) == [
        Recipient("alex", "alex-1"),
        Recipient("bob", "bob-1"),
        Recipient("bob", "bob-2"),
    ]
    for connection in connections:
        await connection.close()


async def test_attach_replaces_a_reconnecting_device_and_detach_keeps_the_newer_one() -> None:
    """The old connection of a device is handed back to be closed; its late detach must not
    disconnect the new one."""
    hub = Hub()
    old, _ = connected(hub, "bob", "bob-1")
    new = Connection("bob", "bob-1", Wire().send_text)
    assert hub.attach(new) is old
    hub.detach(old)
    assert hub.connections() == [new]
    hub.detach(new)
    assert hub.connections() == []
    await old.close()
    await new.close()


async def test_posting_to_someone_not_connected_is_lost_not_pending() -> None:
    """A device that disconnected between resolve and post: the frame is lost at once."""
    lost = Hub().post(Recipient("bob", "bob-1"), {"n": 1})
    assert lost.done() and lost.result() is False
