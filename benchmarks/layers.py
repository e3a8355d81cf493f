"""What aiohttp's own layers cost per request, measured with the benchmarks' client on loopback.

Why: the issue's yardstick (:mod:`raw_server`) is a minimal *application*, so its rate already
includes everything aiohttp does per request: building the request object, routing, the
middleware chain (empty), building, preparing and writing the response. Any mock server written
as an aiohttp application pays that too. This prints the same client's rate against three
servers, each answering the same fixed JSON to every request, each a layer less of aiohttp:

1. ``application``: :mod:`raw_server` (``web.Application``, a catch-all route);
2. ``low-level``: ``web.Server`` with one handler (no application, router or middleware chain,
   still aiohttp's request and response objects);
3. ``parser only``: an ``asyncio.Protocol`` that feeds aiohttp's HTTP parser and writes a
   prepared answer (no request or response objects at all; not a server anyone should run:
   it has no error handling, no limits and no keep-alive timeout).

The gap between 1 and 3 is the share of each request that aiohttp's web layer takes; a server
can only go below it by not answering through that layer. Figures only, printed; each server
runs in its own process on 127.0.0.1, on uvloop where installed, as ``bench_server.py`` runs them.

Usage: python benchmarks/layers.py [--workers 50] [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import aiohttp
from aiohttp import web
from aiohttp.http_parser import HttpRequestParser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import cpu_seconds, process, raw_rate, run_client
from raw_server import ANSWER

PREPARED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
    + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
    + ANSWER
)


async def _answer(request: web.BaseRequest) -> web.Response:
    await request.read()
    return web.Response(body=ANSWER, content_type="application/json")


class ParserOnly(asyncio.Protocol):
    """aiohttp's C parser and nothing else of aiohttp: one prepared answer per parsed request."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not an asyncio.Transport subclass
        self.parser = HttpRequestParser(self, asyncio.get_running_loop(), 2**16)  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        messages, _, _ = self.parser.feed_data(data)
        for _ in messages:
            self.transport.write(PREPARED)

    # What the parser asks of its protocol for the bodies it reads (flow control): nothing to do.
    def pause_reading(self, *args: Any, **kwargs: Any) -> None:
        """Never paused: every body here is a few bytes."""

    def resume_reading(self, *args: Any, **kwargs: Any) -> None:
        """Never paused, so nothing to resume."""


async def _listen(start: Callable[[asyncio.AbstractEventLoop], Awaitable[asyncio.Server]], name: str) -> None:
    loop = asyncio.get_running_loop()
    server = await start(loop)
    print(f"{name} on http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def serve(kind: str) -> None:
    """Run one of the servers in this process (the benchmark starts each with ``--serve``)."""

    async def start(loop: asyncio.AbstractEventLoop) -> asyncio.Server:
        if kind == "low-level":
            return await loop.create_server(web.Server(_answer, access_log=None), "127.0.0.1", 0)
        return await loop.create_server(ParserOnly, "127.0.0.1", 0)

    run_client(_listen(start, kind))  # the same loop choice as the client's: uvloop where installed


async def measure(url: str, pid: int, workers: int, requests: int) -> tuple[float, float]:
    """Requests/s after a warm-up, and the server's CPU per request."""
    async with aiohttp.ClientSession() as http:
        await raw_rate(http, url, workers, 10 * workers)
        cpu = cpu_seconds(pid)
        rate, done = await raw_rate(http, url, workers, requests)
        return rate, (cpu_seconds(pid) - cpu) / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=50, help="concurrent request loops (default 50)")
    parser.add_argument("--requests", type=int, default=20_000, help="requests to time per server (default 20000)")
    parser.add_argument("--serve", choices=["low-level", "parser only"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    here = Path(__file__).resolve().parent
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"  # as run_client chooses
    servers = {
        "application (raw_server.py)": [sys.executable, str(here / "raw_server.py"), "--loop", loop],
        "low-level web.Server": [sys.executable, __file__, "--serve", "low-level"],
        "parser only (no web layer)": [sys.executable, __file__, "--serve", "parser only"],
    }
    rates: dict[str, float] = {}
    cpus: dict[str, float] = {}
    for name, command in servers.items():
        with process(command, r"on (http://\S+)") as (url, pid):
            result: list[tuple[float, float]] = []

            async def drive(url: str = url, pid: int = pid, into: list[tuple[float, float]] = result) -> None:
                into.append(await measure(url, pid, args.workers, args.requests))

            run_client(drive())
            rate, cpu = result[0]
        rates[name], cpus[name] = rate, cpu
        print(f"{name}: {rate:.0f} requests/s, server CPU {1e6 * cpu:.0f} us per request", flush=True)
    application, bare = "application (raw_server.py)", "parser only (no web layer)"
    print(f"the application's rate as a share of the parser-only rate: {rates[application] / rates[bare]:.2f}")
    layer = cpus[application] - cpus[bare]
    print(
        f"aiohttp's web layer: {1e6 * layer:.0f} us of the application's {1e6 * cpus[application]:.0f} us "
        f"of server CPU per request ({layer / cpus[application]:.0%})"
    )


if __name__ == "__main__":
    main()
