"""Who knows which call: "the call" is resolved from the speaker's point of view."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ringcheck.adapter import Callback, CallInfo, CallStatus, CallType, ListenerEvent, ReceiverType
from ringcheck.journal import EventLog, shared_counter
from ringcheck.party import CallRef, PartyDevice, Person

RUNG = CallInfo("v1.rung", CallStatus.INITIATED, CallType.AUDIO, ReceiverType.USER, "alex", "bob", "alex")
OTHER = CallInfo("v1.other", CallStatus.INITIATED, CallType.VIDEO, ReceiverType.USER, "carol", "bob", "carol")


class NoDevice:
    """Party knowledge never touches the adapter; a device that is called fails the test."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the party model called the device's {name}")


def bob(counter: object = None) -> Person:
    counter = counter or shared_counter()
    person = Person("Bob", "bob", counter)  # type: ignore[arg-type]
    for name in ("phone", "laptop"):
        person.devices[name] = PartyDevice("Bob", name, NoDevice(), EventLog(f"Bob's {name}", counter))  # type: ignore[arg-type]
    return person


def test_the_call_is_the_one_the_persons_devices_were_rung_with() -> None:
    person = bob()
    person.device("laptop").log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, RUNG))
    known = person.latest(CallRef("the call"))
    assert known is not None and known.call == RUNG


def test_a_person_who_was_told_nothing_knows_no_call() -> None:
    assert bob().latest(CallRef("the call")) is None


def test_the_latest_is_the_call_rung_last_and_it_is_seen_as_it_began() -> None:
    person = bob()
    phone = person.device("phone").log
    phone(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, RUNG))
    phone(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, OTHER))
    phone(ListenerEvent("app", Callback.INCOMING_CALL_CANCELLED, replace(RUNG, status=CallStatus.CANCELLED)))
    latest = person.latest(CallRef("the call"))
    assert latest is not None and latest.call == OTHER
    with_alex = person.latest(CallRef("the call with Alex", other="alex"))
    assert with_alex is not None and with_alex.call == RUNG, "later news must agree with the call, not define it"
    by_carol = person.latest(CallRef("Carol's call", initiator="carol"))
    assert by_carol is not None and by_carol.call == OTHER


def test_news_of_a_session_nobody_started_does_not_become_the_call() -> None:
    """A server that cancels a session it never rang must fail the cancel step, not define it."""
    person = bob()
    phone = person.device("phone").log
    phone(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, RUNG))
    bogus = replace(RUNG, session_id="v1.bogus", status=CallStatus.CANCELLED)
    phone(ListenerEvent("app", Callback.INCOMING_CALL_CANCELLED, bogus))
    latest = person.latest(CallRef("the call"))
    assert latest is not None and latest.call == RUNG


def test_what_an_operation_answered_counts_as_known() -> None:
    person = bob()
    person.learn(replace(RUNG, status=CallStatus.ONGOING, sender="bob"))
    known = person.latest(CallRef("the call with Alex", other="alex"))
    assert known is not None and known.call.status is CallStatus.ONGOING


def test_asking_for_a_device_the_person_does_not_have_names_the_ones_they_have() -> None:
    with pytest.raises(AssertionError, match="Bob has no tablet; they are signed in on: phone, laptop"):
        bob().device("tablet")
