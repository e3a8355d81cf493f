"""The WebSocket channel (SPEC section 6) with real aiohttp client sockets on 127.0.0.1.

What the SDK depends on: the exact auth reply, ``deviceId`` on every event naming the device whose
request caused it, never being sent its own event, pongs it can use as a heartbeat, and one bad
client never disturbing another. "Nothing else arrived" is checked with the pong barrier
(:meth:`Socket.settle`), which the last test shows really is one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from mockserver.hub import Connection
from mockserver.ws import CLOSE_REPLACED

from .support import CLOSED, DEADLINE, Api

pytestmark = pytest.mark.asyncio

AUTH_OK = {"type": "auth", "body": {"code": "200", "status": "OK"}}


def auth_frame(uid: str, device: str, jwt: str) -> dict[str, Any]:
    return {"appId": "ringcheck", "type": "auth", "sender": uid, "deviceId": device, "body": {"auth": jwt}}


async def raw_socket(api: Api) -> aiohttp.ClientWebSocketResponse:
    return await api.http.ws_connect(api.server.ws_url)


async def test_auth_ok_reply_is_exactly_what_the_sdk_compares(api: Api) -> None:
    """The SDK checks ``body.code == "200"`` as a string; anything more or different is a risk."""
    bob = await api.login("bob", "bob-1")
    async with await raw_socket(api) as ws:
        await ws.send_json(auth_frame("bob", "bob-1", bob.jwt))
        reply = await ws.receive_json(timeout=DEADLINE)
        assert reply == AUTH_OK
        assert isinstance(reply["body"]["code"], str)


async def test_the_device_id_may_come_in_the_body(api: Api) -> None:
    """Some SDK builds put deviceId only inside body; the server accepts either place."""
    bob = await api.login("bob", "bob-1")
    async with await raw_socket(api) as ws:
        await ws.send_json({"type": "auth", "sender": "bob", "body": {"auth": bob.jwt, "deviceId": "bob-1"}})
        assert await ws.receive_json(timeout=DEADLINE) == AUTH_OK
        assert api.server.state.hub.devices_of("bob") == ["bob-1"]


BAD_AUTH: dict[str, Callable[[str], dict[str, Any]]] = {
    "forged jwt": lambda jwt: auth_frame("carol", "carol-1", "jwt.carol.forged"),
    "another user's jwt shape": lambda jwt: auth_frame("carol", "carol-1", jwt.replace("carol", "bob")),
    "no jwt": lambda jwt: {"type": "auth", "sender": "carol", "deviceId": "carol-1", "body": {}},
    "body not an object": lambda jwt: {"type": "auth", "deviceId": "carol-1", "body": "not an object"},
    "jwt not a string": lambda jwt: {"type": "auth", "deviceId": "carol-1", "body": {"auth": 12345}},
    "no device id": lambda jwt: {"type": "auth", "sender": "carol", "body": {"auth": jwt}},
    "empty device id": lambda jwt: {"type": "auth", "deviceId": "", "body": {"auth": jwt}},
}


@pytest.mark.parametrize("make", BAD_AUTH.values(), ids=BAD_AUTH.keys())
async def test_bad_credentials_get_an_auth_error_and_a_close_while_others_keep_receiving(
    api: Api, make: Callable[[str], dict[str, Any]]
) -> None:
    """A refused socket is told why (code 401) and closed; a connected device is not disturbed.

    ``make`` builds the auth frame from carol's real jwt (most cases spoil it somehow).
    """
    alex = await api.login("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    carol = await api.login("carol", "carol-1")
    frame = make(carol.jwt)
    async with await raw_socket(api) as ws:
        await ws.send_json(frame)
        reply = await ws.receive_json(timeout=DEADLINE)
        assert reply["type"] == "auth"
        assert reply["body"]["code"] == "401"
        assert reply["body"]["message"]
        closing = await ws.receive(timeout=DEADLINE)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4401

    assert api.server.state.hub.devices_of("carol") == []
    await api.initiate(alex, "bob")
    assert await bob_socket.events() == [("initiated", "alex-1")]


@pytest.mark.parametrize(
    "send",
    [
        lambda ws: ws.send_str("hello, not JSON"),
        lambda ws: ws.send_str("[1, 2, 3]"),
        lambda ws: ws.send_bytes(b"\x00\x01binary"),
    ],
    ids=["not JSON", "a JSON array", "binary"],
)
async def test_a_bad_frame_before_auth_gets_an_error_frame_and_a_close(api: Api, send: Any) -> None:
    """Before auth the server cannot know who this is: it says what was wrong and hangs up."""
    async with await raw_socket(api) as ws:
        await send(ws)
        reply = await ws.receive_json(timeout=DEADLINE)
        assert reply["type"] == "error"
        assert reply["body"]["code"] == "ERR_BAD_FRAME"
        assert reply["body"]["message"]
        closing = await ws.receive(timeout=DEADLINE)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4400


async def test_a_bad_frame_after_auth_gets_an_error_frame_and_the_socket_stays_usable(api: Api) -> None:
    """An authenticated device that sends junk is told so, keeps its connection and its events."""
    alex = await api.login("alex", "alex-1")
    _, bob = await api.online("bob", "bob-1")
    for junk in ("not JSON at all", "42", '"a string"'):
        await bob.ws.send_str(junk)
    await bob.ws.send_bytes(b"\xff")
    frames = await bob.settle()
    assert [(f["type"], f["body"]["code"]) for f in frames] == [("error", "ERR_BAD_FRAME")] * 4
    await api.initiate(alex, "bob")
    assert await bob.events() == [("initiated", "alex-1")]


async def test_frames_that_are_not_about_ringing_are_ignored(api: Api) -> None:
    """Typing indicators, receipts and the like are legal SDK frames: no error, no close."""
    _, bob = await api.online("bob", "bob-1")
    await bob.send({"type": "typing_started", "body": {"receiver": "alex"}})
    await bob.send({"action": "something-else"})
    assert await bob.settle() == []


async def test_ping_gets_pong_before_and_after_auth(api: Api) -> None:
    """The SDK pings every 15 s and reconnects without a pong within 3 s; answer it in every state."""
    bob = await api.login("bob", "bob-1")
    async with await raw_socket(api) as ws:
        await ws.send_json({"action": "ping", "ack": "true"})
        assert await ws.receive_json(timeout=DEADLINE) == {"action": "pong"}
        await ws.send_json(auth_frame("bob", "bob-1", bob.jwt))
        assert await ws.receive_json(timeout=DEADLINE) == AUTH_OK
        await ws.send_json({"action": "ping", "ack": "true"})
        assert await ws.receive_json(timeout=DEADLINE) == {"action": "pong"}


async def test_events_carry_the_origin_device_and_never_reach_it(api: Api) -> None:
    """deviceId is the ``resource`` of the request that caused the event; that device is left out.

    Two devices each: alex-1 calls, bob-2 answers. bob-1 stops ringing (answered elsewhere),
    alex-1 hears the answer; alex-2 hears nothing at all (not a side of the call).
    """
    alex_1, alex_1_socket = await api.online("alex", "alex-1")
    _, alex_2_socket = await api.online("alex", "alex-2")
    _, bob_1_socket = await api.online("bob", "bob-1")
    bob_2, bob_2_socket = await api.online("bob", "bob-2")

    session_id = (await api.initiate(alex_1, "bob")).data["data"]["entities"]["on"]["entity"]["sessionid"]
    assert await bob_1_socket.events() == [("initiated", "alex-1")]
    assert await bob_2_socket.events() == [("initiated", "alex-1")]
    assert await alex_1_socket.events() == []
    assert await alex_2_socket.events() == []

    await api.update(bob_2, session_id, "ongoing")
    assert await alex_1_socket.events() == [("ongoing", "bob-2")]
    assert await bob_1_socket.events() == [("ongoing", "bob-2")]
    assert await bob_2_socket.events() == []
    assert await alex_2_socket.events() == []

    await api.update(alex_1, session_id, "ended")
    assert await bob_2_socket.events() == [("ended", "alex-1")]
    assert await bob_1_socket.events() == []
    assert await alex_1_socket.events() == []
    assert await alex_2_socket.events() == []


async def test_an_event_frame_wraps_the_same_call_message_the_rest_reply_has(api: Api) -> None:
    """Frame: ``{"type":"message","deviceId",...,"body": <call message>}``; the body equals the REST data
    apart from the message id, which is new for each rendering."""
    alex = await api.login("alex", "alex-1")
    _, bob = await api.online("bob", "bob-1")
    message = (await api.initiate(alex, "bob")).data
    [frame] = await bob.settle()
    assert frame["type"] == "message"
    assert (frame["appId"], frame["sender"], frame["receiver"], frame["receiverType"]) == (
        "ringcheck",
        "alex",
        "bob",
        "user",
    )
    assert {**frame["body"], "id": None} == {**message, "id": None}


async def test_a_reconnect_with_the_same_device_id_replaces_the_old_connection(api: Api) -> None:
    """Events go to the newest socket of a device only; the server closes the old one as replaced.

    A client still holding the old socket learns at once that it was replaced (close code 4409)
    instead of discovering it through a missed heartbeat.
    """
    alex = await api.login("alex", "alex-1")
    bob = await api.login("bob", "bob-1")
    old = await api.connect(bob)
    new = await api.connect(bob)
    assert api.server.state.hub.devices_of("bob") == ["bob-1"]

    leftovers = []
    while (frame := await old.next()) is not CLOSED:
        leftovers.append(frame)
    assert leftovers == [], "the replaced socket received frames"
    assert old.ws.close_code == CLOSE_REPLACED

    await api.initiate(alex, "bob")
    assert await new.events() == [("initiated", "alex-1")], "closing the old socket must not drop the new one"
    assert api.server.state.hub.devices_of("bob") == ["bob-1"]


async def test_a_pong_follows_every_event_queued_before_the_ping(api: Api) -> None:
    """The pong goes through the device's outbox, so it can never overtake an event queued earlier.

    Bob's writer is held at a gate while an event is queued and then the ping arrives; if the pong
    were written straight to the socket it would arrive first. The gate and the ``post`` hook are
    the server's own Connection, reached in-process.
    """
    alex = await api.login("alex", "alex-1")
    _, bob = await api.online("bob", "bob-1")
    [connection] = [c for c in api.server.state.hub.connections() if c.device == "bob-1"]
    gate = asyncio.Event()
    pong_queued = asyncio.Event()
    hold_writes(connection, gate)
    note_pongs(connection, pong_queued)

    initiating = asyncio.ensure_future(api.initiate(alex, "bob"))
    queued = await api.server.state.journal.wait_for(lambda e: e.kind == "frame", since=0, within=DEADLINE)
    assert queued is not None, "the event was never queued for bob"
    await bob.send({"action": "ping", "ack": "true"})
    await asyncio.wait_for(pong_queued.wait(), DEADLINE)
    assert not initiating.done(), "the request answered before its event was written"

    gate.set()
    first, second = await bob.next(), await bob.next()
    assert (first["type"], first["body"]["data"]["action"]) == ("message", "initiated")
    assert second == {"action": "pong"}
    assert (await initiating).status == 200


def hold_writes(connection: Connection, gate: asyncio.Event) -> None:
    """Make ``connection`` write nothing until ``gate`` is set."""
    send_text = connection.send_text

    async def gated(text: str) -> None:
        await gate.wait()
        await send_text(text)

    connection.send_text = gated


def note_pongs(connection: Connection, queued: asyncio.Event) -> None:
    """Set ``queued`` when a pong is posted to ``connection``'s outbox."""
    post = connection.post

    def noting(frame: dict[str, Any] | str) -> asyncio.Future[bool]:
        done = post(frame)
        if frame == {"action": "pong"}:
            queued.set()
        return done

    connection.post = noting  # type: ignore[method-assign]


async def test_get_on_the_websocket_path_without_upgrade_says_what_it_is(api: Api) -> None:
    """A person (or a health check) opening the URL gets JSON, not a protocol error."""
    async with api.http.get(api.server.base_url + "/") as response:
        assert response.status == 200
        body = json.loads(await response.text())
    assert body["data"]["appId"] == "ringcheck"
