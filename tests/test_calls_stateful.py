"""Random sequences of operations on one CallBook (hypothesis), checking the rules no sequence may break.

The tables in test_calls.py pin each row of the SPEC; this machine explores what the tables do not
list: long and interleaved histories over several calls, one-to-one and group, by every user from
either of two devices, including strangers and statuses that make no sense. Whatever happens:

* a call that reached a terminal status never changes again;
* a refused operation changes nothing in the book;
* the device whose request caused an outcome is that outcome's origin (so it is never told);
* ``initiated`` never names any device of the caller (SPEC 2: it never reaches the caller's devices);
* every applied move is one the SPEC tables allow from the status the call had.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, MultipleResults, RuleBasedStateMachine, initialize, invariant, multiple, rule

from mockserver.calls import (
    AllDevices,
    Call,
    CallBook,
    CallType,
    OneDevice,
    Outcome,
    Party,
    ReceiverType,
    Status,
    new_session_id_factory,
)
from mockserver.directory import DEFAULT_SEED, Directory
from mockserver.errors import ErrorCode, Refusal

UIDS = [u.uid for u in DEFAULT_SEED.users]
UNKNOWN = "v1.local.prop.999999"


def party_of(uids: list[str]) -> st.SearchStrategy[Party]:
    return st.builds(Party, st.sampled_from(uids), st.sampled_from(["phone", "laptop"]))


parties = party_of(UIDS)

receivers = st.sampled_from([(ReceiverType.USER, uid) for uid in UIDS] + [(ReceiverType.GROUP, "team")])

# SPEC 2 and 4: the statuses an applied update may lead to from each status.
ALLOWED_MOVES: dict[Status, set[Status]] = {
    # INITIATED -> INITIATED: a group member rejected while others still ring.
    Status.INITIATED: {
        Status.INITIATED,
        Status.ONGOING,
        Status.REJECTED,
        Status.BUSY,
        Status.CANCELLED,
        Status.UNANSWERED,
    },
    # ONGOING -> ONGOING: another group member joined, or one who was still ringing declined.
    Status.ONGOING: {Status.ONGOING, Status.ENDED},
}


class CallBookMachine(RuleBasedStateMachine):
    calls = Bundle("calls")

    def __init__(self) -> None:
        super().__init__()
        self.book = CallBook(Directory(DEFAULT_SEED), new_session_id_factory("prop"))
        self.now = 0.0
        self.terminal: dict[str, Call] = {}

    def snapshot(self) -> dict[str, Call]:
        return {c.session_id: c for c in self.book.calls()}

    def tick(self) -> float:
        self.now += 1.0
        return self.now

    def check_outcome(self, outcome: Outcome, actor: Party) -> None:
        assert outcome.origin == actor.device, "the acting device is the origin, so it is never told"
        assert outcome.call == self.book.get(outcome.call.session_id)
        assert outcome.call.sender == actor.uid
        if outcome.call.status.terminal:
            self.terminal[outcome.call.session_id] = outcome.call

    @initialize(target=calls)
    def first_calls(self) -> MultipleResults[str]:
        """One one-to-one and one group call to start from, so every run has both kinds to work on."""
        alex = Party("alex", "phone")
        one = self.book.initiate(alex, ReceiverType.USER, "bob", CallType.AUDIO, self.tick())
        group = self.book.initiate(alex, ReceiverType.GROUP, "team", CallType.VIDEO, self.tick())
        return multiple(one.call.session_id, group.call.session_id)

    @rule(target=calls, caller=parties, receiver=receivers, call_type=st.sampled_from(CallType))
    def initiate(self, caller: Party, receiver: tuple[ReceiverType, str], call_type: CallType) -> MultipleResults[str]:
        receiver_type, receiver_id = receiver
        before = self.snapshot()
        try:
            outcome = self.book.initiate(caller, receiver_type, receiver_id, call_type, self.tick())
        except Refusal as refusal:
            assert refusal.code in (ErrorCode.CALLING_SELF, ErrorCode.CALL_NOT_A_PART)
            assert self.snapshot() == before, "a refused initiate changed the book"
            return multiple()
        self.check_outcome(outcome, caller)
        assert outcome.call.status is Status.INITIATED
        assert outcome.call.session_id not in before
        for audience in outcome.audiences:
            assert audience.uid != caller.uid, f"initiated would reach the caller's own device via {audience}"
            assert isinstance(audience, AllDevices), "every device of each member rings"
        return multiple(outcome.call.session_id)

    @rule(session_id=calls, status=st.sampled_from(Status), data=st.data())
    def answer(self, session_id: str, status: Status, data: st.DataObject) -> None:
        """Someone involved in the call sends a status: most of the moves that get applied come from here."""
        call = self.book.get(session_id)
        self.apply(session_id, data.draw(party_of([call.caller.uid, *call.members])), status)

    @rule(session_id=st.one_of(calls, st.just(UNKNOWN)), actor=parties, status=st.sampled_from(Status))
    def meddle(self, session_id: str, actor: Party, status: Status) -> None:
        """Anyone at all (strangers, unknown sessions) sends a status."""
        self.apply(session_id, actor, status)

    def apply(self, session_id: str, actor: Party, status: Status) -> None:
        before = self.snapshot()
        previous = before.get(session_id)
        try:
            outcome = self.book.update(session_id, actor, status, self.tick())
        except Refusal:
            assert self.snapshot() == before, "a refused operation changed the book"
            return
        assert previous is not None, "an update of an unknown session was applied"
        assert not previous.status.terminal, f"a {previous.status} call changed"
        assert outcome.call.status in ALLOWED_MOVES[previous.status]
        assert previous.is_party(actor.uid)
        assert {k: v for k, v in self.snapshot().items() if k != session_id} == {
            k: v for k, v in before.items() if k != session_id
        }, "an update touched another call"
        self.check_outcome(outcome, actor)
        event(f"{previous.receiver_type} {previous.status} -> {outcome.call.status}")
        if outcome.call.status is Status.ENDED:
            told = {(a.uid, a.device) for a in outcome.audiences if isinstance(a, OneDevice)}
            assert (previous.caller.uid, previous.caller.device) in told

    @rule(session_id=st.one_of(calls, st.just(UNKNOWN)))
    def expire(self, session_id: str) -> None:
        before = self.snapshot()
        previous = before.get(session_id)
        outcome = self.book.expire(session_id, self.tick())
        if previous is None or previous.status is not Status.INITIATED:
            assert outcome is None
            assert self.snapshot() == before
            return
        assert outcome is not None
        assert outcome.origin is None
        assert outcome.call.status is Status.UNANSWERED
        self.terminal[session_id] = outcome.call

    @invariant()
    def terminal_calls_never_change(self) -> None:
        for session_id, call in self.terminal.items():
            assert self.book.get(session_id) == call


TestCallBookMachine = CallBookMachine.TestCase
# Sized to keep the unit run fast; no example database, so nothing is written into the work tree.
TestCallBookMachine.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
