"""The harness's fault API through the embedded server: rules set from a step's thread, applied
to the reference client's devices, listed with their counts, and drawn in the report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ringcheck.adapter import CallStatus, CallType, ListenerEvent, ReceiverType
from ringcheck.faults import Fault, FaultRefused
from ringcheck.servers import EmbeddedServer, RemoteServer, wire_entries
from ringcheck.settings import Settings
from ringcheck.targets import Target, build


@pytest.fixture
def target() -> Iterator[Target]:
    built = build(Settings())
    try:
        yield built
    finally:
        built.close()


def test_fault_rules_are_set_applied_listed_removed_and_reported(target: Target) -> None:
    implementation = target.implementation
    assert implementation.capabilities.fault_control
    heard: list[ListenerEvent] = []
    alex = implementation.open_device("alex", "Alex's phone", lambda event: None)
    bob = implementation.open_device("bob", "Bob's phone", heard.append)
    bob.add_call_listener("app")
    control = implementation.faults()
    rule_id = control.add(Fault("drop", "bob", device=bob.wire_id, status="cancelled"))
    assert rule_id == "fault-1"
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob.settle()
    alex.reject_call(call.session_id, CallStatus.CANCELLED)
    bob.settle()
    assert [e.call.status for e in heard] == ["initiated"], "the cancel was dropped"
    [rule] = control.rules()
    assert (rule["id"], rule["applied"], rule["target"]) == ("fault-1", 1, {"uid": "bob", "device": bob.wire_id})
    faults = [w for w in implementation.wire_log() if w.kind == "fault"]
    assert [(w.device, w.text) for w in faults] == [
        ("Bob's phone", "⚡ dropped the cancelled event for bob (Bob's phone)")
    ]
    transcript = implementation.transcript()
    assert any("fault: fault fault-1: dropped the cancelled event for bob (Bob's phone)" in line for line in transcript)
    control.remove(rule_id)
    assert control.rules() == []
    alex.close()
    bob.close()


def test_a_bad_rule_is_refused_with_the_servers_reason(target: Target) -> None:
    with pytest.raises(Exception, match=r"match\.status"):
        target.implementation.faults().add(Fault("drop", "bob", status="ringing"))


def test_fault_to_json_speaks_the_rule_format() -> None:
    assert Fault("fail", "bob", operation="accept", error_code="ERR_INTERNAL", http_status=503).to_json() == {
        "action": "fail",
        "target": {"uid": "bob"},
        "match": {"operation": "accept"},
        "count": 1,
        "error": {"code": "ERR_INTERNAL", "httpStatus": 503},
    }
    assert Fault("drop", "bob", probability=0.5, seed=7).to_json() == {
        "action": "drop",
        "target": {"uid": "bob"},
        "probability": 0.5,
        "seed": 7,
    }
    assert Fault("refuse-reconnects", "bob", device="d", seconds=3, count=None).to_json() == {
        "action": "refuse-reconnects",
        "target": {"uid": "bob", "device": "d"},
        "count": None,
        "seconds": 3,
    }


def test_the_journal_s_fault_entries_become_wire_entries() -> None:
    entry = {
        "seq": 9,
        "kind": "fault",
        "summary": "fault fault-2: sent the ended event twice to bob (b-1)",
        "data": {"fault": "fault-2", "action": "duplicate", "uid": "bob", "device": "b-1", "status": "ended"},
    }
    [found] = wire_entries([entry])
    assert (found.kind, found.device, found.text, found.status) == (
        "fault",
        "b-1",
        "⚡ sent the ended event twice to bob (b-1)",
        "ended",
    )


@pytest.mark.asyncio
async def test_embedded_and_remote_servers_refuse_a_rule_with_the_same_exception() -> None:
    """A caller handles one exception type whichever server it steers."""
    embedded = EmbeddedServer()
    await embedded.start()
    remote = RemoteServer(embedded.endpoint, admin=True)
    await remote.start()
    try:
        for handle in (embedded, remote):
            with pytest.raises(FaultRefused, match=r"match\.status"):
                await handle.add_fault({"action": "drop", "target": {"uid": "bob"}, "match": {"status": "ringing"}})
            with pytest.raises(FaultRefused, match="nobody-at-all"):
                await handle.add_fault({"action": "drop", "target": {"uid": "nobody-at-all"}})
            with pytest.raises(FaultRefused, match="fault-9"):
                await handle.remove_fault("fault-9")
    finally:
        await remote.close()
        await embedded.close()
