"""How fast and how lean the mock server is, measured from outside over real loopback sockets.

Starts ``python -m mockserver`` in its own process (so the server and the clients each have a
core), logs pairs of reference-client devices in, and drives complete calls (ring, accept, end,
each party told) in concurrent waves. Prints throughput, latency percentiles per call flow, and
the server's resident memory per connected device. Figures only: compare them within one run or
between commits on the same machine; nothing here asserts a time.

Usage: python benchmarks/bench_server.py [--pairs 50] [--calls 2000] [--idle 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from mockserver.clock import SystemClock
from ringcheck.adapter import CallStatus, CallType, ListenerEvent, ReceiverType
from ringcheck.wire.device import WireDevice
from ringcheck.wire.session import Endpoint


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) if match else 0


class Party:
    """A device plus an event queue, so a flow can await "told" without sleeping."""

    def __init__(self, endpoint: Endpoint, uid: str, http: aiohttp.ClientSession) -> None:
        self.events: asyncio.Queue[ListenerEvent] = asyncio.Queue()
        self.device = WireDevice(endpoint, uid, http, SystemClock(), self.events.put_nowait, lambda _line: None)
        self.session = self.device.session
        self.device.add_call_listener("bench")

    async def told(self, status: CallStatus) -> None:
        event = await asyncio.wait_for(self.events.get(), 10)
        if event.call.status is not status:
            raise RuntimeError(f"expected {status}, got {event.call.status}")


async def one_call(caller: Party, receiver: Party) -> float:
    started = time.perf_counter()
    call = await caller.device.initiate_call(receiver.device.uid, ReceiverType.USER, CallType.AUDIO, None)
    await receiver.told(CallStatus.INITIATED)
    await receiver.device.accept_call(call.session_id)
    await caller.told(CallStatus.ONGOING)
    await caller.device.end_call(call.session_id)
    await receiver.told(CallStatus.ENDED)
    caller.device.clear_active_call()
    receiver.device.clear_active_call()
    return time.perf_counter() - started


def seed_file(folder: Path, users: int) -> Path:
    path = folder / "bench-seed.json"
    path.write_text(json.dumps({"users": [{"uid": f"u{i}", "name": f"User {i}"} for i in range(users)]}))
    return path


async def drive(url: str, server_pid: int, pairs: int, calls: int, idle: int) -> None:
    endpoint = Endpoint(url, "ringcheck", "ringcheck-api-key")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        base_rss = rss_kib(server_pid)
        parties = [Party(endpoint, f"u{i}", http) for i in range(2 * pairs)]
        started = time.perf_counter()
        await asyncio.gather(*(p.session.login() for p in parties))
        login_seconds = time.perf_counter() - started
        print(
            f"logged in {len(parties)} devices in {login_seconds:.2f} s ({len(parties) / login_seconds:.0f} logins/s)"
        )

        latencies: list[float] = []
        started = time.perf_counter()
        for _ in range(max(1, calls // pairs)):
            latencies += await asyncio.gather(*(one_call(parties[2 * i], parties[2 * i + 1]) for i in range(pairs)))
        elapsed = time.perf_counter() - started
        latencies.sort()
        print(
            f"{len(latencies)} complete calls ({pairs} at a time) in {elapsed:.2f} s: "
            f"{len(latencies) / elapsed:.0f} calls/s, {6 * len(latencies) / elapsed:.0f} operations+events/s"
        )
        print(
            f"one call flow (ring, accept, end, both told): p50 {1000 * statistics.median(latencies):.1f} ms, "
            f"p95 {1000 * latencies[int(0.95 * len(latencies)) - 1]:.1f} ms, max {1000 * latencies[-1]:.1f} ms"
        )

        busy_rss = rss_kib(server_pid)
        extra = [Party(endpoint, f"u{i}", http) for i in range(idle)]
        await asyncio.gather(*(p.session.login() for p in extra))
        idle_rss = rss_kib(server_pid)
        print(
            f"server memory: {base_rss / 1024:.1f} MiB at start, {busy_rss / 1024:.1f} MiB after the calls "
            f"(journal included), +{(idle_rss - busy_rss) / max(1, idle):.1f} KiB per extra connected device "
            f"({idle} devices)"
        )
        await asyncio.gather(*(p.session.close() for p in parties + extra))


def main(pairs: int, calls: int, idle: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        seed = seed_file(Path(folder), max(2 * pairs, idle))
        command = [sys.executable, "-m", "mockserver", "--port", "0", "--seed", str(seed)]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
            try:
                assert server.stdout is not None
                banner = server.stdout.readline()
                url = re.search(r"on (http://\S+)", banner)
                if url is None:
                    raise RuntimeError(f"the server did not start: {banner!r}")
                asyncio.run(drive(url.group(1), server.pid, pairs, calls, idle))
            finally:
                server.terminate()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=500)
    args = parser.parse_args()
    main(args.pairs, args.calls, args.idle)
