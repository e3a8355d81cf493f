"""The protocol's floor: the least any aiohttp server can do to serve a complete call flow.

Why: the issue's yardstick, :mod:`raw_server`, answers a request and writes nothing else, but
every request of a ringing flow must also tell the other party: one WebSocket frame per request,
a second socket write. This server does exactly what the protocol cannot avoid and nothing more
(no checks, no state machine, no journal, no faults): it reads and parses the body, finds the
sender by its token and the call by its session id, builds the call message (the same shape and
size as the mock server's) and encodes it once, writes it as a frame to the other party's
socket, and answers with it. ``bench_server.py`` and ``instructions.py`` drive it with the same
client and the same flows as the mock server, so "mock : floor" says how much of the mock's cost
is its own, and "floor : raw" how much of the gap to the raw handler is the protocol's.

It is not a mock: it refuses nothing and keeps every call for ever. Run as its own process; it
prints the URL it serves on.

Usage: python benchmarks/floor_server.py [--loop asyncio|uvloop]
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
import raw_server

USER = {"status": "online", "role": "default", "avatar": "", "link": "", "metadata": {}, "tags": [], "lastActiveAt": 0}

sockets: dict[str, web.WebSocketResponse] = {}
"""uid -> its one connected device (the benchmark's users have one each)."""
calls: dict[str, tuple[str, str]] = {}
"""session id -> (caller, receiver)"""
session_ids = itertools.count(1)


def ok(data: Any) -> web.Response:
    return web.Response(body=orjson.dumps({"data": data}), content_type="application/json")


def user(uid: str) -> dict[str, Any]:
    return {"entityType": "user", "entity": {"uid": uid, "name": uid.upper(), **USER}}


def message(session_id: str, caller: str, receiver: str, by: str, action: str) -> dict[str, Any]:
    """A call message of the mock server's shape (mockserver/wire.py), built afresh each time."""
    entity = {
        "sessionid": session_id,
        "status": action,
        "type": "audio",
        "receiverType": "user",
        "initiatedAt": 0,
        "data": {"entities": {"sender": user(caller), "receiver": user(receiver)}},
    }
    return {
        "id": session_id,
        "conversationId": f"{caller}_user_{receiver}",
        "sender": by,
        "receiver": receiver,
        "receiverType": "user",
        "category": "call",
        "type": "audio",
        "sentAt": 0,
        "updatedAt": 0,
        "data": {
            "action": action,
            "entities": {"by": user(by), "for": user(receiver), "on": {"entityType": "call", "entity": entity}},
        },
    }


async def tell(uid: str, body: dict[str, Any]) -> bytes:
    """Encode the message once, write it to ``uid``'s socket and return it for the answer."""
    encoded = orjson.dumps(body)
    frame = b'{"appId":"ringcheck","type":"message","body":' + encoded + b"}"
    ws = sockets.get(uid)
    if ws is not None:
        await ws.send_frame(frame, web.WSMsgType.TEXT)
    return encoded


async def auth_token(request: web.Request) -> web.Response:
    await request.read()
    uid = request.match_info["uid"]
    return ok({"uid": uid, "authToken": uid})


async def me(request: web.Request) -> web.Response:
    await request.read()
    return ok({"authToken": request.headers["authToken"], "jwt": request.headers["authToken"]})


async def initiate(request: web.Request) -> web.Response:
    body = orjson.loads(await request.read())
    caller, receiver = request.headers["authToken"], body["receiver"]
    session_id = f"v1.floor.{next(session_ids)}"
    calls[session_id] = (caller, receiver)
    encoded = await tell(receiver, message(session_id, caller, receiver, caller, "initiated"))
    return web.Response(body=b'{"data":' + encoded + b"}", content_type="application/json")


async def update(request: web.Request) -> web.Response:
    body = orjson.loads(await request.read())
    session_id, actor = request.match_info["sessionId"], request.headers["authToken"]
    caller, receiver = calls[session_id]
    other = receiver if actor == caller else caller
    encoded = await tell(other, message(session_id, caller, receiver, actor, body["status"]))
    return web.Response(body=b'{"data":' + encoded + b"}", content_type="application/json")


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    uid = None
    async for frame in ws:
        if frame.type is web.WSMsgType.TEXT and uid is None:
            uid = orjson.loads(frame.data)["body"]["auth"]
            sockets[uid] = ws
            await ws.send_frame(b'{"type":"auth","body":{"code":"200","status":"OK"}}', web.WSMsgType.TEXT)
    if uid is not None and sockets.get(uid) is ws:
        del sockets[uid]
    return ws


def application() -> web.Application:
    app = web.Application()
    app.router.add_post("/v3.0/users/{uid}/auth_tokens", auth_token)
    app.router.add_put("/v3.0/me", me)
    app.router.add_post("/v3.0/calls", initiate)
    app.router.add_put("/v3.0/calls/{sessionId}", update)
    app.router.add_get("/", websocket)
    return app


if __name__ == "__main__":
    raw_server.main(application, "protocol floor")
