"""The races, hundreds of times each, concurrently over fresh calls: one outcome, and only it is told.

test_races.py runs each race a dozen times, one call at a time; here every race runs
``RINGCHECK_RACE_TRIALS`` times (200 in CI) in batches of concurrent calls, so the server resolves
many races at once while frames for other calls cross the same sockets. Within a batch half the
trials start one side's request first and half the other's, so both outcomes are judged; the test
prints how often each side won and fails if one side never did (a server that let one side win
whatever the order). What it does not show: the server choosing a winner against arrival order.
Client and server share one event loop here, so requests arrive in the order they were sent and
the side sent first wins every time (releasing both requests' last bytes together would change that).

For every trial: exactly one request wins (or, for two group members, both join, SPEC 4), the
loser gets the documented refusal, the call ends in the winner's status, and each device hears,
once, exactly what the winning outcome tells it (read up to the pong barrier), nothing of the loser.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from .support import Api, Login, Reply, Socket

pytestmark = pytest.mark.asyncio

TRIALS = int(os.environ.get("RINGCHECK_RACE_TRIALS", "200"))
BATCH = 25

Heard = dict[str, list[tuple[str, str]]]
"""device -> the (status, device that caused it) of each event it heard, for one call."""


@dataclass
class People:
    api: Api
    logins: dict[str, Login]
    sockets: dict[str, Socket]

    def __getitem__(self, device: str) -> Login:
        return self.logins[device]


def session_of(reply: Reply) -> str:
    return str(reply.data["data"]["entities"]["on"]["entity"]["sessionid"])


async def people(api: Api) -> People:
    logins: dict[str, Login] = {}
    sockets: dict[str, Socket] = {}
    for uid, device in [("alex", "alex-1"), ("bob", "bob-1"), ("bob", "bob-2"), ("carol", "carol-1")]:
        logins[device], sockets[device] = await api.online(uid, device)
    return People(api, logins, sockets)


async def heard_by_call(folks: People) -> dict[str, Heard]:
    """Everything every device heard so far, up to the pong barrier, split by call."""
    by_call: dict[str, Heard] = {}
    for device, socket in folks.sockets.items():
        for frame in await socket.settle():
            assert frame.get("type") == "message", frame
            data = frame["body"]["data"]
            session_id = str(data["entities"]["on"]["entity"]["sessionid"])
            by_call.setdefault(session_id, {}).setdefault(device, []).append((str(data["action"]), frame["deviceId"]))
    return by_call


def only(**heard: list[tuple[str, str]]) -> Heard:
    return {device.replace("_", "-"): events for device, events in heard.items() if events}


@dataclass(frozen=True)
class Race:
    """Two moves on a call made by ``setup``; ``judge`` names the winner and what everyone heard."""

    name: str
    setup: Callable[[People], Awaitable[str]]
    moves: Callable[[People, str], list[tuple[Login, str, str]]]
    judge: Callable[[People, str, list[Reply]], tuple[str, Heard]]


async def run_race(folks: People, race: Race) -> Counter[str]:
    wins: Counter[str] = Counter()
    done = 0
    while done < TRIALS:
        size = min(BATCH, TRIALS - done)
        sessions = [await race.setup(folks) for _ in range(size)]
        await heard_by_call(folks)  # the ringing (and, for end, the accept) is not what is raced
        racers: list[Awaitable[Reply]] = []
        for trial, session_id in enumerate(sessions):
            moves = race.moves(folks, session_id)
            order = moves if (done + trial) % 2 == 0 else moves[::-1]
            racers += [folks.api.update(*move) for move in order]
        replies = await asyncio.gather(*racers)
        heard = await heard_by_call(folks)
        assert set(heard) <= set(sessions), f"events for calls not raced: {set(heard) - set(sessions)}"
        for trial, session_id in enumerate(sessions):
            pair = replies[2 * trial : 2 * trial + 2]
            if (done + trial) % 2:
                pair.reverse()
            winner, expected = race.judge(folks, session_id, pair)
            wins[winner] += 1
            assert heard.get(session_id, {}) == expected, (
                f"{race.name}, {winner} won {session_id}: heard {heard.get(session_id)}, expected {expected}"
            )
        done += size
    print(f"\n{race.name}: {TRIALS} trials, " + ", ".join(f"{w} won {n}" for w, n in sorted(wins.items())))
    return wins


async def ring_bob(folks: People) -> str:
    return session_of(await folks.api.initiate(folks["alex-1"], "bob"))


async def bob_answered(folks: People) -> str:
    session_id = await ring_bob(folks)
    assert (await folks.api.update(folks["bob-1"], session_id, "ongoing")).data["data"]["action"] == "ongoing"
    return session_id


def status_of(folks: People, session_id: str) -> str:
    return str(folks.api.server.state.calls.book.get(session_id).status)


def accept_against(withdrawal: str) -> Race:
    """Bob's accept against alex's cancel, or against alex's SDK marking the call unanswered."""

    def judge(folks: People, session_id: str, replies: list[Reply]) -> tuple[str, Heard]:
        accept, withdraw = replies
        if accept.status == 200:
            withdraw.refused("ERR_CALL_ONGOING_TO_INVALID", 409)
            assert status_of(folks, session_id) == "ongoing"
            return "accept", only(alex_1=[("ongoing", "bob-1")], bob_2=[("ongoing", "bob-1")])
        accept.refused("ERR_CALL_TERMINATED", 409)
        assert withdraw.data["data"]["action"] == withdrawal
        assert status_of(folks, session_id) == withdrawal
        return withdrawal, only(bob_1=[(withdrawal, "alex-1")], bob_2=[(withdrawal, "alex-1")])

    return Race(
        f"accept vs {withdrawal}",
        ring_bob,
        lambda folks, s: [(folks["bob-1"], s, "ongoing"), (folks["alex-1"], s, withdrawal)],
        judge,
    )


def two_devices_judge(folks: People, session_id: str, replies: list[Reply]) -> tuple[str, Heard]:
    first, second = replies
    assert sorted([first.status, second.status]) == [200, 409], (first.body, second.body)
    winner, loser = ("bob-1", "bob-2") if first.status == 200 else ("bob-2", "bob-1")
    (second if first.status == 200 else first).refused("ERR_CALL_USER_ALREADY_JOINED", 409)
    assert folks.api.server.state.calls.book.get(session_id).joined_members() == [("bob", winner)]
    return winner, {"alex-1": [("ongoing", winner)], loser: [("ongoing", winner)]}


async def ring_team(folks: People) -> str:
    return session_of(await folks.api.initiate(folks["alex-1"], "team", "group"))


def two_members_judge(folks: People, session_id: str, replies: list[Reply]) -> tuple[str, Heard]:
    """SPEC 4: both members join; the one outcome is the caller told once, of whoever was first."""
    assert [r.data["data"]["action"] for r in replies] == ["ongoing", "ongoing"]
    call = folks.api.server.state.calls.book.get(session_id)
    joined = call.joined_members()
    assert sorted(joined) == [("bob", "bob-1"), ("carol", "carol-1")], joined
    first = joined[0][1]
    # bob's other device stops ringing when bob answers; carol has no other device.
    return first, {"alex-1": [("ongoing", first)], "bob-2": [("ongoing", "bob-1")]}


def end_judge(folks: People, session_id: str, replies: list[Reply]) -> tuple[str, Heard]:
    by_alex, by_bob = replies
    assert sorted([by_alex.status, by_bob.status]) == [200, 409], (by_alex.body, by_bob.body)
    (by_bob if by_alex.status == 200 else by_alex).refused("ERR_CALL_TERMINATED", 409)
    assert status_of(folks, session_id) == "ended"
    if by_alex.status == 200:
        return "alex", {"bob-1": [("ended", "alex-1")]}
    return "bob", {"alex-1": [("ended", "bob-1")]}


RACES = [
    accept_against("cancelled"),
    accept_against("unanswered"),
    Race(
        "two devices accept",
        ring_bob,
        lambda folks, s: [(folks["bob-1"], s, "ongoing"), (folks["bob-2"], s, "ongoing")],
        two_devices_judge,
    ),
    Race(
        "two members accept",
        ring_team,
        lambda folks, s: [(folks["bob-1"], s, "ongoing"), (folks["carol-1"], s, "ongoing")],
        two_members_judge,
    ),
    Race(
        "end from both sides",
        bob_answered,
        lambda folks, s: [(folks["alex-1"], s, "ended"), (folks["bob-1"], s, "ended")],
        end_judge,
    ),
]


@pytest.mark.parametrize("race", RACES, ids=[r.name for r in RACES])
async def test_each_race_has_one_outcome_and_only_it_is_told(api: Api, race: Race) -> None:
    wins = await run_race(await people(api), race)
    assert sum(wins.values()) == TRIALS
    assert len(wins) == 2, f"only {dict(wins)} ever won: the race was not run both ways"
