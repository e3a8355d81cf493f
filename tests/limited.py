"""Adapters for the plugin's own tests: the reference client on the embedded server, with one
capability taken away or one operation broken, to show what the suite does with each."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from ringcheck.adapter import CallInfo, Capabilities, Device, EventSink, Implementation
from ringcheck.faults import FaultControl
from ringcheck.settings import Settings
from ringcheck.targets import Target, build


class Limited(Implementation):
    """Delegates everything to a real target; only its capabilities (and accept, when broken) differ."""

    def __init__(self, settings: Settings, capabilities: Capabilities, break_accept: bool = False) -> None:
        self.target: Target = build(dataclasses.replace(settings, adapter="wire"))
        self.inner = self.target.implementation
        self.name = f"limited ({self.inner.name})"
        self.capabilities = capabilities
        self.break_accept = break_accept
        self.resets = 0

    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        device = self.inner.open_device(uid, label, on_event)
        if self.break_accept:

            def accept_call(session_id: str) -> CallInfo:
                raise RuntimeError("this adapter cannot accept calls")

            device.accept_call = accept_call  # type: ignore[method-assign]
        return device

    def advance_time(self, seconds: float) -> None:
        self.inner.advance_time(seconds)

    def reset(self) -> None:
        self.resets += 1
        self.inner.reset()

    def faults(self) -> FaultControl:
        return self.inner.faults()

    def transcript(self) -> Sequence[str]:
        return self.inner.transcript()

    def close(self) -> None:
        self.target.close()


FULL = Capabilities(
    time_control=True,
    devices_per_user=4,
    group_calls=True,
    reset=True,
    sign_out=True,
    status_updates=True,
    fault_control=True,
    reconnects=True,
)
LACKING = {
    "time-control": dataclasses.replace(FULL, time_control=False),
    "two-devices": dataclasses.replace(FULL, devices_per_user=1),
    "group-calls": dataclasses.replace(FULL, group_calls=False),
    "sign-out": dataclasses.replace(FULL, sign_out=False),
    "status-updates": dataclasses.replace(FULL, status_updates=False),
    "fault-control": dataclasses.replace(FULL, fault_control=False),
    "reconnect": dataclasses.replace(FULL, reconnects=False),
    "reset": dataclasses.replace(FULL, reset=False),
}


def lacking(capability: str) -> Callable[[Settings], Implementation]:
    """A factory for ``tests.limited:lacking_<capability with underscores>``."""

    def factory(settings: Settings) -> Implementation:
        return Limited(settings, LACKING[capability])

    return factory


for _capability in LACKING:
    globals()[f"lacking_{_capability.replace('-', '_')}"] = lacking(_capability)


def full(settings: Settings) -> Implementation:
    return Limited(settings, FULL)


def broken_accept(settings: Settings) -> Implementation:
    return Limited(settings, FULL, break_accept=True)
