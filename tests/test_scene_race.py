"""The scene's race is a real one: both accepts in flight at once, many times over, exactly one
wins and every party is told the same, whichever device won.

Runs the scene as the suite does (reference client, embedded mock server on 127.0.0.1).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial

import pytest

from ringcheck.adapter import Callback, CallInfo, CallStatus, CallType, Device, EventSink, Implementation, ReceiverType
from ringcheck.expect import Expectation
from ringcheck.party import Person
from ringcheck.scene import Act, Scene
from ringcheck.settings import Settings
from ringcheck.targets import Target, build

ROUNDS = 40
CALL = CallInfo("v1.race", CallStatus.ONGOING, CallType.AUDIO, ReceiverType.USER, "alex", "bob", "bob")


class NoImplementation(Implementation):
    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        raise AssertionError("the race test opens no device")


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    built = build(Settings())
    try:
        yield built
    finally:
        built.close()


def one_race(target: Target) -> None:
    """One call, Bob on two devices accepting it at the same moment: who won, and what happened."""
    target.implementation.reset()
    scene = Scene(target.implementation, Settings())
    try:
        alex = scene.sign_in("Alex")
        phone, laptop = scene.sign_in("Bob", "phone"), scene.sign_in("Bob", "laptop")
        call = alex.device.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
        ring = Expectation("rung", Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED, call, listener_id="app")
        for device in (phone, laptop):
            scene.expect(device, ring)
        acts = [
            Act(
                device.label,
                "accept the call",
                partial(device.device.accept_call, call.session_id),
                CallStatus.ONGOING,
                call,
            )
            for device in (phone, laptop)
        ]
        attempts = scene.race(acts)
        winners = [a.who for a in attempts if a.refusal is None]
        codes = sorted(a.refusal.code for a in attempts if a.refusal is not None)
        assert len(winners) == 1 and codes == ["ERR_CALL_USER_ALREADY_JOINED"], attempts
        loser = laptop if winners[0] == phone.label else phone
        accepted = Expectation(
            "told Bob accepted", Callback.OUTGOING_CALL_ACCEPTED, CallStatus.ONGOING, call, sender="bob"
        )
        scene.expect(alex, accepted)
        scene.expect(loser, accepted)
        scene.expect_nothing_more(scene.devices())
    finally:
        scene.close()


def test_two_devices_accepting_at_once_many_times_one_wins_and_everyone_hears_only_that(target: Target) -> None:
    for _ in range(ROUNDS):
        one_race(target)


def test_the_race_has_both_operations_in_flight_at_the_same_moment() -> None:
    """Each operation waits inside for the other to be inside too: run one after the other,
    the first would wait in vain and the barrier would break."""
    inside = threading.Barrier(2, timeout=5)
    scene = Scene(NoImplementation(), Settings())
    scene.people["Bob"] = Person("Bob", "bob", lambda: 0)

    def accept() -> CallInfo:
        inside.wait()
        return CALL

    acts = [Act(f"Bob's {name}", "accept the call", accept, CallStatus.ONGOING, CALL) for name in ("phone", "laptop")]
    attempts = scene.race(acts)
    assert [a.result for a in attempts] == [CALL, CALL]
    assert scene.last_race == attempts
