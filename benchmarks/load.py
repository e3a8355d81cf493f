"""A lean load client for the benchmarks: CometChat's v3.0 wire protocol with nothing on top.

Why not ringcheck's reference client: it keeps the SDK's rules, logs every request for the report
and dispatches listeners, which costs about as much CPU as the server spends. On a 2-core machine
where client and server share the cores, that would measure the client. This one does only what
the protocol needs: log in, send a request with the SDK's headers, and timestamp every frame the
moment it is read, so latency runs from a request to the other party's frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

APP_ID = "ringcheck"
API_KEY = "ringcheck-api-key"


class BenchError(RuntimeError):
    """The server answered in a way that makes the figures meaningless."""


@dataclass(frozen=True)
class Frame:
    at: float
    """``time.perf_counter()`` when the client read it."""
    body: dict[str, Any]


class Http:
    """One keep-alive HTTP/1.1 connection, the least a client can do per request.

    aiohttp's client costs about 170 us of CPU per request, more than the server's minimal
    handler; on two cores shared by client and server that would cap what is measured at the
    client's speed. This writes the request in one piece and reads the answer by its
    Content-Length (aiohttp's server always sends one for these answers).
    """

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()

    async def request(self, method: str, path: str, headers: bytes, body: bytes) -> tuple[int, bytes]:
        async with self._lock:  # one request at a time on a connection, as HTTP/1.1 without pipelining
            if self._streams is None:
                self._streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self._streams
            head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
            writer.write(head.encode() + headers + b"\r\n" + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            status = int(answer[9:12])
            length = 0
            for line in answer.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            return status, await reader.readexactly(length)

    async def close(self) -> None:
        """Close the connection; a later request opens a new one."""
        if self._streams is not None:
            writer, self._streams = self._streams[1], None
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def header_block(headers: dict[str, str]) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()


@dataclass
class Device:
    """One SDK device: its own HTTP connection and WebSocket, every frame timestamped on arrival."""

    http: aiohttp.ClientSession
    """For the WebSocket only."""
    base_url: str
    uid: str
    device_id: str
    frames: asyncio.Queue[Frame] = field(default_factory=asyncio.Queue)
    token: str = ""
    _rest: Http | None = None
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _reader: asyncio.Task[None] | None = None

    def _headers(self, admin: bool) -> bytes:
        headers = {"appId": APP_ID, "resource": self.device_id, "sdk": "ringcheck-bench@1"}
        headers.update({"apiKey": API_KEY} if admin else {"authToken": self.token})
        return header_block({**headers, "Content-Type": "application/json"})

    async def request(self, method: str, path: str, body: dict[str, Any], admin: bool = False) -> Any:
        if self._rest is None:
            self._rest = Http(self.base_url)
        status, raw = await self._rest.request(method, f"/v3.0{path}", self._headers(admin), orjson.dumps(body))
        answer = orjson.loads(raw)
        if "data" not in answer:
            raise BenchError(f"{self.uid}: {method} {path} was refused ({status}): {answer}")
        return answer["data"]

    async def login(self) -> None:
        """What ``login(uid, authKey)`` does on the wire: a token, ``PUT /me``, an authenticated socket."""
        user = await self.request("POST", f"/users/{self.uid}/auth_tokens", {"platform": "bench"}, admin=True)
        self.token = user["authToken"]
        me = await self.request("PUT", "/me", {"platform": "bench", "deviceId": self.device_id})
        self._ws = await self.http.ws_connect(self.base_url + "/", autoping=True, max_msg_size=0)
        auth = {"type": "auth", "deviceId": self.device_id, "body": {"auth": me["jwt"], "deviceId": self.device_id}}
        await self._ws.send_str(orjson.dumps(auth).decode())
        reply = orjson.loads((await self._ws.receive(timeout=30)).data)
        if reply.get("body", {}).get("code") != "200":
            raise BenchError(f"{self.uid}: the WebSocket refused the credentials: {reply}")
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            at = time.perf_counter()
            if message.type is aiohttp.WSMsgType.TEXT:
                frame = orjson.loads(message.data)
                if frame.get("type") == "message":
                    self.frames.put_nowait(Frame(at, frame["body"]))

    async def told(self, status: str, within: float = 10.0) -> float:
        """When the next call frame arrived; it must say ``status``."""
        async with asyncio.timeout(within):
            frame = await self.frames.get()
        action = frame.body["data"]["action"]
        if action != status:
            raise BenchError(f"{self.uid} expected a {status} frame, got {action}")
        return frame.at

    async def idle(self) -> None:
        """Keep only the WebSocket open, as an app waiting for calls does (and half the descriptors)."""
        if self._rest is not None:
            await self._rest.close()

    async def close(self) -> None:
        await self.idle()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
