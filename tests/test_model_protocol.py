"""Random histories over the real protocol, checked step by step against an oracle of our own.

test_calls_stateful.py explores the CallBook alone; this machine drives a real mock server on
127.0.0.1 through HTTP and real WebSockets: alex, bob, carol and dave (alex and bob on two
devices each), one-to-one and group calls ("team": alex, bob, carol), every operation by any
device on any call, live or finished, by the right party or the wrong one, and, in one variant,
the server's ring expiry fired by moving the virtual clock.

The oracle below is written from SPEC sections 2 and 4 and the refusal order in
docs/spec-notes.md; it does not import mockserver.calls, so a shared mistake cannot hide. After
every step (each socket read up to its pong, the barrier behind everything already sent):

* the answer is the one predicted: success with the predicted status, or the predicted refusal;
* a refusal changed nothing on the server (calls, people, frames sent);
* every device received exactly the events meant for it, once each, in order, and nothing else;
* every party's ``GET /v3.0/calls/{id}`` of the touched call, the oracle and the last thing each
  device still on the call heard agree on its status.

``RINGCHECK_MODEL_EXAMPLES`` raises the number of histories (CI runs the bounded default).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from mockserver import MockServer, ServerConfig

from .support import Api, Login, Socket, world

EXAMPLES = int(os.environ.get("RINGCHECK_MODEL_EXAMPLES", "50"))
STEPS = 30
LIVE_CALLS = 3
"""New calls are made while fewer are live, so histories spend their steps on moves, not on ringing."""
RING_EXPIRY = 30.5
"""Half a second off the whole-second clock moves, so no expiry is ever due exactly at a target."""

DEVICES = [("alex", "alex-1"), ("alex", "alex-2"), ("bob", "bob-1"), ("bob", "bob-2"), ("carol", "carol-1")]
DEVICES.append(("dave", "dave-1"))
GROUP = "team"
GROUP_MEMBERS = ("alex", "bob", "carol")
TERMINAL = {"rejected", "busy", "cancelled", "unanswered", "ended"}
STATUSES = ["ongoing", "rejected", "busy", "cancelled", "unanswered", "ended", "initiated"]
MOVES = ["ongoing", "ongoing", "ongoing", "ended", "ended", "rejected", "rejected", "busy", "cancelled", "unanswered"]
"""Weighted towards accepting and ending, so histories reach ongoing calls and group joins."""

# What the oracle expects of a refusal; the HTTP status for each code is docs/spec-notes.md's.
HTTP_OF = {
    "ERR_CALLING_SELF": 400,
    "ERR_CALL_GROUP_INVALID_STATUS": 400,
    "ERR_CALL_NOT_A_PART": 403,
    "ERR_CALL_WRONG_PARTY": 403,
    "ERR_CALL_SESSION_NOT_FOUND": 404,
    "ERR_CALL_TERMINATED": 409,
    "ERR_CALL_INVALID_INIT": 409,
    "ERR_CALL_NOT_STARTED": 409,
    "ERR_CALL_USER_ALREADY_JOINED": 409,
    "ERR_CALL_USER_ALREADY_REJECTED": 409,
    "ERR_CALL_ONGOING_TO_INVALID": 409,
}


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class ModelCall:
    """The oracle's view of one call."""

    session_id: str
    caller: tuple[str, str]
    group: bool
    members: tuple[str, ...]
    status: str
    rung_at: int
    joined: dict[str, str] = field(default_factory=dict)
    rejected: set[str] = field(default_factory=set)

    def ringing(self) -> list[str]:
        return [m for m in self.members if m not in self.joined and m not in self.rejected]


@dataclass(frozen=True)
class Told:
    """What the oracle says an applied operation tells: the status heard, and by which devices."""

    status: str
    devices: list[str]


def devices_of(uid: str) -> list[str]:
    return [d for u, d in DEVICES if u == uid]


class Oracle:
    """SPEC 2 and 4, applied to plain dicts; ``apply`` raises :class:`Refused` or says who hears what."""

    def __init__(self) -> None:
        self.calls: dict[str, ModelCall] = {}
        self.now = 0

    def initiate(self, caller: tuple[str, str], receiver: str, group: bool) -> tuple[tuple[str, ...], Told]:
        uid = caller[0]
        if group:
            if uid not in GROUP_MEMBERS:
                raise Refused("ERR_CALL_NOT_A_PART")
            members = tuple(m for m in GROUP_MEMBERS if m != uid)
        else:
            if receiver == uid:
                raise Refused("ERR_CALLING_SELF")
            members = (receiver,)
        return members, Told("initiated", [d for m in members for d in devices_of(m)])

    def update(self, call: ModelCall | None, actor: tuple[str, str], status: str) -> Told:
        """Apply ``status`` by ``actor``; the order of checks is docs/spec-notes.md's."""
        if call is None:
            raise Refused("ERR_CALL_SESSION_NOT_FOUND")
        uid, device = actor
        is_caller = uid == call.caller[0]
        if not is_caller and uid not in call.members:
            raise Refused("ERR_CALL_NOT_A_PART")
        if call.status in TERMINAL:
            raise Refused("ERR_CALL_TERMINATED")
        if status == "initiated":
            raise Refused("ERR_CALL_INVALID_INIT")
        move = {
            "ongoing": self._accept,
            "rejected": self._reject,
            "busy": self._reject,
            "cancelled": self._withdraw,
            "unanswered": self._withdraw,
            "ended": self._end,
        }[status]
        return move(call, uid, device, is_caller, status)

    @staticmethod
    def _accept(call: ModelCall, uid: str, device: str, is_caller: bool, status: str) -> Told:
        if is_caller:
            raise Refused("ERR_CALL_WRONG_PARTY")
        if uid in call.joined:
            raise Refused("ERR_CALL_USER_ALREADY_JOINED")
        if uid in call.rejected:
            raise Refused("ERR_CALL_USER_ALREADY_REJECTED")
        first = call.status == "initiated"
        call.status = "ongoing"
        call.joined[uid] = device
        # SPEC 4: the caller hears the first accept only; the member's other devices stop ringing.
        return Told("ongoing", ([call.caller[1]] if first else []) + devices_of(uid))

    @staticmethod
    def _reject(call: ModelCall, uid: str, device: str, is_caller: bool, status: str) -> Told:
        if call.group and status == "busy":
            raise Refused("ERR_CALL_GROUP_INVALID_STATUS")
        if is_caller:
            raise Refused("ERR_CALL_WRONG_PARTY")
        if (not call.group or uid in call.joined) and call.status == "ongoing":
            raise Refused("ERR_CALL_ONGOING_TO_INVALID")
        if uid in call.rejected:
            raise Refused("ERR_CALL_USER_ALREADY_REJECTED")
        if not call.group:
            call.status = status
            return Told(status, [call.caller[1], *devices_of(uid)])
        call.rejected.add(uid)
        if not call.ringing() and not call.joined:
            call.status = "rejected"
            return Told("rejected", [call.caller[1], *devices_of(uid)])
        # One member's no: only that member's other devices hear it; the call goes on.
        return Told("rejected", devices_of(uid))

    @staticmethod
    def _withdraw(call: ModelCall, uid: str, device: str, is_caller: bool, status: str) -> Told:
        if not is_caller:
            raise Refused("ERR_CALL_WRONG_PARTY")
        if call.status == "ongoing":
            raise Refused("ERR_CALL_ONGOING_TO_INVALID")
        ringing = call.ringing()
        call.status = status
        return Told(status, [call.caller[1], *(d for m in ringing for d in devices_of(m))])

    @staticmethod
    def _end(call: ModelCall, uid: str, device: str, is_caller: bool, status: str) -> Told:
        if call.status == "initiated":
            raise Refused("ERR_CALL_NOT_STARTED")
        if not is_caller and uid not in call.joined:
            raise Refused("ERR_CALL_WRONG_PARTY")
        call.status = "ended"
        return Told("ended", [call.caller[1], *call.joined.values()])

    def expire(self, call: ModelCall) -> Told:
        """The server's ring expiry: unanswered, heard by the caller's device too (nobody asked)."""
        return self.update(call, call.caller, "unanswered")


def frame_summary(frame: dict[str, Any]) -> tuple[str, str]:
    assert frame.get("type") == "message", f"only call events were expected, got {frame}"
    data = frame["body"]["data"]
    return str(data["entities"]["on"]["entity"]["sessionid"]), str(data["action"])


class ProtocolMachine(RuleBasedStateMachine):
    """One fresh server per history; every rule is one request (or one clock move) and its checks."""

    ring_expiry: float | None = None
    steps_run: ClassVar[int] = 0
    examples_run: ClassVar[int] = 0
    outcomes: ClassVar[dict[str, int]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.oracle = Oracle()
        self.order: list[str] = []
        self.logins: dict[str, Login] = {}
        self.sockets: dict[str, Socket] = {}
        self.heard: dict[tuple[str, str], str] = {}
        """(device, session) -> the status that device last heard or was answered."""
        self.run(self._start())
        type(self).examples_run += 1

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def _start(self) -> None:
        self.server = MockServer(ServerConfig(admin=True, ring_expiry=self.ring_expiry))
        await self.server.__aenter__()
        self.http = aiohttp.ClientSession()
        self.api = Api(self.server, self.http)
        for uid, device in DEVICES:
            login, socket = await self.api.online(uid, device)
            self.logins[device] = login
            self.sockets[device] = socket

    def teardown(self) -> None:
        async def stop() -> None:
            await self.api.close()
            await self.http.close()
            await self.server.__aexit__(None, None, None)

        self.run(stop())
        self.loop.close()

    # -- checks -----------------------------------------------------------------------------

    def count(self, what: str) -> None:
        type(self).steps_run += 1
        self.outcomes[what] = self.outcomes.get(what, 0) + 1

    async def check_delivery(self, session_id: str | None, told: Told | None) -> None:
        """Every device heard exactly what the oracle says, once, in order, and nothing else."""
        expected: dict[str, list[tuple[str, str]]] = {device: [] for _, device in DEVICES}
        if told is not None and session_id is not None:
            for device in dict.fromkeys(told.devices):
                expected[device].append((session_id, told.status))
        await self.check_frames(expected)

    async def check_frames(self, expected: dict[str, list[tuple[str, str]]]) -> None:
        for device, socket in self.sockets.items():
            got = [frame_summary(f) for f in await socket.settle()]
            assert got == expected[device], f"{device} heard {got}, expected {expected[device]}"
            for session_id, status in got:
                self.heard[(device, session_id)] = status

    async def check_agreement(self, session_id: str) -> None:
        """The oracle, every party's GET and every device still on the call agree on its status."""
        call = self.oracle.calls[session_id]
        parties = [call.caller[0], *call.members]
        for uid in parties:
            login = self.logins[devices_of(uid)[0]]
            reply = await self.api.as_user(login, "GET", f"/v3.0/calls/{session_id}")
            seen = reply.data["data"]["entities"]["on"]["entity"]["status"]
            assert seen == call.status, f"{uid} sees {session_id} {seen}, the oracle {call.status}"
        on_the_call = [call.caller[1], *call.joined.values()]
        if call.status == "initiated":
            on_the_call += [d for m in call.ringing() for d in devices_of(m)]
        for device in on_the_call:
            heard = self.heard.get((device, session_id))
            assert heard == call.status, f"{device} last heard {heard} of {session_id}, which is {call.status}"

    async def request(self, actor: str, session_id: str | None, status: str) -> None:
        uid = self.logins[actor].uid
        call = self.oracle.calls.get(session_id) if session_id else None
        before = world(self.server)
        reply = await self.api.update(self.logins[actor], session_id or "v1.local.ringcheck.999999", status)
        try:
            told = self.oracle.update(call, (uid, actor), status)
        except Refused as refusal:
            reply.refused(refusal.code, HTTP_OF[refusal.code])
            assert world(self.server) == before, "a refused operation changed something"
            self.count(f"{status} refused {refusal.code}")
            await self.check_delivery(None, None)
            return
        assert session_id is not None
        assert reply.data["data"]["action"] == told.status, reply.body
        self.heard[(actor, session_id)] = told.status
        self.count(f"{status} applied")
        await self.check_delivery(session_id, Told(told.status, [d for d in told.devices if d != actor]))
        await self.check_agreement(session_id)

    # -- rules ------------------------------------------------------------------------------

    def few_live_calls(self) -> bool:
        return sum(c.status not in TERMINAL for c in self.oracle.calls.values()) < LIVE_CALLS

    @precondition(few_live_calls)
    @rule(caller=st.sampled_from([d for _, d in DEVICES]), whom=st.integers(min_value=0, max_value=6))
    def call(self, caller: str, whom: int) -> None:
        """A call to someone else (most often), to the group, or now and then to oneself."""
        uid = self.logins[caller].uid
        others = [u for u in ("alex", "bob", "carol", "dave") if u != uid]
        receiver = uid if whom == 6 else GROUP if whom >= 4 else others[whom - 1 if whom else 0]
        self.run(self.initiate(caller, receiver, group=receiver == GROUP))

    async def initiate(self, caller: str, receiver: str, group: bool) -> None:
        uid = self.logins[caller].uid
        before = world(self.server)
        reply = await self.api.initiate(self.logins[caller], receiver, "group" if group else "user")
        try:
            members, told = self.oracle.initiate((uid, caller), receiver, group)
        except Refused as refusal:
            reply.refused(refusal.code, HTTP_OF[refusal.code])
            assert world(self.server) == before, "a refused call changed something"
            self.count(f"initiate refused {refusal.code}")
            await self.check_delivery(None, None)
            return
        session_id = str(reply.data["data"]["entities"]["on"]["entity"]["sessionid"])
        assert session_id not in self.oracle.calls
        self.oracle.calls[session_id] = ModelCall(
            session_id, (uid, caller), group, members, "initiated", self.oracle.now
        )
        self.order.append(session_id)
        self.heard[(caller, session_id)] = "initiated"
        self.count("initiate applied")
        await self.check_delivery(session_id, told)
        await self.check_agreement(session_id)

    def pick_call(self, pick: int, newest: bool) -> str | None:
        """One of the calls so far, the newest more often than not; None before the first."""
        if not self.order:
            return None
        return self.order[-1] if newest else self.order[pick % len(self.order)]

    @rule(
        pick=st.integers(min_value=0, max_value=1 << 16),
        status=st.sampled_from(MOVES),
        other_device=st.booleans(),
    )
    def right_party_moves(self, pick: int, status: str, other_device: bool) -> None:
        """A move on a live call by the party it belongs to: a ringing or joined member accepts or
        declines, the caller cancels or gives up, the caller or a joined member ends (on a call still
        ringing, or on a member who already answered, it is refused all the same)."""
        live = [s for s in self.order if self.oracle.calls[s].status not in TERMINAL]
        if not live:
            return
        call = self.oracle.calls[live[pick % len(live)]]
        caller_devices = devices_of(call.caller[0])
        callers = [caller_devices[-1] if other_device else call.caller[1]]
        if status in ("ongoing", "rejected", "busy"):
            members = call.ringing() or list(call.members)
            candidates = [d for m in members for d in devices_of(m)]
        elif status == "ended":
            candidates = callers + list(call.joined.values())
        else:
            candidates = callers
        self.run(self.request(candidates[pick % len(candidates)], call.session_id, status))

    @rule(
        role=st.sampled_from(["caller", "caller's other device", "member"]),
        pick=st.integers(min_value=0, max_value=1 << 16),
        status=st.sampled_from(STATUSES),
        newest=st.booleans(),
    )
    def a_party_moves(self, role: str, pick: int, status: str, newest: bool) -> None:
        """Any status by someone on one of the calls so far, live or finished, right party or not."""
        session_id = self.pick_call(pick, newest)
        if session_id is None:
            return
        call = self.oracle.calls[session_id]
        if role == "caller":
            actor = call.caller[1]
        elif role == "caller's other device":
            actor = devices_of(call.caller[0])[-1]
        else:
            member_devices = [d for m in call.members for d in devices_of(m)]
            actor = member_devices[pick % len(member_devices)] if member_devices else call.caller[1]
        self.run(self.request(actor, session_id, status))

    @rule(
        actor=st.sampled_from([d for _, d in DEVICES]),
        pick=st.integers(min_value=0, max_value=1 << 16),
        status=st.sampled_from(STATUSES),
        newest=st.booleans(),
    )
    def update_by_anyone(self, actor: str, pick: int, status: str, newest: bool) -> None:
        """Any status by any device (strangers too) on one of the calls so far, or on no call at all."""
        unknown = pick % 16 == 15
        if self.order or unknown:
            self.run(self.request(actor, None if unknown else self.pick_call(pick, newest), status))


class ExpiringMachine(ProtocolMachine):
    """The same, with the server's ring expiry on and the virtual clock moved by whole seconds."""

    ring_expiry = RING_EXPIRY

    @rule(seconds=st.sampled_from([1, 7, 13, 31]))
    def advance(self, seconds: int) -> None:
        self.run(self.move_clock(seconds))

    async def move_clock(self, seconds: int) -> None:
        target = self.oracle.now + seconds
        due = [
            c
            for c in (self.oracle.calls[s] for s in self.order)
            if c.status == "initiated" and c.rung_at + RING_EXPIRY <= target
        ]
        due.sort(key=lambda c: c.rung_at)  # ties fire in the order the calls were made
        expected: dict[str, list[tuple[str, str]]] = {device: [] for _, device in DEVICES}
        for call in due:
            told = self.oracle.expire(call)
            for device in dict.fromkeys(told.devices):
                expected[device].append((call.session_id, told.status))
        reply = await self.api.admin("POST", "/clock/advance", {"seconds": seconds})
        assert len(reply.data["fired"]) == len(due), reply.body
        self.oracle.now = target
        self.count(f"clock +{seconds}s, {len(due)} expired")
        await self.check_frames(expected)
        for call in due:
            await self.check_agreement(call.session_id)


def run_machine(machine: type[ProtocolMachine]) -> None:
    machine.steps_run = machine.examples_run = 0
    machine.outcomes = {}
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            # A failing history is printed as found: shrinking one means thousands of server runs.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(machine.outcomes.items()))
    print(f"\n{machine.__name__}: {machine.examples_run} histories, {machine.steps_run} steps ({kinds})")


@pytest.mark.parametrize("machine", [ProtocolMachine, ExpiringMachine], ids=["client-timeout", "ring-expiry"])
def test_random_histories_agree_with_the_oracle(machine: type[ProtocolMachine]) -> None:
    run_machine(machine)
    # The generator must reach every move the server can apply, or the histories prove little.
    applied = {k.split()[0] for k in machine.outcomes if k.endswith(" applied")}
    assert applied >= {"initiate", *MOVES}, f"never applied: {sorted({'initiate', *MOVES} - applied)}"
    if machine.ring_expiry is not None:
        assert any("expired" in k and not k.endswith(" 0 expired") for k in machine.outcomes), "no call expired"
