"""The call service: applies the state machine's outcomes to the world.

It stamps each transition with the clock, renders it once as a call message and encodes it once
(the same bytes become the REST answer, every recipient's frame and the journal's record of it),
tells every device in the outcome's audience and waits until they were written, and keeps the
optional server-side ring expiry. It knows WebSockets only through :class:`~mockserver.hub.Hub`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import faults, jsonio, wire
from .calls import (
    KEEP_ENDED_CALLS,
    Call,
    CallBook,
    CallType,
    Outcome,
    Party,
    ReceiverType,
    Status,
    new_session_id_factory,
)
from .clock import Clock, TimerHandle
from .directory import Directory
from .errors import Refusal
from .faults import FaultPlane, Held, Rule
from .hub import Hub, Recipient
from .journal import Journal

FRAME_FIELDS = ("uid", "device", "sessionId", "status", "frame")
RETURNING_FRAME_FIELDS = (*FRAME_FIELDS, "reconnect")
"""The data of a frame's journal entry; a catch-up frame's says ``reconnect: true``."""


def _frame_line(uid: str, device: str, session_id: str, status: str, frame: bytes, returning: bool) -> str:
    """A frame's journal line, rendered when first read."""
    return f"told {uid} ({device}){' on its return' if returning else ''}: {session_id} {status}"


@dataclass(frozen=True)
class Published:
    """A call message as sent: the dict, and its JSON encoded once for every use."""

    message: dict[str, Any]
    message_json: bytes


@dataclass
class CallService:
    directory: Directory
    clock: Clock
    hub: Hub
    journal: Journal
    app_id: str
    ring_expiry: float | None = None
    keep_ended_calls: int = KEEP_ENDED_CALLS
    faults: FaultPlane = field(default_factory=FaultPlane)
    book: CallBook = field(init=False)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _expiries: dict[str, TimerHandle] = field(default_factory=dict)
    _delayed: dict[int, TimerHandle] = field(default_factory=dict)
    """Frames a delay rule holds back, each until it is sent; a reset cancels them all."""
    _events: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.book = CallBook(self.directory, new_session_id_factory(self.app_id), self.keep_ended_calls)

    def reset(self) -> None:
        for handle in self._expiries.values():
            handle.cancel()
        self._expiries.clear()
        for handle in self._delayed.values():
            handle.cancel()
        self._delayed.clear()
        self.faults.reset()
        self.hub.forget_away()
        self.book.reset()

    def render(self, call: Call) -> dict[str, Any]:
        return wire.call_message(call, self.directory, next(self._message_ids))

    async def initiate(
        self,
        caller: Party,
        receiver_type: ReceiverType,
        receiver_id: str,
        call_type: CallType,
        gate: Callable[[], None] | None = None,
    ) -> Published:
        """``gate`` (a fault rule's say) runs once the request is known to be valid, before
        anything changes: it may raise to fail the operation."""
        checked = self.book.check_initiate(caller, receiver_type, receiver_id, call_type, self.clock.now())
        if gate is not None:
            gate()
        outcome = self.book.record(checked)
        if self.ring_expiry is not None:
            session_id = outcome.call.session_id
            self._expiries[session_id] = self.clock.call_later(
                self.ring_expiry, lambda: self._expire(session_id), label=f"ring expiry {session_id}"
            )
        return await self._publish(outcome)

    async def update(
        self, session_id: str, actor: Party, status: Status, gate: Callable[[], None] | None = None
    ) -> Published:
        outcome = self.book.check_update(session_id, actor, status, self.clock.now())
        if gate is not None:
            gate()
        outcome = self.book.record(outcome)
        if outcome.call.status is not Status.INITIATED:
            handle = self._expiries.pop(session_id, None)
            if handle is not None:
                handle.cancel()
        return await self._publish(outcome)

    async def _expire(self, session_id: str) -> None:
        self._expiries.pop(session_id, None)
        outcome = self.book.expire(session_id, self.clock.now())
        if outcome is not None:
            self.journal.add("timer", f"ring expiry: {session_id} unanswered", sessionId=session_id)
            await self._publish(outcome)

    async def _publish(self, outcome: Outcome) -> Published:
        """Tell the outcome's audience; no await before every frame is queued, to keep order.

        The frame is encoded once for the event, not once per recipient, and the journal keeps
        that one encoding (it decodes it only if someone reads the journal).
        """
        view = outcome.view
        message = self.render(view)
        message_json = jsonio.dumps(message)
        frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json)
        text = frame_json.decode()
        session_id = view.session_id
        status = str(view.status)
        written: list[asyncio.Future[bool]] = []
        faulty = self.faults.active
        event = next(self._events)
        for recipient in self.hub.resolve(outcome.audiences, outcome.origin):
            # Held frames go out after this one even once their rule is gone (DELETE sends them).
            holding = bool(self.faults.held) and self.faults.holds(recipient.uid, recipient.device)
            if faulty and self._faulted(recipient, session_id, status, frame_json, text, written, event, holding):
                continue
            self._journal_frame(recipient, session_id, status, frame_json)
            written.append(self.hub.post(recipient, text))
            if holding:
                self._release_held(recipient, written)
        if self.hub.remember_away:
            self.hub.note_missed(outcome.audiences, outcome.origin, session_id)
        if len(written) == 1:
            await written[0]  # the usual case, without a gathering future
        elif written:
            await asyncio.gather(*written)
        return Published(message, message_json)

    async def catch_up(self, recipient: Recipient) -> None:
        """A device back from a disconnection: send it, once per call, the current call message of
        every call of its user that changed while it was away (``--on-reconnect current-state``)."""
        written: list[asyncio.Future[bool]] = []
        for session_id, origin in self.hub.came_back(recipient.uid, recipient.device).items():
            try:
                call = self.book.get(session_id)
            except Refusal:  # forgotten by a reset meanwhile
                continue
            message = self.render(call)
            frame_json = wire.encoded_frame(self.app_id, origin, message, jsonio.dumps(message))
            self._journal_frame(recipient, session_id, str(call.status), frame_json, returning=True)
            written.append(self.hub.post(recipient, frame_json.decode()))
        if written:
            await asyncio.gather(*written)

    def _journal_frame(
        self, recipient: Recipient, session_id: str, status: str, frame_json: bytes, returning: bool = False
    ) -> None:
        """One journal line per frame told; a catch-up frame for a returning device says so."""
        fields = RETURNING_FRAME_FIELDS if returning else FRAME_FIELDS
        self.journal.add_rendered("frame", _frame_line, fields, (*recipient, session_id, status, frame_json, returning))

    def _faulted(
        self,
        recipient: Recipient,
        session_id: str,
        status: str,
        frame_json: bytes,
        text: str,
        written: list[asyncio.Future[bool]],
        event: int,
        holding: bool,
    ) -> bool:
        """Apply a fault rule to this frame; True when the frame was dealt with (not sent as usual).

        Only frames sent now join ``written``: a request never waits for a frame a rule holds back.
        """
        found = self.faults.on_frame(recipient.uid, recipient.device, status, event, holding)
        if found is None:
            return False
        action = found.action
        limited = action in ("delay", "reorder") and self._held_back() >= self.faults.max_held_back
        summary = faults.describe(found, status=status)
        data = found.data(sessionId=session_id, status=status)
        if limited:
            what = "dropped it" if action == "delay" else "sent it at once"
            summary += f", but {self.faults.max_held_back} frames were held back already: {what}"
            data["limit"] = "dropped-by-limit" if action == "delay" else "sent-at-hold-limit"
        self.journal.add("fault", summary, **data)
        if action == "duplicate":
            self._journal_frame(recipient, session_id, status, frame_json)
            self._journal_frame(recipient, session_id, status, frame_json)
            written.extend([self.hub.post(recipient, text), self.hub.post(recipient, text)])
            if holding:
                self._release_held(recipient, written)
        elif action == "delay" and not limited:
            self._delay(recipient, session_id, status, frame_json, text, found.rule)
        elif action == "reorder":
            if limited:
                return False  # sent as usual
            self.faults.hold(recipient.uid, recipient.device, Held(found.rule.id, session_id, status, text))
        elif action == "close-socket":
            self.abort_socket(recipient)
        # drop (or a delay beyond the limit): nothing is sent.
        return True

    def abort_socket(self, recipient: Recipient) -> None:
        """Drop the device's socket as a network failure would (a close-socket rule), and with it,
        at once, what was held for it: not when its handler notices, since a DELETE or a frame
        meanwhile would "send" the held frames to a socket that is gone."""
        self.hub.abort(recipient)
        self.socket_gone(recipient)

    def socket_gone(self, recipient: Recipient) -> None:
        """The device's socket went away (closed, aborted, or replaced by a newer one): what a
        reorder rule held for it is lost with it, as a real server's queue for a dead socket is,
        and the journal says which events. Kept, those frames would reach the device's next
        connection out of the blue and count against the hold limit for ever."""
        lost = self.faults.release(recipient.uid, recipient.device)
        if not lost:
            return
        uid, device = recipient
        events = ", ".join(f"{held.session_id} {held.status}" for held in lost)
        what = f"{uid} ({device})'s socket went away, so the event(s) held for it are lost: {events}"
        self.journal.add(
            "fault",
            f"fault {lost[0].rule_id}: {what}",
            fault=lost[0].rule_id,
            action="reorder",
            uid=uid,
            device=device,
            lost=len(lost),
            events=[{"sessionId": held.session_id, "status": held.status} for held in lost],
        )

    def _held_back(self) -> int:
        return len(self._delayed) + self.faults.held_count()

    def _delay(
        self, recipient: Recipient, session_id: str, status: str, frame_json: bytes, text: str, rule: Rule
    ) -> None:
        key = next(self._events)

        async def send_late() -> None:
            self._delayed.pop(key, None)
            if recipient.device in self.hub.devices_of(recipient.uid):  # not gone meanwhile
                self._journal_frame(recipient, session_id, status, frame_json)
                await self.hub.post(recipient, text)

        self._delayed[key] = self.clock.call_later(rule.seconds or 0.0, send_late, label=f"{rule.id} delays a frame")

    def _release_held(self, recipient: Recipient, written: list[asyncio.Future[bool]]) -> None:
        for held in self.faults.release(recipient.uid, recipient.device):
            self._journal_frame(recipient, held.session_id, held.status, held.text.encode())
            written.append(self.hub.post(recipient, held.text))

    async def remove_fault(self, rule_id: str) -> Rule:
        """Delete a rule; the frames it was holding back for a reorder are sent now, in order."""
        rule, freed = self.faults.remove(rule_id)
        written: list[asyncio.Future[bool]] = []
        for (uid, device), frames in freed.items():
            recipient = Recipient(uid, device)
            self.journal.add(
                "fault",
                f"fault {rule_id}: deleted, so the {len(frames)} event(s) it held for {uid} ({device}) are sent now",
                fault=rule_id,
                action=rule.action,
                uid=uid,
                device=device,
                released=len(frames),
            )
            for held in frames:
                self._journal_frame(recipient, held.session_id, held.status, held.text.encode())
                written.append(self.hub.post(recipient, held.text))
        if written:
            await asyncio.gather(*written)
        return rule
