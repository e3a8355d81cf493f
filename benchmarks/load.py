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


@dataclass
class Device:
    http: aiohttp.ClientSession
    base_url: str
    uid: str
    device_id: str
    frames: asyncio.Queue[Frame] = field(default_factory=asyncio.Queue)
    token: str = ""
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _reader: asyncio.Task[None] | None = None

    def _headers(self, admin: bool = False) -> dict[str, str]:
        headers = {"appId": APP_ID, "resource": self.device_id, "sdk": "ringcheck-bench@1"}
        headers.update({"apiKey": API_KEY} if admin else {"authToken": self.token})
        return headers

    async def request(self, method: str, path: str, body: dict[str, Any], admin: bool = False) -> Any:
        async with self.http.request(
            method, f"{self.base_url}/v3.0{path}", data=orjson.dumps(body), headers=self._headers(admin)
        ) as response:
            raw = await response.read()
        answer = orjson.loads(raw)
        if "data" not in answer:
            raise BenchError(f"{self.uid}: {method} {path} was refused: {answer}")
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
        frame = await asyncio.wait_for(self.frames.get(), within)
        action = frame.body["data"]["action"]
        if action != status:
            raise BenchError(f"{self.uid} expected a {status} frame, got {action}")
        return frame.at

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
