"""Seeded fuzzing of the WebSocket channel: odd frames before and after authentication.

Binary frames, text that is not JSON (or not UTF-8), deep nesting, huge numbers, NaN, auth frames
of every odd shape, pings with odd bodies, oversized frames, control frames with odd payloads and
close codes. What must hold: the socket gets an error frame, a pong, nothing, or a clean close
(never 1006 "abnormal" or 1011 "internal error"); the server logs no error; a bystander device
connected all along still hears its calls; and afterwards a whole call works.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.ws import MAX_FRAME_BYTES

from .fuzzing import ServerThread, Tally, fuzz_settings, normal_flow, server_thread
from .support import DEADLINE, Api, Login, Socket

CLEAN_CLOSES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 4400, 4401, 4409}


@dataclass(frozen=True)
class Frame:
    """One thing sent on the socket: a text or binary message, or a control frame."""

    kind: str  # "text", "raw-text", "binary", "ping", "pong", "close"
    data: bytes

    def __repr__(self) -> str:
        return f"Frame({self.kind}, {self.data[:120]!r}{'...' if len(self.data) > 120 else ''})"


def text(value: Any) -> Frame:
    return Frame("text", json.dumps(value, allow_nan=True).encode())


def auth_frames(jwt: str) -> st.SearchStrategy[Frame]:
    odd = st.one_of(
        st.none(),
        st.integers(),
        st.integers(min_value=10**40, max_value=10**80),
        st.floats(),
        st.text(max_size=30),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
        st.just(jwt),
        st.just("x" * 70_000),
    )
    return st.builds(
        lambda body, auth, device, where: text(
            {"type": "auth", "sender": "carol", **({"deviceId": device} if where == "top" else {}), "body": body}
            if not isinstance(body, dict)
            else {
                "type": "auth",
                **({"deviceId": device} if where == "top" else {}),
                "body": {**body, "auth": auth, **({"deviceId": device} if where == "body" else {})},
            }
        ),
        st.one_of(st.just({}), odd),
        odd,
        odd,
        st.sampled_from(["top", "body", "none"]),
    )


def frames(jwt: str) -> st.SearchStrategy[Frame]:
    return st.one_of(
        st.binary(max_size=100).map(lambda b: Frame("binary", b)),
        st.text(max_size=60).map(lambda t: Frame("text", t.encode("utf-8", "surrogatepass"))),
        st.binary(max_size=40).map(lambda b: Frame("raw-text", b)),  # often not UTF-8
        st.integers(1, 20_000).map(lambda n: Frame("text", b"[" * n + b"]" * n)),
        st.integers(1, 5_000).map(lambda n: Frame("text", b'{"a":' * n + b"0" + b"}" * n)),
        st.integers(10, 20_000).map(lambda n: Frame("text", b'{"action": "ping", "ack": ' + b"7" * n + b"}")),
        st.sampled_from([b'{"action": NaN}', b"Infinity", b'{"type": "auth", "body": {"auth": -Infinity}}']).map(
            lambda b: Frame("text", b)
        ),
        auth_frames(jwt),
        st.builds(
            lambda action, ack: text({"action": action, "ack": ack}),
            st.sampled_from(["ping", "PING", "pong", "", None]) | st.lists(st.just("ping"), max_size=2),
            st.none() | st.booleans() | st.text(max_size=5) | st.dictionaries(st.text(max_size=3), st.integers()),
        ),
        st.dictionaries(st.sampled_from(["type", "action", "body", "appId", "deviceId"]), st.text(max_size=5)).map(
            text
        ),
        st.integers(MAX_FRAME_BYTES - 10, MAX_FRAME_BYTES + 100).map(lambda n: Frame("text", b'"' + b"a" * n + b'"')),
        st.binary(max_size=125).map(lambda b: Frame("ping", b)),
        st.binary(max_size=125).map(lambda b: Frame("pong", b)),
        st.builds(
            lambda code, reason: Frame("close", code.to_bytes(2, "big") + reason),
            st.sampled_from([0, 999, 1000, 1004, 1005, 1006, 1015, 2999, 4000, 65535]),
            st.binary(max_size=20),
        ),
        st.just(Frame("close", b"\x03")),
    )


async def send(ws: aiohttp.ClientWebSocketResponse, frame: Frame) -> None:
    if frame.kind == "text":
        await ws.send_str(frame.data.decode("utf-8", "surrogatepass"))
    elif frame.kind == "binary":
        await ws.send_bytes(frame.data)
    else:
        opcode = {
            "raw-text": aiohttp.WSMsgType.TEXT,
            "ping": aiohttp.WSMsgType.PING,
            "pong": aiohttp.WSMsgType.PONG,
            "close": aiohttp.WSMsgType.CLOSE,
        }[frame.kind]
        await ws.send_frame(frame.data, opcode)


async def outcome(ws: aiohttp.ClientWebSocketResponse) -> str:
    """What the server made of the frame: read up to the pong barrier, or to the close."""
    with contextlib.suppress(ConnectionError, RuntimeError):  # already closing: the close frame is on its way
        await ws.send_str(json.dumps({"action": "ping", "ack": "barrier"}))
    seen: list[str] = []
    while True:
        message = await ws.receive(timeout=DEADLINE)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            code = ws.close_code
            assert code in CLEAN_CLOSES, f"closed with {code} after {seen}"
            return f"closed {code}"
        if message.type in (aiohttp.WSMsgType.PING, aiohttp.WSMsgType.PONG):
            continue  # the server's answer to a control frame (the client does not answer pings itself)
        if message.type is aiohttp.WSMsgType.ERROR:
            raise AssertionError(f"socket error {message.data!r} after {seen}")
        assert message.type is aiohttp.WSMsgType.TEXT, message
        frame = json.loads(message.data)
        assert isinstance(frame, dict), frame
        if frame == {"action": "pong"}:
            return " then ".join(seen) or "ignored"
        if frame.get("type") == "error":
            body = frame["body"]
            assert isinstance(body["code"], str) and isinstance(body["message"], str), frame
            seen.append(f"error {body['code']}")
        elif frame.get("type") == "auth":
            seen.append(f"auth {frame['body']['code']}")
        else:
            raise AssertionError(f"an unexpected frame: {frame}")


@dataclass
class Scene:
    carol: Login
    bystander: Socket
    alex: Login
    http: aiohttp.ClientSession


async def open_socket(
    api_scene: Scene, ws_url: str, device: str, authenticated: bool
) -> aiohttp.ClientWebSocketResponse:
    ws = await api_scene.http.ws_connect(ws_url, autoclose=False, autoping=False)
    if authenticated:
        await ws.send_json({"type": "auth", "deviceId": device, "body": {"auth": api_scene.carol.jwt}})
        reply = await ws.receive_json(timeout=DEADLINE)
        assert reply["body"]["code"] == "200", reply
    return ws


def test_no_frame_breaks_the_socket_the_server_or_anyone_else(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with server_thread() as thread:
        run_ws_fuzz(thread, capsys, caplog)


def run_ws_fuzz(thread: ServerThread, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    http = thread.run(_session())
    api = Api(thread.server, http)

    async def prepare() -> Scene:
        carol = await api.login("carol", "carol-fuzz")
        alex = await api.login("alex", "alex-fuzz")
        _, bystander = await api.online("bob", "bob-bystander")
        return Scene(carol, bystander, alex, http)

    scene = thread.run(prepare())
    tally = Tally("WebSocket frames")
    counter = iter(range(10**9))

    @fuzz_settings(200)
    @given(first=frames(scene.carol.jwt), second=st.none() | frames(scene.carol.jwt), authenticated=st.booleans())
    def one(first: Frame, second: Frame | None, authenticated: bool) -> None:
        device = f"carol-fuzz-{next(counter)}"

        async def case() -> str:
            ws = await open_socket(scene, thread.server.ws_url, device, authenticated)
            try:
                results = []
                for frame in (first, second):
                    if frame is None or ws.closed:
                        continue
                    try:
                        await send(ws, frame)
                    except (ConnectionError, RuntimeError):
                        results.append("closed before sending")  # the server already closed it
                        break
                    results.append(await outcome(ws))
                    if results[-1].startswith("closed"):
                        break
                return " / ".join(results)
            finally:
                await ws.close()

        tally.saw(("after auth: " if authenticated else "before auth: ") + thread.run(case()).split(" / ")[-1])

    with caplog.at_level(logging.ERROR):
        one()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]

    async def afterwards() -> None:
        # The bystander heard nothing of all that, and still hears a call meant for it.
        assert await scene.bystander.settle() == []
        alex_socket = await api.connect(scene.alex)
        reply = await api.initiate(scene.alex, "bob")
        assert reply.status == 200, reply.body
        assert await scene.bystander.events() == [("initiated", "alex-fuzz")]
        await alex_socket.close()
        await normal_flow(api, "carol", "dave")
        await api.close()
        await http.close()

    thread.run(afterwards())
    with capsys.disabled():
        print(f"\n{tally.line()}")
    assert tally.server_errors == 0
    assert tally.cases == sum(tally.answers.values())


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


def test_a_frame_that_closes_a_socket_does_not_close_the_bystanders() -> None:
    """The smallest version of the property above, as a plain example: a binary frame before auth."""

    async def check(api: Api) -> None:
        _, bystander = await api.online("bob", "bob-1")
        async with api.http.ws_connect(api.server.ws_url) as ws:
            await ws.send_bytes(b"\x00\xff")
            assert (await ws.receive_json(timeout=DEADLINE))["type"] == "error"
            assert (await ws.receive(timeout=DEADLINE)).type is aiohttp.WSMsgType.CLOSE
        assert await bystander.settle() == []

    with server_thread() as thread:
        thread.with_api(check)
