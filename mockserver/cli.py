"""``python -m mockserver`` / ``ringcheck-mockserver``: serve until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import math
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from .calls import KEEP_ENDED_CALLS
from .config import DEFAULT_API_KEY, DEFAULT_APP_ID, ON_RECONNECT, ServerConfig
from .cors import checked_origin
from .directory import DEFAULT_SEED, load_seed
from .server import MockServer

FULL_PASS_EVERY = 1000
"""Middle-generation passes between two full ones (CPython's default is 10)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mockserver",
        description="A mock CometChat call server for the ringing flow (REST + WebSocket, protocol v3.0).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one and prints it (default: 0)")
    parser.add_argument("--app-id", default=DEFAULT_APP_ID, help="app id clients use (default: %(default)s)")
    parser.add_argument(
        "--api-key",
        default=DEFAULT_API_KEY,
        help="key for login(uid, authKey) and the steering API (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=Path, help="users and groups, JSON or TOML (default: alex, bob, carol, dave, team)"
    )
    parser.add_argument("--tls", action="store_true", help="serve HTTPS/WSS with a generated CA; prints the CA file")
    parser.add_argument("--tls-dir", type=Path, help="where to write the CA file (default: a temporary folder)")
    parser.add_argument("--admin", action="store_true", help="enable the steering API at /_admin/ (virtual clock)")
    parser.add_argument(
        "--ring-expiry",
        type=float,
        metavar="SECONDS",
        help="the server marks calls still ringing after SECONDS unanswered (default: off)",
    )
    parser.add_argument(
        "--keep-ended-calls",
        type=int,
        default=KEEP_ENDED_CALLS,
        metavar="N",
        help="ended calls remembered (every live call is kept); older ones are forgotten (default: %(default)s)",
    )
    parser.add_argument(
        "--on-reconnect",
        choices=ON_RECONNECT,
        default="nothing",
        help="what a device that reconnects is sent: nothing, or current-state (the latest message of "
        "every call that changed while it was away) (default: %(default)s)",
    )
    parser.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="event loop: uvloop is faster; auto uses it where it is installed (default: %(default)s)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also answer CORS for web pages from ORIGIN (e.g. http://dev.example:3000; '*' for any); "
        "loopback origins always are (repeatable)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


async def serve(config: ServerConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with MockServer(config) as server:
        # Everything made so far (modules, the seed's people) lives as long as the process: move
        # it out of the collector's way, so its full passes walk only what serving made.
        gc.freeze()
        # And make those full passes rare: the journal keeps its latest 20,000 entries, so survivors
        # pile up and CPython ran a full pass about every thousand flows, a pause of 60-100 ms
        # (benchmarks/profiles/) that sat in the event latency's p99. Serving makes no cycles of
        # garbage to speak of, so the young generations' passes keep memory where it was.
        gc.set_threshold(*gc.get_threshold()[:2], FULL_PASS_EVERY)
        print(server.banner(), flush=True)
        await stop.wait()


def loop_runner(choice: str) -> Callable[[Coroutine[Any, Any, None]], None] | None:
    """How to run the server: uvloop's loop where asked or available, else asyncio's; None if
    uvloop was asked for and is not installed."""
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:
            return None if choice == "uvloop" else asyncio.run
        return uvloop.run
    return asyncio.run


def config_of(args: argparse.Namespace) -> ServerConfig:
    """The server's settings from its flags; ValueError, before anything is served, names the
    flag that cannot work (or the seed file that cannot be read)."""
    seed = load_seed(args.seed) if args.seed else DEFAULT_SEED
    if args.ring_expiry is not None and not 0 < args.ring_expiry < math.inf:
        raise ValueError("--ring-expiry must be a positive number of seconds")
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be 0 to 65535, not {args.port}")
    if args.keep_ended_calls < 0:
        raise ValueError(f"--keep-ended-calls must be 0 or more, not {args.keep_ended_calls}")
    return ServerConfig(
        host=args.host,
        port=args.port,
        app_id=args.app_id,
        api_key=args.api_key,
        seed=seed,
        admin=args.admin,
        tls=args.tls,
        tls_dir=args.tls_dir,
        ring_expiry=args.ring_expiry,
        keep_ended_calls=args.keep_ended_calls,
        cors_origins=tuple(checked_origin(origin) for origin in args.cors_origin),
        on_reconnect=args.on_reconnect,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s")
    try:
        config = config_of(args)
    except ValueError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    runner = loop_runner(args.loop)
    if runner is None:
        print("mockserver: --loop uvloop needs uvloop installed (pip install uvloop)", file=sys.stderr)
        return 2
    try:
        runner(serve(config))
    except OSError as exc:
        print(f"mockserver: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
