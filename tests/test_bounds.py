"""What a long-lived server keeps is bounded, counted rather than timed: the journal, the call
book (every live call, the latest ended ones), the ring-expiry timers, the sessions; and logging
out revokes the WebSocket credential and closes the sockets it opened.
"""

from __future__ import annotations

import pytest

from mockserver import ServerConfig
from mockserver.journal import Journal
from mockserver.sessions import Sessions
from mockserver.state import CLOSE_LOGGED_OUT

from .support import Api, running


def session_of(reply_data: dict[str, object]) -> str:
    entity = reply_data["data"]["entities"]["on"]["entity"]  # type: ignore[index]
    return str(entity["sessionid"])


@pytest.mark.asyncio
async def test_the_call_book_keeps_every_live_call_and_only_the_latest_ended_ones() -> None:
    async with running(ServerConfig(admin=True, keep_ended_calls=5)) as api:
        alex, bob, carol = [await api.login(u, f"{u}-1") for u in ("alex", "bob", "carol")]
        live = session_of((await api.initiate(carol, "dave")).data)
        ongoing = session_of((await api.initiate(alex, "bob")).data)
        await api.update(bob, ongoing, "ongoing")
        ended = []
        for _ in range(12):
            session_id = session_of((await api.initiate(alex, "dave")).data)
            assert (await api.update(alex, session_id, "cancelled")).data
            ended.append(session_id)
        book = api.server.state.calls.book
        assert len(book) == 2 + 5, "two live calls and the five latest ended ones"
        assert {c.session_id for c in book.calls()} == {live, ongoing, *ended[-5:]}
        (await api.as_user(alex, "GET", f"/v3.0/calls/{ended[0]}")).refused("ERR_CALL_SESSION_NOT_FOUND", 404)
        assert (await api.as_user(alex, "GET", f"/v3.0/calls/{ended[-1]}")).data["data"]["entities"]
        # The live calls go on as usual, and ending one makes room by forgetting the oldest kept.
        await api.update(alex, ongoing, "ended")
        assert len(book) == 2 + 5 - 1
        assert ended[-5] not in {c.session_id for c in book.calls()}


@pytest.mark.asyncio
async def test_the_default_call_book_bound_is_ten_thousand_ended_calls() -> None:
    assert ServerConfig().keep_ended_calls == 10_000


@pytest.mark.asyncio
async def test_ring_expiry_timers_are_kept_only_for_calls_still_ringing() -> None:
    async with running(ServerConfig(admin=True, ring_expiry=60)) as api:
        alex = await api.login("alex", "alex-1")
        bob = await api.login("bob", "bob-1")
        for i in range(30):
            session_id = session_of((await api.initiate(alex, "bob")).data)
            await api.update(alex if i % 2 else bob, session_id, "cancelled" if i % 2 else "rejected")
        ringing = session_of((await api.initiate(alex, "bob")).data)
        service = api.server.state.calls
        assert list(service._expiries) == [ringing]


def test_the_journal_keeps_its_capacity_of_latest_entries() -> None:
    journal = Journal(lambda: 0.0, capacity=50)
    for i in range(1_000):
        journal.add("request", f"#{i}")
    entries = journal.since()
    assert len(entries) == 50
    assert entries[0].summary == "#950" and journal.next_seq == 1_001


def test_repeated_logins_keep_at_most_the_cap_of_tokens_per_user() -> None:
    sessions = Sessions(max_tokens_per_user=3)
    tokens, jwts = [], []
    for _ in range(10):  # each login: a token, then PUT /me for its jwt
        tokens.append(sessions.issue_token("alex"))
        jwts.append(sessions.issue_jwt(tokens[-1]))
    sessions.issue_token("bob")
    assert sessions.counts() == {"tokens": 4, "jwts": 3, "users": 2}
    assert sessions.peek(tokens[6]) is None and sessions.uid_for_jwt(jwts[6]) is None
    assert [sessions.uid_for_jwt(j) for j in jwts[7:]] == ["alex"] * 3
    for token in tokens[7:]:
        sessions.revoke(token)
    assert sessions.counts() == {"tokens": 1, "jwts": 0, "users": 1}


@pytest.mark.asyncio
async def test_put_me_again_with_the_same_token_gives_the_same_jwt(api: Api) -> None:
    alex = await api.login("alex", "alex-1")
    again = (await api.as_user(alex, "PUT", "/v3.0/me", {})).data
    assert again["jwt"] == alex.jwt
    assert api.server.state.sessions.counts()["jwts"] == 1


@pytest.mark.asyncio
async def test_logging_out_closes_that_sessions_socket_and_its_jwt_opens_no_other(api: Api) -> None:
    """DELETE /me revokes the token and the jwt issued for it; the sockets it opened are closed
    (4401 "logged out"); another device of the same user, and everyone else, are untouched."""
    alex, alex_socket = await api.online("alex", "alex-phone")
    _, laptop = await api.online("alex", "alex-laptop")
    _, bob_socket = await api.online("bob", "bob-1")
    assert (await api.as_user(alex, "DELETE", "/v3.0/me")).data == {"success": True}
    assert await alex_socket.closed() == CLOSE_LOGGED_OUT
    async with api.http.ws_connect(api.server.ws_url) as ws:
        await ws.send_json({"type": "auth", "deviceId": "alex-phone", "body": {"auth": alex.jwt}})
        reply = await ws.receive_json()
        assert reply["body"]["code"] == "401", reply
    (await api.as_user(alex, "GET", "/v3.0/me")).refused("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401)
    assert await laptop.settle() == [] and await bob_socket.settle() == []
    assert api.server.state.hub.devices_of("alex") == ["alex-laptop"]
