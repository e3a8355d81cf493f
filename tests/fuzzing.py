"""What the fuzz tests share: a real mock server on its own loop thread, the checks every answer
must pass, and the normal flow that must still work afterwards.

Hypothesis drives synchronous examples (one request, one raw byte stream, one frame at a time),
so the server runs on a :class:`~ringcheck.loopthread.LoopThread` and every look at its state
happens on that loop. The number of examples is small in CI and raised with
``RINGCHECK_FUZZ_EXAMPLES``; each test prints how many cases it ran and what came back.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from hypothesis import HealthCheck, settings

from mockserver import MockServer, ServerConfig
from ringcheck.loopthread import LoopThread

from .support import Api, Login, World, world

T = TypeVar("T")


def examples(default: int) -> int:
    """``default`` examples, or ``RINGCHECK_FUZZ_EXAMPLES`` of them (a longer, nightly run)."""
    return int(os.environ.get("RINGCHECK_FUZZ_EXAMPLES", default))


def fuzz_settings(default: int) -> settings:
    """Seeded (the same cases on every run, so a failure reproduces), no deadline (a busy CI
    machine is slow, and speed is the benchmarks' business), nothing stored between runs."""
    return settings(
        max_examples=examples(default),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@dataclass
class Tally:
    """What a fuzz run sent and got, printed at its end so the figures can be quoted."""

    name: str
    cases: int = 0
    answers: collections.Counter[str] = field(default_factory=collections.Counter)
    server_errors: int = 0

    def saw(self, answer: str | int) -> None:
        self.cases += 1
        self.answers[str(answer)] += 1
        if isinstance(answer, int) and answer >= 500:
            self.server_errors += 1

    def line(self) -> str:
        common = ", ".join(f"{k}: {v}" for k, v in sorted(self.answers.items(), key=lambda kv: -kv[1])[:30])
        return f"fuzz {self.name}: {self.cases} cases, {self.server_errors} answered 5xx ({common})"


class ServerThread:
    """A mock server with the steering API on a free loopback port, on a loop thread of its own."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.loop = LoopThread(name="fuzzed-mockserver")
        self.server = MockServer(config or ServerConfig(admin=True))
        self.loop.run(self.server.start(), what="starting the mock server")

    def run(self, coro: Awaitable[T], timeout: float = 30.0) -> T:
        async def wrapped() -> T:
            return await coro

        return self.loop.run(wrapped(), timeout=timeout)

    def world(self) -> World:
        async def read() -> World:
            return world(self.server)

        return self.run(read())

    def with_api(self, use: Callable[[Api], Awaitable[T]]) -> T:
        """Run ``use`` with a fresh client of this server, on the server's loop."""

        async def session() -> T:
            async with aiohttp.ClientSession() as http:
                api = Api(self.server, http)
                try:
                    return await use(api)
                finally:
                    await api.close()

        return self.run(session())

    def close(self) -> None:
        try:
            self.run(self.server.stop())
        finally:
            self.loop.close()


@contextlib.contextmanager
def server_thread(config: ServerConfig | None = None) -> Iterator[ServerThread]:
    thread = ServerThread(config)
    try:
        yield thread
    except BaseException:
        with contextlib.suppress(Exception):  # the test's own failure is the one to see
            thread.close()
        raise
    thread.close()


async def normal_flow(api: Api, caller: str = "alex", callee: str = "bob") -> None:
    """A whole call between two freshly logged-in users: rung, accepted, ended, everyone told."""
    tag = os.urandom(3).hex()
    a, a_socket = await api.online(caller, f"{caller}-flow-{tag}")
    b, b_socket = await api.online(callee, f"{callee}-flow-{tag}")
    session_id = (await api.initiate(a, callee)).data["data"]["entities"]["on"]["entity"]["sessionid"]
    assert await b_socket.events() == [("initiated", a.device)]
    await api.update(b, session_id, "ongoing")
    assert await a_socket.events() == [("ongoing", b.device)]
    await api.update(a, session_id, "ended")
    assert await b_socket.events() == [("ended", a.device)]
    await asyncio.gather(a_socket.close(), b_socket.close())


async def logins(api: Api, *who: tuple[str, str]) -> list[Login]:
    return [await api.login(uid, device) for uid, device in who]


def answer_json(status: int, content_type: str, body: bytes) -> dict[str, Any] | None:
    """The checks every answer on ``/v3.0`` must pass; the parsed body, or None for a bodiless one."""
    import json

    assert status < 500, f"HTTP {status}: {body[:300]!r}"
    if not body:
        assert 200 <= status < 300 or status == 304, f"HTTP {status} with no body"
        return None
    assert content_type == "application/json", f"HTTP {status} as {content_type!r}: {body[:300]!r}"
    parsed = json.loads(body)
    assert isinstance(parsed, dict), parsed
    if status >= 400:
        error = parsed.get("error")
        assert isinstance(error, dict), parsed
        assert isinstance(error.get("code"), str) and error["code"], parsed
        assert isinstance(error.get("message"), str) and error["message"], parsed
    else:
        assert "data" in parsed, parsed
    return parsed
