"""One scenario's world: the people in it, their devices, the calls made, what was attempted.

Steps speak in people and calls ("Bob accepts the call"); the scene turns that into adapter
operations on the right device and keeps what the report needs to explain a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from .adapter import CallInfo, Device, Implementation, Refused
from .expect import Expectation, must_hear, told_too_much_message
from .journal import EventLog, Heard, shared_counter
from .settings import Settings

T = TypeVar("T")

DEFAULT_DEVICE = "phone"
DEFAULT_LISTENER = "app"


@dataclass
class DeviceHandle:
    label: str
    device: Device
    log: EventLog


@dataclass
class Person:
    name: str
    uid: str
    devices: dict[str, DeviceHandle] = field(default_factory=dict)

    def device(self, which: str | None = None) -> DeviceHandle:
        if which is None:
            return next(iter(self.devices.values()))
        try:
            return self.devices[which]
        except KeyError:
            raise AssertionError(
                f"{self.name} has no {which}; they are signed in on: {', '.join(self.devices)}"
            ) from None


@dataclass(frozen=True)
class Attempt:
    """The result of an operation a step expected might be refused."""

    who: str
    what: str
    result: CallInfo | None = None
    refusal: Refused | None = None


class Scene:
    def __init__(self, implementation: Implementation, settings: Settings) -> None:
        self.implementation = implementation
        self.settings = settings
        self.deadline = settings.deadline
        self.people: dict[str, Person] = {}
        self.calls: list[CallInfo] = []
        self.attempts: list[Attempt] = []
        self._counter = shared_counter()

    # -- people and devices -------------------------------------------------------------------

    def sign_in(self, name: str, device_name: str = DEFAULT_DEVICE, listen: bool = True) -> DeviceHandle:
        person = self.people.setdefault(name, Person(name, self.settings.uid_of(name)))
        label = f"{name}'s {device_name}"
        log = EventLog(label, self._counter)
        device = self.implementation.open_device(person.uid, label, log)
        handle = DeviceHandle(label, device, log)
        person.devices[device_name] = handle
        if listen:
            device.add_call_listener(DEFAULT_LISTENER)
        return handle

    def person(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise AssertionError(
                f"{name} is not signed in in this scenario (signed in: {', '.join(self.people)})"
            ) from None

    def devices(self) -> list[DeviceHandle]:
        return [handle for person in self.people.values() for handle in person.devices.values()]

    def close(self) -> None:
        for handle in self.devices():
            handle.device.close()

    # -- calls --------------------------------------------------------------------------------

    def remember(self, call: CallInfo) -> CallInfo:
        self.calls.append(call)
        return call

    def call(self, started_by: str | None = None) -> CallInfo:
        """The latest call, or the latest one ``started_by`` that person."""
        uid = self.person(started_by).uid if started_by else None
        for call in reversed(self.calls):
            if uid is None or call.initiator == uid:
                return call
        who = f" by {started_by}" if started_by else ""
        raise AssertionError(f"no call was started{who} in this scenario")

    def attempt(self, who: str, what: str, action: Callable[[], CallInfo | None]) -> Attempt:
        try:
            attempt = Attempt(who, what, result=action())
        except Refused as refusal:
            attempt = Attempt(who, what, refusal=refusal)
        self.attempts.append(attempt)
        return attempt

    def last_attempt(self) -> Attempt:
        if not self.attempts:
            raise AssertionError("no step in this scenario tried an operation that could be refused")
        return self.attempts[-1]

    # -- what people are told -----------------------------------------------------------------

    def expect(self, handle: DeviceHandle, expectation: Expectation) -> Heard:
        return must_hear(handle.log, expectation, self.deadline)

    def settle(self) -> None:
        """Every device has heard everything sent to it so far."""
        for handle in self.devices():
            handle.device.settle()

    def expect_nothing_more(self, handles: Iterable[DeviceHandle]) -> None:
        self.settle()
        problems = [told_too_much_message(h.label, h.log.unaccounted()) for h in handles if h.log.unaccounted()]
        if problems:
            raise AssertionError("\n".join(problems))

    def everything_heard(self) -> list[Heard]:
        return sorted((h for handle in self.devices() for h in handle.log.heard()), key=lambda h: h.seq)
