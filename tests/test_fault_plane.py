"""The fault control plane end to end: rules set through /_admin/faults, seen on the wire.

A real server on 127.0.0.1 and real aiohttp WebSocket clients. "Nothing arrived" is proved with
the pong barrier (pongs go through the device's outbox, so a pong after an event shows the event
was not sent); delays move with the server's virtual clock, never real time.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from mockserver import ServerConfig

from .support import CLOSED, DEADLINE, Api, Login, Reply, Socket, running, world

pytestmark = pytest.mark.asyncio


def session_of(reply: Reply) -> str:
    return str(reply.data["data"]["entities"]["on"]["entity"]["sessionid"])


async def fault(api: Api, rule: dict[str, Any]) -> dict[str, Any]:
    reply = await api.admin("POST", "/faults", rule)
    assert reply.status == 201, reply.body
    return dict(reply.data)


async def ringing(api: Api) -> tuple[Login, Login, Socket, str]:
    """Alex calls Bob, Bob's device has heard the ring."""
    alex, _ = await api.online("alex", "alex-1")
    bob, bob_socket = await api.online("bob", "bob-1")
    session = session_of(await api.initiate(alex, "bob"))
    assert await bob_socket.events() == [("initiated", "alex-1")]
    return alex, bob, bob_socket, session


async def fault_entries(api: Api) -> list[dict[str, Any]]:
    return [e["data"] for e in (await api.admin("GET", "/journal", params={"kind": "fault"})).data["entries"]]


async def test_a_dropped_cancel_never_arrives_and_the_next_one_does(api: Api) -> None:
    rule = await fault(api, {"action": "drop", "target": {"uid": "bob"}, "match": {"status": "cancelled"}})
    assert rule["id"] == "fault-1" and rule["applied"] == 0 and rule["count"] == 1
    alex, _, bob_socket, session = await ringing(api)
    assert (await api.update(alex, session, "cancelled")).data["data"]["action"] == "cancelled"
    assert await bob_socket.events() == []  # the pong came, the cancel did not
    assert (await api.admin("GET", "/faults/fault-1")).data["applied"] == 1
    [entry] = await fault_entries(api)
    assert entry == {
        "fault": "fault-1",
        "action": "drop",
        "uid": "bob",
        "device": "bob-1",
        "sessionId": session,
        "status": "cancelled",
    }
    # Spent: the next call's cancel arrives.
    session2 = session_of(await api.initiate(alex, "bob"))
    await api.update(alex, session2, "cancelled")
    assert await bob_socket.events() == [("initiated", "alex-1"), ("cancelled", "alex-1")]


async def test_a_delayed_frame_arrives_after_the_clock_moves_and_later_frames_overtake_it(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "delay", "target": {"uid": "bob"}, "match": {"status": "initiated"}, "seconds": 5})
    session = session_of(await api.initiate(alex, "bob"))
    assert await bob_socket.events() == []
    await api.update(alex, session, "cancelled")
    assert await bob_socket.events() == [("cancelled", "alex-1")]
    await api.admin("POST", "/clock/advance", {"seconds": 4.9})
    assert await bob_socket.events() == []
    await api.admin("POST", "/clock/advance", {"seconds": 0.1})
    assert await bob_socket.events() == [("initiated", "alex-1")]


async def test_a_duplicated_frame_arrives_twice(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "duplicate", "target": {"uid": "bob", "device": "bob-1"}})
    await api.initiate(alex, "bob")
    assert await bob_socket.events() == [("initiated", "alex-1"), ("initiated", "alex-1")]


async def test_a_reordered_frame_comes_right_after_the_next_one(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "reorder", "target": {"uid": "bob"}, "match": {"status": "initiated"}})
    session = session_of(await api.initiate(alex, "bob"))
    assert await bob_socket.events() == []  # held, and the request did not wait for it
    await api.update(alex, session, "cancelled")
    assert await bob_socket.events() == [("cancelled", "alex-1"), ("initiated", "alex-1")]


async def test_close_socket_aborts_the_connection_without_a_close_frame(api: Api) -> None:
    _, bob_socket = await api.online("bob", "bob-1")
    _, carol_socket = await api.online("carol", "carol-1")
    rule = await fault(api, {"action": "close-socket", "target": {"uid": "bob"}})
    assert rule["applied"] == 1
    assert await bob_socket.closed() == aiohttp.WSCloseCode.ABNORMAL_CLOSURE
    assert await carol_socket.settle() == []  # nobody else disturbed
    [entry] = await fault_entries(api)
    assert entry["action"] == "close-socket" and entry["device"] == "bob-1"


async def test_close_socket_on_a_status_closes_instead_of_delivering(api: Api) -> None:
    await fault(api, {"action": "close-socket", "target": {"uid": "bob"}, "match": {"status": "cancelled"}})
    alex, _, bob_socket, session = await ringing(api)
    assert (await api.update(alex, session, "cancelled")).status == 200
    assert await bob_socket.closed() == aiohttp.WSCloseCode.ABNORMAL_CLOSURE


async def test_an_ignored_ping_gets_no_pong_and_the_next_one_does(api: Api) -> None:
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "ignore-pings", "target": {"uid": "bob"}})
    await bob_socket.send({"action": "ping"})
    # The second ping's pong is the first one to arrive: the first ping went unanswered.
    assert await bob_socket.settle() == []
    assert bob_socket.inbox.empty()
    [entry] = await fault_entries(api)
    assert entry["action"] == "ignore-pings"


async def test_reconnects_are_refused_until_the_clock_moves_past_the_window(api: Api) -> None:
    bob = await api.login("bob", "bob-1")
    await fault(api, {"action": "refuse-reconnects", "target": {"uid": "bob"}, "seconds": 10})
    auth = {"type": "auth", "sender": "bob", "deviceId": "bob-1", "body": {"auth": bob.jwt}}
    for _ in range(2):  # a window refuses every attempt in it
        async with api.http.ws_connect(api.server.ws_url) as ws:
            await ws.send_json(auth)
            reply = await ws.receive_json(timeout=DEADLINE)
            assert reply["body"]["code"] == "401", reply
            assert (await ws.receive(timeout=DEADLINE)).type is aiohttp.WSMsgType.CLOSE
    await api.admin("POST", "/clock/advance", {"seconds": 10})
    socket = await api.connect(bob)
    assert await socket.settle() == []
    assert (await api.admin("GET", "/faults/fault-1")).data["applied"] == 2


async def test_a_failed_accept_answers_503_and_changes_nothing(api: Api) -> None:
    _, bob, _, session = await ringing(api)
    await fault(
        api,
        {
            "action": "fail",
            "target": {"uid": "bob"},
            "match": {"operation": "accept"},
            "error": {"code": "ERR_INTERNAL", "httpStatus": 503},
        },
    )
    before = world(api.server)
    reply = await api.update(bob, session, "ongoing")
    reply.refused("ERR_INTERNAL", 503)
    after = world(api.server)
    assert after.calls[session].status == before.calls[session].status
    assert after.sent == before.sent
    # Spent: the accept now goes through.
    assert (await api.update(bob, session, "ongoing")).data["data"]["action"] == "ongoing"


async def test_a_late_answer_comes_after_the_frames_were_sent(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(
        api, {"action": "answer-late", "target": {"uid": "alex"}, "match": {"operation": "initiate"}, "seconds": 0.5}
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    answer = asyncio.ensure_future(api.initiate(alex, "bob"))
    ring = await bob_socket.next()
    assert ring["body"]["data"]["action"] == "initiated"
    assert not answer.done()  # the call rang, the answer is still held back
    assert (await asyncio.wait_for(answer, DEADLINE)).data["data"]["action"] == "initiated"
    assert loop.time() - started >= 0.5


async def test_rules_are_listed_read_and_deleted(api: Api) -> None:
    first = await fault(api, {"action": "drop", "target": {"uid": "bob"}})
    second = await fault(api, {"action": "ignore-pings", "target": {"uid": "carol"}, "count": None})
    assert (first["id"], second["id"]) == ("fault-1", "fault-2")
    assert second["count"] is None
    listed = (await api.admin("GET", "/faults")).data
    assert [r["id"] for r in listed] == ["fault-1", "fault-2"]
    assert (await api.admin("DELETE", "/faults/fault-1")).data["id"] == "fault-1"
    (await api.admin("GET", "/faults/fault-1")).refused("ERR_FAULT_NOT_FOUND", 404)
    (await api.admin("DELETE", "/faults/fault-1")).refused("ERR_FAULT_NOT_FOUND", 404)
    assert [r["id"] for r in (await api.admin("GET", "/faults")).data] == ["fault-2"]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"target": {"uid": "bob"}}, "action"),
        ({"action": "explode", "target": {"uid": "bob"}}, "action"),
        ({"action": "drop"}, "target.uid"),
        ({"action": "drop", "target": {"uid": "bob"}, "match": {"status": "ringing"}}, "match.status"),
        ({"action": "delay", "target": {"uid": "bob"}}, "seconds"),
        ({"action": "drop", "target": {"uid": "bob"}, "count": 0}, "count"),
        ({"action": "drop", "target": {"uid": "bob"}, "probability": 2}, "probability"),
        ({"action": "fail", "target": {"uid": "bob"}, "error": {"httpStatus": 200}}, "error.httpStatus"),
        ({"action": "drop", "target": {"uid": "bob"}, "colour": "red"}, "colour"),
    ],
)
async def test_a_bad_rule_is_refused_naming_the_field_and_adds_nothing(
    api: Api, rule: dict[str, Any], field: str
) -> None:
    reply = await api.admin("POST", "/faults", rule)
    reply.refused("ERR_BAD_REQUEST", 400)
    assert reply.body["error"]["details"]["field"] == field
    assert (await api.admin("GET", "/faults")).data == []


async def test_a_body_that_is_not_an_object_is_refused(api: Api) -> None:
    (await api.admin("POST", "/faults", [1, 2])).refused("ERR_BAD_REQUEST", 400)


async def test_reset_clears_rules_and_held_frames(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    await api.online("bob", "bob-1")
    await fault(api, {"action": "delay", "target": {"uid": "bob"}, "seconds": 5})
    await fault(api, {"action": "drop", "target": {"uid": "carol"}})
    await api.initiate(alex, "bob")
    assert any("delays a frame" in t["label"] for t in (await api.admin("GET", "/clock")).data["pending"])
    await api.admin("POST", "/reset")
    assert (await api.admin("GET", "/faults")).data == []
    assert not any("delays a frame" in t["label"] for t in (await api.admin("GET", "/clock")).data["pending"])
    assert (await fault(api, {"action": "drop", "target": {"uid": "bob"}}))["id"] == "fault-1"


async def test_the_journal_says_what_each_fault_did_in_plain_words(api: Api) -> None:
    await fault(api, {"action": "drop", "target": {"uid": "bob"}, "match": {"status": "cancelled"}})
    alex, _, _, session = await ringing(api)
    await api.update(alex, session, "cancelled")
    found = (await api.admin("GET", "/journal/wait", params={"kind": "fault", "timeout": "5"})).data
    assert found["summary"] == "fault fault-1: dropped the cancelled event for bob (bob-1)"


async def test_seeded_probability_repeats_on_a_fresh_server() -> None:
    """Two servers given the same seeded rule drop exactly the same frames."""
    outcomes = []
    for _ in range(2):
        async with running(ServerConfig(admin=True)) as api:
            alex, _ = await api.online("alex", "alex-1")
            _, bob_socket = await api.online("bob", "bob-1")
            rule = {"action": "drop", "target": {"uid": "bob"}, "match": {"status": "initiated"}}
            await fault(api, {**rule, "probability": 0.5, "seed": 3})
            heard = []
            for _ in range(12):
                session = session_of(await api.initiate(alex, "bob"))
                await api.update(alex, session, "cancelled")
                heard.append([status for status, _ in await bob_socket.events()])
            outcomes.append(heard)
    assert outcomes[0] == outcomes[1]
    assert ["cancelled"] in outcomes[0] and ["initiated", "cancelled"] in outcomes[0]


async def test_the_inbox_sees_the_close_after_the_abort(api: Api) -> None:
    """The reader task ends on the abort (the closed marker), so steps waiting on it do not hang."""
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "close-socket", "target": {"uid": "bob", "device": "bob-1"}})
    assert await bob_socket.next() is CLOSED


async def away(api: Api, socket: Socket) -> None:
    """Close the device's socket and wait until the server has seen it go."""
    since = str((await api.admin("GET", "/journal")).data["next"])
    await socket.close()
    params = {"kind": "connection", "uid": socket.login.uid, "since": since, "timeout": "5"}
    found = (await api.admin("GET", "/journal/wait", params=params)).data
    assert found["summary"].endswith("disconnected"), found


async def reconnect_story(api: Api) -> tuple[Socket, str, str]:
    """Bob hears a ring, goes away; meanwhile Alex cancels it, and calls and cancels again."""
    alex, bob, bob_socket, first = await ringing(api)
    await away(api, bob_socket)
    await api.update(alex, first, "cancelled")
    second = session_of(await api.initiate(alex, "bob"))
    await api.update(alex, second, "cancelled")
    return await api.connect(bob), first, second


async def test_on_reconnect_current_state_sends_the_latest_of_each_call_missed_once() -> None:
    async with running(ServerConfig(admin=True, on_reconnect="current-state")) as api:
        socket, first, second = await reconnect_story(api)
        frames = await socket.settle()
        calls = [
            (f["body"]["data"]["entities"]["on"]["entity"]["sessionid"], f["body"]["data"]["action"]) for f in frames
        ]
        assert calls == [(first, "cancelled"), (second, "cancelled")]
        assert all(f["deviceId"] == "alex-1" for f in frames)
        entries = (await api.admin("GET", "/journal", params={"kind": "frame", "reconnect": "True"})).data["entries"]
        assert [e["summary"] for e in entries] == [
            f"told bob (bob-1) on its return: {first} cancelled",
            f"told bob (bob-1) on its return: {second} cancelled",
        ]
        # Once: a second return with nothing new brings nothing.
        await away(api, socket)
        again = await api.connect(socket.login)
        assert await again.settle() == []


async def test_by_default_a_reconnecting_device_is_sent_nothing(api: Api) -> None:
    socket, _, _ = await reconnect_story(api)
    assert await socket.settle() == []
