"""The call state machine (mockserver.calls) against SPEC sections 2 and 4, with no I/O.

Every row of SPEC's transition table, refusal table and group table is one parametrized case, so a
reader can hold this file next to the SPEC and tick rows off. "Who is told" is checked as the
Outcome's exact audiences and origin: the delivery layer sends each event to the devices the
audiences name, less the origin device, so these two values are the whole of what the state
machine decides about delivery. Every refusal is checked to leave the call book exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mockserver.calls import (
    AllDevices,
    Audience,
    Call,
    CallBook,
    CallType,
    OneDevice,
    Outcome,
    Party,
    ReceiverType,
    Status,
    new_session_id_factory,
    replace,
)
from mockserver.directory import DEFAULT_SEED, Directory
from mockserver.errors import ErrorCode, Refusal
from mockserver.inputs import enum_field

ALEX = Party("alex", "alex-1")
ALEX_2 = Party("alex", "alex-2")
BOB = Party("bob", "bob-1")
BOB_2 = Party("bob", "bob-2")
CAROL = Party("carol", "carol-1")
DAVE = Party("dave", "dave-1")
T0 = 1_000.0

Step = tuple[Party, Status]


def new_book() -> CallBook:
    return CallBook(Directory(DEFAULT_SEED), new_session_id_factory("test"))


class Scene:
    """A call book with one call in it, moved along by scripted steps at increasing times."""

    def __init__(self, receiver_type: ReceiverType = ReceiverType.USER) -> None:
        self.book = new_book()
        self.now = T0
        receiver = "bob" if receiver_type is ReceiverType.USER else "team"
        self.initiated = self.book.initiate(ALEX, receiver_type, receiver, CallType.VIDEO, self.tick())
        self.session_id = self.initiated.call.session_id

    def tick(self) -> float:
        self.now += 1.0
        return self.now

    def play(self, steps: tuple[Step, ...]) -> Outcome:
        outcome = self.initiated
        for actor, status in steps:
            outcome = self.book.update(self.session_id, actor, status, self.tick())
        return outcome

    @property
    def call(self) -> Call:
        return self.book.get(self.session_id)

    def snapshot(self) -> dict[str, Call]:
        return {c.session_id: c for c in self.book.calls()}


def assert_refused_and_unchanged(scene: Scene, action: Callable[[], object], code: ErrorCode) -> None:
    """``action`` is refused with ``code`` and every call in the book is exactly as before."""
    before = scene.snapshot()
    with pytest.raises(Refusal) as refused:
        action()
    assert refused.value.code is code, refused.value
    assert refused.value.message
    assert scene.snapshot() == before


def caller_side() -> OneDevice:
    return OneDevice("alex", "alex-1")


# -- getting a one-to-one call into each status (the "from" column) ---------------------------------

REACH: dict[Status, tuple[Step, ...]] = {
    Status.INITIATED: (),
    Status.ONGOING: ((BOB, Status.ONGOING),),
    Status.REJECTED: ((BOB, Status.REJECTED),),
    Status.BUSY: ((BOB, Status.BUSY),),
    Status.CANCELLED: ((ALEX, Status.CANCELLED),),
    Status.UNANSWERED: ((ALEX, Status.UNANSWERED),),
    Status.ENDED: ((BOB, Status.ONGOING), (ALEX, Status.ENDED)),
}
TERMINAL = [s for s in Status if s.terminal]


def test_initiate_rings_every_device_of_the_receiver_and_never_the_caller() -> None:
    """SPEC 2 row 1: initiated; the receiver (all devices) is told, no device of the caller is."""
    scene = Scene()
    outcome = scene.initiated
    call = outcome.call
    assert (call.status, call.caller, call.receiver_id, call.members) == (Status.INITIATED, ALEX, "bob", ("bob",))
    assert (call.call_type, call.receiver_type, call.sender) == (CallType.VIDEO, ReceiverType.USER, "alex")
    assert (call.initiated_at, call.updated_at, call.joined_at, call.ended_at) == (T0 + 1, T0 + 1, None, None)
    assert outcome.origin == "alex-1"
    assert outcome.audiences == (AllDevices("bob"),)


def test_a_changed_copy_of_a_call_leaves_the_call_as_it_was() -> None:
    """Calls are values: a transition makes a new one (the module's own ``replace``, not dataclasses')."""
    call = Scene().initiated.call
    answered = replace(call, status=Status.ONGOING, joined_at=T0 + 2)
    assert (call.status, call.joined_at) == (Status.INITIATED, None)
    assert (answered.status, answered.joined_at, answered.session_id) == (Status.ONGOING, T0 + 2, call.session_id)
    assert answered == Call(**{**vars(call), "status": Status.ONGOING, "joined_at": T0 + 2})
    with pytest.raises(TypeError, match="Call has no field statu"):
        replace(call, statu=Status.ONGOING)


def test_every_call_gets_its_own_session_id() -> None:
    """Every later operation names the call by session id, so two calls must never share one."""
    book = new_book()
    ids = {book.initiate(ALEX, ReceiverType.USER, "bob", CallType.AUDIO, T0).call.session_id for _ in range(50)}
    assert len(ids) == 50


@dataclass(frozen=True)
class Row:
    start: Status
    actor: Party
    status: Status
    audiences: tuple[Audience, ...]


# SPEC 2's transition table, one row each (initiateCall is the test above).
TRANSITIONS = {
    "receiver accepts": Row(Status.INITIATED, BOB, Status.ONGOING, (caller_side(), AllDevices("bob"))),
    "receiver rejects": Row(Status.INITIATED, BOB, Status.REJECTED, (caller_side(), AllDevices("bob"))),
    "receiver answers busy": Row(Status.INITIATED, BOB, Status.BUSY, (caller_side(), AllDevices("bob"))),
    "caller cancels": Row(Status.INITIATED, ALEX, Status.CANCELLED, (caller_side(), AllDevices("bob"))),
    "caller's timeout": Row(Status.INITIATED, ALEX, Status.UNANSWERED, (caller_side(), AllDevices("bob"))),
    "caller ends": Row(Status.ONGOING, ALEX, Status.ENDED, (caller_side(), OneDevice("bob", "bob-1"))),
    "receiver ends": Row(Status.ONGOING, BOB, Status.ENDED, (caller_side(), OneDevice("bob", "bob-1"))),
    "receiver's other device answers": Row(Status.INITIATED, BOB_2, Status.ONGOING, (caller_side(), AllDevices("bob"))),
}


@pytest.mark.parametrize("row", TRANSITIONS.values(), ids=TRANSITIONS.keys())
def test_transition_table(row: Row) -> None:
    """Each legal move lands on its status, stamps who and when, and tells exactly the right audience.

    The acting device is the origin (the delivery layer leaves it out), so e.g. on accept the
    audience "every device of bob" reaches the caller and bob's *other* devices (answered elsewhere).
    """
    scene = Scene()
    before = scene.play(REACH[row.start]).call
    outcome = scene.book.update(scene.session_id, row.actor, row.status, scene.tick())
    call = outcome.call
    assert call == scene.call, "the outcome's call is the one the book now holds"
    assert call.status is row.status
    assert call.sender == row.actor.uid
    assert call.updated_at == scene.now
    assert call.initiated_at == before.initiated_at
    assert outcome.origin == row.actor.device
    assert outcome.audiences == row.audiences
    assert call.ended_at == (scene.now if row.status.terminal else None)
    if row.status is Status.ONGOING:
        assert call.joined_at == scene.now
        assert call.joined_members() == [(row.actor.uid, row.actor.device)]
    else:
        assert call.joined_at == before.joined_at


def test_ending_tells_the_device_that_answered_not_the_receivers_other_devices() -> None:
    """After an answer, the receiver's side is the answering device only (SPEC 2, Devices)."""
    scene = Scene()
    outcome = scene.play(((BOB_2, Status.ONGOING), (ALEX, Status.ENDED)))
    assert outcome.audiences == (caller_side(), OneDevice("bob", "bob-2"))
    outcome_by_receiver = Scene().play(((BOB_2, Status.ONGOING), (BOB_2, Status.ENDED)))
    assert outcome_by_receiver.origin == "bob-2"
    assert outcome_by_receiver.audiences == (caller_side(), OneDevice("bob", "bob-2"))


def test_the_receiver_may_end_from_another_of_their_devices() -> None:
    """ "Either party" may end: the party is the user, so bob's other device can hang up too."""
    outcome = Scene().play(((BOB, Status.ONGOING), (BOB_2, Status.ENDED)))
    assert outcome.call.status is Status.ENDED
    assert outcome.origin == "bob-2"


# -- refusals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    start: Status
    actor: Party
    status: Status
    code: ErrorCode


REFUSALS: dict[str, Refused] = {
    "going back to initiated (receiver)": Refused(Status.INITIATED, BOB, Status.INITIATED, ErrorCode.CALL_INVALID_INIT),
    "going back to initiated (caller)": Refused(Status.INITIATED, ALEX, Status.INITIATED, ErrorCode.CALL_INVALID_INIT),
    "ongoing back to initiated": Refused(Status.ONGOING, BOB, Status.INITIATED, ErrorCode.CALL_INVALID_INIT),
    "caller ends a call never accepted": Refused(Status.INITIATED, ALEX, Status.ENDED, ErrorCode.CALL_NOT_STARTED),
    "receiver ends a call never accepted": Refused(Status.INITIATED, BOB, Status.ENDED, ErrorCode.CALL_NOT_STARTED),
    "accepting twice": Refused(Status.ONGOING, BOB, Status.ONGOING, ErrorCode.CALL_USER_ALREADY_JOINED),
    "accepting twice from another device": Refused(
        Status.ONGOING, BOB_2, Status.ONGOING, ErrorCode.CALL_USER_ALREADY_JOINED
    ),
    "ongoing to rejected": Refused(Status.ONGOING, BOB, Status.REJECTED, ErrorCode.CALL_ONGOING_TO_INVALID),
    "ongoing to busy": Refused(Status.ONGOING, BOB, Status.BUSY, ErrorCode.CALL_ONGOING_TO_INVALID),
    "ongoing to cancelled": Refused(Status.ONGOING, ALEX, Status.CANCELLED, ErrorCode.CALL_ONGOING_TO_INVALID),
    "ongoing to unanswered": Refused(Status.ONGOING, ALEX, Status.UNANSWERED, ErrorCode.CALL_ONGOING_TO_INVALID),
    "receiver cancels": Refused(Status.INITIATED, BOB, Status.CANCELLED, ErrorCode.CALL_WRONG_PARTY),
    "receiver marks unanswered": Refused(Status.INITIATED, BOB, Status.UNANSWERED, ErrorCode.CALL_WRONG_PARTY),
    "caller accepts": Refused(Status.INITIATED, ALEX, Status.ONGOING, ErrorCode.CALL_WRONG_PARTY),
    "caller accepts from another device": Refused(Status.INITIATED, ALEX_2, Status.ONGOING, ErrorCode.CALL_WRONG_PARTY),
    "caller rejects": Refused(Status.INITIATED, ALEX, Status.REJECTED, ErrorCode.CALL_WRONG_PARTY),
    "caller answers busy": Refused(Status.INITIATED, ALEX, Status.BUSY, ErrorCode.CALL_WRONG_PARTY),
    **{
        f"stranger sends {status} while {start}": Refused(start, CAROL, status, ErrorCode.CALL_NOT_A_PART)
        for start in (Status.INITIATED, Status.ONGOING)
        for status in Status
    },
    **{
        f"{who.uid} sends {status} once {start}": Refused(start, who, status, ErrorCode.CALL_TERMINATED)
        for start in TERMINAL
        for status in Status
        for who in (ALEX, BOB)
    },
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_refusal_table(case: Refused) -> None:
    """Anything not in the transition table is refused with SPEC 2's code and changes nothing."""
    scene = Scene()
    scene.play(REACH[case.start])
    assert_refused_and_unchanged(
        scene, lambda: scene.book.update(scene.session_id, case.actor, case.status, scene.tick()), case.code
    )


def test_an_unknown_session_is_refused() -> None:
    """Every operation names a session; one the server never issued is ERR_CALL_SESSION_NOT_FOUND."""
    scene = Scene()
    assert_refused_and_unchanged(
        scene,
        lambda: scene.book.update("v1.local.test.999999", BOB, Status.ONGOING, scene.tick()),
        ErrorCode.CALL_SESSION_NOT_FOUND,
    )


INITIATE_REFUSALS: dict[str, tuple[Party, ReceiverType, str, ErrorCode]] = {
    "calling yourself": (ALEX, ReceiverType.USER, "alex", ErrorCode.CALLING_SELF),
    "calling yourself from another device": (ALEX_2, ReceiverType.USER, "alex", ErrorCode.CALLING_SELF),
    "unknown receiver user": (ALEX, ReceiverType.USER, "zed", ErrorCode.UID_NOT_FOUND),
    "unknown receiver group": (ALEX, ReceiverType.GROUP, "nobody", ErrorCode.GUID_NOT_FOUND),
    "a group as a user": (ALEX, ReceiverType.USER, "team", ErrorCode.UID_NOT_FOUND),
    "a user as a group": (ALEX, ReceiverType.GROUP, "bob", ErrorCode.GUID_NOT_FOUND),
    "unknown caller": (Party("zed", "zed-1"), ReceiverType.USER, "bob", ErrorCode.UID_NOT_FOUND),
    "a non-member calls the group": (DAVE, ReceiverType.GROUP, "team", ErrorCode.CALL_NOT_A_PART),
}


@pytest.mark.parametrize("case", INITIATE_REFUSALS.values(), ids=INITIATE_REFUSALS.keys())
def test_initiate_refusals(case: tuple[Party, ReceiverType, str, ErrorCode]) -> None:
    """Refused initiations create no call (the existing one is untouched)."""
    caller, receiver_type, receiver, code = case
    scene = Scene()
    assert_refused_and_unchanged(
        scene, lambda: scene.book.initiate(caller, receiver_type, receiver, CallType.AUDIO, scene.tick()), code
    )


@pytest.mark.parametrize("value", ["bogus", "Ongoing", "", 3, None, ["ended"]])
def test_a_status_that_does_not_exist_is_a_bad_request(value: object) -> None:
    """SPEC 2: a status value that does not exist is ERR_BAD_REQUEST; a misspelt one lists the real ones."""
    with pytest.raises(Refusal) as refused:
        enum_field({"status": value}, "status", Status)
    assert refused.value.code is ErrorCode.BAD_REQUEST
    assert refused.value.details["field"] == "status"
    if isinstance(value, str) and value:
        assert refused.value.details["allowed"] == [s.value for s in Status]


def test_every_status_value_parses_to_itself() -> None:
    """The counterpart of the refusal above: the seven SPEC statuses are all accepted."""
    assert [enum_field({"status": s.value}, "status", Status) for s in Status] == list(Status)


# -- the documented check order (CallBook.update's docstring) ----------------------------------------

# Each case breaks two rules at once; the earlier check in the documented order must win:
# session exists > actor is a party > call not over > status moves forward > actor may make the move
# > move legal from the current status.
ORDER: dict[str, tuple[Status, Party, Status, ErrorCode, str | None]] = {
    "session before party": (Status.INITIATED, CAROL, Status.ONGOING, ErrorCode.CALL_SESSION_NOT_FOUND, "missing"),
    "party before terminal": (Status.ENDED, CAROL, Status.ENDED, ErrorCode.CALL_NOT_A_PART, None),
    "terminal before going back": (Status.REJECTED, BOB, Status.INITIATED, ErrorCode.CALL_TERMINATED, None),
    "terminal before wrong party": (Status.CANCELLED, BOB, Status.CANCELLED, ErrorCode.CALL_TERMINATED, None),
    "terminal before not started": (Status.BUSY, ALEX, Status.ENDED, ErrorCode.CALL_TERMINATED, None),
    "going back before already joined": (Status.ONGOING, BOB, Status.INITIATED, ErrorCode.CALL_INVALID_INIT, None),
    "wrong party before already joined": (Status.ONGOING, ALEX, Status.ONGOING, ErrorCode.CALL_WRONG_PARTY, None),
    "wrong party before ongoing-to-invalid (cancel)": (
        Status.ONGOING,
        BOB,
        Status.CANCELLED,
        ErrorCode.CALL_WRONG_PARTY,
        None,
    ),
    "wrong party before ongoing-to-invalid (reject)": (
        Status.ONGOING,
        ALEX,
        Status.REJECTED,
        ErrorCode.CALL_WRONG_PARTY,
        None,
    ),
}


@pytest.mark.parametrize("case", ORDER.values(), ids=ORDER.keys())
def test_checks_run_in_the_documented_order(case: tuple[Status, Party, Status, ErrorCode, str | None]) -> None:
    """A client (and the spec-notes page) can rely on which error a doubly-wrong request gets."""
    start, actor, status, code, session = case
    scene = Scene()
    scene.play(REACH[start])
    assert_refused_and_unchanged(
        scene, lambda: scene.book.update(session or scene.session_id, actor, status, scene.tick()), code
    )


# -- group calls (SPEC 4) -------------------------------------------------------------------------

GROUP_INITIATED = ()
BOB_JOINED = ((BOB, Status.ONGOING),)


@dataclass(frozen=True)
class GroupRow:
    before: tuple[Step, ...]
    actor: Party
    status: Status
    after: Status
    audiences: tuple[Audience, ...]
    told_as: Status | None = None
    """What the audience is told when it is not the call's status (a member's own answer)."""


GROUP_ROWS: dict[str, GroupRow] = {
    "first member accepts": GroupRow(
        GROUP_INITIATED, BOB, Status.ONGOING, Status.ONGOING, (caller_side(), AllDevices("bob"))
    ),
    "another member joins later": GroupRow(BOB_JOINED, CAROL, Status.ONGOING, Status.ONGOING, (AllDevices("carol"),)),
    "a member rejects while others ring": GroupRow(
        GROUP_INITIATED, BOB, Status.REJECTED, Status.INITIATED, (AllDevices("bob"),), told_as=Status.REJECTED
    ),
    "a member rejects while others talk": GroupRow(
        BOB_JOINED, CAROL, Status.REJECTED, Status.ONGOING, (AllDevices("carol"),), told_as=Status.REJECTED
    ),
    "every member has rejected": GroupRow(
        ((BOB, Status.REJECTED),), CAROL, Status.REJECTED, Status.REJECTED, (caller_side(), AllDevices("carol"))
    ),
    "the caller cancels": GroupRow(
        GROUP_INITIATED,
        ALEX,
        Status.CANCELLED,
        Status.CANCELLED,
        (caller_side(), AllDevices("bob"), AllDevices("carol")),
    ),
    "the caller cancels after one rejected": GroupRow(
        ((BOB, Status.REJECTED),), ALEX, Status.CANCELLED, Status.CANCELLED, (caller_side(), AllDevices("carol"))
    ),
    "the caller's timeout, nobody joined": GroupRow(
        GROUP_INITIATED,
        ALEX,
        Status.UNANSWERED,
        Status.UNANSWERED,
        (caller_side(), AllDevices("bob"), AllDevices("carol")),
    ),
    "the caller's timeout after one rejected": GroupRow(
        ((CAROL, Status.REJECTED),), ALEX, Status.UNANSWERED, Status.UNANSWERED, (caller_side(), AllDevices("bob"))
    ),
    "a participant ends": GroupRow(
        (*BOB_JOINED, (CAROL, Status.ONGOING)),
        BOB,
        Status.ENDED,
        Status.ENDED,
        (caller_side(), OneDevice("bob", "bob-1"), OneDevice("carol", "carol-1")),
    ),
    "the caller ends": GroupRow(
        BOB_JOINED, ALEX, Status.ENDED, Status.ENDED, (caller_side(), OneDevice("bob", "bob-1"))
    ),
    "the last one in ends after another rejected": GroupRow(
        ((CAROL, Status.REJECTED), *BOB_JOINED),
        BOB,
        Status.ENDED,
        Status.ENDED,
        (caller_side(), OneDevice("bob", "bob-1")),
    ),
}


def test_group_initiate_rings_every_member_but_the_caller() -> None:
    """SPEC 4 row 1: every device of every member except the caller; never the caller's devices."""
    outcome = Scene(ReceiverType.GROUP).initiated
    assert outcome.call.members == ("bob", "carol")
    assert outcome.call.receiver_id == "team"
    assert outcome.origin == "alex-1"
    assert outcome.audiences == (AllDevices("bob"), AllDevices("carol"))


@pytest.mark.parametrize("row", GROUP_ROWS.values(), ids=GROUP_ROWS.keys())
def test_group_table(row: GroupRow) -> None:
    """SPEC 4, one row each: the status after, and exactly who is told (audiences and origin)."""
    scene = Scene(ReceiverType.GROUP)
    scene.play(row.before)
    outcome = scene.book.update(scene.session_id, row.actor, row.status, scene.tick())
    assert outcome.call == scene.call
    assert outcome.call.status is row.after
    assert outcome.origin == row.actor.device
    assert outcome.audiences == row.audiences
    assert outcome.told_as is row.told_as, "a member's other devices must not be rung again"
    assert outcome.view.status is (row.told_as or row.after)
    assert outcome.call.ended_at == (scene.now if row.after.terminal else None)


def test_group_joined_at_is_the_first_join_only() -> None:
    """joinedAt marks when the call started; a later member joining does not move it."""
    scene = Scene(ReceiverType.GROUP)
    first = scene.play(BOB_JOINED).call.joined_at
    later = scene.play(((CAROL, Status.ONGOING),)).call
    assert first == T0 + 2
    assert later.joined_at == first
    assert later.joined_members() == [("bob", "bob-1"), ("carol", "carol-1")]


GROUP_REFUSALS: dict[str, tuple[tuple[Step, ...], Party, Status, ErrorCode]] = {
    "a member answers busy": ((), BOB, Status.BUSY, ErrorCode.CALL_GROUP_INVALID_STATUS),
    "busy while ongoing": (BOB_JOINED, CAROL, Status.BUSY, ErrorCode.CALL_GROUP_INVALID_STATUS),
    "busy from the caller": ((), ALEX, Status.BUSY, ErrorCode.CALL_GROUP_INVALID_STATUS),
    "a non-member accepts": ((), DAVE, Status.ONGOING, ErrorCode.CALL_NOT_A_PART),
    "a non-member rejects": ((), DAVE, Status.REJECTED, ErrorCode.CALL_NOT_A_PART),
    "a member who rejected accepts": (((BOB, Status.REJECTED),), BOB, Status.ONGOING, ErrorCode.CALL_ALREADY_REJECTED),
    "a member rejects twice": (((BOB, Status.REJECTED),), BOB_2, Status.REJECTED, ErrorCode.CALL_ALREADY_REJECTED),
    "a joined member rejects": (BOB_JOINED, BOB, Status.REJECTED, ErrorCode.CALL_ONGOING_TO_INVALID),
    "a joined member accepts again": (BOB_JOINED, BOB_2, Status.ONGOING, ErrorCode.CALL_USER_ALREADY_JOINED),
    "a member who never joined ends": (BOB_JOINED, CAROL, Status.ENDED, ErrorCode.CALL_WRONG_PARTY),
    "ending before anyone joined": ((), ALEX, Status.ENDED, ErrorCode.CALL_NOT_STARTED),
    "the caller cancels once someone joined": (BOB_JOINED, ALEX, Status.CANCELLED, ErrorCode.CALL_ONGOING_TO_INVALID),
    "a member cancels": ((), BOB, Status.CANCELLED, ErrorCode.CALL_WRONG_PARTY),
    "the caller accepts": ((), ALEX, Status.ONGOING, ErrorCode.CALL_WRONG_PARTY),
    "the caller rejects": ((), ALEX, Status.REJECTED, ErrorCode.CALL_WRONG_PARTY),
    "anything once everyone rejected": (
        ((BOB, Status.REJECTED), (CAROL, Status.REJECTED)),
        ALEX,
        Status.CANCELLED,
        ErrorCode.CALL_TERMINATED,
    ),
}


@pytest.mark.parametrize("case", GROUP_REFUSALS.values(), ids=GROUP_REFUSALS.keys())
def test_group_refusals(case: tuple[tuple[Step, ...], Party, Status, ErrorCode]) -> None:
    """SPEC 4's refusals (busy, non-members) and the project's own for answering twice; nothing changes."""
    before, actor, status, code = case
    scene = Scene(ReceiverType.GROUP)
    scene.play(before)
    assert_refused_and_unchanged(scene, lambda: scene.book.update(scene.session_id, actor, status, scene.tick()), code)


# -- the server's optional ring expiry ------------------------------------------------------------


def test_expiry_marks_a_ringing_call_unanswered_and_tells_both_sides() -> None:
    """SPEC 5: the server's own expiry has no origin, so the caller's device is told too."""
    scene = Scene(ReceiverType.GROUP)
    scene.play(((BOB, Status.REJECTED),))
    outcome = scene.book.expire(scene.session_id, scene.tick())
    assert outcome is not None
    assert outcome.origin is None
    assert outcome.call.status is Status.UNANSWERED
    assert outcome.call == scene.call
    assert outcome.audiences == (caller_side(), AllDevices("carol"))


@pytest.mark.parametrize("start", [s for s in Status if s is not Status.INITIATED])
def test_expiry_leaves_a_call_that_is_no_longer_ringing_alone(start: Status) -> None:
    """An expiry that fires after an answer must not undo it: no outcome, no change."""
    scene = Scene()
    scene.play(REACH[start])
    before = scene.snapshot()
    assert scene.book.expire(scene.session_id, scene.tick()) is None
    assert scene.book.expire("v1.local.test.999999", scene.tick()) is None
    assert scene.snapshot() == before


def test_reset_forgets_every_call() -> None:
    """A reset between scenarios must leave no call behind to be answered later."""
    scene = Scene()
    session_id = scene.session_id
    scene.book.reset()
    assert list(scene.book.calls()) == []
    with pytest.raises(Refusal) as refused:
        scene.book.get(session_id)
    assert refused.value.code is ErrorCode.CALL_SESSION_NOT_FOUND
