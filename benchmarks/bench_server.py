"""How fast and how lean the mock server is, measured from outside over real loopback sockets.

The server runs as ``python -m mockserver`` in its own process; this process is the load client
(:mod:`load`). In one run it measures, in this order:

1. complete call flows per second with N concurrent pairs (initiate, ring delivered, accept,
   accept delivered, end, end delivered: 3 requests and 3 frames each);
2. the same client, N concurrent request loops, against a minimal aiohttp handler in a second
   server process (:mod:`raw_server`), and the ratio of the two counting a flow as 3 requests;
   then the same flows against the protocol's floor (:mod:`floor_server`: each request tells the
   other party in one frame and answers, nothing more), which says how much of that ratio any
   server on aiohttp could reach and how much is the mock's own work;
3. event latency (from sending a request to the other party reading its frame) at half the rate
   of step 1, paced;
4. logins per second while 10,000 devices log in and stay connected, and the server's resident
   memory per idle connected device;
5. the server's resident memory per ringing call, 5,000 calls ringing among those devices.

Figures only, printed: the machine is shared, so compare them within one run (hence the ratio);
nothing here asserts a time. Every loop is bounded in count and in time.

Usage: python benchmarks/bench_server.py [--pairs 50] [--flows 3000] [--devices 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Device

MIB = 1024 * 1024
PHASE_SECONDS = 20.0
"""No phase runs longer than this, whatever the counts asked for."""


def raise_fd_limit() -> int:
    """10,000 WebSockets need 10,000 descriptors on each side: soft limit up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_bytes(pid: int) -> int:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return 1024 * int(match.group(1)) if match else 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency_line(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    return (
        f"p50 {1000 * percentile(ordered, 0.50):.2f} ms, p99 {1000 * percentile(ordered, 0.99):.2f} ms, "
        f"max {1000 * ordered[-1]:.2f} ms ({len(ordered)} events)"
    )


@contextmanager
def process(command: list[str], pattern: str) -> Iterator[tuple[str, int]]:
    """A server process; yields the URL its first line announces, and its pid."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            banner = server.stdout.readline()
            url = re.search(pattern, banner)
            if url is None:
                raise RuntimeError(f"{command[2]} did not start: {banner!r}")
            yield url.group(1), server.pid
        finally:
            server.terminate()
            server.wait(10)


async def flow(caller: Device, receiver: Device) -> list[float]:
    """One complete call; the latency of each request to the other party's frame."""
    started = time.perf_counter()
    call = await caller.request("POST", "/calls", {"receiver": receiver.uid, "receiverType": "user", "type": "audio"})
    session_id = call["data"]["entities"]["on"]["entity"]["sessionid"]
    rung = await receiver.told("initiated")
    accepting = time.perf_counter()
    await receiver.request("PUT", f"/calls/{session_id}", {"status": "ongoing"})
    accepted = await caller.told("ongoing")
    ending = time.perf_counter()
    await caller.request("PUT", f"/calls/{session_id}", {"status": "ended"})
    ended = await receiver.told("ended")
    return [rung - started, accepted - accepting, ended - ending]


async def closed_loop(pairs: list[tuple[Device, Device]], flows: int) -> tuple[float, list[float]]:
    """Every pair runs flows back to back until ``flows`` were done or time is up; flows/s."""
    left = itertools.count()
    deadline = time.perf_counter() + PHASE_SECONDS
    latencies: list[float] = []
    done = 0

    async def run(caller: Device, receiver: Device) -> None:
        nonlocal done
        while next(left) < flows and time.perf_counter() < deadline:
            latencies.extend(await flow(caller, receiver))
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(run(*pair) for pair in pairs))
    return done / (time.perf_counter() - started), latencies


async def raw_rate(http: aiohttp.ClientSession, url: str, workers: int, requests: int) -> tuple[float, int]:
    """The same client's request rate against the minimal handler, ``workers`` loops at a time;
    and how many requests that was."""
    left = itertools.count()
    deadline = time.perf_counter() + PHASE_SECONDS
    body = {"receiver": "bob", "receiverType": "user", "type": "audio"}
    done = 0

    async def run(device: Device) -> None:
        nonlocal done
        while next(left) < requests and time.perf_counter() < deadline:
            await device.request("POST", "/calls", body)
            done += 1

    devices = [Device(http, url, "raw", f"raw-{i}") for i in range(workers)]
    started = time.perf_counter()
    await asyncio.gather(*(run(device) for device in devices))
    await asyncio.gather(*(device.close() for device in devices))
    return done / (time.perf_counter() - started), done


async def paced(pairs: list[tuple[Device, Device]], rate: float, seconds: float) -> tuple[float, list[float]]:
    """Start flows at ``rate`` per second on whichever pair is free; the achieved rate and latencies."""
    free: asyncio.Queue[tuple[Device, Device]] = asyncio.Queue()
    for pair in pairs:
        free.put_nowait(pair)
    latencies: list[float] = []
    count = max(1, int(rate * seconds))

    async def one(pair: tuple[Device, Device]) -> None:
        latencies.extend(await flow(*pair))
        free.put_nowait(pair)

    tasks = []
    started = time.perf_counter()
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)  # pacing the load, not waiting for an event
        tasks.append(asyncio.ensure_future(one(await asyncio.wait_for(free.get(), 10))))
    await asyncio.gather(*tasks)
    return count / (time.perf_counter() - started), latencies


async def in_batches(jobs: Sequence[Callable[[], Awaitable[object]]], at_once: int) -> float:
    """Run ``jobs`` with at most ``at_once`` in flight; the seconds it took."""
    queue = iter(jobs)
    started = time.perf_counter()

    async def worker() -> None:
        for job in queue:
            await job()

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(at_once))), 10 * PHASE_SECONDS)
    return time.perf_counter() - started


class TimedFlows(NamedTuple):
    rate: float
    """Complete flows per second."""
    latencies: list[float]
    server_cpu: float
    """The server's CPU seconds per flow."""
    client_cpu: float
    """This process's CPU seconds per flow."""

    def cpu_line(self) -> str:
        return (
            f"  CPU per flow: server {1e6 * self.server_cpu:.0f} us ({1e6 * self.server_cpu / 3:.0f} us per request "
            f"and its frame), client {1e6 * self.client_cpu:.0f} us"
        )


async def timed_flows(pairs: list[tuple[Device, Device]], pid: int, flows: int) -> TimedFlows:
    """``flows`` complete flows after a warm-up (connections open, code paths hot), with the CPU
    the server (``pid``) and this client spent on them."""
    await closed_loop(pairs, 2 * len(pairs))
    cpu, client_cpu = cpu_seconds(pid), time.process_time()
    rate, latencies = await closed_loop(pairs, flows)
    done = len(latencies) // 3
    cpu, client_cpu = cpu_seconds(pid) - cpu, time.process_time() - client_cpu
    return TimedFlows(rate, latencies, cpu / done, client_cpu / done)


async def floor_phase(
    http: aiohttp.ClientSession,
    url: str,
    pid: int,
    mock_pairs: list[tuple[Device, Device]],
    args: argparse.Namespace,
    raw: float,
    mock_rate: float,
) -> None:
    """The same pairs and flows against the protocol's floor; its rate beside the raw handler's and the mock's."""
    pairs = [(Device(http, url, a.uid, a.device_id), Device(http, url, b.uid, b.device_id)) for a, b in mock_pairs]
    await in_batches([d.login for pair in pairs for d in pair], 50)
    floor = await timed_flows(pairs, pid, args.flows)
    await asyncio.gather(*(d.close() for pair in pairs for d in pair))
    print(
        "the protocol's floor (floor_server.py: a request, a frame to the other party, an answer, nothing else), "
        f"same client and flows: {floor.rate:.0f} flows/s"
    )
    print(floor.cpu_line())
    print(
        f"  ratio (3 x floor flows/s) / raw requests/s: {3 * floor.rate / raw:.2f} "
        "(the most a mock on aiohttp could reach)"
    )
    print(f"  ratio mock flows/s / floor flows/s: {mock_rate / floor.rate:.2f} (the rest is the mock's own work)")


async def drive(
    args: argparse.Namespace, url: str, pid: int, raw_url: str, raw_pid: int, floor_url: str, floor_pid: int
) -> None:
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        everyone = [Device(http, url, f"p{i}", f"bench-p{i}") for i in range(2 * args.pairs)]
        pairs = list(zip(everyone[::2], everyone[1::2], strict=True))
        await in_batches([d.login for d in everyone], 50)
        mock = await timed_flows(pairs, pid, args.flows)
        rate = mock.rate
        print(f"complete flows, {args.pairs} concurrent pairs: {rate:.0f} flows/s ({3 * rate:.0f} requests/s)")
        print(f"  event latency at full load: {latency_line(mock.latencies)}")
        print(mock.cpu_line())
        raw_cpu, client_cpu = cpu_seconds(raw_pid), time.process_time()
        raw, raw_requests = await raw_rate(http, raw_url, args.pairs, 3 * args.flows)
        raw_cpu, client_cpu = cpu_seconds(raw_pid) - raw_cpu, time.process_time() - client_cpu
        print(f"minimal aiohttp handler, same client, {args.pairs} concurrent loops: {raw:.0f} requests/s")
        print(
            f"  CPU per request: server {1e6 * raw_cpu / raw_requests:.0f} us, "
            f"client {1e6 * client_cpu / raw_requests:.0f} us"
        )
        print(f"  ratio (3 x flows/s) / raw requests/s: {3 * rate / raw:.2f}")
        print(f"  ratio of server CPU, raw request / (flow / 3): {raw_cpu / raw_requests / (mock.server_cpu / 3):.2f}")
        await floor_phase(http, floor_url, floor_pid, pairs, args, raw, rate)
        achieved, latencies = await paced(pairs, rate / 2, args.paced_seconds)
        print(f"paced at half that rate ({achieved:.0f} flows/s): event latency {latency_line(latencies)}")

        before = rss_bytes(pid)
        idle = [Device(http, url, f"u{i}", f"bench-u{i}") for i in range(args.devices)]

        async def log_in(device: Device) -> None:
            await device.login()
            await device.idle()

        seconds = await in_batches([functools.partial(log_in, d) for d in idle], 100)
        connected = rss_bytes(pid)
        print(f"logins: {args.devices} devices in {seconds:.1f} s, {args.devices / seconds:.0f} logins/s")
        print(
            f"server memory: {before / MIB:.0f} MiB before, {connected / MIB:.0f} MiB with {args.devices} idle "
            f"devices connected: {(connected - before) / args.devices / 1024:.1f} KiB per idle device"
        )
        half = args.devices // 2
        ringing = [(idle[i], idle[i + half]) for i in range(half)]

        async def ring(caller: Device, receiver: Device) -> None:
            body = {"receiver": receiver.uid, "receiverType": "user", "type": "audio"}
            await caller.request("POST", "/calls", body)
            await caller.idle()  # back to the WebSocket alone: count the call, not an HTTP connection
            await receiver.told("initiated")

        seconds = await in_batches([functools.partial(ring, c, r) for c, r in ringing], 50)
        rung = rss_bytes(pid)
        print(
            f"server memory: {rung / MIB:.0f} MiB with {half} calls ringing: "
            f"{(rung - connected) / half / 1024:.1f} KiB per ringing call (the journal, full before, included); "
            f"{half / seconds:.0f} calls/s rung"
        )
        await asyncio.gather(*(d.close() for d in everyone + idle))


def run_client(coroutine: Coroutine[Any, Any, None]) -> None:
    """The client on uvloop where installed: the less CPU it takes, the more the server can have."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


def seed_file(folder: Path, pairs: int, devices: int) -> Path:
    users = [f"p{i}" for i in range(2 * pairs)] + [f"u{i}" for i in range(devices)]
    path = folder / "bench-seed.json"
    path.write_text(json.dumps({"users": [{"uid": uid, "name": uid.upper()} for uid in users]}))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50, help="concurrent caller/receiver pairs (default 50)")
    parser.add_argument("--flows", type=int, default=3000, help="complete flows to time (default 3000)")
    parser.add_argument("--paced-seconds", type=float, default=3.0, help="length of the paced run (default 3)")
    parser.add_argument("--devices", type=int, default=10_000, help="idle devices to connect (default 10000)")
    parser.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        help="both servers' event loop (default: uvloop where installed, as python -m mockserver does)",
    )
    args = parser.parse_args()
    limit = raise_fd_limit()
    print(
        f"machine: {os.cpu_count()} cores, Linux {os.uname().release}, Python {sys.version.split()[0]}, "
        f"{limit} file descriptors; servers on the {args.loop} loop, client on uvloop if installed"
    )
    with tempfile.TemporaryDirectory() as folder:
        seed = seed_file(Path(folder), args.pairs, args.devices)
        mock = [sys.executable, "-m", "mockserver", "--port", "0", "--seed", str(seed), "--loop", args.loop]
        raw = [sys.executable, str(Path(__file__).with_name("raw_server.py")), "--loop", args.loop]
        floor = [sys.executable, str(Path(__file__).with_name("floor_server.py")), "--loop", args.loop]
        with (
            process(mock, r"on (http://\S+)") as (url, pid),
            process(raw, r"on (http://\S+)") as (raw_url, raw_pid),
            process(floor, r"on (http://\S+)") as (floor_url, floor_pid),
        ):
            run_client(drive(args, url, pid, raw_url, raw_pid, floor_url, floor_pid))


if __name__ == "__main__":
    main()
