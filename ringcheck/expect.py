"""Expectations about what a party is told, written so a failure reads as plain words.

An :class:`Expectation` is a pure matcher with a description; the scene waits for it on a
device with a deadline and, on failure, says what was expected and everything the device heard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .adapter import Callback, CallInfo, CallStatus, CallType, ListenerEvent
from .journal import EventLog, Heard


@dataclass(frozen=True)
class Expectation:
    description: str
    """What should have happened, in the feature's words ("told that Alex cancelled the call")."""
    callback: Callback
    status: CallStatus | None
    """None: any status."""
    call: CallInfo | None = None
    """The call it is about; None for a call the party does not know yet (an incoming one)."""
    initiator: str | None = None
    call_type: CallType | None = None
    listener_id: str | None = None
    sender: str | None = None
    """uid of who acted ("told that Bob accepted"), checked where the implementation says."""

    def matches(self, event: ListenerEvent) -> bool:
        got = event.call
        return (
            event.callback is self.callback
            and (self.status is None or got.status is self.status)
            and (self.call is None or got.session_id == self.call.session_id)
            and (self.initiator is None or got.initiator == self.initiator)
            and (self.call_type is None or got.call_type is self.call_type)
            and (self.listener_id is None or event.listener_id == self.listener_id)
            and (self.sender is None or got.sender == self.sender)
        )

    def technical(self) -> str:
        parts = [str(self.callback) if self.status is None else f"{self.callback} with status {self.status}"]
        if self.call_type is not None:
            parts.append(f"a {self.call_type} call")
        if self.initiator is not None:
            parts.append(f"from {self.initiator}")
        if self.call is not None:
            parts.append(f"session {self.call.session_id}")
        if self.listener_id is not None:
            parts.append(f"on listener {self.listener_id!r}")
        if self.sender is not None:
            parts.append(f"caused by {self.sender}")
        return ", ".join(parts)


def listing(heard: Sequence[Heard]) -> str:
    """What a device heard, to follow "was told:" (one event a line)."""
    if not heard:
        return " nothing"
    lines = [
        f"  #{h.seq} {h.describe()}{'' if not h.accounted else '  (already matched by an earlier step)'}" for h in heard
    ]
    return "\n" + "\n".join(lines)


def not_told_message(device: str, expectation: Expectation, deadline: float, heard: Sequence[Heard]) -> str:
    return (
        f"{device} should have been {expectation.description} within {deadline:g} s "
        f"({expectation.technical()}).\n{device} was told:{listing(heard)}"
    )


def must_hear(log: EventLog, expectation: Expectation, deadline: float) -> Heard:
    """The first event on ``log`` not yet matched that meets ``expectation``, within ``deadline``
    seconds; else an AssertionError saying what was expected and everything the device heard."""
    heard = log.take(expectation.matches, deadline)
    if heard is None:
        raise AssertionError(not_told_message(log.device, expectation, deadline, log.heard()))
    return heard


def told_too_much_message(device: str, extra: Sequence[Heard]) -> str:
    return f"{device} should not have been told anything more, but was told:{listing(extra)}"
