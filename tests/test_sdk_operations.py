"""The adapter contract as SDK calls (ringcheck/sdk/operations.py), shared by the SDK and browser
devices: which SDK operation each contract method runs, with which arguments, and how its answer
and a listener callback read. A device with a recording ``_run`` stands in for Node and Chromium,
which the bridge's and the browser's own tests (tests/sdk, tests/browser) run for real."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ringcheck.adapter import Callback, CallStatus, CallType, ListenerEvent, ReceiverType
from ringcheck.sdk import BridgeError, SdkOperations, listener_event

CALL = {
    "sessionId": "v1.local.ringcheck.000001",
    "status": "initiated",
    "type": "audio",
    "receiverType": "user",
    "initiator": "alex",
    "receiver": "bob",
    "sender": "alex",
}


class Recording(SdkOperations):
    """Answers every operation with ``answer`` and remembers what it was asked."""

    label = "alex-1"

    def __init__(self, answer: Any = CALL) -> None:
        self.answer = answer
        self.ran: list[tuple[str, dict[str, Any], str]] = []

    def _run(self, op: str, args: Mapping[str, Any], what: str, timeout: float | None = None) -> Any:
        self.ran.append((op, dict(args), what))
        return self.answer

    def settle(self) -> None:
        """Nothing in flight: every answer here is immediate."""


class NoTimeout(Recording):
    def _check_initiate(self, timeout: float | None, what: str) -> None:
        if timeout is not None:
            raise BridgeError(f"{self.label}: {what}: no timeout here")


def test_each_contract_method_runs_its_sdk_call_with_its_arguments() -> None:
    device = Recording()
    info = device.initiate_call("bob", ReceiverType.USER, CallType.VIDEO, timeout=45)
    device.accept_call("s1")
    device.reject_call("s1", CallStatus.BUSY)
    device.end_call("s1")
    device.get_active_call()
    device.clear_active_call()
    device.add_call_listener("l1")
    device.remove_call_listener("l1")
    assert [(op, args) for op, args, _ in device.ran] == [
        ("initiateCall", {"receiverId": "bob", "receiverType": "user", "callType": "video", "timeout": 45}),
        ("acceptCall", {"sessionId": "s1"}),
        ("rejectCall", {"sessionId": "s1", "status": "busy"}),
        ("endCall", {"sessionId": "s1"}),
        ("getActiveCall", {}),
        ("clearActiveCall", {}),
        ("addCallListener", {"listenerId": "l1"}),
        ("removeCallListener", {"listenerId": "l1"}),
    ]
    assert device.ran[0][2] == "initiateCall(Call(bob, video, user), timeout=45)"
    assert (info.session_id, info.status, info.initiator) == (CALL["sessionId"], CallStatus.INITIATED, "alex")


def test_no_call_is_none_where_the_sdk_may_resolve_none_and_a_failure_where_it_may_not() -> None:
    device = Recording(answer=None)
    assert device.end_call("s1") is None
    assert device.get_active_call() is None
    with pytest.raises(BridgeError, match=r"alex-1: rejectCall\(s1, rejected\) resolved with no Call"):
        device.reject_call("s1", CallStatus.REJECTED)


def test_a_call_ringcheck_cannot_read_is_a_bridge_error_naming_the_operation() -> None:
    device = Recording(answer={**CALL, "status": "ringing-ish"})
    with pytest.raises(BridgeError, match=r"alex-1: acceptCall\(s1\): the SDK's Call is not one ringcheck understands"):
        device.accept_call("s1")


def test_a_check_refuses_before_anything_runs() -> None:
    device = NoTimeout()
    with pytest.raises(BridgeError, match="no timeout here"):
        device.initiate_call("bob", ReceiverType.USER, CallType.AUDIO, timeout=45)
    assert device.ran == []


def test_a_listener_callback_reads_as_an_event_and_an_odd_one_is_recorded_not_raised() -> None:
    notes: list[str] = []
    payload = {"listenerId": "l1", "callback": "onIncomingCallReceived", "call": CALL}
    event = listener_event(payload, "bob-1", notes.append)
    assert isinstance(event, ListenerEvent) and event.callback is Callback.INCOMING_CALL_RECEIVED
    assert (event.listener_id, event.call.session_id) == ("l1", CALL["sessionId"])
    assert listener_event({**payload, "call": {"sessionId": "x"}}, "bob-1", notes.append) is None
    assert listener_event({**payload, "callback": "onSomethingElse"}, "bob-1", notes.append) is None
    assert len(notes) == 2 and all(n.startswith("bob-1: a listener callback ringcheck cannot read") for n in notes)
