"""Slow, half-open and very many idle clients never hold up anyone else.

Each test leaves the awkward clients where they are (mid-request, silent, idle) while a whole
call between two other users runs to its end; then checks the awkward ones were still being
served (or closed as documented). No test waits real time: the WebSocket auth deadline runs on
the server's virtual clock, and "meanwhile" means "before the slow client sends its last byte".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource

import aiohttp
import pytest

from mockserver.ws import AUTH_DEADLINE, CLOSE_UNAUTHORIZED

from .fuzzing import normal_flow
from .support import DEADLINE, Api

pytestmark = pytest.mark.asyncio

IDLE_SOCKETS = 2_000
"""Idle WebSockets in the CI form (each costs two descriptors here: client and server side)."""


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, object]]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), DEADLINE)
    status = int(head.split(b" ", 2)[1])
    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")).split(b":")[1])
    return status, json.loads(await asyncio.wait_for(reader.readexactly(length), DEADLINE))


async def test_a_request_sent_byte_by_byte_is_answered_and_holds_up_nobody(api: Api) -> None:
    alex = await api.login("alex", "alex-slow")
    body = json.dumps({"type": "audio", "receiverType": "user", "receiver": "bob"}).encode()
    request = (
        b"POST /v3.0/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nresource: alex-slow\r\n"
        + f"authToken: {alex.token}\r\nContent-Type: application/json\r\n".encode()
        + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", api.server.port)
    try:
        half = len(request) // 2
        for i in range(half):  # one byte per write, each drained: as slow as a socket can be made without a clock
            writer.write(request[i : i + 1])
            await writer.drain()
        await normal_flow(api, "carol", "dave")  # meanwhile, a whole call among others
        for i in range(half, len(request)):
            writer.write(request[i : i + 1])
            await writer.drain()
        status, answer = await read_answer(reader)
        assert status == 200, answer
    finally:
        writer.close()


async def test_half_open_connections_hold_up_nobody(api: Api) -> None:
    """Connected and silent; stopped in the request line, in the headers, in the body."""
    alex = await api.login("alex", "alex-1")
    partial = [
        b"",
        b"PUT /v3.0/ca",
        b"GET /v3.0/me HTTP/1.1\r\nHost: 127.0.0.1\r\nauthTo",
        b"PUT /v3.0/me HTTP/1.1\r\nHost: 127.0.0.1\r\nauthToken: "
        + alex.token.encode()
        + b'\r\nContent-Length: 100\r\n\r\n{"a":',
        b"POST /v3.0/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
    ]
    stuck = []
    for data in partial:
        reader, writer = await asyncio.open_connection("127.0.0.1", api.server.port)
        writer.write(data)
        await writer.drain()
        stuck.append((reader, writer))
    ws = await api.http.ws_connect(api.server.ws_url)  # a WebSocket that never authenticates
    await normal_flow(api)
    await normal_flow(api, "carol", "dave")
    for reader, writer in stuck:
        assert not reader.at_eof(), "the server is still waiting for the rest (until its keep-alive timeout)"
        writer.close()
    await ws.close()


async def test_a_websocket_that_never_authenticates_is_closed_at_its_deadline(api: Api) -> None:
    _, bob_socket = await api.online("bob", "bob-1")
    async with api.http.ws_connect(api.server.ws_url) as silent:
        await api.admin("POST", "/clock/advance", {"seconds": AUTH_DEADLINE - 1})
        assert await bob_socket.settle() == []
        assert not silent.closed
        await api.admin("POST", "/clock/advance", {"seconds": 1})
        message = await silent.receive(timeout=DEADLINE)
        assert message.type is aiohttp.WSMsgType.CLOSE and silent.close_code == CLOSE_UNAUTHORIZED
    await api.admin("POST", "/clock/advance", {"seconds": 3_600})
    assert await bob_socket.settle() == [], "an authenticated socket has no deadline"


async def test_thousands_of_idle_websockets_stay_connected_while_others_call(api: Api) -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    count = min(IDLE_SOCKETS, (soft - 200) // 2)
    assert count >= 200, f"the descriptor limit ({soft}) is too low for this test"
    carol = await api.login("carol", "carol-idle")
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def idle(i: int) -> aiohttp.ClientWebSocketResponse:
            ws = await http.ws_connect(api.server.ws_url, autoping=False)
            await ws.send_json({"type": "auth", "deviceId": f"carol-idle-{i}", "body": {"auth": carol.jwt}})
            assert (await ws.receive_json(timeout=DEADLINE * 4))["body"]["code"] == "200"
            return ws

        sockets: list[aiohttp.ClientWebSocketResponse] = []
        try:
            for start in range(0, count, 250):
                sockets += await asyncio.gather(*(idle(i) for i in range(start, min(count, start + 250))))
            assert len(api.server.state.hub.devices_of("carol")) == count
            await normal_flow(api)

            async def still_there(ws: aiohttp.ClientWebSocketResponse) -> bool:
                await ws.send_json({"action": "ping"})
                pong: object = await ws.receive_json(timeout=DEADLINE * 4)
                return pong == {"action": "pong"}

            answered = []
            for start in range(0, count, 250):
                answered += await asyncio.gather(*(still_there(ws) for ws in sockets[start : start + 250]))
            assert all(answered) and len(answered) == count
            print(f"\nidle WebSockets: {count} stayed connected through a call")
        finally:
            for ws in sockets:
                with contextlib.suppress(Exception):
                    await ws.close()
