"""The adapter contract spoken as the CometChat JavaScript SDK's own calls, for every place an SDK runs.

Why one place: a device whose SDK runs in a Node process (:mod:`ringcheck.sdk`) and one whose SDK
runs in a browser page (:mod:`ringcheck.browser`) differ only in how a named SDK operation reaches
the SDK and how its answer comes back. Which operation each contract method is, its arguments, how
its answer reads as a :class:`~ringcheck.adapter.CallInfo`, and how a listener callback reads as a
:class:`~ringcheck.adapter.ListenerEvent` are the same for both, and live here once.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from typing import Any

from ..adapter import Callback, CallInfo, CallStatus, CallType, Device, ListenerEvent, ReceiverType
from .bridge import BridgeError


def call_info(raw: Mapping[str, Any], context: str) -> CallInfo:
    """A :class:`CallInfo` from the bridge's JSON view of an SDK ``Call`` (see device.js callJson)."""
    try:
        return CallInfo(
            session_id=str(raw["sessionId"]),
            status=CallStatus(raw["status"]),
            call_type=CallType(raw["type"]),
            receiver_type=ReceiverType(raw["receiverType"]),
            initiator=str(raw["initiator"]),
            receiver=str(raw["receiver"]),
            sender=None if raw.get("sender") is None else str(raw["sender"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise BridgeError(f"{context}: the SDK's Call is not one ringcheck understands ({exc}): {dict(raw)}") from exc


def listener_event(payload: Mapping[str, Any], label: str, record: Callable[[str], None]) -> ListenerEvent | None:
    """One listener callback as the SDK's harness reported it; None (and a line in the transcript)
    when ringcheck cannot read it, so one odd callback never breaks the device's event stream."""
    try:
        callback = Callback(str(payload.get("callback")))
        call = call_info(payload.get("call") or {}, f"{label}: {callback}")
    except (BridgeError, ValueError) as exc:
        record(f"{label}: a listener callback ringcheck cannot read: {exc}")
        return None
    return ListenerEvent(str(payload.get("listenerId")), callback, call)


class SdkOperations(Device):
    """A device whose every contract operation is one call of the SDK's API, run by :meth:`_run`."""

    label: str

    @abc.abstractmethod
    def _run(self, op: str, args: Mapping[str, Any], what: str, timeout: float | None = None) -> Any:
        """Run the harness's operation ``op`` (named after the SDK method it calls) and return its
        result; raise :class:`~ringcheck.adapter.Refused` for a ``CometChatException``.
        ``what`` is the call as the transcript and the errors name it."""

    def _failure(self, message: str) -> Exception:
        """The exception for an operation whose answer is no use (``rejectCall`` resolving with no
        Call); an answer ringcheck cannot read as a Call raises :class:`BridgeError` wherever the
        SDK runs (:func:`call_info`)."""
        return BridgeError(message)

    def _check_initiate(self, timeout: float | None, what: str) -> None:
        """Refuse, before running it, an ``initiateCall`` this SDK cannot make."""

    def _check_clear_active_call(self) -> None:
        """Refuse, before running it, a ``clearActiveCall`` this SDK does not have."""

    def initiate_call(
        self, receiver_id: str, receiver_type: ReceiverType, call_type: CallType, timeout: float | None = None
    ) -> CallInfo:
        what = f"initiateCall(Call({receiver_id}, {call_type}, {receiver_type}), timeout={timeout})"
        self._check_initiate(timeout, what)
        args = {"receiverId": receiver_id, "receiverType": str(receiver_type), "callType": str(call_type)}
        return call_info(self._run("initiateCall", {**args, "timeout": timeout}, what), f"{self.label}: {what}")

    def accept_call(self, session_id: str) -> CallInfo:
        what = f"acceptCall({session_id})"
        return call_info(self._run("acceptCall", {"sessionId": session_id}, what), f"{self.label}: {what}")

    def reject_call(self, session_id: str, status: CallStatus) -> CallInfo:
        what = f"rejectCall({session_id}, {status})"
        raw = self._run("rejectCall", {"sessionId": session_id, "status": str(status)}, what)
        if raw is None:
            # SDK 4.2.0 sends any status but rejected/cancelled/busy to endCall(sid, true), which
            # resolves null, telling nobody, when there is no active call.
            raise self._failure(f"{self.label}: {what} resolved with no Call (the SDK treated it as endCall)")
        return call_info(raw, f"{self.label}: {what}")

    def end_call(self, session_id: str) -> CallInfo | None:
        what = f"endCall({session_id})"
        raw = self._run("endCall", {"sessionId": session_id}, what)
        return None if raw is None else call_info(raw, f"{self.label}: {what}")

    def get_active_call(self) -> CallInfo | None:
        raw = self._run("getActiveCall", {}, "getActiveCall()")
        return None if raw is None else call_info(raw, f"{self.label}: getActiveCall()")

    def clear_active_call(self) -> None:
        self._check_clear_active_call()
        self._run("clearActiveCall", {}, "clearActiveCall()")

    def add_call_listener(self, listener_id: str) -> None:
        self._run("addCallListener", {"listenerId": listener_id}, f"addCallListener({listener_id})")

    def remove_call_listener(self, listener_id: str) -> None:
        self._run("removeCallListener", {"listenerId": listener_id}, f"removeCallListener({listener_id})")
