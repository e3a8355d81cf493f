"""The call service: applies the state machine's outcomes to the world.

It stamps each transition with the clock, renders it once as a call message and encodes it once
(the same bytes become the REST answer, every recipient's frame and the journal's record of it),
tells every device in the outcome's audience and waits until they were written, and keeps the
optional server-side ring expiry. It knows WebSockets only through :class:`~mockserver.hub.Hub`.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from . import jsonio, wire
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
from .hub import Hub
from .journal import Journal


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
    book: CallBook = field(init=False)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _expiries: dict[str, TimerHandle] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.book = CallBook(self.directory, new_session_id_factory(self.app_id), self.keep_ended_calls)

    def reset(self) -> None:
        for handle in self._expiries.values():
            handle.cancel()
        self._expiries.clear()
        self.book.reset()

    def render(self, call: Call) -> dict[str, Any]:
        return wire.call_message(call, self.directory, next(self._message_ids))

    async def initiate(
        self, caller: Party, receiver_type: ReceiverType, receiver_id: str, call_type: CallType
    ) -> Published:
        outcome = self.book.initiate(caller, receiver_type, receiver_id, call_type, self.clock.now())
        if self.ring_expiry is not None:
            session_id = outcome.call.session_id
            self._expiries[session_id] = self.clock.call_later(
                self.ring_expiry, lambda: self._expire(session_id), label=f"ring expiry {session_id}"
            )
        return await self._publish(outcome)

    async def update(self, session_id: str, actor: Party, status: Status) -> Published:
        outcome = self.book.update(session_id, actor, status, self.clock.now())
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
        message = self.render(outcome.view)
        message_json = jsonio.dumps(message)
        frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json)
        text = frame_json.decode()
        session_id = outcome.call.session_id
        status = str(outcome.view.status)
        written = []
        for recipient in self.hub.resolve(outcome.audiences, outcome.origin):
            self.journal.add(
                "frame",
                f"told {recipient.uid} ({recipient.device}): {session_id} {status}",
                uid=recipient.uid,
                device=recipient.device,
                sessionId=session_id,
                status=status,
                frame=frame_json,
            )
            written.append(self.hub.post(recipient, text))
        if len(written) == 1:
            await written[0]  # the usual case, without a gathering future
        elif written:
            await asyncio.gather(*written)
        return Published(message, message_json)
