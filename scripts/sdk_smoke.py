#!/usr/bin/env python3
"""Smoke test of the real-SDK adapter: unmodified CometChat JS SDK devices against the mock server.

Starts the mock server in-process (TLS on 127.0.0.1, a free port, virtual clock), then drives
real SDK devices through ringcheck's adapter:

1. one complete call: alex rings bob, bob accepts, alex ends; each side hears what it should;
2. the caller's 45 s no-answer timeout, fired through advance_time in well under a second;
3. a settle()-based "was not told" check: after bob rejects, carol (not a party) and bob
   himself (no echo of his own action) heard nothing more.

Prints what every party heard and the timings; exits 0 when everything held, 1 otherwise.
Needs ``npm ci --prefix sdkbridge`` first. Usage: ``python scripts/sdk_smoke.py [--plain] [--trace]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockserver import MockServer, ServerConfig, VirtualClock
from ringcheck.adapter import Callback, CallStatus, CallType, ListenerEvent, ReceiverType
from ringcheck.sdk import SdkDevice, SdkImplementation, SdkTarget

T = TypeVar("T")
WAIT = 5.0


class ServerThread:
    """The mock server on its own asyncio loop, so the synchronous adapter can call into it."""

    def __init__(self, tls: bool) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="mockserver", daemon=True)
        self.thread.start()
        self.server = MockServer(ServerConfig(admin=True, tls=tls))
        self.run(self.server.start())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def advance(self, seconds: float) -> None:
        clock = self.server.clock
        assert isinstance(clock, VirtualClock)
        self.run(clock.advance(seconds))

    def close(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class Ear:
    """What one device's listeners heard, with a bounded wait for the next thing."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.heard: list[ListenerEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: ListenerEvent) -> None:
        with self._cond:
            self.heard.append(event)
            self._cond.notify_all()

    def wait_for(self, callback: Callback, status: CallStatus | None = None, timeout: float = WAIT) -> ListenerEvent:
        def match() -> ListenerEvent | None:
            for event in self.heard:
                if event.callback == callback and (status is None or event.call.status == status):
                    return event
            return None

        with self._cond:
            found = self._cond.wait_for(match, timeout)
        if found is None:
            raise AssertionError(
                f"{self.label}: wanted {callback}{f' ({status})' if status else ''} within {timeout:g} s; "
                f"heard {[str(e.callback) for e in self.heard]}"
            )
        return found

    def take(self) -> list[ListenerEvent]:
        with self._cond:
            heard, self.heard = self.heard, []
        return heard


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def show(ear: Ear, events: list[ListenerEvent]) -> None:
    if not events:
        print(f"    {ear.label} heard nothing")
    for event in events:
        print(f"    {ear.label} heard {event.callback} [{event.listener_id}]: {event.call}")


def open_devices(
    impl: SdkImplementation, people: list[tuple[str, str]], timings: dict[str, float]
) -> dict[str, tuple[SdkDevice, Ear]]:
    opened: dict[str, tuple[SdkDevice, Ear]] = {}
    for uid, label in people:
        ear = Ear(label)
        start = time.perf_counter()
        device = impl.open_device(uid, label, ear)
        timings.setdefault("open_device ms (take warm process + login)", ms_since(start))
        if impl.last_ready is not None:
            timings.setdefault("process spawn -> SDK ready ms", impl.last_ready.spawn_to_ready_ms)
            timings.setdefault("device.js start -> init done ms", impl.last_ready.startup_ms)
        device.add_call_listener("L1")
        opened[uid] = (device, ear)
    return opened


def full_call(impl: SdkImplementation, timings: dict[str, float]) -> None:
    print("1. one complete call")
    parties = open_devices(impl, [("alex", "Alex's phone"), ("bob", "Bob's phone")], timings)
    (alex, alex_ear), (bob, bob_ear) = parties["alex"], parties["bob"]
    start = time.perf_counter()
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    ring = bob_ear.wait_for(Callback.INCOMING_CALL_RECEIVED)
    assert ring.call.session_id == call.session_id, (ring, call)
    accepted = bob.accept_call(call.session_id)
    assert accepted.status == CallStatus.ONGOING, accepted
    alex_ear.wait_for(Callback.OUTGOING_CALL_ACCEPTED)
    ended = alex.end_call(call.session_id)
    assert ended is not None and ended.status == CallStatus.ENDED, ended
    bob_ear.wait_for(Callback.CALL_ENDED_MESSAGE_RECEIVED)
    alex.settle()
    bob.settle()
    timings["one full call ms (initiate..ended heard, settled)"] = ms_since(start)
    print(f"    initiateCall -> {call}")
    for _, ear in parties.values():
        show(ear, ear.take())
    assert alex.get_active_call() is None, "alex's SDK still has an active call after endCall"
    assert bob.get_active_call() is None, "bob's SDK still has an active call after the ended event"
    for device, _ in parties.values():
        device.close()


def no_answer_timeout(impl: SdkImplementation, timings: dict[str, float]) -> None:
    print("2. the caller's 45 s no-answer timeout, through advance_time")
    parties = open_devices(impl, [("alex", "Alex's phone"), ("bob", "Bob's phone")], timings)
    (alex, alex_ear), (bob, bob_ear) = parties["alex"], parties["bob"]
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.VIDEO)
    bob_ear.wait_for(Callback.INCOMING_CALL_RECEIVED)
    start = time.perf_counter()
    impl.advance_time(44)
    alex.settle()
    bob.settle()
    early = [e for e in alex_ear.heard + bob_ear.heard if e.callback != Callback.INCOMING_CALL_RECEIVED]
    assert not early, f"something happened before 45 s: {early}"
    impl.advance_time(1)
    rejected = alex_ear.wait_for(Callback.OUTGOING_CALL_REJECTED, CallStatus.UNANSWERED)
    cancelled = bob_ear.wait_for(Callback.INCOMING_CALL_CANCELLED, CallStatus.UNANSWERED)
    wall = ms_since(start)
    timings["45 s timeout wall ms (advance 44 + settle + advance 1 + both heard)"] = wall
    assert rejected.call.session_id == cancelled.call.session_id == call.session_id
    assert alex.get_active_call() is None, "the caller's active call survived its own timeout"
    for _, ear in parties.values():
        show(ear, ear.take())
    assert wall < 1000, f"the 45 s timeout took {wall:.0f} ms of real time"
    for device, _ in parties.values():
        device.close()


def not_told(impl: SdkImplementation, timings: dict[str, float]) -> None:
    print("3. settle(): who was not told")
    parties = open_devices(
        impl, [("alex", "Alex's phone"), ("bob", "Bob's phone"), ("carol", "Carol's phone")], timings
    )
    (alex, alex_ear), (bob, bob_ear), carol_ear = parties["alex"], parties["bob"], parties["carol"][1]
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_ear.wait_for(Callback.INCOMING_CALL_RECEIVED)
    bob_ear.take()
    bob.reject_call(call.session_id, CallStatus.REJECTED)
    alex_ear.wait_for(Callback.OUTGOING_CALL_REJECTED, CallStatus.REJECTED)
    start = time.perf_counter()
    for device, _ in parties.values():
        device.settle()
    timings["settle() of 3 devices ms"] = ms_since(start)
    for _, ear in parties.values():
        show(ear, list(ear.heard))
    assert not bob_ear.heard, f"bob was told about his own rejection: {bob_ear.heard}"
    assert not carol_ear.heard, f"carol, not a party, was told: {carol_ear.heard}"
    assert alex.get_active_call() is None, "the caller's active call survived the rejection"
    for device, _ in parties.values():
        device.close()


def bench(impl: SdkImplementation, server: ServerThread, rounds: int) -> None:
    """Measure what a suite pays per device: ``rounds`` x (open alex and bob, one call, close)."""
    opens: list[float] = []
    readies: list[float] = []
    calls: list[float] = []
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(rounds):
        ears = {uid: Ear(uid) for uid in ("alex", "bob")}
        devices = {}
        for uid, ear in ears.items():
            t = time.perf_counter()
            devices[uid] = impl.open_device(uid, f"{uid}'s phone", ear)
            opens.append(ms_since(t))
            if impl.last_ready is not None:
                readies.append(impl.last_ready.spawn_to_ready_ms)
            devices[uid].add_call_listener("L1")
        t = time.perf_counter()
        call = devices["alex"].initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
        ears["bob"].wait_for(Callback.INCOMING_CALL_RECEIVED)
        devices["bob"].accept_call(call.session_id)
        ears["alex"].wait_for(Callback.OUTGOING_CALL_ACCEPTED)
        devices["alex"].end_call(call.session_id)
        ears["bob"].wait_for(Callback.CALL_ENDED_MESSAGE_RECEIVED)
        calls.append(ms_since(t))
        for device in devices.values():
            device.close()
        server.run(server.server.reset())
    wall = time.perf_counter() - started
    impl.close()  # reap every child so its CPU time is counted
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    n = 2 * rounds
    node_cpu = (cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) / n
    py_cpu = (self_after.ru_utime + self_after.ru_stime - self_before.ru_utime - self_before.ru_stime) / n

    def stats(values: list[float]) -> str:
        ordered = sorted(values)
        return f"median {statistics.median(ordered):.0f} ms, p90 {ordered[int(len(ordered) * 0.9)]:.0f} ms"

    print(f"bench: {n} devices in {wall:.1f} s = {wall / n * 1000:.0f} ms of wall time per device")
    print(f"    open_device (warm process + login): {stats(opens)}")
    print(f"    spawn -> SDK ready (overlapped by the warm pool): {stats(readies)}")
    print(f"    one full call: {stats(calls)}")
    print(f"    CPU per device: Node {node_cpu * 1000:.0f} ms, Python (harness + mock server) {py_cpu * 1000:.0f} ms")
    print(f"    load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plain", action="store_true", help="plain HTTP/WS with the shim's loopback rewrite")
    parser.add_argument("--trace", action="store_true", help="print every HTTP exchange and frame the SDKs saw")
    parser.add_argument("--bench", type=int, metavar="ROUNDS", help="also time ROUNDS x (2 devices, one call)")
    args = parser.parse_args()

    server = ServerThread(tls=not args.plain)
    impl: SdkImplementation | None = None
    timings: dict[str, float] = {}
    try:
        srv = server.server
        ca = None if srv.tls is None else srv.tls.ca_file
        print(f"mock server: {srv.banner()}")
        target = SdkTarget.for_loopback(srv.client_host, srv.config.app_id, srv.config.api_key, ca, trace=args.trace)
        impl = SdkImplementation(target, advance_server=server.advance)
        steps: list[Callable[[SdkImplementation, dict[str, float]], None]] = [full_call, no_answer_timeout, not_told]
        for step in steps:
            step(impl, timings)
            server.run(srv.reset())
        print("timings:")
        for name, value in timings.items():
            print(f"    {name}: {value:.1f}")
        for line in impl.transcript():
            print(f"    transcript: {line}")
        if args.bench:
            bench(impl, server, args.bench)
        print("sdk smoke: OK")
        return 0
    except Exception as exc:
        print(f"sdk smoke: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        if impl is not None:
            for line in impl.transcript()[-40:]:
                print(f"    transcript: {line}", file=sys.stderr)
        return 1
    finally:
        if impl is not None:
            impl.close()
        server.close()


if __name__ == "__main__":
    raise SystemExit(main())
