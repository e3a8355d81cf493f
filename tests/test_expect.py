"""Failure messages read as plain words: what was expected, of whom, and everything they heard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ringcheck.adapter import Callback, CallInfo, CallStatus, CallType, ListenerEvent, ReceiverType
from ringcheck.expect import Expectation, must_hear, told_too_much_message
from ringcheck.journal import EventLog, shared_counter
from ringcheck.report import doc_link, write_environment

CALL = CallInfo("v1.test.7", CallStatus.INITIATED, CallType.AUDIO, ReceiverType.USER, "alex", "bob", "alex")
CANCELLED = Expectation(
    "told that Alex cancelled the call", Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED, CALL
)


def test_a_missing_event_names_the_device_the_expectation_and_what_it_heard_instead() -> None:
    log = EventLog("Bob's phone", shared_counter())
    log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, CALL))
    with pytest.raises(AssertionError) as failure:
        must_hear(log, CANCELLED, deadline=0)
    assert str(failure.value) == (
        "Bob's phone should have been told that Alex cancelled the call within 0 s "
        "(onIncomingCallCancelled with status cancelled, session v1.test.7).\n"
        "Bob's phone was told:\n"
        "  #1 onIncomingCallReceived (initiated, caused by alex) on listener 'app' "
        "for the audio user call v1.test.7 from alex to bob"
    )


def test_a_device_told_nothing_says_nothing() -> None:
    with pytest.raises(AssertionError, match=r"Bob's phone was told: nothing$"):
        must_hear(EventLog("Bob's phone", shared_counter()), CANCELLED, deadline=0)


def test_an_event_matched_once_is_not_matched_again_and_is_marked_so() -> None:
    log = EventLog("Bob's phone", shared_counter())
    log(ListenerEvent("app", Callback.INCOMING_CALL_CANCELLED, replace(CALL, status=CallStatus.CANCELLED)))
    assert must_hear(log, CANCELLED, deadline=0).seq == 1
    with pytest.raises(AssertionError, match=r"\(already matched by an earlier step\)"):
        must_hear(log, CANCELLED, deadline=0)


def test_the_wrong_session_does_not_count() -> None:
    log = EventLog("Bob's phone", shared_counter())
    other = CallInfo("v1.test.8", CallStatus.CANCELLED, CallType.AUDIO, ReceiverType.USER, "alex", "bob", "alex")
    log(ListenerEvent("app", Callback.INCOMING_CALL_CANCELLED, other))
    with pytest.raises(AssertionError, match=r"session v1\.test\.7\)"):
        must_hear(log, CANCELLED, deadline=0)


def test_being_told_too_much_lists_the_extra_events() -> None:
    log = EventLog("Alex's phone", shared_counter())
    log(ListenerEvent("app", Callback.OUTGOING_CALL_ACCEPTED, CALL))
    assert told_too_much_message("Alex's phone", log.unaccounted()) == (
        "Alex's phone should not have been told anything more, but was told:\n"
        "  #1 onOutgoingCallAccepted (initiated, caused by alex) on listener 'app' "
        "for the audio user call v1.test.7 from alex to bob"
    )


def test_the_report_links_documentation_sections_and_writes_the_environment(tmp_path: Path) -> None:
    assert doc_link("cancel-call") == "https://www.cometchat.com/docs/calls/v4/javascript/ringing#cancel-call"
    write_environment(tmp_path / "results", {"implementation": "x", "sdk version": "4.2.0"})
    assert (tmp_path / "results" / "environment.properties").read_text() == "implementation=x\nsdk.version=4.2.0\n"


def test_an_event_caused_by_someone_else_does_not_count_and_the_listing_says_who() -> None:
    """ "Told that Bob accepted" is not met by an event that says Alex did it, and the message shows it."""
    log = EventLog("Alex's phone", shared_counter())
    log(ListenerEvent("app", Callback.OUTGOING_CALL_ACCEPTED, replace(CALL, status=CallStatus.ONGOING, sender="alex")))
    accepted = Expectation(
        "told that Bob accepted the call", Callback.OUTGOING_CALL_ACCEPTED, CallStatus.ONGOING, CALL, sender="bob"
    )
    with pytest.raises(AssertionError) as failure:
        must_hear(log, accepted, deadline=0)
    assert "caused by bob)." in str(failure.value)
    assert "(ongoing, caused by alex)" in str(failure.value)
    log(ListenerEvent("app", Callback.OUTGOING_CALL_ACCEPTED, replace(CALL, status=CallStatus.ONGOING, sender=None)))
    with pytest.raises(AssertionError, match=r"caused by \(not said\)"):
        must_hear(log, accepted, deadline=0)


RING = Expectation(
    "told of an incoming call from Alex",
    Callback.INCOMING_CALL_RECEIVED,
    CallStatus.INITIATED,
    CALL,
    initiator="alex",
    call_type=CallType.AUDIO,
    receiver_type=ReceiverType.USER,
    receiver="bob",
    listener_id="app",
)


def test_an_event_heard_before_the_one_an_earlier_step_matched_fails_as_out_of_order() -> None:
    """ "Answered elsewhere" arriving before the ring is a broken order, not a pass."""
    log = EventLog("Bob's laptop", shared_counter())
    elsewhere = replace(CALL, status=CallStatus.ONGOING, sender="bob")
    log(ListenerEvent("app", Callback.OUTGOING_CALL_ACCEPTED, elsewhere))
    log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, CALL))
    assert must_hear(log, RING, deadline=0).seq == 2
    answered = Expectation(
        "told that the call was answered on another device",
        Callback.OUTGOING_CALL_ACCEPTED,
        CallStatus.ONGOING,
        CALL,
        listener_id="app",
    )
    with pytest.raises(AssertionError) as failure:
        must_hear(log, answered, deadline=5)  # fails at once: waiting cannot put it in order
    assert str(failure.value).startswith(
        "Bob's laptop was told that the call was answered on another device "
        "(onOutgoingCallAccepted with status ongoing, session v1.test.7, on listener 'app') out of order: "
        "it was told that as #1, before #2, which an earlier step expected before it"
    )


def test_events_in_order_match_one_after_the_other_and_may_skip_what_no_step_expects() -> None:
    log = EventLog("Bob's phone", shared_counter())
    log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, CALL))
    log(ListenerEvent("app", Callback.OUTGOING_CALL_ACCEPTED, replace(CALL, status=CallStatus.ONGOING)))
    log(ListenerEvent("app", Callback.INCOMING_CALL_CANCELLED, replace(CALL, status=CallStatus.CANCELLED)))
    assert must_hear(log, RING, deadline=0).seq == 1
    assert must_hear(log, CANCELLED, deadline=0).seq == 3
    assert [h.seq for h in log.unaccounted()] == [2]


def test_each_listener_keeps_its_own_order() -> None:
    """Two listeners hear the same event in an order no platform documents: either way passes."""
    log = EventLog("Bob's phone", shared_counter())
    log(ListenerEvent("ringtone", Callback.INCOMING_CALL_RECEIVED, CALL))
    log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, CALL))
    assert must_hear(log, RING, deadline=0).seq == 2
    assert must_hear(log, replace(RING, listener_id="ringtone"), deadline=0).seq == 1


def test_a_near_miss_says_field_by_field_what_was_wanted_and_what_came() -> None:
    log = EventLog("Bob's phone", shared_counter())
    log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, replace(CALL, call_type=CallType.VIDEO)))
    group_ring = replace(RING, receiver_type=ReceiverType.GROUP, receiver="team")
    with pytest.raises(AssertionError) as failure:
        must_hear(log, group_ring, deadline=0)
    assert "(onIncomingCallReceived with status initiated, an audio group call to team, from alex," in str(
        failure.value
    )
    assert str(failure.value).endswith(
        "\n     near miss: want an audio call, got a video call; want a group call to team, got a user call to bob"
    )


def test_a_different_callback_is_listed_but_not_called_a_near_miss() -> None:
    log = EventLog("Bob's phone", shared_counter())
    log(ListenerEvent("app", Callback.INCOMING_CALL_CANCELLED, CALL))
    with pytest.raises(AssertionError) as failure:
        must_hear(log, RING, deadline=0)
    assert "near miss" not in str(failure.value)
