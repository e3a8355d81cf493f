"""The yardstick: a minimal aiohttp handler, so the mock server's rate reads as a share of aiohttp's.

It reads the body and answers a fixed ``{"data": ...}`` envelope, which is all an aiohttp
application must do per request; whatever the mock server spends beyond that is its own cost.
Run as its own process by ``bench_server.py``; prints the URL it serves on.

Usage: python benchmarks/raw_server.py [--loop asyncio|uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Callable

from aiohttp import web

ANSWER = b'{"data":{"ok":true}}'


async def answer(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=ANSWER, content_type="application/json")


def application() -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    return app


async def serve(app: web.Application, name: str) -> None:
    """Serve ``app`` on 127.0.0.1 until SIGINT or SIGTERM; the first line printed names the URL."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"{name} on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(make_app: Callable[[], web.Application] = application, name: str = "raw aiohttp") -> None:
    """Run a benchmark's yardstick server on the loop asked for (``--loop``)."""
    parser = argparse.ArgumentParser(description=f"{name}: a benchmark's yardstick server")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(serve(make_app(), name))
    else:
        asyncio.run(serve(make_app(), name))


if __name__ == "__main__":
    main()
