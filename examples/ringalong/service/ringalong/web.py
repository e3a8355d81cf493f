"""ringalong's HTTP API: JSON under /v1, one server-sent-event stream per device, /test for tests."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .model import Problem, Service

PEOPLE = {"alex", "bob", "carol", "dave"}


class Streams:
    """What each device has been sent, in order; a stream replays it from where the client is."""

    def __init__(self) -> None:
        self.events: dict[str, list[str]] = {}
        self.changed = asyncio.Condition()

    def push(self, device: str, what: str, ring: dict[str, str]) -> None:
        queue = self.events.setdefault(device, [])
        queue.append(f"id: {len(queue) + 1}\nevent: {what}\ndata: {json.dumps(ring)}\n\n")
        asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self.changed:
            self.changed.notify_all()


def problem(exc: Problem) -> web.Response:
    return web.json_response({"problem": {"code": exc.code, "detail": exc.detail}}, status=exc.status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as exc:
        return problem(exc)


async def body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise Problem("bad-json", "the body must be a JSON object", 400) from None
    if not isinstance(data, dict):
        raise Problem("bad-json", "the body must be a JSON object", 400)
    return data


def make_app() -> web.Application:  # noqa: PLR0915 (the routes, read in one place)
    streams = Streams()
    service = Service(set(PEOPLE), streams.push)
    ids = itertools.count(1)
    app = web.Application(middlewares=[problems])

    def user_of(device: object) -> str:
        if not isinstance(device, str) or device not in service.devices:
            raise Problem("no-such-device", f"no device {device!r} is signed in", 401)
        return service.devices[device]

    async def sign_in(request: web.Request) -> web.Response:
        user = (await body(request)).get("user")
        if user not in service.people:
            raise Problem("no-such-person", f"nobody is called {user}", 404)
        device = f"dev-{next(ids)}"
        service.devices[device] = str(user)
        streams.events[device] = []
        return web.json_response({"device": device}, status=201)

    async def sign_out(request: web.Request) -> web.Response:
        service.devices.pop(request.match_info["device"], None)
        return web.json_response({})

    async def position(request: web.Request) -> web.Response:
        device = request.match_info["device"]
        user_of(device)
        return web.json_response({"position": len(streams.events.get(device, []))})

    async def events(request: web.Request) -> web.StreamResponse:
        device = request.match_info["device"]
        user_of(device)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        sent = int(request.headers.get("Last-Event-ID", "0"))
        while device in service.devices:
            queue = streams.events.get(device, [])
            while sent < len(queue):
                await response.write(queue[sent].encode())
                sent += 1
            async with streams.changed:
                try:
                    await asyncio.wait_for(streams.changed.wait(), timeout=1.0)
                except TimeoutError:
                    await response.write(b": still here\n\n")
        return response

    async def start(request: web.Request) -> web.Response:
        data = await body(request)
        caller = user_of(data.get("device"))
        seconds = data.get("ring_seconds", 45)
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise Problem("bad-ring-seconds", "ring_seconds must be a number", 400)
        ring = service.start(caller, str(data["device"]), str(data.get("to")), str(data.get("media")), seconds)
        return web.json_response({"ring": ring.view()}, status=201)

    def act(name: str) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            data = await body(request)
            device = str(data.get("device"))
            user = user_of(device)
            ring_id = request.match_info["ring"]
            if name == "answer":
                ring = service.answer(ring_id, user, device)
            elif name in ("decline", "busy"):
                ring = service.decline(ring_id, user, device, busy=name == "busy")
            elif name == "withdraw":
                ring = service.withdraw(ring_id, user, device)
            else:
                ring = service.hang_up(ring_id, user, device)
            return web.json_response({"ring": ring.view()})

        return handler

    async def advance(request: web.Request) -> web.Response:
        seconds = (await body(request)).get("seconds")
        if not isinstance(seconds, int | float) or seconds < 0:
            raise Problem("bad-seconds", "seconds must be a number >= 0", 400)
        service.advance(float(seconds))
        return web.json_response({"now": service.now})

    async def reset(request: web.Request) -> web.Response:
        service.reset()
        return web.json_response({})

    app.router.add_post("/v1/devices", sign_in)
    app.router.add_delete("/v1/devices/{device}", sign_out)
    app.router.add_get("/v1/devices/{device}/events", events)
    app.router.add_get("/v1/devices/{device}/position", position)
    app.router.add_post("/v1/rings", start)
    for name in ("answer", "decline", "busy", "withdraw", "hangup"):
        app.router.add_post(f"/v1/rings/{{ring}}/{name}", act(name))
    app.router.add_post("/test/advance", advance)
    app.router.add_post("/test/reset", reset)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="ringalong", description="a small ringing service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port)
