"""The server's cost per flow in CPU instructions, beside the minimal handler's per request.

Why: on a shared machine CPU time per flow moves by 20 % from run to run with the other users'
load, which hides a 2 % change. Instructions executed do not depend on the load: each server
runs under valgrind's callgrind with counting switched on only while the timed flows (or raw
requests) run, so start-up, logins and warm-up are left out. The ratio printed is the issue's
ratio in instructions: (raw instructions per request) / (flow instructions / 3). It counts user
space only (not the kernel's share of the socket writes, nor cache misses), so it reads higher
than the ratio of rates; use it to compare changes, and ``bench_server.py`` for the figures.

Needs valgrind (``callgrind_control`` on the PATH). Slow: about a minute per server.

Usage: python benchmarks/instructions.py [--pairs 10] [--flows 300] [--keep DIR] [mockserver args...]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_server
from bench_server import closed_loop, in_batches, process, raw_rate, run_client, seed_file
from load import Device


def counting(pid: int, on: bool) -> None:
    subprocess.run(["callgrind_control", f"--instr={'on' if on else 'off'}", str(pid)], check=True, capture_output=True)


async def flows(url: str, pid: int, pairs: int, count: int) -> None:
    async with aiohttp.ClientSession() as http:
        everyone = [Device(http, url, f"p{i}", f"bench-p{i}") for i in range(2 * pairs)]
        couples = list(zip(everyone[::2], everyone[1::2], strict=True))
        await in_batches([d.login for d in everyone], 10)
        await closed_loop(couples, 2 * pairs)
        counting(pid, True)
        await closed_loop(couples, count)
        counting(pid, False)
        await asyncio.gather(*(d.close() for d in everyone))


async def raw_requests(url: str, pid: int, pairs: int, count: int) -> None:
    async with aiohttp.ClientSession() as http:
        await raw_rate(http, url, pairs, 2 * pairs)
        counting(pid, True)
        await raw_rate(http, url, pairs, count)
        counting(pid, False)


def instructions(command: list[str], out: Path, drive: Callable[[str, int], Coroutine[Any, Any, None]]) -> int:
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    with process(valgrind + command, r"on (http://\S+)") as (url, pid):
        run_client(drive(url, pid))
    totals = re.search(r"^totals:\s+(\d+)", out.read_text(), re.MULTILINE)
    if totals is None:
        raise SystemExit(f"callgrind wrote no totals to {out}")
    return int(totals.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--flows", type=int, default=300)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the callgrind files there (for callgrind_annotate)"
    )
    args, server_args = parser.parse_known_args()
    bench_server.PHASE_SECONDS = 600.0  # under valgrind everything is some 50 times slower
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            folder = args.keep
        seed = seed_file(folder, args.pairs, 0)
        raw_server = [sys.executable, str(Path(__file__).with_name("raw_server.py")), "--loop", "uvloop"]
        raw = instructions(
            raw_server, folder / "raw.out", lambda url, pid: raw_requests(url, pid, args.pairs, 3 * args.flows)
        ) / (3 * args.flows)
        floor_server = [sys.executable, str(Path(__file__).with_name("floor_server.py")), "--loop", "uvloop"]
        floor = (
            instructions(floor_server, folder / "floor.out", lambda url, pid: flows(url, pid, args.pairs, args.flows))
            / args.flows
        )
        mock_server = [sys.executable, "-m", "mockserver", "--port", "0", "--seed", str(seed), *server_args]
        flow = (
            instructions(mock_server, folder / "mock.out", lambda url, pid: flows(url, pid, args.pairs, args.flows))
            / args.flows
        )
    print(f"minimal aiohttp handler: {raw / 1000:.1f} k instructions per request")
    print(f"the protocol's floor: {floor / 1000:.1f} k instructions per flow, {floor / 3000:.1f} k per request+frame")
    print(f"mock server: {flow / 1000:.1f} k instructions per flow, {flow / 3000:.1f} k per request and its frame")
    print(f"ratio in instructions, raw request / (flow / 3): {raw / (flow / 3):.2f}")
    print(
        f"ratio in instructions, raw request / (floor flow / 3): {raw / (floor / 3):.2f} (the most a mock could reach)"
    )
    print(f"ratio in instructions, floor flow / mock flow: {floor / flow:.2f} (the mock's own work is the rest)")


if __name__ == "__main__":
    main()
