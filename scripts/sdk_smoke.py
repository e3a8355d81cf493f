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
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ringcheck.adapter import Callback, CallStatus, CallType, ReceiverType
from ringcheck.background import BackgroundMockServer
from ringcheck.expect import listing
from ringcheck.journal import EventLog, shared_counter
from ringcheck.sdk import SdkDevice, SdkImplementation, SdkTarget


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def show(log: EventLog) -> None:
    heard = log.heard()
    if not heard:
        print(f"    {log.device} heard nothing")
    for h in heard:
        print(f"    {log.device} heard {h.event.callback} [{h.event.listener_id}]: {h.event.call}")


def open_devices(
    impl: SdkImplementation, people: list[tuple[str, str]], timings: dict[str, float]
) -> dict[str, tuple[SdkDevice, EventLog]]:
    opened: dict[str, tuple[SdkDevice, EventLog]] = {}
    counter = shared_counter()
    for uid, label in people:
        log = EventLog(label, counter)
        start = time.perf_counter()
        device = impl.open_device(uid, label, log)
        timings.setdefault("open_device ms (take warm process + login)", ms_since(start))
        if impl.last_ready is not None:
            timings.setdefault("process spawn -> SDK ready ms", impl.last_ready.spawn_to_ready_ms)
            timings.setdefault("device.js start -> init done ms", impl.last_ready.startup_ms)
        device.add_call_listener("L1")
        opened[uid] = (device, log)
    return opened


def full_call(impl: SdkImplementation, timings: dict[str, float]) -> None:
    print("1. one complete call")
    parties = open_devices(impl, [("alex", "Alex's phone"), ("bob", "Bob's phone")], timings)
    (alex, alex_log), (bob, bob_log) = parties["alex"], parties["bob"]
    start = time.perf_counter()
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    ring = bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    assert ring.call.session_id == call.session_id, (ring, call)
    accepted = bob.accept_call(call.session_id)
    assert accepted.status == CallStatus.ONGOING, accepted
    alex_log.wait_for(Callback.OUTGOING_CALL_ACCEPTED)
    ended = alex.end_call(call.session_id)
    assert ended is not None and ended.status == CallStatus.ENDED, ended
    bob_log.wait_for(Callback.CALL_ENDED_MESSAGE_RECEIVED)
    alex.settle()
    bob.settle()
    timings["one full call ms (initiate..ended heard, settled)"] = ms_since(start)
    print(f"    initiateCall -> {call}")
    for _, log in parties.values():
        show(log)
    assert alex.get_active_call() is None, "alex's SDK still has an active call after endCall"
    assert bob.get_active_call() is None, "bob's SDK still has an active call after the ended event"
    for device, _ in parties.values():
        device.close()


def no_answer_timeout(impl: SdkImplementation, timings: dict[str, float]) -> None:
    print("2. the caller's 45 s no-answer timeout, through advance_time")
    parties = open_devices(impl, [("alex", "Alex's phone"), ("bob", "Bob's phone")], timings)
    (alex, alex_log), (bob, bob_log) = parties["alex"], parties["bob"]
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.VIDEO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    start = time.perf_counter()
    impl.advance_time(44)
    alex.settle()
    bob.settle()
    early = [h for h in alex_log.heard() + bob_log.heard() if h.event.callback != Callback.INCOMING_CALL_RECEIVED]
    assert not early, f"something happened before 45 s: {listing(early)}"
    impl.advance_time(1)
    rejected = alex_log.wait_for(Callback.OUTGOING_CALL_REJECTED, CallStatus.UNANSWERED)
    cancelled = bob_log.wait_for(Callback.INCOMING_CALL_CANCELLED, CallStatus.UNANSWERED)
    wall = ms_since(start)
    timings["45 s timeout wall ms (advance 44 + settle + advance 1 + both heard)"] = wall
    assert rejected.call.session_id == cancelled.call.session_id == call.session_id
    assert alex.get_active_call() is None, "the caller's active call survived its own timeout"
    for _, log in parties.values():
        show(log)
    assert wall < 1000, f"the 45 s timeout took {wall:.0f} ms of real time"
    for device, _ in parties.values():
        device.close()


def not_told(impl: SdkImplementation, timings: dict[str, float]) -> None:
    print("3. settle(): who was not told")
    parties = open_devices(
        impl, [("alex", "Alex's phone"), ("bob", "Bob's phone"), ("carol", "Carol's phone")], timings
    )
    (alex, alex_log), (bob, bob_log), carol_log = parties["alex"], parties["bob"], parties["carol"][1]
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    rang = len(bob_log.heard())
    bob.reject_call(call.session_id, CallStatus.REJECTED)
    alex_log.wait_for(Callback.OUTGOING_CALL_REJECTED, CallStatus.REJECTED)
    start = time.perf_counter()
    for device, _ in parties.values():
        device.settle()
    timings["settle() of 3 devices ms"] = ms_since(start)
    for _, log in parties.values():
        show(log)
    told = bob_log.heard()[rang:]
    assert not told, f"bob was told about his own rejection: {listing(told)}"
    assert not carol_log.heard(), f"carol, not a party, was told: {listing(carol_log.heard())}"
    assert alex.get_active_call() is None, "the caller's active call survived the rejection"
    for device, _ in parties.values():
        device.close()


def bench(impl: SdkImplementation, server: BackgroundMockServer, rounds: int) -> None:
    """Measure what a suite pays per device: ``rounds`` x (open alex and bob, one call, close)."""
    opens: list[float] = []
    readies: list[float] = []
    calls: list[float] = []
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(rounds):
        counter = shared_counter()
        logs = {uid: EventLog(uid, counter) for uid in ("alex", "bob")}
        devices = {}
        for uid, log in logs.items():
            t = time.perf_counter()
            devices[uid] = impl.open_device(uid, f"{uid}'s phone", log)
            opens.append(ms_since(t))
            if impl.last_ready is not None:
                readies.append(impl.last_ready.spawn_to_ready_ms)
            devices[uid].add_call_listener("L1")
        t = time.perf_counter()
        call = devices["alex"].initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
        logs["bob"].wait_for(Callback.INCOMING_CALL_RECEIVED)
        devices["bob"].accept_call(call.session_id)
        logs["alex"].wait_for(Callback.OUTGOING_CALL_ACCEPTED)
        devices["alex"].end_call(call.session_id)
        logs["bob"].wait_for(Callback.CALL_ENDED_MESSAGE_RECEIVED)
        calls.append(ms_since(t))
        for device in devices.values():
            device.close()
        server.reset()
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

    server = BackgroundMockServer(tls=not args.plain)
    impl: SdkImplementation | None = None
    timings: dict[str, float] = {}
    try:
        print(f"mock server: {server.server.banner()}")
        at = server.endpoint
        target = SdkTarget.for_base_url(at.base_url, at.app_id, at.api_key, server.ca_file, trace=args.trace)
        impl = SdkImplementation(target, advance_server=server.advance)
        steps: list[Callable[[SdkImplementation, dict[str, float]], None]] = [full_call, no_answer_timeout, not_told]
        for step in steps:
            step(impl, timings)
            server.reset()
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
