"""One scenario's world: the people in it, what they do, what they were told, what was refused.

Steps speak in people and calls ("Bob accepts the call"); the scene turns that into one adapter
operation on the right device, checks that the operation answered with the call it acted on,
and keeps what the report needs to explain a failure. Who knows which call is the business of
:mod:`ringcheck.party`.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .adapter import CallInfo, CallStatus, Implementation, Refused
from .expect import Expectation, OutOfOrder, must_hear, told_too_much_message
from .journal import EventLog, Heard, shared_counter
from .party import CallRef, Learned, PartyDevice, Person
from .settings import Settings

DEFAULT_DEVICE = "phone"
DEFAULT_LISTENER = "app"

Operation = Callable[[], CallInfo | None]


def identity(call: CallInfo) -> tuple[str, str, str, str, str]:
    """What stays the same for a call from its start to its end: which session, who called whom, how."""
    return (call.session_id, call.call_type, call.receiver_type, call.receiver, call.initiator)


@dataclass(frozen=True)
class Attempt:
    """The result of an operation a step expected might be refused."""

    who: str
    what: str
    result: CallInfo | None = None
    refusal: Refused | None = None
    seq: int = 0
    """When it answered, on the scenario's shared counter (for the sequence diagram)."""


@dataclass(frozen=True)
class Missed:
    """The expectation a step waited for in vain, or saw out of order: the diagram marks it."""

    device: str
    description: str
    out_of_order: int | None = None
    """The seq of the event heard out of order, if that was the failure."""


@dataclass(frozen=True)
class Act:
    """One operation a step asks of one device, and what its answer must be."""

    who: str
    what: str
    """In the feature's words: "accept the call"."""
    operation: Operation
    answers: CallStatus | None
    """The status the call must be in when the operation answers (every operation resolves
    with the call, SPEC section 2); None for an operation that is only ever expected to be
    refused, whose answer, if any, the refusal step shows."""
    about: CallInfo | None = None
    """The call acted on, as the actor knows it: the answer must be about the same call."""


class Scene:
    def __init__(self, implementation: Implementation, settings: Settings) -> None:
        self.implementation = implementation
        self.settings = settings
        self.deadline = settings.deadline
        self.people: dict[str, Person] = {}
        self.attempts: list[Attempt] = []
        self.last_race: list[Attempt] = []
        self.missed: Missed | None = None
        self._counter = shared_counter()

    def __repr__(self) -> str:  # shown as a step parameter in the report
        return f"<scene: {', '.join(self.people) or 'nobody signed in'}>"

    # -- people and devices -------------------------------------------------------------------

    def sign_in(self, name: str, device_name: str = DEFAULT_DEVICE, listen: bool = True) -> PartyDevice:
        person = self.people.setdefault(name, Person(name, self.settings.uid_of(name), self._counter))
        label = f"{name}'s {device_name}"
        log = EventLog(label, self._counter)
        handle = PartyDevice(name, device_name, self.implementation.open_device(person.uid, label, log), log)
        person.devices[device_name] = handle
        if listen:
            handle.device.add_call_listener(DEFAULT_LISTENER)
        return handle

    def person(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise AssertionError(
                f"{name} is not signed in in this scenario (signed in: {', '.join(self.people)})"
            ) from None

    def device_of(self, who: str) -> PartyDevice:
        """ "Bob" is the device Bob signed in on first; "Bob's laptop" that one."""
        name, _, device = who.partition("'s ")
        return self.person(name).device(device or None)

    def devices_of(self, who: str) -> list[PartyDevice]:
        """ "Bob" is every device of Bob's (for "... is not told anything more"); "Bob's laptop" one."""
        name, _, device = who.partition("'s ")
        person = self.person(name)
        return [person.device(device)] if device else list(person.devices.values())

    def devices(self) -> list[PartyDevice]:
        return [handle for person in self.people.values() for handle in person.devices.values()]

    def close(self) -> None:
        for handle in self.devices():
            handle.device.close()

    # -- which call -----------------------------------------------------------------------------

    def person_of(self, who: str) -> Person:
        """ "Bob" and "Bob's laptop" are both Bob."""
        return self.person(who.partition("'s ")[0])

    def call_of(self, who: str, ref: CallRef, outsider: bool = False) -> CallInfo:
        """The call ``who`` means by ``ref``: the latest fitting call their devices started, acted
        on or were rung with, once everything sent to those devices has arrived.

        ``outsider``: somebody who only *tries* and may know nothing of the call (a stranger
        answering somebody else's call) uses the scenario's latest fitting call, as if they had
        got hold of its session id; but not its caller or the user it was meant for, who must
        have been told of it themselves."""
        person = self.person_of(who)
        self.settle(person.devices.values())
        known = person.latest(ref)
        if known is None and outsider:
            known = self._latest_anyone_knows(ref)
            if known is not None and person.uid in (known.call.initiator, known.call.receiver):
                known = None
        if known is None:
            raise AssertionError(
                f"{person.name} knows of no call that is {ref.words}: none of {person.name}'s devices "
                f"started one or was rung with one ({self._what_they_heard(person)})"
            )
        return self._as_begun(known.call)

    def call_told_to(self, who: str, ref: CallRef) -> CallInfo:
        """The call an expectation of what ``who`` is told is about: the one they know, or, if
        they know none yet, the scenario's latest (they may be told of it for the first time)."""
        person = self.person_of(who)
        self.settle(person.devices.values())
        known = person.latest(ref) or self._latest_anyone_knows(ref)
        if known is None:
            raise AssertionError(f"no call that is {ref.words} was made in this scenario")
        return self._as_begun(known.call)

    def started_by(self, name: str) -> CallInfo:
        """The latest call ``name`` started, as their own device's answer gave it."""
        person = self.person(name)
        known = person.latest(CallRef(f"a call {name} started", initiator=person.uid))
        if known is None:
            raise AssertionError(f"{name} has started no call in this scenario")
        return self._as_begun(known.call)

    def _as_begun(self, call: CallInfo) -> CallInfo:
        """The call as the first operation on it answered (the caller's start), if any did: what
        every later expectation about the call compares against."""
        answers = [a for p in self.people.values() if (a := p.first_answer(call.session_id)) is not None]
        return min(answers, key=lambda a: a.seq).call if answers else call

    def _latest_anyone_knows(self, ref: CallRef) -> Learned | None:
        found = [known for person in self.people.values() if (known := person.latest(ref)) is not None]
        return max(found, key=lambda known: known.seq, default=None)

    @staticmethod
    def _what_they_heard(person: Person) -> str:
        heard = [h for handle in person.devices.values() for h in handle.log.heard()]
        if not heard:
            return "they were told nothing"
        return "they were told: " + "; ".join(f"#{h.seq} {h.describe()}" for h in heard)

    # -- doing things ---------------------------------------------------------------------------

    def do(self, act: Act, tries: bool = False) -> Attempt | None:
        """Do it; or, for "tries to", keep the result or the refusal for the Then steps."""
        checked = self._checked(act)
        if not tries:
            try:
                checked()
            except Refused as refusal:
                self.attempts.append(Attempt(act.who, act.what, refusal=refusal, seq=self._counter()))
                raise AssertionError(f"{act.who} tried to {act.what} and was refused: {refusal}") from refusal
            return None
        return self._attempt(act.who, act.what, checked)

    def race(self, acts: Sequence[Act]) -> list[Attempt]:
        """Every act in flight at once (each from its own thread, released together): a real race."""
        start = threading.Barrier(len(acts))

        def run(act: Act) -> Attempt:
            checked = self._checked(act)
            start.wait(self.deadline)
            return self._attempt(act.who, act.what, checked, record=False)

        with concurrent.futures.ThreadPoolExecutor(max_workers=len(acts)) as pool:
            attempts = list(pool.map(run, acts))
        self.attempts.extend(attempts)
        self.last_race = attempts
        return attempts

    def _checked(self, act: Act) -> Operation:
        person = self.person_of(act.who)

        def checked() -> CallInfo | None:
            call = act.operation()
            problem = self._wrong_answer(act, call)
            if problem:
                raise AssertionError(f"when {act.who} tried to {act.what}, the answer should have been {problem}")
            return None if call is None else person.learn(call)

        return checked

    @staticmethod
    def _wrong_answer(act: Act, call: CallInfo | None) -> str:
        if act.answers is None:
            return ""
        want = f"the call, now {act.answers}"
        if act.about is not None:
            want = f"the call {act.about.session_id}, now {act.answers}"
        if call is None:
            return f"{want}; it was nothing"
        if call.status is not act.answers:
            return f"{want}; it was a call that is {call.status}"
        if act.about is not None and identity(call) != identity(act.about):
            return f"{want}; it was another call: {call}"
        return ""

    def _attempt(self, who: str, what: str, action: Operation, record: bool = True) -> Attempt:
        try:
            result = action()
            attempt = Attempt(who, what, result=result, seq=self._counter())
        except Refused as refusal:
            attempt = Attempt(who, what, refusal=refusal, seq=self._counter())
        if record:
            self.attempts.append(attempt)
        return attempt

    def last_attempt(self) -> Attempt:
        if not self.attempts:
            raise AssertionError("no step in this scenario tried an operation that could be refused")
        return self.attempts[-1]

    # -- what people are told -----------------------------------------------------------------

    def expect(self, handle: PartyDevice, expectation: Expectation) -> Heard:
        try:
            return must_hear(handle.log, expectation, self.deadline)
        except OutOfOrder as failure:
            self.missed = Missed(handle.label, expectation.description, failure.heard.seq)
            raise
        except AssertionError:
            self.missed = Missed(handle.label, expectation.description)
            raise

    def settle(self, handles: Iterable[PartyDevice] | None = None) -> None:
        """Every device (or those given) has heard everything sent to it so far."""
        for handle in self.devices() if handles is None else handles:
            handle.device.settle()

    def expect_nothing_more(self, handles: Iterable[PartyDevice]) -> None:
        self.settle()
        problems = [told_too_much_message(h.label, h.log.unaccounted()) for h in handles if h.log.unaccounted()]
        if problems:
            raise AssertionError("\n".join(problems))

    def everything_heard(self) -> list[Heard]:
        return sorted((h for handle in self.devices() for h in handle.log.heard()), key=lambda h: h.seq)
