"""The people of a scenario, their devices, and what each of them knows about calls.

A person knows a call because one of their devices started it, acted on it, or was told of it.
"The call" in a step is resolved from the speaker's point of view, here and nowhere else: when
Bob accepts "the call", he accepts the call his devices were rung with, not the caller's copy of
it, so an implementation that rings Bob with the wrong session id cannot pass by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .adapter import Callback, CallInfo, Device
from .journal import EventLog


@dataclass
class PartyDevice:
    """One device of one person, with the ordered log of what its listeners heard."""

    owner: str
    name: str
    """"phone", "laptop"."""
    device: Device
    log: EventLog

    @property
    def label(self) -> str:
        return f"{self.owner}'s {self.name}"


@dataclass(frozen=True)
class CallRef:
    """A call as a step names it: "the call", "the call with Carol", "Alex's call"."""

    words: str
    initiator: str | None = None
    """uid: "Alex's call" is the latest call Alex started."""
    other: str | None = None
    """uid or guid: "the call with Carol" is the latest call Carol started or was called in."""

    def fits(self, call: CallInfo) -> bool:
        return (self.initiator is None or call.initiator == self.initiator) and (
            self.other is None or self.other in (call.initiator, call.receiver)
        )


@dataclass(frozen=True)
class Learned:
    seq: int
    """From the scenario's shared counter, so what people learn is ordered across devices."""
    call: CallInfo


@dataclass
class Person:
    name: str
    uid: str
    counter: Callable[[], int]
    devices: dict[str, PartyDevice] = field(default_factory=dict)
    _answers: list[Learned] = field(default_factory=list)
    """Calls as operations of this person's devices answered them."""

    def device(self, which: str | None = None) -> PartyDevice:
        """The named device, or, for plain "Bob", the one he signed in on first."""
        if which is None:
            return next(iter(self.devices.values()))
        try:
            return self.devices[which]
        except KeyError:
            raise AssertionError(
                f"{self.name} has no {which}; they are signed in on: {', '.join(self.devices)}"
            ) from None

    def learn(self, call: CallInfo) -> CallInfo:
        """Remember what an operation answered (what the devices heard, the logs remember)."""
        self._answers.append(Learned(self.counter(), call))
        return call

    def sightings(self) -> list[Learned]:
        """How this person came to know each call: an operation's answer, or a ring one of their
        devices heard. Later news of a call (a cancel, an end) never makes a call known: an
        implementation that tells of a session nobody started must not turn it into "the call"."""
        rings = [
            Learned(heard.seq, heard.event.call)
            for device in self.devices.values()
            for heard in device.log.heard()
            if heard.event.callback is Callback.INCOMING_CALL_RECEIVED
        ]
        return sorted([*self._answers, *rings], key=lambda learned: learned.seq)

    def known_calls(self) -> list[Learned]:
        """Every call this person knows, in the order they learned of it, each as first seen: a
        call is who called whom, how, as it began; later news must agree with that, not define it."""
        first: dict[str, Learned] = {}
        for item in self.sightings():
            first.setdefault(item.call.session_id, item)
        return list(first.values())

    def first_answer(self, session_id: str) -> Learned | None:
        return next((a for a in self._answers if a.call.session_id == session_id), None)

    def latest(self, ref: CallRef) -> Learned | None:
        for known in reversed(self.known_calls()):
            if ref.fits(known.call):
                return known
        return None
