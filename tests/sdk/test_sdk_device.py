"""The real CometChat JS SDK, one Node process per device, against the mock server over TLS."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from ringcheck.adapter import Callback, CallStatus, CallType, ReceiverType, Refused
from ringcheck.background import BackgroundMockServer
from ringcheck.expect import listing
from ringcheck.sdk import BridgeDied, BridgeError, BridgeTimeout, SdkImplementation, SdkStuck, SdkTarget

from .conftest import Opener
from .support import callbacks, event_log, requires_sdk, sdk_target

pytestmark = requires_sdk


def test_one_complete_call(open_device: Opener) -> None:
    alex, alex_log = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")

    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    assert (call.status, call.initiator, call.receiver, call.sender) == (CallStatus.INITIATED, "alex", "bob", "alex")
    ring = bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    assert ring.call.session_id == call.session_id
    assert ring.listener_id == "L1"

    accepted = bob.accept_call(call.session_id)
    assert accepted.status is CallStatus.ONGOING
    assert bob.get_active_call() is not None
    alex_log.wait_for(Callback.OUTGOING_CALL_ACCEPTED, CallStatus.ONGOING)

    ended = alex.end_call(call.session_id)
    assert ended is not None and ended.status is CallStatus.ENDED
    bob_log.wait_for(Callback.CALL_ENDED_MESSAGE_RECEIVED, CallStatus.ENDED)
    alex.settle()
    bob.settle()
    assert alex.get_active_call() is None
    assert bob.get_active_call() is None
    assert callbacks(alex_log.heard()) == [Callback.OUTGOING_CALL_ACCEPTED]
    assert callbacks(bob_log.heard()) == [
        Callback.INCOMING_CALL_RECEIVED,
        Callback.CALL_ENDED_MESSAGE_RECEIVED,
    ]


def test_the_callers_active_call_keeps_status_initiated_after_accept(open_device: Opener) -> None:
    """SDK 4.2.0 never updates the caller's stored Call on accept (SDK-NOTES, pitfall 10)."""
    alex, alex_log = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.VIDEO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    bob.accept_call(call.session_id)
    alex_log.wait_for(Callback.OUTGOING_CALL_ACCEPTED)
    active = alex.get_active_call()
    assert active is not None and active.session_id == call.session_id
    assert active.status is CallStatus.INITIATED


def test_a_group_call_rings_every_member_but_the_caller(open_device: Opener) -> None:
    alex, alex_log = open_device("alex", "Alex's phone")
    _, bob_log = open_device("bob", "Bob's phone")
    _, carol_log = open_device("carol", "Carol's phone")
    call = alex.initiate_call("team", ReceiverType.GROUP, CallType.AUDIO)
    assert (call.receiver_type, call.receiver) == (ReceiverType.GROUP, "team")
    for log in (bob_log, carol_log):
        ring = log.wait_for(Callback.INCOMING_CALL_RECEIVED)
        assert (ring.call.receiver_type, ring.call.receiver, ring.call.initiator) == (
            ReceiverType.GROUP,
            "team",
            "alex",
        )
    alex.settle()
    assert alex_log.heard() == []


def test_sdk_and_server_refusals_become_refused(open_device: Opener) -> None:
    alex, _ = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    with pytest.raises(Refused) as calling_self:
        alex.initiate_call("alex", ReceiverType.USER, CallType.AUDIO)
    assert calling_self.value.code == "ERR_CALLING_SELF"
    with pytest.raises(Refused) as unknown:
        bob.accept_call("v1.no-such-call")
    assert unknown.value.code == "ERR_CALL_SESSION_NOT_FOUND"

    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    with pytest.raises(Refused) as second:
        alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    assert second.value.code == "CALL_ALREADY_INITIATED"  # the SDK's own rule: no request is sent
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    bob.accept_call(call.session_id)
    with pytest.raises(Refused) as in_call:
        bob.accept_call(call.session_id)
    assert in_call.value.code == "CALL_IN_PROGRESS"


def test_end_call_on_a_ringing_call_resolves_although_the_server_refuses(
    open_device: Opener, impl: SdkImplementation
) -> None:
    """SDK 4.2.0's endCall turns a refused PUT into a local 'ended' Call; the bridge notes it."""
    alex, _ = open_device("alex", "Alex's phone")
    _, bob_log = open_device("bob", "Bob's phone")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    ended = alex.end_call(call.session_id)
    assert ended is not None and ended.status is CallStatus.ENDED
    assert alex.get_active_call() is None
    notes = [line for line in impl.transcript() if "resolved although the server refused" in line]
    assert notes and "ERR_CALL_NOT_STARTED" in notes[0], impl.transcript()


def test_hidden_refusals_can_be_surfaced_as_refused(server: BackgroundMockServer) -> None:
    implementation = SdkImplementation(sdk_target(server), surface_hidden_refusals=True, warm_processes=0)
    try:
        alex = implementation.open_device("alex", "Alex's phone", event_log("alex"))
        bob_log = event_log("bob")
        bob = implementation.open_device("bob", "Bob's phone", bob_log)
        bob.add_call_listener("L1")
        call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
        bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
        with pytest.raises(Refused, match="resolved anyway") as refused:
            alex.end_call(call.session_id)
        assert refused.value.code == "ERR_CALL_NOT_STARTED"
    finally:
        implementation.close()
        server.reset()


def test_the_45_second_no_answer_timeout_runs_in_milliseconds(open_device: Opener, impl: SdkImplementation) -> None:
    alex, alex_log = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    started = time.perf_counter()

    impl.advance_time(44.9)
    alex.settle()
    bob.settle()
    assert alex_log.heard() == []
    assert alex.get_active_call() is not None

    impl.advance_time(0.1)
    rejected = alex_log.wait_for(Callback.OUTGOING_CALL_REJECTED, CallStatus.UNANSWERED)
    cancelled = bob_log.wait_for(Callback.INCOMING_CALL_CANCELLED, CallStatus.UNANSWERED)
    elapsed = time.perf_counter() - started
    assert rejected.call.session_id == cancelled.call.session_id == call.session_id
    assert alex.get_active_call() is None
    # Not a speed check (those live in benchmarks/): only that the SDK's 45 s did not pass in real time.
    assert elapsed < 30.0, f"45 s of SDK time took {elapsed:.2f} s of real time"


def test_a_custom_timeout_is_floored_and_an_accept_stops_it(open_device: Opener, impl: SdkImplementation) -> None:
    alex, alex_log = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO, timeout=10)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    impl.advance_time(9)
    bob.accept_call(call.session_id)
    alex_log.wait_for(Callback.OUTGOING_CALL_ACCEPTED)
    impl.advance_time(60)
    alex.settle()
    assert callbacks(alex_log.heard()) == [Callback.OUTGOING_CALL_ACCEPTED]


def test_a_timeout_is_counted_in_whole_seconds(open_device: Opener, impl: SdkImplementation) -> None:
    alex, alex_log = open_device("alex", "Alex's phone")
    _, bob_log = open_device("bob", "Bob's phone")
    alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO, timeout=30.7)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    impl.advance_time(29.9)
    alex.settle()
    assert alex_log.heard() == []
    impl.advance_time(0.1)
    alex_log.wait_for(Callback.OUTGOING_CALL_REJECTED, CallStatus.UNANSWERED)


def test_the_heartbeat_survives_a_long_advance(
    open_device: Opener, impl: SdkImplementation, server: BackgroundMockServer
) -> None:
    """15 s pings with a 3 s pong deadline on the SDK's clock: no reconnect after 5 minutes."""
    alex, _ = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    impl.advance_time(300)
    for device in (alex, bob):
        status = device.status()
        assert status["connection"] == "connected", status
        assert status["elapsedMs"] == 300_000
        assert device.connection == "connected"
    for device in (alex, bob):
        assert device.session_id
        connects = [line for line in server.journal() if device.session_id in line and line.endswith(" connected")]
        assert len(connects) == 1, f"{device.label} connected {len(connects)} times: {connects}"
    alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)


def test_settle_returns_only_after_earlier_frames_were_dispatched(open_device: Opener) -> None:
    """The ordering argument, checked many times: no wait but settle() between act and look."""
    alex, _ = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    for _ in range(25):
        before = len(bob_log.heard())
        call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
        bob.settle()
        heard = bob_log.heard()[before:]
        assert callbacks(heard) == [Callback.INCOMING_CALL_RECEIVED], listing(heard)
        alex.reject_call(call.session_id, CallStatus.CANCELLED)
        bob.settle()
        heard = bob_log.heard()[before:]
        assert callbacks(heard)[-1] == Callback.INCOMING_CALL_CANCELLED, listing(heard)
        assert alex.get_active_call() is None


def test_settle_tells_who_was_not_told(open_device: Opener) -> None:
    alex, alex_log = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    carol, carol_log = open_device("carol", "Carol's phone")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    before = len(bob_log.heard())
    bob.reject_call(call.session_id, CallStatus.REJECTED)
    alex_log.wait_for(Callback.OUTGOING_CALL_REJECTED, CallStatus.REJECTED)
    for device in (alex, bob, carol):
        device.settle()
    assert bob_log.heard()[before:] == [], "the rejecting device heard its own rejection"
    assert carol_log.heard() == [], "a user who is not a party heard about the call"


def test_settle_without_a_socket_fails_instead_of_passing_vacuously(
    open_device: Opener, server: BackgroundMockServer
) -> None:
    alex, _ = open_device("alex", "Alex's phone")
    server.reset()  # closes every WebSocket; the SDK reconnects only on its (fake) 5 s timer
    assert alex.wait_for_connection("disconnected", 5), alex.connection
    with pytest.raises(BridgeError, match="no open WebSocket"):
        alex.settle()


def test_cancel_without_an_active_call_fails_fast_instead_of_hanging(
    open_device: Opener, impl: SdkImplementation
) -> None:
    alex, _ = open_device("alex", "Alex's phone")
    _, bob_log = open_device("bob", "Bob's phone")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    alex.clear_active_call()
    started = time.perf_counter()
    with pytest.raises(SdkStuck, match=r"Alex's phone: rejectCall\(.*, cancelled\): never settles"):
        alex.reject_call(call.session_id, CallStatus.CANCELLED)
    assert time.perf_counter() - started < 2.0
    # The PUT did reach the server, so bob hears the cancel; the process survived the rejection.
    bob_log.wait_for(Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED)
    assert alex.get_active_call() is None
    assert any("unhandledRejection" in line for line in impl.transcript())


def test_ending_another_session_fails_fast_instead_of_hanging(open_device: Opener) -> None:
    alex, _ = open_device("alex", "Alex's phone")
    open_device("bob", "Bob's phone")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    with pytest.raises(SdkStuck, match=r"endCall\(v1\.other\): never settles .* another session"):
        alex.end_call("v1.other")
    active = alex.get_active_call()
    assert active is not None and active.session_id == call.session_id


def test_listeners_each_hear_replace_by_id_and_stop_when_removed(open_device: Opener) -> None:
    alex, _ = open_device("alex", "Alex's phone")
    bob, bob_log = open_device("bob", "Bob's phone")
    bob.add_call_listener("L2")
    bob.add_call_listener("L2")  # same id again replaces, never duplicates
    first = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob.settle()
    assert sorted(h.event.listener_id for h in bob_log.heard()) == ["L1", "L2"]
    alex.reject_call(first.session_id, CallStatus.CANCELLED)
    bob.remove_call_listener("L1")
    bob.settle()
    before = len(bob_log.heard())
    alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob.settle()
    assert [h.event.listener_id for h in bob_log.heard()[before:]] == ["L2"]


def test_a_dead_process_is_reported_not_waited_for(open_device: Opener) -> None:
    bob, _ = open_device("bob", "Bob's phone")
    bob.bridge.kill()
    with pytest.raises(BridgeDied, match=r"Bob's phone: the Node process \(pid \d+\) (exited|is exiting)"):
        bob.get_active_call()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_request_that_never_settles_fails_with_its_deadline(silent_port: int) -> None:
    target = SdkTarget(
        app_id="ringcheck",
        auth_key="ringcheck-api-key",
        host=f"127.0.0.1:{silent_port}/v3.0",
        plain=True,
        login_timeout=1.0,
    )
    implementation = SdkImplementation(target, warm_processes=0)
    try:
        started = time.perf_counter()
        with pytest.raises(BridgeTimeout, match=r"Bob's phone: login\(bob\) did not settle within 1 s"):
            implementation.open_device("bob", "Bob's phone", event_log("bob"))
        assert time.perf_counter() - started < 20.0  # the 1 s deadline fired, the bridge did not hang
    finally:
        implementation.close()


def test_plain_http_through_the_loopback_rewrite() -> None:
    server = BackgroundMockServer(tls=False)
    implementation = SdkImplementation(sdk_target(server), advance_server=server.advance, warm_processes=0)
    try:
        alex_log, bob_log = event_log("alex"), event_log("bob")
        alex = implementation.open_device("alex", "Alex's phone", alex_log)
        bob = implementation.open_device("bob", "Bob's phone", bob_log)
        bob.add_call_listener("L1")
        call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
        bob.settle()
        assert [h.event.call.session_id for h in bob_log.heard()] == [call.session_id]
    finally:
        implementation.close()
        server.close()
