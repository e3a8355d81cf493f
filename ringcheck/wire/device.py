"""A device as the CometChat SDK behaves on the client side (SPEC section 3), over a WireSession.

These are the rules every real app gets from the SDK, so the reference client keeps them too:
one call at a time, the caller's no-answer timer, active-call bookkeeping, and listener
dispatch by status, including the group-call rules and "answered elsewhere".
"""

from __future__ import annotations

import math
from typing import Any

import aiohttp

from mockserver.clock import Clock, TimerHandle

from ..adapter import Callback, CallInfo, CallStatus, CallType, EventSink, ListenerEvent, ReceiverType, Refused
from .messages import MalformedMessage, call_info
from .session import Endpoint, RequestLog, WireSession

DEFAULT_TIMEOUT = 45

CALL_ALREADY_INITIATED = "CALL_ALREADY_INITIATED"
CALL_IN_PROGRESS = "CALL_IN_PROGRESS"
NOT_THE_ACTIVE_CALL = "ERR_NOT_THE_ACTIVE_CALL"


def resolve_timeout(timeout: float | None) -> int:
    """As the SDK: whole seconds, floored; missing, zero or negative means the default."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    seconds = math.floor(timeout)
    return seconds if seconds > 0 else DEFAULT_TIMEOUT


class WireDevice:
    def __init__(
        self,
        endpoint: Endpoint,
        uid: str,
        http: aiohttp.ClientSession,
        clock: Clock,
        on_event: EventSink,
        log: RequestLog,
    ) -> None:
        self.session = WireSession(endpoint, uid, http, self.on_message, log, clock)
        self.uid = uid
        self._clock = clock
        self._on_event = on_event
        self._log = log
        self._listeners: dict[str, None] = {}
        self._active: CallInfo | None = None
        self._joined_at: Any = None
        self._timer: TimerHandle | None = None

    # -- operations ---------------------------------------------------------------------------

    async def initiate_call(
        self, receiver_id: str, receiver_type: ReceiverType, call_type: CallType, timeout: float | None
    ) -> CallInfo:
        if self._active is not None:
            raise Refused(CALL_ALREADY_INITIATED, f"there is already an active call ({self._active.session_id})")
        body = {
            "type": str(call_type),
            "receiverType": str(receiver_type),
            "category": "call",
            "status": "initiated",
            "receiver": receiver_id,
        }
        call = call_info(await self.session.request("POST", "/calls", body))
        self._set_active(call, None)
        session_id = call.session_id
        self._timer = self._clock.call_later(
            resolve_timeout(timeout), lambda: self._no_answer(session_id), label=f"{self.uid}'s no-answer timer"
        )
        return call

    async def accept_call(self, session_id: str) -> CallInfo:
        if self._active is not None:
            raise Refused(CALL_IN_PROGRESS, f"there is already an active call ({self._active.session_id})")
        data = await self._update(session_id, CallStatus.ONGOING)
        call = call_info(data)
        self._set_active(call, data.get("data", {}).get("entities", {}).get("on", {}).get("entity", {}).get("joinedAt"))
        return call

    async def reject_call(self, session_id: str, status: CallStatus) -> CallInfo:
        call = call_info(await self._update(session_id, status))
        if self._is_active(session_id):
            self._clear()
        return call

    async def end_call(self, session_id: str) -> CallInfo | None:
        if self._active is None:
            return None  # as the SDK: nothing to end, the server is not asked
        if self._active.session_id != session_id:
            raise Refused(NOT_THE_ACTIVE_CALL, f"{session_id} is not the active call ({self._active.session_id})")
        extra = {"joinedAt": self._joined_at} if self._joined_at is not None else {}
        call = call_info(await self._update(session_id, CallStatus.ENDED, **extra))
        self._clear()  # as SDK 4.2.0 (CallController.endCall): the documented clear is then harmless
        return call

    async def send_status(self, session_id: str, status: str) -> CallInfo:
        """Any status, past every client-side rule: for checking what a server refuses."""
        return call_info(await self.session.request("PUT", f"/calls/{session_id}", {"status": status}))

    async def sign_out(self) -> None:
        self._clear()
        await self.session.logout()

    def get_active_call(self) -> CallInfo | None:
        return self._active

    async def close(self) -> None:
        """Sign the device off: its timer must not fire into a later scenario, as an app closed does."""
        self._clear()
        await self.session.close()

    def clear_active_call(self) -> None:
        self._clear()

    def add_call_listener(self, listener_id: str) -> None:
        self._listeners[listener_id] = None

    def remove_call_listener(self, listener_id: str) -> None:
        self._listeners.pop(listener_id, None)

    # -- what the server tells us ------------------------------------------------------------

    async def on_message(self, body: dict[str, Any]) -> None:
        try:
            call = call_info(body)
        except MalformedMessage as exc:
            self._log(f"{self.uid} dropped a call message, as the SDK would: {exc}")
            return
        mine = call.initiator == self.uid
        group = call.receiver_type is ReceiverType.GROUP
        status = call.status
        if status is CallStatus.INITIATED:
            if not (group and mine):
                self._emit(Callback.INCOMING_CALL_RECEIVED, call)
        elif status is CallStatus.ONGOING:
            if group and not mine:
                return
            if self._is_active(call.session_id):
                self._stop_timer()
            self._emit(Callback.OUTGOING_CALL_ACCEPTED, call)
        elif status in (CallStatus.REJECTED, CallStatus.BUSY):
            if group and not mine:
                return
            if self._is_active(call.session_id):
                self._clear()
            self._emit(Callback.OUTGOING_CALL_REJECTED, call)
        elif status is CallStatus.UNANSWERED and mine:
            self._emit(Callback.OUTGOING_CALL_REJECTED, call)
            self._clear_if_active(call.session_id)
        elif status in (CallStatus.CANCELLED, CallStatus.UNANSWERED):
            self._emit(Callback.INCOMING_CALL_CANCELLED, call)
            self._clear_if_active(call.session_id)
        elif status is CallStatus.ENDED:
            self._emit(Callback.CALL_ENDED_MESSAGE_RECEIVED, call)
            self._clear_if_active(call.session_id)

    async def _no_answer(self, session_id: str) -> None:
        """The caller's timer ran out: mark the call unanswered and tell our own listeners."""
        self._timer = None
        try:
            call = call_info(await self._update(session_id, CallStatus.UNANSWERED))
        except Refused as refusal:
            self._log(f"{self.uid}'s no-answer timer: the server refused unanswered: {refusal}")
            self._clear_if_active(session_id)
            return
        self._emit(Callback.OUTGOING_CALL_REJECTED, call)
        self._clear_if_active(session_id)

    # -- bookkeeping --------------------------------------------------------------------------

    async def _update(self, session_id: str, status: CallStatus, **extra: Any) -> dict[str, Any]:
        data = await self.session.request("PUT", f"/calls/{session_id}", {"status": str(status), **extra})
        if not isinstance(data, dict):
            raise MalformedMessage(f"PUT /calls/{session_id} answered data that is not a call message")
        return data

    def _emit(self, callback: Callback, call: CallInfo) -> None:
        for listener_id in list(self._listeners):
            self._on_event(ListenerEvent(listener_id, callback, call))

    def _set_active(self, call: CallInfo, joined_at: Any) -> None:
        self._active = call
        self._joined_at = joined_at

    def _is_active(self, session_id: str) -> bool:
        return self._active is not None and self._active.session_id == session_id

    def _clear_if_active(self, session_id: str) -> None:
        if self._is_active(session_id):
            self._clear()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _clear(self) -> None:
        self._stop_timer()
        self._active = None
        self._joined_at = None
