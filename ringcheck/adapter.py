"""The contract between ringcheck and an implementation under test.

Implement :class:`Implementation` and :class:`Device` for your own ringing stack and the whole
conformance suite runs against it. The contract is deliberately small and synchronous: a QA team
can wrap an HTTP client, a device farm or a browser driver behind it without knowing pytest.

Rules every implementation follows:

* Every method returns or raises within a few seconds. A refusal the implementation reports
  (an SDK error, an HTTP error body) is raised as :class:`Refused` with CometChat's error code;
  anything else that goes wrong is an ordinary exception and fails the scenario as an error.
* Listener callbacks are reported, in the order the device's listeners heard them, through the
  ``on_event`` sink given to :meth:`Implementation.open_device`. The sink is thread-safe.
* An optional capability that is missing makes the scenarios that need it skip, with the reason.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from .faults import FaultControl


class CallType(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"


class ReceiverType(StrEnum):
    USER = "user"
    GROUP = "group"


class CallStatus(StrEnum):
    INITIATED = "initiated"
    ONGOING = "ongoing"
    REJECTED = "rejected"
    BUSY = "busy"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"
    ENDED = "ended"


class Callback(StrEnum):
    """The five ``CallListener`` callbacks, named as the JavaScript SDK names them."""

    INCOMING_CALL_RECEIVED = "onIncomingCallReceived"
    OUTGOING_CALL_ACCEPTED = "onOutgoingCallAccepted"
    OUTGOING_CALL_REJECTED = "onOutgoingCallRejected"
    INCOMING_CALL_CANCELLED = "onIncomingCallCancelled"
    CALL_ENDED_MESSAGE_RECEIVED = "onCallEndedMessageReceived"


@dataclass(frozen=True)
class CallInfo:
    """What a party sees of a call: the fields every platform's ``Call`` object carries."""

    session_id: str
    status: CallStatus
    call_type: CallType
    receiver_type: ReceiverType
    initiator: str
    """uid of the user who started the call."""
    receiver: str
    """uid of the called user, or guid of the called group."""
    sender: str | None = None
    """uid of the user whose action produced this update. Scenarios that name who acted ("told
    that Bob accepted") check it, so an implementation that leaves it None fails those."""

    def __str__(self) -> str:
        return (
            f"{self.call_type} {self.receiver_type} call {self.session_id} "
            f"from {self.initiator} to {self.receiver}, {self.status}"
        )


@dataclass(frozen=True)
class ListenerEvent:
    """One callback of one registered call listener on one device."""

    listener_id: str
    callback: Callback
    call: CallInfo


EventSink = Callable[[ListenerEvent], None]


@dataclass(frozen=True)
class WireEntry:
    """One thing that crossed the wire, for the report's sequence diagram."""

    kind: Literal["request", "response", "frame", "timer", "fault"]
    device: str | None
    """The device's scenario name ("Bob's laptop") or its wire id; None for the server's own."""
    text: str
    """What it was, short: "PUT /calls/v1.x {status: ongoing}", "409 ERR_CALL_TERMINATED"."""
    refused: bool = False
    session_id: str | None = None
    status: str | None = None
    """For a frame: the call status it carried."""


class Refused(Exception):
    """The implementation refused an operation, with CometChat's error code."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Capabilities:
    """What optional parts of the contract an implementation offers."""

    time_control: bool = False
    """:meth:`Implementation.advance_time` moves every clock the flow depends on."""
    devices_per_user: int = 1
    """How many devices one user may have logged in at once."""
    group_calls: bool = True
    reset: bool = False
    """:meth:`Implementation.reset` forgets every call, so scenarios start clean."""
    sign_out: bool = False
    """:meth:`Device.sign_out` logs the user out while the device stays open."""
    status_updates: bool = False
    """:meth:`Device.send_status` sends any status for a call, as a misbehaving client could."""
    notes: dict[str, str] = field(default_factory=dict)
    """Known differences from the specification: a scenario name, or a tag such as "doc:cancel-call",
    mapped to the reason. Those scenarios still run, expected to fail (strictly: if one passes,
    the run says so, and the note can go)."""
    fault_control: bool = False
    """:meth:`Implementation.faults` makes the server misbehave on purpose (docs/faults.md)."""
    reconnects: bool = False
    """Its devices reconnect by themselves after a dropped connection, every
    :attr:`Device.reconnect_interval` seconds of the flow's time, and say whether they are
    connected (:meth:`Device.wait_online`)."""
    not_offered: dict[str, str] = field(default_factory=dict)
    """Scenarios (by name or tag) that need something this implementation does not have at all,
    mapped to what is missing: they are skipped with that reason, not run."""


class Device(abc.ABC):
    """One logged-in client of one user: an app on a phone, a browser tab, an SDK instance."""

    uid: str
    wire_id: str | None = None
    """The id the server knows this device by (CometChat's ``resource`` / WebSocket ``deviceId``),
    if the implementation knows it: reports then call the device by its scenario name."""

    @abc.abstractmethod
    def initiate_call(
        self,
        receiver_id: str,
        receiver_type: ReceiverType,
        call_type: CallType,
        timeout: float | None = None,
    ) -> CallInfo:
        """``initiateCall(call, timeout)`` in seconds; None means the documented default."""

    @abc.abstractmethod
    def accept_call(self, session_id: str) -> CallInfo: ...

    @abc.abstractmethod
    def reject_call(self, session_id: str, status: CallStatus) -> CallInfo:
        """``rejectCall``: REJECTED or BUSY by a receiver, CANCELLED by the caller."""

    @abc.abstractmethod
    def end_call(self, session_id: str) -> CallInfo | None: ...

    @abc.abstractmethod
    def get_active_call(self) -> CallInfo | None: ...

    @abc.abstractmethod
    def clear_active_call(self) -> None: ...

    @abc.abstractmethod
    def add_call_listener(self, listener_id: str) -> None:
        """Register a listener that reports each of its callbacks to the device's event sink."""

    @abc.abstractmethod
    def remove_call_listener(self, listener_id: str) -> None: ...

    @abc.abstractmethod
    def settle(self) -> None:
        """Return once every event sent to this device so far has reached its listeners.

        This is how the suite checks that a party was *not* told something without sleeping:
        it settles every device after an action, then reads what each one heard. An
        implementation that cannot know should wait for the quiet period it trusts.
        """

    reconnect_interval: float = 5.0
    """Seconds between a dropped connection and the device's first try to reconnect, and between
    tries while it is turned away (where :attr:`Capabilities.reconnects`; SDK: 5 seconds)."""

    def wait_online(self, online: bool, timeout: float) -> bool:
        """Wait at most ``timeout`` real seconds until the device's real-time connection is open
        (``online``) or closed (not ``online``); False if it did not get there in time.

        The robustness scenarios use it after dropping a device's connection, and after the time
        the client takes to reconnect, so that what happens next happens to a device that is
        really away, or really back. Optional (:attr:`Capabilities.reconnects`): a device that
        cannot tell must not be taken at its word, so the scenarios that need it skip.
        """
        raise NotImplementedError("this device cannot say whether it is connected")

    def sign_out(self) -> None:
        """``logout()``: the user is signed out; the device stays, so what it tries next can be
        checked (optional: :attr:`Capabilities.sign_out`)."""
        raise NotImplementedError("this device cannot sign out and stay open")

    def send_status(self, session_id: str, status: str) -> CallInfo:
        """Ask the server to put the call in ``status``, any string, bypassing the client's own
        rules: how the suite checks that a server refuses what no SDK would send (optional:
        :attr:`Capabilities.status_updates`)."""
        raise NotImplementedError("this device can only send the statuses its SDK sends")

    def close(self) -> None:
        """Log out and release the device. Called once, at the end of each scenario."""


class Implementation(abc.ABC):
    """An implementation of the ringing flow under test, as the suite drives it."""

    name: str = "unnamed implementation"
    capabilities: Capabilities = Capabilities()

    @abc.abstractmethod
    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        """Log ``uid`` in on a new device (``label`` is for reports, e.g. "Bob's laptop")."""

    def advance_time(self, seconds: float) -> None:
        """Move time forward, firing every due timer (the caller's no-answer timeout)."""
        raise NotImplementedError(f"{self.name} offers no time control")

    def reset(self) -> None:
        """Forget every call and device, ready for the next scenario."""

    def faults(self) -> FaultControl:
        """The server's fault rules (where ``capabilities.fault_control`` says so)."""
        raise NotImplementedError(f"{self.name} offers no fault control")

    def transcript(self) -> Sequence[str]:
        """Lines describing what crossed the wire since the last reset, for the report."""
        return ()

    def wire_log(self) -> Sequence[WireEntry]:
        """What crossed the wire since the last reset, in order, for the sequence diagram
        (optional: without it the diagram shows the devices' callbacks and operations only)."""
        return ()

    def describe(self) -> dict[str, str]:
        """Facts about the target for the report's environment page (versions, URL)."""
        return {"implementation": self.name}

    def close(self) -> None:
        """Release everything; called once at the end of the run."""
