"""A soak: many devices making random calls for a bounded time, every frame checked against the flow.

The server runs as ``python -m mockserver`` in its own process, on its real clock with the ring
expiry on (``--ring-expiry``). Users are paired; some have two devices. Each pair runs flows back
to back until ``--seconds`` have passed, each flow chosen at random (seeded): accepted and ended by
either side, rejected, busy, cancelled, marked unanswered by the caller's SDK, or left to ring
until the server's expiry. Every flow waits for each event it caused to reach the devices meant
to hear it (with a deadline, never a sleep), so the next request follows it, as an app would.

When every flow has finished, each device is read up to its pong (the barrier behind everything
the server sent it) and its frames compared with what its flows expected:

* lost: an expected event that never came;
* duplicated: an event heard more than once;
* unexpected: an event no flow expected at that device;
* out of order: an event heard after one the device should have heard later;
* stuck: a call that is not in a terminal status at the end (asked of the server; a call it has
  forgotten is counted apart: the server forgets only ended calls, beyond ``--keep-ended-calls``);
* forgotten too many: more calls forgotten than the calls made minus those the server keeps;
* refused: a request a flow expected to succeed that the server refused.

It prints those, the calls made, events expected and received, and the server's resident memory
after logging in, half-way and at the end, and exits 1 if anything was lost, duplicated,
unexpected, out of order, stuck or refused. Figures only otherwise: nothing asserts a speed.

Usage: python benchmarks/soak.py [--seconds 20] [--users 200] [--seed 1] [--ring-expiry 2] [--keep-ended-calls 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import API_KEY, APP_ID, Http, header_block

from mockserver.calls import KEEP_ENDED_CALLS

MIB = 1024 * 1024
DEADLINE = 15.0
"""The longest one event may take to arrive before it counts as lost (it normally takes ms)."""
TERMINAL = {"rejected", "busy", "cancelled", "unanswered", "ended"}
FLOWS = ["caller ends", "receiver ends", "rejected", "busy", "cancelled", "unanswered", "expires"]

Event = tuple[str, str]
"""(session id, status) of one call event a device heard."""


def rss_bytes(pid: int) -> int:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return 1024 * int(match.group(1)) if match else 0


class Refused(Exception):
    """A request a flow expected to succeed was refused."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        """The server's error code, when it answered with one."""


@dataclass(eq=False)
class Device:
    """One SDK device: its own keep-alive HTTP connection and WebSocket; every call frame kept."""

    http: aiohttp.ClientSession
    base_url: str
    uid: str
    device_id: str
    received: list[tuple[Event, str]] = field(default_factory=list)
    """Each call event heard, with the deviceId the frame named as its cause."""
    expected: list[tuple[Event, str | None]] = field(default_factory=list)
    """What the flows said this device must hear, in order; None: any cause (the server's timer)."""
    token: str = ""
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _pongs: asyncio.Queue[None] = field(default_factory=asyncio.Queue)
    _rest: Http | None = None
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _reader: asyncio.Task[None] | None = None

    async def request(self, method: str, path: str, body: dict[str, Any], admin: bool = False) -> Any:
        if self._rest is None:
            self._rest = Http(self.base_url)
        headers = {"appId": APP_ID, "resource": self.device_id, "sdk": "ringcheck-soak@1"}
        headers.update({"apiKey": API_KEY} if admin else {"authToken": self.token})
        block = header_block({**headers, "Content-Type": "application/json"})
        status, raw = await self._rest.request(method, f"/v3.0{path}", block, orjson.dumps(body))
        answer = orjson.loads(raw)
        if "data" not in answer:
            error = answer.get("error")
            code = error.get("code") if isinstance(error, dict) else None
            raise Refused(f"{self.device_id}: {method} {path} {body} was refused ({status}): {answer}", code)
        return answer["data"]

    async def login(self) -> None:
        user = await self.request("POST", f"/users/{self.uid}/auth_tokens", {}, admin=True)
        self.token = user["authToken"]
        me = await self.request("PUT", "/me", {})
        self._ws = await self.http.ws_connect(self.base_url + "/", max_msg_size=0)
        await self._ws.send_str(json.dumps({"type": "auth", "sender": self.uid, "deviceId": self.device_id,
                                            "body": {"auth": me["jwt"]}}))  # fmt: skip
        reply = json.loads((await self._ws.receive(timeout=30)).data)
        if reply.get("body", {}).get("code") != "200":
            raise Refused(f"{self.device_id}: the WebSocket refused the credentials: {reply}")
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            frame = orjson.loads(message.data)
            if frame.get("action") == "pong":
                self._pongs.put_nowait(None)
            elif frame.get("type") == "message":
                data = frame["body"]["data"]
                event = (str(data["entities"]["on"]["entity"]["sessionid"]), str(data["action"]))
                self.received.append((event, str(frame.get("deviceId"))))
                self._arrived.set()

    def expect(self, session_id: str, status: str, origin: str | None) -> None:
        self.expected.append(((session_id, status), origin))

    async def heard(self, session_id: str, status: str) -> bool:
        """Wait, with the deadline, until this device heard the event; False if it never came."""
        event = (session_id, status)
        try:
            async with asyncio.timeout(DEADLINE):
                while not any(e == event for e, _ in self.received):
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            return False
        return True

    async def settle(self) -> None:
        """The pong barrier: once it returns, every frame the server sent before has been read."""
        assert self._ws is not None
        await self._ws.send_str('{"action":"ping","ack":"true"}')
        async with asyncio.timeout(DEADLINE):
            await self._pongs.get()

    async def close(self) -> None:
        if self._rest is not None:
            await self._rest.close()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


@dataclass
class Tally:
    calls: int = 0
    flows: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    late: int = 0
    """Events a flow waited for past the deadline (counted again as lost at the end, if never heard)."""
    sessions: list[tuple[Device, str]] = field(default_factory=list)


async def flow(kind: str, caller: Device, receivers: list[Device], rng: random.Random, tally: Tally) -> None:
    """One call of the given kind; each event it causes is expected at its devices and awaited."""

    async def told(devices: list[Device], session_id: str, status: str, origin: str | None) -> None:
        for device in devices:
            device.expect(session_id, status, origin)
        for ok in await asyncio.gather(*(d.heard(session_id, status) for d in devices)):
            tally.late += not ok

    body = {"type": "audio", "receiverType": "user", "category": "call", "status": "initiated"}
    call = await caller.request("POST", "/calls", {**body, "receiver": receivers[0].uid})
    session_id = str(call["data"]["entities"]["on"]["entity"]["sessionid"])
    tally.calls += 1
    tally.sessions.append((caller, session_id))
    await told(receivers, session_id, "initiated", caller.device_id)
    answering = rng.choice(receivers)
    others = [d for d in receivers if d is not answering]

    async def move(actor: Device, status: str) -> None:
        await actor.request("PUT", f"/calls/{session_id}", {"status": status})

    if kind in ("caller ends", "receiver ends"):
        await move(answering, "ongoing")
        await told([caller, *others], session_id, "ongoing", answering.device_id)
        if kind == "caller ends":
            await move(caller, "ended")
            await told([answering], session_id, "ended", caller.device_id)
        else:
            await move(answering, "ended")
            await told([caller], session_id, "ended", answering.device_id)
    elif kind in ("rejected", "busy"):
        await move(answering, kind)
        await told([caller, *others], session_id, kind, answering.device_id)
    elif kind in ("cancelled", "unanswered"):
        await move(caller, kind)
        await told(receivers, session_id, kind, caller.device_id)
    else:  # nobody answers and the caller's app is gone: the server's ring expiry marks it
        await told([caller, *receivers], session_id, "unanswered", None)


async def pair_loop(
    caller_devices: list[Device], receivers: list[Device], until: float, rng: random.Random, tally: Tally
) -> None:
    while time.monotonic() < until:
        kind = rng.choice(FLOWS)
        caller = rng.choice(caller_devices)
        try:
            await flow(kind, caller, receivers, rng, tally)
        except Refused as refusal:
            tally.refused.append(str(refusal))
            return  # this pair's state is no longer known; its calls are still checked below
        tally.flows[kind] += 1
        # Swap roles now and then, so every device both calls and is called.
        if rng.random() < 0.5:
            caller_devices, receivers = receivers, caller_devices


def judge(device: Device) -> Counter[str]:
    """Compare what the device heard with what its flows expected."""
    counts: Counter[str] = Counter()
    expected_order = {event: i for i, (event, _) in enumerate(device.expected)}
    origins = dict(device.expected)
    heard = Counter(event for event, _ in device.received)
    for event, _ in device.expected:
        counts["lost"] += heard[event] == 0
    for event, times in heard.items():
        if event not in expected_order:
            counts["unexpected"] += times
        else:
            counts["duplicated"] += times - 1
    last = -1
    for event, cause in device.received:
        index = expected_order.get(event)
        if index is None:
            continue
        if index < last:
            counts["out of order"] += 1
        last = max(last, index)
        wanted = origins[event]
        counts["wrong cause"] += wanted is not None and cause != wanted
    return counts


@contextmanager
def server_process(seed: Path, ring_expiry: float, keep_ended_calls: int) -> Iterator[tuple[str, int]]:
    command = [sys.executable, "-m", "mockserver", "--port", "0", "--seed", str(seed)]
    command += ["--ring-expiry", str(ring_expiry), "--keep-ended-calls", str(keep_ended_calls)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            banner = server.stdout.readline()
            url = re.search(r"on (http://\S+)", banner)
            if url is None:
                raise RuntimeError(f"the mock server did not start: {banner!r}")
            yield url.group(1), server.pid
        finally:
            server.terminate()
            server.wait(10)


async def soak(args: argparse.Namespace, url: str, pid: int) -> int:
    rng = random.Random(args.seed)
    users = [f"s{i}" for i in range(args.users)]
    # Every WebSocket holds its connection: no pool limit.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        devices: dict[str, list[Device]] = {}
        for i, uid in enumerate(users):
            count = 2 if i % 4 == 0 else 1  # a quarter of the users have a second device
            devices[uid] = [Device(http, url, uid, f"{uid}-{n}") for n in range(1, count + 1)]
        everyone = [d for ds in devices.values() for d in ds]
        for start in range(0, len(everyone), 50):
            await asyncio.gather(*(d.login() for d in everyone[start : start + 50]))
        rss_start = rss_bytes(pid)
        tally = Tally()
        began = time.monotonic()
        until = began + args.seconds
        pairs = [(devices[users[i]], devices[users[i + 1]]) for i in range(0, len(users) - 1, 2)]
        loops = [asyncio.create_task(pair_loop(a, b, until, random.Random(rng.random()), tally)) for a, b in pairs]

        async def middle() -> int:
            await asyncio.wait(loops, timeout=args.seconds / 2)
            return rss_bytes(pid)

        rss_middle = await middle()
        await asyncio.gather(*loops)
        finished = time.monotonic()
        for start in range(0, len(everyone), 50):
            await asyncio.gather(*(d.settle() for d in everyone[start : start + 50]))
        counts: Counter[str] = Counter()
        for device in everyone:
            counts.update(judge(device))
        stuck = forgotten = 0
        for caller, session_id in tally.sessions:
            try:
                call = await caller.request("GET", f"/calls/{session_id}", {})
            except Refused as unknown:
                # The server keeps every live call and only the latest ended ones
                # (--keep-ended-calls): a call it forgot had ended, so it is not stuck.
                if unknown.code != "ERR_CALL_SESSION_NOT_FOUND":
                    raise
                forgotten += 1
                continue
            stuck += call["data"]["entities"]["on"]["entity"]["status"] not in TERMINAL
        rss_end = rss_bytes(pid)
        for device in everyone:
            await device.close()

    expected = sum(len(d.expected) for d in everyone)
    received = sum(len(d.received) for d in everyone)
    print(
        f"soak: {args.users} users on {len(everyone)} devices, {len(pairs)} pairs, {args.seconds:g} s "
        f"(flows finished after {finished - began:.1f} s), ring expiry {args.ring_expiry:g} s, seed {args.seed}"
    )
    print(f"calls made: {tally.calls} (" + ", ".join(f"{k} {n}" for k, n in sorted(tally.flows.items())) + ")")
    print(f"events expected: {expected}, received: {received}")
    print(f"calls the server had forgotten by the end (ended, beyond the ended calls it keeps): {forgotten}")
    faults = {name: counts[name] for name in ("lost", "duplicated", "unexpected", "out of order", "wrong cause")}
    faults["stuck calls"] = stuck
    # Every call has ended by now, so the server may have forgotten all but the latest it keeps;
    # forgetting more would mean it dropped calls it had to keep (a live one among them).
    faults["forgotten too many"] = max(0, forgotten - max(0, tally.calls - args.keep_ended_calls))
    faults["refused requests"] = len(tally.refused)
    print(", ".join(f"{name}: {n}" for name, n in faults.items()) + f" (waited past the deadline: {tally.late})")
    print(
        f"server RSS: start {rss_start / MIB:.1f} MiB, middle {rss_middle / MIB:.1f} MiB, "
        f"end {rss_end / MIB:.1f} MiB (growth {(rss_end - rss_start) / MIB:+.1f} MiB, "
        f"{(rss_end - rss_start) / max(1, tally.calls):.0f} bytes a call)"
    )
    for refusal in tally.refused[:5]:
        print(f"refused: {refusal}")
    failed = any(faults.values())
    print("FAILED: something was lost, duplicated, stuck or refused" if failed else "OK: nothing was lost")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long flows keep starting (default 20)")
    parser.add_argument("--users", type=int, default=200, help="users, paired; a quarter on two devices (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random flows (default 1)")
    parser.add_argument(
        "--ring-expiry", type=float, default=2.0, help="the server's ring expiry, real seconds (default 2)"
    )
    parser.add_argument(
        "--keep-ended-calls",
        type=int,
        default=KEEP_ENDED_CALLS,
        help=f"the server's bound on ended calls it remembers (default {KEEP_ENDED_CALLS})",
    )
    args = parser.parse_args(argv)
    if args.users < 2 or args.seconds <= 0 or args.ring_expiry <= 0 or args.keep_ended_calls < 0:
        parser.error("--users must be at least 2, --seconds and --ring-expiry positive, --keep-ended-calls 0 or more")
    with tempfile.TemporaryDirectory() as folder:
        seed = Path(folder) / "soak-seed.json"
        users = [{"uid": f"s{i}", "name": f"S{i}"} for i in range(args.users)]
        seed.write_text(json.dumps({"users": users}))
        with server_process(seed, args.ring_expiry, args.keep_ended_calls) as (url, pid):
            return asyncio.run(soak(args, url, pid))


if __name__ == "__main__":
    sys.exit(main())
