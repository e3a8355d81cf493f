"""Helpers for tests that talk to a real mock server on 127.0.0.1 over HTTP and WebSocket.

They speak the wire protocol directly (SPEC section 6) rather than through ringcheck's reference
client, so a test sees exactly what the server sent: every reply is checked to be the JSON
envelope the SDK needs (``{"data": ...}`` or ``{"error": {"code", "message"}}``), and every frame a
device receives is kept. Waiting is always on an event with a deadline, never a sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from mockserver import MockServer, ServerConfig, VirtualClock
from mockserver.calls import Call

DEADLINE = 5.0
"""The longest any awaited event may take before a test fails (it normally takes milliseconds)."""

SDK = "ringcheck-tests@1"


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        assert "data" in self.body, f"expected success, got {self.status} {self.body}"
        assert 200 <= self.status < 300, f"a success body with HTTP {self.status}"
        return self.body["data"]

    @property
    def code(self) -> str:
        assert "error" in self.body, f"expected a refusal, got {self.status} {self.body}"
        return str(self.body["error"]["code"])

    def refused(self, code: str, status: int) -> None:
        """Assert this is the refusal ``code`` with HTTP ``status`` and a message a person can read."""
        assert (self.status, self.code) == (status, code), self.body
        assert self.body["error"]["message"]


@dataclass(frozen=True)
class Login:
    """One device of one user, logged in: what the SDK holds after ``login(uid, authKey)``."""

    uid: str
    device: str
    token: str
    jwt: str
    me: dict[str, Any]


def envelope(status: int, text: str) -> Reply:
    """Parse a reply, insisting on the envelope: the SDK treats anything else as a fetch failure."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        raise AssertionError(f"HTTP {status} with a body that is not JSON: {text[:200]!r}") from None
    assert isinstance(body, dict), body
    assert ("data" in body) != ("error" in body), f"exactly one of data/error expected: {body}"
    if "error" in body:
        error = body["error"]
        assert isinstance(error, dict) and set(error) >= {"code", "message"}, body
        assert isinstance(error["code"], str) and isinstance(error["message"], str), body
        assert status >= 400, f"an error body with HTTP {status}: {body}"
    return Reply(status, body)


class Api:
    """A client of one server: raw requests, the login flow, call operations, the steering API."""

    def __init__(self, server: MockServer, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http
        self.sockets: list[Socket] = []

    @property
    def config(self) -> ServerConfig:
        return self.server.config

    @property
    def clock(self) -> VirtualClock:
        """The server's virtual clock (every server with the steering API on has one)."""
        clock = self.server.clock
        assert isinstance(clock, VirtualClock), "this server runs on real time"
        return clock

    def headers(self, device: str = "", token: str | None = None, api_key: str | None = None) -> dict[str, str]:
        headers = {"appId": self.config.app_id, "sdk": SDK}
        if device:
            headers["resource"] = device
        if token is not None:
            headers["authToken"] = token
        if api_key is not None:
            headers["apiKey"] = api_key
        return headers

    async def send(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> Reply:
        kwargs: dict[str, Any] = {"headers": headers or {}, "params": params}
        if data is not None:
            kwargs["data"] = data
        elif json_body is not None:
            kwargs["json"] = json_body
        async with self.http.request(method, self.server.base_url + path, **kwargs) as response:
            return envelope(response.status, await response.text())

    async def as_user(self, login: Login, method: str, path: str, body: Any = None) -> Reply:
        return await self.send(method, path, headers=self.headers(login.device, login.token), json_body=body)

    async def admin(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Reply:
        headers = self.headers(api_key=self.config.api_key)
        return await self.send(method, "/_admin" + path, headers=headers, json_body=body, params=params)

    async def login(self, uid: str, device: str) -> Login:
        """The SDK's login: a token with the apiKey, then ``PUT /me`` for the jwt and settings."""
        headers = self.headers(device, api_key=self.config.api_key)
        token = (await self.send("POST", f"/v3.0/users/{uid}/auth_tokens", headers=headers, json_body={})).data
        me = (await self.send("PUT", "/v3.0/me", headers=self.headers(device, token["authToken"]), json_body={})).data
        return Login(uid, device, token["authToken"], me["jwt"], me)

    async def initiate(self, caller: Login, receiver: str, receiver_type: str = "user") -> Reply:
        body = {"type": "audio", "receiverType": receiver_type, "category": "call", "status": "initiated"}
        return await self.as_user(caller, "POST", "/v3.0/calls", {**body, "receiver": receiver})

    async def update(self, actor: Login, session_id: str, status: str) -> Reply:
        return await self.as_user(actor, "PUT", f"/v3.0/calls/{session_id}", {"status": status})

    async def connect(self, login: Login) -> Socket:
        """Open and authenticate the device's WebSocket, as the SDK does right after login."""
        socket = Socket(login, await self.http.ws_connect(self.server.ws_url))
        self.sockets.append(socket)
        await socket.send({"type": "auth", "sender": login.uid, "deviceId": login.device, "body": {"auth": login.jwt}})
        reply = await socket.ws.receive_json(timeout=DEADLINE)
        assert reply == {"type": "auth", "body": {"code": "200", "status": "OK"}}, reply
        socket.start()
        return socket

    async def online(self, uid: str, device: str) -> tuple[Login, Socket]:
        login = await self.login(uid, device)
        return login, await self.connect(login)

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.close()


CLOSED: dict[str, Any] = {"closed": True}
"""What a :class:`Socket`'s inbox yields once the server closed the connection."""


@dataclass(eq=False)
class Socket:
    """One device's WebSocket; a reader task keeps every frame (and answers the close handshake)."""

    login: Login
    ws: aiohttp.ClientWebSocketResponse
    inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                self.inbox.put_nowait(json.loads(message.data))
        self.inbox.put_nowait(CLOSED)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send_json(frame)

    async def next(self) -> dict[str, Any]:
        """The next frame, failing the test if none comes within the deadline."""
        try:
            return await asyncio.wait_for(self.inbox.get(), DEADLINE)
        except TimeoutError:
            raise AssertionError(f"{self.login.device} received nothing within {DEADLINE} s") from None

    async def settle(self) -> list[dict[str, Any]]:
        """Every frame sent to this device so far: ping, and collect until the pong.

        The server queues a pong behind every frame already queued for the device, so the pong
        is a barrier: whatever the server decided to send before it has arrived.
        """
        await self.send({"action": "ping", "ack": "true"})
        frames: list[dict[str, Any]] = []
        while (frame := await self.next()) != {"action": "pong"}:
            assert frame is not CLOSED, f"{self.login.device} was closed while settling; got {frames}"
            frames.append(frame)
        return frames

    async def events(self) -> list[tuple[str, str]]:
        """The (status, deviceId) of each call event received so far (other frames are kept too)."""
        return [(f["body"]["data"]["action"], f["deviceId"]) for f in await self.settle()]

    async def closed(self) -> int | None:
        """Wait for the server to close this socket; return the close code."""
        while (frame := await self.next()) is not CLOSED:
            assert frame.get("type") != "message", f"an event after the close was expected: {frame}"
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


@dataclass(frozen=True)
class World:
    """What a refused request must leave as it was: calls, people, and everything sent to devices."""

    calls: dict[str, Call]
    users: list[str]
    groups: list[str]
    sent: list[str]


def world(server: MockServer) -> World:
    state = server.state
    return World(
        calls={c.session_id: c for c in state.calls.book.calls()},
        users=sorted(state.directory.users),
        groups=sorted(state.directory.groups),
        sent=[e.summary for e in state.journal.since() if e.kind in ("frame", "timer")],
    )


@contextlib.asynccontextmanager
async def running(config: ServerConfig) -> AsyncIterator[Api]:
    """A server with ``config`` on a free loopback port and a client for it; all closed afterwards."""
    assert config.host == "127.0.0.1"
    async with MockServer(config) as server, aiohttp.ClientSession() as http:
        api = Api(server, http)
        try:
            yield api
        finally:
            await api.close()
