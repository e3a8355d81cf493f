"""Expectations about what a party is told, written so a failure reads as plain words.

An :class:`Expectation` is a pure matcher with a description. It compares every field of the
call that the expectation pins down, and can say, field by field, how an event that was nearly
right differs ("want a group call to team, got a user call to bob"): those near misses are what
a tester reads first when an implementation sends the right callback with the wrong call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .adapter import Callback, CallInfo, CallStatus, CallType, ListenerEvent, ReceiverType
from .journal import EventLog, Heard, Match


def article(word: str) -> str:
    """ "an audio", "a video", "a group": the article the word takes, then the word."""
    return f"{'an' if word[:1] in 'aeio' else 'a'} {word}"  # "a user": the u of user is a y


@dataclass(frozen=True)
class Expectation:
    description: str
    """What should have happened, in the feature's words ("told that Alex cancelled the call")."""
    callback: Callback
    status: CallStatus | None
    """None: any status."""
    call: CallInfo | None = None
    """The call it is about (its session id must match); None for any call."""
    initiator: str | None = None
    call_type: CallType | None = None
    receiver_type: ReceiverType | None = None
    receiver: str | None = None
    """uid of the called user or guid of the called group."""
    listener_id: str | None = None
    """The listener that must have been called back; None for any listener of the device."""
    sender: str | None = None
    """uid of who acted ("told that Bob accepted")."""

    def about(self, call: CallInfo) -> Expectation:
        """The same expectation, about ``call`` as it began: its session, who called whom, how."""
        return replace(
            self,
            call=call,
            initiator=call.initiator,
            call_type=call.call_type,
            receiver_type=call.receiver_type,
            receiver=call.receiver,
        )

    def differences(self, event: ListenerEvent) -> list[str]:
        """How ``event`` differs from what is expected, one "want ..., got ..." per field."""
        got = event.call
        found: list[str] = []
        if event.callback is not self.callback:
            found.append(f"want {self.callback}, got {event.callback}")
        if self.status is not None and got.status is not self.status:
            found.append(f"want status {self.status}, got {got.status}")
        if self.call is not None and got.session_id != self.call.session_id:
            found.append(f"want session {self.call.session_id}, got {got.session_id}")
        if self.call_type is not None and got.call_type is not self.call_type:
            found.append(f"want {article(self.call_type)} call, got {article(got.call_type)} call")
        want_to = self._receiver_words(self.receiver_type, self.receiver)
        if want_to and (
            (self.receiver_type is not None and got.receiver_type is not self.receiver_type)
            or (self.receiver is not None and got.receiver != self.receiver)
        ):
            found.append(f"want {want_to}, got {self._receiver_words(got.receiver_type, got.receiver)}")
        if self.initiator is not None and got.initiator != self.initiator:
            found.append(f"want a call from {self.initiator}, got one from {got.initiator}")
        if self.sender is not None and got.sender != self.sender:
            found.append(f"want it caused by {self.sender}, got {got.sender or '(not said)'}")
        if self.listener_id is not None and event.listener_id != self.listener_id:
            found.append(f"want listener {self.listener_id!r}, got {event.listener_id!r}")
        return found

    def matches(self, event: ListenerEvent) -> bool:
        return not self.differences(event)

    def near_miss(self, event: ListenerEvent) -> list[str]:
        """The differences of an event worth showing: the right callback on the right listener,
        yet not what was expected (an event with another callback is listed, not explained)."""
        differences = self.differences(event)
        if event.callback is not self.callback or (
            self.listener_id is not None and event.listener_id != self.listener_id
        ):
            return []
        return differences

    @staticmethod
    def _receiver_words(receiver_type: ReceiverType | None, receiver: str | None) -> str:
        if receiver_type is None and receiver is None:
            return ""
        kind = f"{article(receiver_type)} call" if receiver_type is not None else "a call"
        return f"{kind} to {receiver}" if receiver is not None else kind

    def technical(self) -> str:
        parts = [str(self.callback) if self.status is None else f"{self.callback} with status {self.status}"]
        kind = " ".join(str(p) for p in (self.call_type, self.receiver_type) if p is not None)
        if kind or self.receiver is not None:
            to = f" to {self.receiver}" if self.receiver is not None else ""
            parts.append(f"{article(kind)} call{to}" if kind else f"a call{to}")
        if self.initiator is not None:
            parts.append(f"from {self.initiator}")
        if self.call is not None:
            parts.append(f"session {self.call.session_id}")
        if self.listener_id is not None:
            parts.append(f"on listener {self.listener_id!r}")
        if self.sender is not None:
            parts.append(f"caused by {self.sender}")
        return ", ".join(parts)


def listing(heard: Sequence[Heard], expectation: Expectation | None = None) -> str:
    """What a device heard, to follow "was told:" (one event a line, near misses under it)."""
    if not heard:
        return " nothing"
    lines = []
    for h in heard:
        lines.append(f"  #{h.seq} {h.describe()}{'  (already matched by an earlier step)' if h.accounted else ''}")
        if expectation is not None and not h.accounted:
            near = expectation.near_miss(h.event)
            if near:
                lines.append(f"     near miss: {'; '.join(near)}")
    return "\n" + "\n".join(lines)


def not_told_message(device: str, expectation: Expectation, deadline: float, heard: Sequence[Heard]) -> str:
    return (
        f"{device} should have been {expectation.description} within {deadline:g} s "
        f"({expectation.technical()}).\n{device} was told:{listing(heard, expectation)}"
    )


def out_of_order_message(device: str, expectation: Expectation, match: Match, heard: Sequence[Heard]) -> str:
    assert match.previous is not None
    return (
        f"{device} was {expectation.description} ({expectation.technical()}) out of order: "
        f"it was told that as #{match.heard.seq}, before #{match.previous.seq}, which an earlier step "
        f"expected before it ({match.previous.describe()}).\n{device} was told:{listing(heard)}"
    )


class OutOfOrder(AssertionError):
    """The expected event was heard, but before one an earlier step expected before it."""

    def __init__(self, message: str, heard: Heard) -> None:
        super().__init__(message)
        self.heard = heard


def must_hear(log: EventLog, expectation: Expectation, deadline: float) -> Heard:
    """The event on ``log`` that meets ``expectation``, heard after the one the previous
    expectation on that listener matched, within ``deadline`` seconds; else an AssertionError
    that says what was expected and everything the device heard, near misses marked."""
    match = log.take(expectation.matches, expectation.listener_id, deadline)
    if match is None:
        raise AssertionError(not_told_message(log.device, expectation, deadline, log.heard()))
    if match.previous is not None:
        raise OutOfOrder(out_of_order_message(log.device, expectation, match, log.heard()), match.heard)
    return match.heard


def told_too_much_message(device: str, extra: Sequence[Heard]) -> str:
    return f"{device} should not have been told anything more, but was told:{listing(extra)}"
