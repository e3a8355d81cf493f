"""Where the mock server's time goes under the flow benchmark: cProfile on the server process.

Runs ``python -m cProfile -m mockserver`` in its own process, drives complete call flows at it
from this one as ``bench_server.py`` does, stops it, and prints the functions that cost the most
(own time, then cumulative). The summaries kept in ``benchmarks/profiles/`` come from here.

Usage: python benchmarks/profile_server.py [--pairs 50] [--flows 3000] [--top 30] [mockserver args...]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import pstats
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import closed_loop, in_batches, process, seed_file
from load import Device


async def drive(url: str, pairs: int, flows: int) -> float:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        everyone = [Device(http, url, f"p{i}", f"bench-p{i}") for i in range(2 * pairs)]
        await in_batches([d.login for d in everyone], 50)
        rate, _ = await closed_loop(list(zip(everyone[::2], everyone[1::2], strict=True)), flows)
        await asyncio.gather(*(d.close() for d in everyone))
        return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--flows", type=int, default=3000)
    parser.add_argument("--top", type=int, default=30)
    args, server_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as folder:
        stats_file = Path(folder) / "server.prof"
        seed = seed_file(Path(folder), args.pairs, 0)
        command = [sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m", "mockserver"]
        command += ["--port", "0", "--seed", str(seed), *server_args]
        with process(command, r"on (http://\S+)") as (url, _):
            rate = asyncio.run(drive(url, args.pairs, args.flows))
        print(f"{args.flows} flows, {args.pairs} pairs, server under cProfile: {rate:.0f} flows/s")
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(str(stats_file), stream=out)
            stats.strip_dirs().sort_stats(order).print_stats(args.top)
            print(f"--- by {order} ---")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


if __name__ == "__main__":
    main()
