"""One device's connection to a server speaking CometChat's v3.0 protocol: REST and WebSocket.

It does what the SDK does on the wire (SPEC section 6) and nothing more: log in, send requests
with the SDK's headers, keep the WebSocket authenticated, hand each call message to its owner,
and drop frames that carry its own device id.

When the socket closes without the device asking (the server or the network dropped it), it
reconnects as SDK 4.2.0 and 3.0.13 do (docs/reconnect.md): after 5 seconds on the client's
clock, the same device id and credential, and again every 5 seconds while refused. Like the
SDK it fetches nothing on reconnect: an event sent while it was away is lost to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from mockserver.clock import Clock, TimerHandle

from ..adapter import Refused

SDK_HEADER = "ringcheck-python@0.1.0"

RECONNECT_SECONDS = 5.0
"""``WSReconnectionTimerInterval`` of both JavaScript SDKs: the first attempt comes this long after
the close, and each further one this long after the last (a ``setInterval``)."""

RECONNECT_TRY_SECONDS = 2.0
"""Real seconds one reconnect may take (connect, auth frame, its answer) before it counts as
failed and the next is scheduled, as the SDK's next interval tick would start afresh. On loopback
a try takes milliseconds; the bound keeps an advance of the clock within its deadline."""


FITTING_STATUS = {
    "AUTH_ERR_AUTH_TOKEN_NOT_FOUND": 401,
    "AUTH_ERR_APIKEY_NOT_FOUND": 401,
    "ERR_UID_NOT_FOUND": 404,
    "ERR_GUID_NOT_FOUND": 404,
    "ERR_CALL_SESSION_NOT_FOUND": 404,
}
"""Refusals whose HTTP status no reading of SPEC section 6 leaves open: missing credentials and
things that do not exist. Every other refusal must be some 4xx (409 and 403 are both defensible
for most call transitions)."""


@dataclass(frozen=True)
class Endpoint:
    """Where a server is and how to talk to it."""

    base_url: str
    """e.g. ``http://127.0.0.1:8080``; the protocol lives under ``/v3.0``."""
    app_id: str
    api_key: str
    ssl_context: ssl.SSLContext | None = None

    @property
    def api(self) -> str:
        return f"{self.base_url.rstrip('/')}/v3.0"


FrameHandler = Callable[[dict[str, Any]], Awaitable[None]]
RequestLog = Callable[[str], None]


class ProtocolError(RuntimeError):
    """The server answered in a way no CometChat client could use."""


class WireSession:
    def __init__(
        self,
        endpoint: Endpoint,
        uid: str,
        http: aiohttp.ClientSession,
        on_message: FrameHandler,
        log: RequestLog,
        clock: Clock | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.uid = uid
        self.device_id = f"ringcheck-{uid}-{uuid.uuid4().hex[:12]}"
        self._http = http
        self._on_message = on_message
        self._log = log
        self._auth_token = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pongs: deque[asyncio.Future[None]] = deque()
        self._signed_out = False
        self._closing = False
        """The device itself closed the socket (logout, close): no reconnect."""
        self._clock = clock
        """Times the reconnects; without one, a dropped socket stays closed."""
        self._jwt = ""
        self._ws_url = ""
        self._reconnect_timer: TimerHandle | None = None
        self.reconnects = 0
        """Successful reconnects so far, for tests and the transcript."""
        self._online = asyncio.Event()
        self._offline = asyncio.Event()

    def _headers(self, admin: bool) -> dict[str, str]:
        headers = {"appId": self.endpoint.app_id, "resource": self.device_id, "sdk": SDK_HEADER}
        headers.update({"apiKey": self.endpoint.api_key} if admin else {"authToken": self._auth_token})
        return headers

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None, admin: bool = False) -> Any:
        """``data`` of the answer, or :class:`Refused` with the server's error code."""
        url = self.endpoint.api + path
        async with self._http.request(
            method, url, json=body, headers=self._headers(admin), ssl=self.endpoint.ssl_context or True
        ) as response:
            text = await response.text()
        try:
            answer = json.loads(text)
        except json.JSONDecodeError:
            self._log(f"{method} {path} {json.dumps(body) if body else ''} -> {response.status} (not JSON)")
            raise ProtocolError(f"{method} {path} answered {response.status} with a body that is not JSON") from None
        if isinstance(answer, dict) and "data" in answer:
            self._log(f"{method} {path} {json.dumps(body) if body else ''} -> {response.status}")
            if not 200 <= response.status < 300:
                raise ProtocolError(
                    f"{method} {path} answered with data but HTTP status {response.status}; "
                    "a success must be a 2xx (SPEC section 6)"
                )
            return answer["data"]
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        code = str(error.get("code", "ERR_UNKNOWN")) if isinstance(error, dict) else "ERR_UNKNOWN"
        message = str(error.get("message", text)) if isinstance(error, dict) else text
        self._log(f"{method} {path} {json.dumps(body) if body else ''} -> {response.status} {code}")
        fitting = FITTING_STATUS.get(code)
        if not 400 <= response.status < 500 or fitting not in (None, response.status):
            raise ProtocolError(
                f"{method} {path} refused with {code} ({message}) but HTTP status {response.status}; "
                f"a refusal must be a fitting 4xx{f' ({fitting})' if fitting else ''} (SPEC section 6)"
            )
        raise Refused(code, message)

    async def login(self) -> None:
        """``login(uid, authKey)``: a token, then ``/me`` for the WebSocket credential and settings."""
        user = await self.request("POST", f"/users/{self.uid}/auth_tokens", {"platform": "ringcheck"}, admin=True)
        self._auth_token = str(user["authToken"])
        me = await self.request("PUT", "/me", {"platform": "ringcheck", "deviceId": self.device_id})
        settings = me.get("settings") or await self.request("GET", "/settings")
        scheme = "wss" if self.endpoint.base_url.startswith("https") else "ws"
        self._jwt = str(me["jwt"])
        self._ws_url = f"{scheme}://{settings['CHAT_HOST']}:{settings['CHAT_WSS_PORT']}/"
        await self._connect()

    async def _connect(self) -> None:
        """Open the WebSocket and authenticate it; :class:`ProtocolError` if the server refuses."""
        ws = await self._http.ws_connect(self._ws_url, ssl=self.endpoint.ssl_context or True, autoping=True)
        try:
            await ws.send_json(
                {
                    "appId": self.endpoint.app_id,
                    "type": "auth",
                    "sender": self.uid,
                    "deviceId": self.device_id,
                    "body": {"auth": self._jwt, "deviceId": self.device_id},
                }
            )
            reply = await ws.receive_json(timeout=5)
        except (TimeoutError, TypeError, ValueError, ConnectionError) as exc:
            await ws.close()
            raise ProtocolError(f"the WebSocket of {self.uid} closed before it was authenticated: {exc!r}") from None
        except asyncio.CancelledError:  # a bounded reconnect gave up on it
            await ws.close()
            raise
        if not isinstance(reply, dict) or reply.get("type") != "auth" or reply.get("body", {}).get("code") != "200":
            await ws.close()
            raise ProtocolError(f"the WebSocket refused {self.uid}'s credentials: {reply}")
        self._ws = ws
        self._offline.clear()
        self._online.set()
        self._reader = asyncio.get_running_loop().create_task(self._read(ws), name=f"reader:{self.device_id}")

    async def wait_online(self, online: bool) -> None:
        await (self._online if online else self._offline).wait()

    @property
    def connected(self) -> bool:
        """An authenticated socket is open (a dropped one may be waiting for its reconnect)."""
        return self._ws is not None and not self._ws.closed

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(message.data)
            except json.JSONDecodeError:
                self._log(f"a frame that is not JSON reached {self.uid}: {message.data[:200]!r}")
                continue
            if not isinstance(frame, dict):
                continue
            if frame.get("action") == "pong":
                # One pong per ping, in order; a wait given up on (a bounded barrier) has left
                # its future cancelled, and its pong is simply not needed any more.
                if self._pongs and not (waiting := self._pongs.popleft()).done():
                    waiting.set_result(None)
            elif frame.get("type") == "message" and frame.get("deviceId") != self.device_id:
                await self._on_message(frame.get("body") or {})
        self._socket_closed()

    def _socket_closed(self) -> None:
        """Nothing more arrives through this socket: whoever waits for a pong on it is told so
        (the frames it waited for are lost) and, unless the device closed it, it reconnects."""
        self._online.clear()
        self._offline.set()
        while self._pongs:
            waiting = self._pongs.popleft()
            if not waiting.done():
                waiting.set_exception(ProtocolError(f"{self.uid}'s WebSocket closed while settling"))
        if self._closing or self._signed_out:
            return
        if self._clock is None:
            self._log(f"{self.uid}'s WebSocket closed; this device does not reconnect")
            return
        self._log(f"{self.uid}'s WebSocket closed without the app asking: reconnecting in {RECONNECT_SECONDS:g} s")
        self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        assert self._clock is not None
        self._reconnect_timer = self._clock.call_later(
            RECONNECT_SECONDS, self._reconnect, label=f"{self.uid}'s WebSocket reconnect"
        )

    async def _reconnect(self) -> None:
        self._reconnect_timer = None
        if self._closing or self._signed_out:
            return
        try:
            # Bounded: the try runs inside the clock's advance, which must not outlast the
            # adapter's operation deadline because a server stopped answering.
            await asyncio.wait_for(self._connect(), RECONNECT_TRY_SECONDS)
        except (TimeoutError, ProtocolError, aiohttp.ClientError, OSError) as exc:
            self._log(f"{self.uid}'s WebSocket reconnect failed ({exc}): trying again in {RECONNECT_SECONDS:g} s")
            self._schedule_reconnect()
            return
        self.reconnects += 1
        self._log(f"{self.uid}'s WebSocket reconnected (device {self.device_id})")

    async def logout(self) -> None:
        """``logout()``: the server forgets the token; the socket closes, so nothing more arrives."""
        self._closing = True  # a server that closes the socket as it forgets the session: no reconnect
        try:
            await self.request("DELETE", "/me")
        except BaseException:
            self._closing = False
            raise
        self._signed_out = True  # the token is kept: whatever the app tries next, it tries with it
        self._stop_reconnecting()
        if self._ws is not None:
            await self._ws.close()

    async def barrier(self) -> None:
        """Ping and await the pong: every frame the server queued for us before has been handled.

        A device that signed out has no socket, and nothing can arrive for it: that returns at
        once. A device whose socket dropped and has not reconnected yet fails at once instead,
        saying so: "Bob was told nothing more" must not pass just because Bob could hear nothing
        (the SDK's bridge decides the same). Scenarios about drops wait for the reconnect first.
        """
        if self._signed_out:
            return
        ws = self._ws
        if ws is None or ws.closed:
            raise ProtocolError(
                f"{self.uid}'s WebSocket is not open (it dropped and has not reconnected yet), "
                "so what it was not told cannot be checked"
            )
        pong: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pongs.append(pong)
        await ws.send_json({"action": "ping", "ack": "true"})
        await pong

    def _stop_reconnecting(self) -> None:
        if self._reconnect_timer is not None:
            self._reconnect_timer.cancel()
            self._reconnect_timer = None

    async def close(self) -> None:
        self._closing = True
        self._stop_reconnecting()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
