"""Racing requests over real HTTP: exactly one wins, the loser is refused, everyone hears only the winner.

Each race sends both requests at once with ``asyncio.gather`` on separate connections, several
rounds over fresh calls, so both orders get exercised. Whichever wins, the check is the same:
one 200, one documented refusal, and the frames every connected device received (read up to
the pong barrier) describe the winning outcome only.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from .support import Api, Login, Reply, Socket

pytestmark = pytest.mark.asyncio

ROUNDS = 12


def session_of(reply: Reply) -> str:
    return str(reply.data["data"]["entities"]["on"]["entity"]["sessionid"])


async def race(api: Api, round_no: int, *moves: tuple[Login, str, str]) -> list[Reply]:
    """Send the moves at the same time, each on its own HTTP connection; replies in the moves' order.

    The request started first tends to arrive first, so odd rounds start them in reverse order:
    over the rounds both outcomes of the race are exercised.
    """
    order = list(range(len(moves)))
    if round_no % 2:
        order.reverse()
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) for _ in moves]
    try:
        racers = [Api(api.server, http) for http in sessions]
        started = [racers[i].update(*moves[i]) for i in order]
        replies = await asyncio.gather(*started)
    finally:
        for http in sessions:
            await http.close()
    by_move = dict(zip(order, replies, strict=True))
    return [by_move[i] for i in range(len(moves))]


async def test_accept_and_cancel_at_once_one_wins_and_only_its_outcome_is_told(api: Api) -> None:
    """Bob accepts on one device while alex cancels: ongoing or cancelled, never both or neither.

    If the accept wins, the cancel gets ERR_CALL_ONGOING_TO_INVALID, alex hears ongoing and bob's
    other device stops ringing; if the cancel wins, the accept gets ERR_CALL_TERMINATED and both
    of bob's devices hear cancelled. Nobody ever hears the losing status.
    """
    alex, alex_socket = await api.online("alex", "alex-1")
    bob, bob_socket = await api.online("bob", "bob-1")
    _, bob_2_socket = await api.online("bob", "bob-2")
    winners = set()
    for round_no in range(ROUNDS):
        session_id = session_of(await api.initiate(alex, "bob"))
        assert await bob_socket.events() == [("initiated", "alex-1")]
        assert await bob_2_socket.events() == [("initiated", "alex-1")]

        accept, cancel = await race(api, round_no, (bob, session_id, "ongoing"), (alex, session_id, "cancelled"))

        if accept.status == 200:
            winners.add("accept")
            cancel.refused("ERR_CALL_ONGOING_TO_INVALID", 409)
            assert await alex_socket.events() == [("ongoing", "bob-1")]
            assert await bob_socket.events() == []
            assert await bob_2_socket.events() == [("ongoing", "bob-1")]
            assert api.server.state.calls.book.get(session_id).status == "ongoing"
            await api.update(alex, session_id, "ended")
            assert await bob_socket.events() == [("ended", "alex-1")]
        else:
            winners.add("cancel")
            accept.refused("ERR_CALL_TERMINATED", 409)
            assert cancel.data["data"]["action"] == "cancelled"
            assert await alex_socket.events() == []
            assert await bob_socket.events() == [("cancelled", "alex-1")]
            assert await bob_2_socket.events() == [("cancelled", "alex-1")]
            assert api.server.state.calls.book.get(session_id).status == "cancelled"
        assert await bob_2_socket.events() == []
    assert len(winners) == 2, f"only {winners} ever won: the race was not exercised both ways"


async def test_two_devices_of_the_receiver_accept_at_once_one_joins(api: Api) -> None:
    """Both of bob's devices accept: one joins, the other gets ERR_CALL_USER_ALREADY_JOINED.

    The caller hears one ongoing naming the winning device; the losing device hears that ongoing
    (answered elsewhere) and nothing else; the winner hears nothing of its own accept.
    """
    alex, alex_socket = await api.online("alex", "alex-1")
    bob_1, bob_1_socket = await api.online("bob", "bob-1")
    bob_2, bob_2_socket = await api.online("bob", "bob-2")
    sockets: dict[str, Socket] = {"bob-1": bob_1_socket, "bob-2": bob_2_socket}
    winners = set()
    for round_no in range(ROUNDS):
        session_id = session_of(await api.initiate(alex, "bob"))
        for socket in sockets.values():
            assert await socket.events() == [("initiated", "alex-1")]

        first, second = await race(api, round_no, (bob_1, session_id, "ongoing"), (bob_2, session_id, "ongoing"))

        assert sorted([first.status, second.status]) == [200, 409]
        winner, loser = ("bob-1", "bob-2") if first.status == 200 else ("bob-2", "bob-1")
        winners.add(winner)
        (second if first.status == 200 else first).refused("ERR_CALL_USER_ALREADY_JOINED", 409)
        assert await alex_socket.events() == [("ongoing", winner)]
        assert await sockets[winner].events() == []
        assert await sockets[loser].events() == [("ongoing", winner)]
        assert api.server.state.calls.book.get(session_id).joined_members() == [("bob", winner)]
        await api.update(alex, session_id, "ended")
        assert await sockets[winner].events() == [("ended", "alex-1")]
        assert await sockets[loser].events() == []
    assert len(winners) == 2, f"only {winners} ever won: the race was not exercised both ways"


async def test_every_group_member_accepting_at_once_all_join_and_the_caller_hears_once(api: Api) -> None:
    """SPEC 4: the first accept tells the caller; the others join quietly, whatever the order."""
    alex, alex_socket = await api.online("alex", "alex-1")
    bob, bob_socket = await api.online("bob", "bob-1")
    carol, carol_socket = await api.online("carol", "carol-1")
    for round_no in range(ROUNDS // 2):
        session_id = session_of(await api.initiate(alex, "team", "group"))
        assert await bob_socket.events() == [("initiated", "alex-1")]
        assert await carol_socket.events() == [("initiated", "alex-1")]
        replies = await race(api, round_no, (bob, session_id, "ongoing"), (carol, session_id, "ongoing"))
        assert [r.status for r in replies] == [200, 200]
        [(status, first)] = await alex_socket.events()
        assert status == "ongoing"
        assert first in ("bob-1", "carol-1")
        assert await bob_socket.events() == []
        assert await carol_socket.events() == []
        await api.update(alex, session_id, "ended")
        assert await bob_socket.events() == [("ended", "alex-1")]
        assert await carol_socket.events() == [("ended", "alex-1")]
