"""The call state machine: SPEC sections 2 and 4, with no I/O.

Every operation either refuses with a :class:`~mockserver.errors.Refusal` and changes nothing, or
applies one transition and returns an :class:`Outcome`: the call as it now stands and the
audiences that must be told. Operations run one at a time (the server calls them without
awaiting in between), so two racing operations on one call resolve atomically: the first wins,
the second sees the new state and is refused, and everyone is told only of the winner.

Who is told follows SPEC's device rules. The caller's side is the one device that initiated the
call. A receiver's side is every device of that user until one of them answers, then the
answering device. The device whose request caused an event is never told of it (the delivery
layer leaves it out), so an audience may safely include it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from .directory import Directory
from .errors import ErrorCode, Refusal

D = TypeVar("D")


def replace(instance: D, **changes: Any) -> D:
    """:func:`dataclasses.replace` for this module's frozen dataclasses (no slots, no
    ``__post_init__``), at a fifth of its cost: it walks every field and runs the frozen
    ``__init__`` (an ``object.__setattr__`` per field), five times per call flow, which was 4 % of
    a protocol request. A name that is not one of the instance's attributes is refused, as an
    unknown field is there (these dataclasses have no attributes but their fields)."""
    unknown = changes.keys() - vars(instance).keys()
    if unknown:
        raise TypeError(f"{type(instance).__name__} has no field {', '.join(sorted(unknown))}")
    copy = object.__new__(type(instance))
    vars(copy).update(vars(instance), **changes)
    return copy


class Status(StrEnum):
    INITIATED = "initiated"
    ONGOING = "ongoing"
    REJECTED = "rejected"
    BUSY = "busy"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"
    ENDED = "ended"

    @property
    def terminal(self) -> bool:
        return self not in (Status.INITIATED, Status.ONGOING)


class CallType(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"


class ReceiverType(StrEnum):
    USER = "user"
    GROUP = "group"


@dataclass(frozen=True)
class Party:
    """A user acting from one device (the device is the SDK session id, ``resource``)."""

    uid: str
    device: str


@dataclass(frozen=True)
class AllDevices:
    """Every device the user has connected when the event is delivered."""

    uid: str


@dataclass(frozen=True)
class OneDevice:
    uid: str
    device: str


Audience = AllDevices | OneDevice


class Answer(StrEnum):
    JOINED = "joined"
    REJECTED = "rejected"


@dataclass(frozen=True)
class MemberAnswer:
    answer: Answer
    device: str


@dataclass(frozen=True)
class Call:
    """A call as it stands. Immutable: each transition makes a new one."""

    session_id: str
    call_type: CallType
    receiver_type: ReceiverType
    receiver_id: str
    caller: Party
    members: tuple[str, ...]
    """Who is rung: the receiver of a user call; every member but the caller of a group call."""
    status: Status
    initiated_at: float
    updated_at: float
    sender: str
    """Who caused the latest transition."""
    joined_at: float | None = None
    ended_at: float | None = None
    answers: tuple[tuple[str, MemberAnswer], ...] = ()

    def answer_of(self, uid: str) -> MemberAnswer | None:
        return dict(self.answers).get(uid)

    def ringing_members(self) -> list[str]:
        answered = dict(self.answers)
        return [m for m in self.members if m not in answered]

    def joined_members(self) -> list[tuple[str, str]]:
        return [(uid, a.device) for uid, a in self.answers if a.answer is Answer.JOINED]

    def is_party(self, uid: str) -> bool:
        return uid == self.caller.uid or uid in self.members


@dataclass(frozen=True)
class Outcome:
    """One applied transition: the call after it, who caused it, and who must be told."""

    call: Call
    origin: str | None
    """The device whose request caused it (never told of it); None for the server's own timers."""
    audiences: tuple[Audience, ...]
    told_as: Status | None = None
    """The status the audience and the actor are told when it is not the call's: a member's own
    answer to a group call that goes on without them (``rejected``), so that member's other
    devices stop ringing instead of being rung again with a call still ``initiated``."""

    @property
    def view(self) -> Call:
        """The call as the audience is told of it."""
        return self.call if self.told_as is None else replace(self.call, status=self.told_as)


def new_session_id_factory(app_id: str) -> Callable[[], str]:
    """Session ids shaped like CometChat's (``v1.<region>.<appId>.<n>``), unique per server."""
    counter = itertools.count(1)
    return lambda: f"v1.local.{app_id}.{next(counter):06d}"


KEEP_ENDED_CALLS = 10_000


@dataclass
class CallBook:
    """Every live call of one server and its latest ended ones; the only place calls change.

    A long-lived server must not keep every call forever: every call still ringing or ongoing is
    kept, and of the ended ones (any terminal status) the latest ``keep_ended``; older ones are
    forgotten, so asking about one gets ERR_CALL_SESSION_NOT_FOUND instead of its last state.
    """

    directory: Directory
    new_session_id: Callable[[], str]
    keep_ended: int = KEEP_ENDED_CALLS
    _calls: dict[str, Call] = field(default_factory=dict)
    _ended: dict[str, None] = field(default_factory=dict)
    """Session ids of ended calls, in the order they ended (a dict as an ordered set)."""

    def reset(self) -> None:
        self._calls.clear()
        self._ended.clear()

    def __len__(self) -> int:
        return len(self._calls)

    def get(self, session_id: str) -> Call:
        try:
            return self._calls[session_id]
        except KeyError:
            raise Refusal(
                ErrorCode.CALL_SESSION_NOT_FOUND,
                f"there is no call with session id {session_id!r}",
                sessionId=session_id,
            ) from None

    def calls(self) -> Iterator[Call]:
        return iter(self._calls.values())

    def record(self, outcome: Outcome) -> Outcome:
        """Keep a checked outcome's call: the one place a call changes. A new call gets its
        session id here, so a checked call that a fault rule then fails uses none up."""
        if not outcome.call.session_id:
            outcome = replace(outcome, call=replace(outcome.call, session_id=self.new_session_id()))
        self._calls[outcome.call.session_id] = outcome.call
        self._forget_the_oldest_ended(outcome.call)
        return outcome

    def initiate(
        self, caller: Party, receiver_type: ReceiverType, receiver_id: str, call_type: CallType, now: float
    ) -> Outcome:
        return self.record(self.check_initiate(caller, receiver_type, receiver_id, call_type, now))

    def update(self, session_id: str, actor: Party, status: Status, now: float) -> Outcome:
        return self.record(self.check_update(session_id, actor, status, now))

    def check_initiate(
        self,
        caller: Party,
        receiver_type: ReceiverType,
        receiver_id: str,
        call_type: CallType,
        now: float,
    ) -> Outcome:
        self.directory.user(caller.uid)
        if receiver_type is ReceiverType.USER:
            self.directory.user(receiver_id)
            if receiver_id == caller.uid:
                raise Refusal(ErrorCode.CALLING_SELF, "a user cannot call themselves", uid=receiver_id)
            members: tuple[str, ...] = (receiver_id,)
        else:
            group = self.directory.group(receiver_id)
            if caller.uid not in group.members:
                raise Refusal(
                    ErrorCode.CALL_NOT_A_PART,
                    f"{caller.uid!r} is not a member of group {receiver_id!r}",
                    guid=receiver_id,
                )
            members = tuple(m for m in group.members if m != caller.uid)
        call = Call(
            session_id="",  # given by record()
            call_type=call_type,
            receiver_type=receiver_type,
            receiver_id=receiver_id,
            caller=caller,
            members=members,
            status=Status.INITIATED,
            initiated_at=now,
            updated_at=now,
            sender=caller.uid,
        )
        return self._outcome(call, caller.device, tuple(AllDevices(m) for m in members))

    def check_update(self, session_id: str, actor: Party, status: Status, now: float) -> Outcome:
        """What applying ``status`` to the call on behalf of ``actor`` would do; nothing changes
        until :meth:`record` keeps the outcome.

        Checks run in a fixed, documented order (spec-notes): the session exists, the actor is a
        party, the call is not over, the status is a move forward, the actor may make this move,
        the move is legal from the current status.
        """
        call = self.get(session_id)
        if not call.is_party(actor.uid):
            raise Refusal(
                ErrorCode.CALL_NOT_A_PART,
                f"{actor.uid!r} is not a party to call {session_id!r}",
                sessionId=session_id,
            )
        if call.status.terminal:
            raise Refusal(
                ErrorCode.CALL_TERMINATED,
                f"call {session_id!r} is already {call.status}; it cannot become {status}",
                sessionId=session_id,
                status=str(call.status),
            )
        if status is Status.INITIATED:
            raise Refusal(ErrorCode.CALL_INVALID_INIT, "a call cannot go back to initiated", sessionId=session_id)
        is_caller = actor.uid == call.caller.uid
        return _MOVES[status](self, call, actor, is_caller, status, now)

    def expire(self, session_id: str, now: float) -> Outcome | None:
        """The server's optional ring expiry: mark a call still ringing unanswered, for the caller."""
        call = self._calls.get(session_id)
        if call is None or call.status is not Status.INITIATED:
            return None
        # Nobody's request caused it, so every device of the caller's side is told too.
        return self.record(replace(self._withdraw(call, call.caller, True, Status.UNANSWERED, now), origin=None))

    # -- transitions ------------------------------------------------------------------------

    def _accept(self, call: Call, actor: Party, is_caller: bool, status: Status, now: float) -> Outcome:
        self._must_be_receiver(call, is_caller, "accept")
        answer = call.answer_of(actor.uid)
        if answer is not None and answer.answer is Answer.JOINED:
            raise Refusal(
                ErrorCode.CALL_USER_ALREADY_JOINED,
                f"{actor.uid!r} has already accepted call {call.session_id!r}",
                sessionId=call.session_id,
            )
        if answer is not None:
            raise Refusal(
                ErrorCode.CALL_ALREADY_REJECTED,
                f"{actor.uid!r} has already rejected call {call.session_id!r}",
                sessionId=call.session_id,
            )
        first = call.status is Status.INITIATED
        updated = self._answered(call, actor, Answer.JOINED, Status.ONGOING, now, joins_first=first)
        audiences: tuple[Audience, ...] = (AllDevices(actor.uid),)
        if first:
            audiences = (self._caller_side(call), *audiences)
        return self._outcome(updated, actor.device, audiences)

    def _reject(self, call: Call, actor: Party, is_caller: bool, status: Status, now: float) -> Outcome:
        if call.receiver_type is ReceiverType.GROUP and status is Status.BUSY:
            raise Refusal(
                ErrorCode.CALL_GROUP_INVALID_STATUS,
                "busy is not a valid answer to a group call; reject it instead",
                sessionId=call.session_id,
            )
        self._must_be_receiver(call, is_caller, f"answer {status}")
        answer = call.answer_of(actor.uid)
        if call.receiver_type is ReceiverType.USER or (answer is not None and answer.answer is Answer.JOINED):
            self._must_be_ringing(call, status)
        if answer is not None:
            raise Refusal(
                ErrorCode.CALL_ALREADY_REJECTED,
                f"{actor.uid!r} has already rejected call {call.session_id!r}",
                sessionId=call.session_id,
            )
        if call.receiver_type is ReceiverType.USER:
            updated = self._answered(call, actor, Answer.REJECTED, status, now)
            return self._outcome(updated, actor.device, (self._caller_side(call), AllDevices(actor.uid)))
        # A group call: one member's no is that member's business, until nobody is left.
        still = call.status
        answered = self._answered(call, actor, Answer.REJECTED, still, now)
        everyone_declined = not answered.ringing_members() and not answered.joined_members()
        if everyone_declined:
            answered = replace(answered, status=Status.REJECTED, ended_at=now)
            return self._outcome(answered, actor.device, (self._caller_side(call), AllDevices(actor.uid)))
        return self._outcome(answered, actor.device, (AllDevices(actor.uid),), told_as=Status.REJECTED)

    def _withdraw(self, call: Call, actor: Party, is_caller: bool, status: Status, now: float) -> Outcome:
        """Cancel (the caller hangs up) or unanswered (the caller's no-answer timer ran out)."""
        if not is_caller:
            raise Refusal(
                ErrorCode.CALL_WRONG_PARTY,
                f"only the caller ({call.caller.uid!r}) can mark call {call.session_id!r} {status}",
                sessionId=call.session_id,
            )
        self._must_be_ringing(call, status)
        ringing = call.ringing_members()
        updated = replace(call, status=status, updated_at=now, ended_at=now, sender=actor.uid)
        audiences = (self._caller_side(call), *(AllDevices(m) for m in ringing))
        return self._outcome(updated, actor.device, audiences)

    def _end(self, call: Call, actor: Party, is_caller: bool, status: Status, now: float) -> Outcome:
        if call.status is Status.INITIATED:
            raise Refusal(
                ErrorCode.CALL_NOT_STARTED,
                f"call {call.session_id!r} was never accepted; the caller cancels it instead",
                sessionId=call.session_id,
            )
        joined = call.joined_members()
        if not is_caller and actor.uid not in dict(joined):
            raise Refusal(
                ErrorCode.CALL_WRONG_PARTY,
                f"{actor.uid!r} has not joined call {call.session_id!r}, so cannot end it",
                sessionId=call.session_id,
            )
        updated = replace(call, status=Status.ENDED, updated_at=now, ended_at=now, sender=actor.uid)
        audiences = (self._caller_side(call), *(OneDevice(uid, device) for uid, device in joined))
        return self._outcome(updated, actor.device, audiences)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _caller_side(call: Call) -> Audience:
        return OneDevice(call.caller.uid, call.caller.device)

    @staticmethod
    def _must_be_receiver(call: Call, is_caller: bool, what: str) -> None:
        if is_caller:
            raise Refusal(
                ErrorCode.CALL_WRONG_PARTY,
                f"the caller cannot {what} their own call {call.session_id!r}",
                sessionId=call.session_id,
            )

    @staticmethod
    def _must_be_ringing(call: Call, status: Status) -> None:
        if call.status is Status.ONGOING:
            raise Refusal(
                ErrorCode.CALL_ONGOING_TO_INVALID,
                f"call {call.session_id!r} is already ongoing; it cannot become {status}",
                sessionId=call.session_id,
            )

    @staticmethod
    def _answered(
        call: Call, actor: Party, answer: Answer, status: Status, now: float, joins_first: bool = False
    ) -> Call:
        answers = (*call.answers, (actor.uid, MemberAnswer(answer, actor.device)))
        ended_at = now if status.terminal else call.ended_at
        joined_at = now if joins_first else call.joined_at
        return replace(
            call,
            answers=answers,
            status=status,
            updated_at=now,
            sender=actor.uid,
            ended_at=ended_at,
            joined_at=joined_at,
        )

    def _outcome(
        self, call: Call, origin: str | None, audiences: tuple[Audience, ...], told_as: Status | None = None
    ) -> Outcome:
        """The outcome of a checked move; nothing changes until :meth:`record` keeps it."""
        return Outcome(call=call, origin=origin, audiences=audiences, told_as=told_as)

    def _forget_the_oldest_ended(self, call: Call) -> None:
        if not call.status.terminal:
            return
        self._ended[call.session_id] = None
        while len(self._ended) > self.keep_ended:
            oldest = next(iter(self._ended))
            del self._ended[oldest]
            del self._calls[oldest]


Move = Callable[[CallBook, Call, Party, bool, Status, float], Outcome]
_MOVES: dict[Status, Move] = {
    Status.ONGOING: CallBook._accept,
    Status.REJECTED: CallBook._reject,
    Status.BUSY: CallBook._reject,
    Status.CANCELLED: CallBook._withdraw,
    Status.UNANSWERED: CallBook._withdraw,
    Status.ENDED: CallBook._end,
}
"""Which transition each status asks for (built once, not per request)."""
