"""Where the time goes under the flow benchmark: the mock server, the load client, the raw handler.

Two samplers:

- ``--sampler cprofile`` (the default, no extra install): runs ``python -m cProfile -m mockserver``
  in its own process, drives complete call flows at it from this one as ``bench_server.py`` does,
  stops it and prints the functions that cost the most (own time, then cumulative). cProfile
  roughly doubles the cost of every Python call, so it says *where*, not *how much*.
- ``--sampler py-spy`` (``pip install py-spy``): samples the server, this client and, with
  ``--raw``, the minimal aiohttp handler under the same client, 200 times a second without
  slowing them much, and prints for each the share of busy samples spent in each function
  (own, then inclusive) and in a few named parts of the flow. That is how to tell the server's
  cost from the client's, which shares the two cores.

The summaries kept in ``benchmarks/profiles/`` come from here.

With ``--floor`` (cProfile), the protocol's floor (:mod:`floor_server`) is profiled under the
same flows too, and what the mock spends beyond it is printed by part and by aiohttp function.

Usage: python benchmarks/profile_server.py [--sampler cprofile|py-spy] [--raw] [--floor] [--pairs 50]
       [--flows 3000] [--top 30] [mockserver args...]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import io
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import closed_loop, in_batches, process, raw_rate, run_client, seed_file
from load import Device

PARTS = {
    "HTTP parsing and request objects (aiohttp)": ("web_protocol.py", "web_request.py", "http_parser.py"),
    "routing and the middleware chain (aiohttp)": ("web_app.py", "web_urldispatcher.py", "web_middlewares.py"),
    "responses: headers and writes (aiohttp)": ("web_response.py", "http_writer.py", "helpers.py"),
    "WebSocket frames (aiohttp)": ("web_ws.py", "writer.py", "reader_py.py", "reader_c", "client_ws.py"),
    "the mock's middleware and handlers": ("mockserver/app.py", "mockserver/rest.py", "mockserver/inputs.py"),
    "the mock's state machine and messages": ("mockserver/calls.py", "mockserver/wire.py", "mockserver/service.py"),
    "the mock's delivery (hub)": ("mockserver/hub.py",),
    "the mock's journal": ("mockserver/journal.py",),
    "JSON": ("json/", "jsonio.py", "orjson"),
    "asyncio / uvloop internals": ("asyncio/", "uvloop", "base_events.py", "events.py"),
    "the load client": ("benchmarks/load.py", "bench_server.py", "streams.py"),
}


async def drive(url: str, pairs: int, flows: int, raw_url: str | None) -> tuple[float, float]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        everyone = [Device(http, url, f"p{i}", f"bench-p{i}") for i in range(2 * pairs)]
        await in_batches([d.login for d in everyone], 50)
        rate, _ = await closed_loop(list(zip(everyone[::2], everyone[1::2], strict=True)), flows)
        await asyncio.gather(*(d.close() for d in everyone))
        raw = (await raw_rate(http, raw_url, pairs, 3 * flows))[0] if raw_url else 0.0
        return rate, raw


def print_cprofile(stats_file: Path, top: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        print(f"--- by {order} ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


OWN_FILES = ("/mockserver/", "floor_server.py")


def own_times(stats_file: Path) -> dict[tuple[str, str], tuple[float, int]]:
    """Own seconds and calls per ``(file, function)``; files under site-packages by their package path."""
    found: dict[tuple[str, str], tuple[float, int]] = {}
    for (file, _, function), (_, calls, own, _, _) in pstats.Stats(str(stats_file)).stats.items():  # type: ignore[attr-defined]
        key = (file.split("site-packages/")[-1], function)
        seconds, count = found.get(key, (0.0, 0))
        found[key] = (seconds + own, count + calls)
    return found


def part_of(file: str, function: str) -> str:
    if "importlib" in file or function in ("<module>", "<built-in method builtins.compile>"):
        return "start-up (imports)"
    if file.startswith("aiohttp/"):
        return "aiohttp"
    if any(own in file for own in OWN_FILES):
        return "the server's own code"
    return "C functions called from Python" if file == "~" else "asyncio and the rest"


def compare_cprofiles(mock_file: Path, floor_file: Path, top: int) -> None:
    """Where the mock spends more than the protocol's floor: by part, then aiohttp's functions
    (and C functions) by how much more own time they take in the mock for the same flows."""
    mock, floor = own_times(mock_file), own_times(floor_file)
    for name, times in (("mock", mock), ("floor", floor)):
        parts: dict[str, float] = {}
        for (file, function), (seconds, _) in times.items():
            parts[part_of(file, function)] = parts.get(part_of(file, function), 0.0) + seconds
        ordered = sorted(parts.items(), key=lambda item: -item[1])
        print(f"{name}: " + ", ".join(f"{part} {seconds:.3f} s" for part, seconds in ordered))
    print("--- aiohttp and C functions, mock minus floor (own seconds; calls) ---")
    shared = [key for key in mock.keys() | floor.keys() if key[0].startswith("aiohttp/") or key[0] == "~"]
    gaps = sorted(shared, key=lambda key: mock.get(key, (0.0, 0))[0] - floor.get(key, (0.0, 0))[0], reverse=True)
    for key in gaps[:top]:
        (m, m_calls), (f, f_calls) = mock.get(key, (0.0, 0)), floor.get(key, (0.0, 0))
        print(f"{m - f:+.3f}  {key[0]}:{key[1]}  mock {m:.3f} ({m_calls})  floor {f:.3f} ({f_calls})")


FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^:]*)(?::\d+)?\)$")


def frames_of(stack: str) -> list[tuple[str, str]]:
    """``(function, file)`` for each frame of a py-spy raw stack, outermost first."""
    found = []
    for frame in stack.split(";"):
        match = FRAME.match(frame)
        found.append((match["name"], match["file"]) if match else (frame, ""))
    return found


def print_samples(title: str, raw_file: Path, top: int) -> None:
    """Own and inclusive shares of busy samples per function, and per part of the flow."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    parts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw_file.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = frames_of(stack)
        name, file = frames[-1]
        own[f"{name} ({Path(file).name})"] += count
        for label in {f"{n} ({Path(f).name})" for n, f in frames}:
            inclusive[label] += count
        part = next((p for p, needles in PARTS.items() if any(n in file for n in needles)), "other")
        parts[part] += count
    print(f"=== {title}: {total} busy samples ===")
    print("--- by part (the innermost frame's file) ---")
    for part, count in parts.most_common():
        print(f"{100 * count / max(total, 1):5.1f} %  {part}")
    for heading, counter in (("own", own), ("inclusive", inclusive)):
        print(f"--- by function, {heading} ---")
        for label, count in counter.most_common(top):
            print(f"{100 * count / max(total, 1):5.1f} %  {label}")


def with_cprofile(folder: Path, serve: list[str], args: argparse.Namespace) -> None:
    """The server under cProfile, and with ``--floor`` the protocol's floor too, then the difference."""
    stats_file = folder / "server.prof"
    with process([sys.executable, "-m", "cProfile", "-o", str(stats_file), *serve], r"on (http://\S+)") as (url, _):
        profiled, _ = asyncio.run(drive(url, args.pairs, args.flows, None))
    print(f"{args.flows} flows, {args.pairs} pairs, server under cProfile: {profiled:.0f} flows/s")
    print_cprofile(stats_file, args.top)
    if not args.floor:
        return
    floor_file = folder / "floor.prof"
    floor = [sys.executable, "-m", "cProfile", "-o", str(floor_file), str(Path(__file__).with_name("floor_server.py"))]
    with process([*floor, "--loop", "uvloop"], r"on (http://\S+)") as (floor_url, _):
        profiled, _ = asyncio.run(drive(floor_url, args.pairs, args.flows, None))
    print(f"=== the same flows against the protocol's floor under cProfile: {profiled:.0f} flows/s ===")
    compare_cprofiles(stats_file, floor_file, args.top)


@contextmanager
def sampling(py_spy: str, pid: int, out: Path, native: bool = False) -> Iterator[None]:
    """py-spy sampling ``pid`` while the block runs (idle time not counted); ``native`` adds C frames."""
    command = [py_spy, "record", "--pid", str(pid), "-r", "200", "-f", "raw", "-o", str(out)]
    command += ["--native"] if native else ["--nonblocking"]  # native stacks need the process paused
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as spy:
        try:
            yield
        finally:
            spy.send_signal(2)  # py-spy writes its file on SIGINT
            spy.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sampler", choices=["cprofile", "py-spy"], default="cprofile")
    parser.add_argument("--raw", action="store_true", help="py-spy: also the minimal handler under the same client")
    parser.add_argument("--native", action="store_true", help="py-spy: the server's C frames too (GC, uvloop)")
    parser.add_argument("--keep", type=Path, help="py-spy: copy the raw stacks into this folder")
    parser.add_argument("--floor", action="store_true", help="cprofile: also the protocol's floor, and the difference")
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--flows", type=int, default=3000)
    parser.add_argument("--top", type=int, default=30)
    args, server_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        seed = seed_file(folder, args.pairs, 0)
        serve = ["-m", "mockserver", "--port", "0", "--seed", str(seed), *server_args]
        if args.sampler == "cprofile":
            with_cprofile(folder, serve, args)
            return
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(py_spy).exists():
            raise SystemExit("--sampler py-spy needs py-spy: pip install py-spy")
        loop = ["--loop", next((a for a in server_args if a in ("asyncio", "uvloop")), "uvloop")]
        raw_command = [sys.executable, str(Path(__file__).with_name("raw_server.py")), *loop]
        with (
            process([sys.executable, *serve], r"on (http://\S+)") as (url, pid),
            process(raw_command, r"on (http://\S+)") as (raw_url, raw_pid),
        ):
            files = {who: folder / f"{who}.txt" for who in ("server", "client", "raw")}
            with sampling(py_spy, pid, files["server"], args.native), sampling(py_spy, os.getpid(), files["client"]):
                rate: float = 0.0

                async def flows_only() -> None:
                    nonlocal rate
                    rate, _ = await drive(url, args.pairs, args.flows, None)

                run_client(flows_only())
            raw = 0.0
            if args.raw:
                with sampling(py_spy, raw_pid, files["raw"]), sampling(py_spy, os.getpid(), folder / "rawc.txt"):

                    async def raw_only() -> None:
                        nonlocal raw
                        async with aiohttp.ClientSession() as http:
                            raw = (await raw_rate(http, raw_url, args.pairs, 3 * args.flows))[0]

                    run_client(raw_only())
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            for raw_file in folder.glob("*.txt"):
                shutil.copy(raw_file, args.keep / raw_file.name)
        print(f"{args.flows} flows, {args.pairs} pairs, sampled by py-spy: {rate:.0f} flows/s; raw {raw:.0f} req/s")
        print_samples("mock server, complete flows", files["server"], args.top)
        print_samples("load client, complete flows", files["client"], args.top)
        if args.raw:
            print_samples("minimal aiohttp handler", files["raw"], args.top)
            print_samples("load client, raw requests", folder / "rawc.txt", args.top)


if __name__ == "__main__":
    main()
