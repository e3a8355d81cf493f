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
from mockserver.ws import CLOSE_REPLACED

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


# -- regressions found in review ------------------------------------------------------------


async def frame_entries(api: Api, device: str) -> list[str]:
    entries = (await api.admin("GET", "/journal", params={"kind": "frame", "device": device})).data["entries"]
    return [e["data"]["status"] for e in entries]


async def test_an_unmatched_close_socket_does_not_shadow_a_later_event_rule(api: Api) -> None:
    """Bob is offline when the close-socket rule is made, so it struck nobody; a drop made after
    it must still apply to Bob's frames."""
    await fault(api, {"action": "close-socket", "target": {"uid": "bob"}})
    await fault(api, {"action": "drop", "target": {"uid": "bob"}, "match": {"status": "initiated"}})
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await api.initiate(alex, "bob")
    assert await bob_socket.events() == []
    assert [(r["id"], r["applied"]) for r in (await api.admin("GET", "/faults")).data] == [
        ("fault-1", 0),
        ("fault-2", 1),
    ]


async def test_a_rule_for_every_device_of_a_user_counts_once_per_event(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, phone = await api.online("bob", "bob-1")
    _, laptop = await api.online("bob", "bob-2")
    await fault(api, {"action": "drop", "target": {"uid": "bob"}, "match": {"status": "initiated"}})
    session = session_of(await api.initiate(alex, "bob"))
    assert await phone.events() == [] and await laptop.events() == []
    assert (await api.admin("GET", "/faults/fault-1")).data["applied"] == 1
    assert [e["device"] for e in await fault_entries(api)] == ["bob-1", "bob-2"]
    await api.update(alex, session, "cancelled")  # spent: both hear the next event
    assert await phone.events() == [("cancelled", "alex-1")]
    assert await laptop.events() == [("cancelled", "alex-1")]


async def test_close_socket_closes_every_device_of_the_user_as_one_application(api: Api) -> None:
    _, phone = await api.online("bob", "bob-1")
    _, laptop = await api.online("bob", "bob-2")
    rule = await fault(api, {"action": "close-socket", "target": {"uid": "bob"}})
    assert rule["applied"] == 1
    assert await phone.closed() == aiohttp.WSCloseCode.ABNORMAL_CLOSURE
    assert await laptop.closed() == aiohttp.WSCloseCode.ABNORMAL_CLOSURE


async def test_reset_cancels_every_delayed_frame_and_the_held_back_frames_are_capped(api: Api) -> None:
    """More frames delayed than the cap (1,000): the extra ones are dropped, journalled; after a
    reset none of them reaches the next scenario, however far the clock then moves."""
    alex, _ = await api.online("alex", "alex-1")
    for n in range(1, 6):
        await api.online("bob", f"bob-{n}")
    await fault(api, {"action": "delay", "target": {"uid": "bob"}, "seconds": 5, "count": None})
    for _ in range(101):  # 5 devices x 2 events x 101 calls = 1,010 delayed frames
        session = session_of(await api.initiate(alex, "bob"))
        await api.update(alex, session, "cancelled")
    pending = [t for t in (await api.admin("GET", "/clock")).data["pending"] if "delays a frame" in t["label"]]
    assert len(pending) == 1_000
    limited = [e for e in await fault_entries(api) if e.get("limit") == "dropped-by-limit"]
    assert len(limited) == 10
    await api.admin("POST", "/reset")
    api.sockets.clear()
    _, bob_socket = await api.online("bob", "bob-1")
    await api.admin("POST", "/clock/advance", {"seconds": 10})
    assert await bob_socket.events() == []


async def test_a_delayed_frame_is_forgotten_once_sent(api: Api) -> None:
    """Each delayed frame leaves the server's list when it goes out, so the cap counts only those
    still waiting: after the clock released them, the next one is delayed, not dropped."""
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    api.server.state.calls.faults.max_held_back = 1
    await fault(api, {"action": "delay", "target": {"uid": "bob"}, "seconds": 1, "count": None})
    session = session_of(await api.initiate(alex, "bob"))
    await api.admin("POST", "/clock/advance", {"seconds": 1})
    assert await bob_socket.events() == [("initiated", "alex-1")]
    await api.update(alex, session, "cancelled")
    assert await bob_socket.events() == []  # delayed, not dropped
    await api.admin("POST", "/clock/advance", {"seconds": 1})
    assert await bob_socket.events() == [("cancelled", "alex-1")]
    assert not any("limit" in e for e in await fault_entries(api))


async def test_at_the_cap_a_reorder_sends_its_frame_at_once_and_says_so(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    api.server.state.calls.faults.max_held_back = 0
    await fault(api, {"action": "reorder", "target": {"uid": "bob"}})
    await api.initiate(alex, "bob")
    assert await bob_socket.events() == [("initiated", "alex-1")]
    [entry] = await fault_entries(api)
    assert entry["limit"] == "sent-at-hold-limit"


async def test_deleting_a_reorder_rule_sends_what_it_held_at_once(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "reorder", "target": {"uid": "bob"}, "match": {"status": "initiated"}})
    session = session_of(await api.initiate(alex, "bob"))
    assert await bob_socket.events() == []
    assert (await api.admin("DELETE", "/faults/fault-1")).status == 200
    assert await bob_socket.events() == [("initiated", "alex-1")]
    [_, released] = await fault_entries(api)
    assert released["released"] == 1 and released["device"] == "bob-1"
    await api.update(alex, session, "cancelled")
    assert await bob_socket.events() == [("cancelled", "alex-1")]
    assert await frame_entries(api, "bob-1") == ["initiated", "cancelled"]


async def test_reorder_every_time_swaps_each_pair_and_loses_nothing(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "reorder", "target": {"uid": "bob"}, "count": None})
    for _ in range(3):
        session = session_of(await api.initiate(alex, "bob"))
        assert await bob_socket.events() == []
        await api.update(alex, session, "cancelled")
        assert await bob_socket.events() == [("cancelled", "alex-1"), ("initiated", "alex-1")]
    assert (await api.admin("GET", "/faults/fault-1")).data["applied"] == 3


@pytest.mark.parametrize(
    ("path", "rule", "field"),
    [
        ("/faults", {"action": "delay", "target": {"uid": "bob"}, "seconds": 10**400}, "seconds"),
        ("/faults", {"action": "drop", "target": {"uid": "bob"}, "probability": 10**400}, "probability"),
        ("/faults", {"action": "drop", "target": {"uid": "bob"}, "count": 10**400}, "count"),
        ("/faults", {"action": "drop", "target": {"uid": "bob"}, "probability": 0.5, "seed": 10**400}, "seed"),
        ("/clock/advance", {"seconds": 10**400}, "seconds"),
    ],
)
async def test_a_huge_whole_number_is_refused_naming_the_field(
    api: Api, path: str, rule: dict[str, Any], field: str
) -> None:
    reply = await api.admin("POST", path, rule)
    reply.refused("ERR_BAD_REQUEST", 400)
    assert reply.body["error"]["details"]["field"] == field
    assert (await api.admin("GET", "/faults")).data == []


async def test_a_fail_rule_is_not_spent_by_a_request_refused_anyway(api: Api) -> None:
    alex, bob, _, session = await ringing(api)
    await fault(api, {"action": "fail", "target": {"uid": "bob"}, "match": {"operation": "accept"}})
    await fault(api, {"action": "fail", "target": {"uid": "alex"}, "match": {"operation": "initiate"}})
    (await api.update(bob, "v1.local.ringcheck.nosuch", "ongoing")).refused("ERR_CALL_SESSION_NOT_FOUND", 404)
    (await api.initiate(alex, "nobody-at-all")).refused("ERR_UID_NOT_FOUND", 404)
    assert [r["applied"] for r in (await api.admin("GET", "/faults")).data] == [0, 0]
    assert await fault_entries(api) == []
    # Each still fails the first request the server would have accepted.
    (await api.update(bob, session, "ongoing")).refused("ERR_INTERNAL", 503)
    (await api.initiate(alex, "carol")).refused("ERR_INTERNAL", 503)
    entries = await fault_entries(api)
    assert entries[0]["sessionId"] == session and entries[0]["operation"] == "accept"
    assert [c.session_id for c in api.server.state.calls.book.calls()] == [session]


async def test_reset_forgets_the_frames_a_reorder_rule_held(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    await api.online("bob", "bob-1")
    await fault(api, {"action": "reorder", "target": {"uid": "bob"}})
    await api.initiate(alex, "bob")
    await api.admin("POST", "/reset")
    api.sockets.clear()
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    session = session_of(await api.initiate(alex, "bob"))
    frames = await bob_socket.settle()
    assert [f["body"]["data"]["entities"]["on"]["entity"]["sessionid"] for f in frames] == [session]


async def test_a_delayed_frame_for_a_device_gone_meanwhile_is_not_journalled_as_told(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "delay", "target": {"uid": "bob"}, "seconds": 5})
    await api.initiate(alex, "bob")
    await away(api, bob_socket)
    await api.admin("POST", "/clock/advance", {"seconds": 5})
    assert await frame_entries(api, "bob-1") == []


async def test_a_duplicate_is_journalled_as_two_frames_not_more(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "duplicate", "target": {"uid": "bob"}})
    await api.initiate(alex, "bob")
    assert len(await bob_socket.events()) == 2
    assert await frame_entries(api, "bob-1") == ["initiated", "initiated"]


async def test_reset_forgets_which_devices_were_away() -> None:
    """With --on-reconnect current-state, a device that was online before a reset has missed
    nothing of the next scenario's calls when it first connects in it."""
    async with running(ServerConfig(admin=True, on_reconnect="current-state")) as api:
        await api.online("alex", "alex-1")
        await api.online("bob", "bob-1")
        since = str((await api.admin("GET", "/journal")).data["next"])
        await api.admin("POST", "/reset")
        params = {"kind": "connection", "uid": "bob", "since": since, "timeout": "5"}
        assert (await api.admin("GET", "/journal/wait", params=params)).data["summary"].endswith("disconnected")
        api.sockets.clear()
        alex, _ = await api.online("alex", "alex-1")
        session = session_of(await api.initiate(alex, "bob"))
        await api.update(alex, session, "cancelled")
        bob_socket = await api.connect(await api.login("bob", "bob-1"))
        assert await bob_socket.settle() == []


async def test_an_unknown_target_user_is_refused(api: Api) -> None:
    reply = await api.admin("POST", "/faults", {"action": "drop", "target": {"uid": "nobody-at-all"}})
    reply.refused("ERR_UID_NOT_FOUND", 404)
    assert (await api.admin("GET", "/faults")).data == []


async def test_a_delay_of_zero_waits_for_the_next_clock_advance(api: Api) -> None:
    alex, _ = await api.online("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "delay", "target": {"uid": "bob"}, "seconds": 0})
    await api.initiate(alex, "bob")
    assert await bob_socket.events() == []
    await api.admin("POST", "/clock/advance", {"seconds": 0})
    assert await bob_socket.events() == [("initiated", "alex-1")]


async def test_frames_held_for_a_socket_a_rule_closes_are_lost_with_it(api: Api) -> None:
    """Held frames go with the aborted socket: the device's next connection never gets them."""
    alex, _ = await api.online("alex", "alex-1")
    bob, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "reorder", "target": {"uid": "bob"}, "match": {"status": "initiated"}})
    await fault(api, {"action": "close-socket", "target": {"uid": "bob"}, "match": {"status": "cancelled"}})
    first = session_of(await api.initiate(alex, "bob"))
    await api.update(alex, first, "cancelled")
    assert await bob_socket.closed() == aiohttp.WSCloseCode.ABNORMAL_CLOSURE
    again = await api.connect(bob)
    second = session_of(await api.initiate(alex, "bob"))
    frames = await again.settle()
    assert [f["body"]["data"]["entities"]["on"]["entity"]["sessionid"] for f in frames] == [second]


def lost_entry(session: str, device: str = "bob-1") -> dict[str, Any]:
    """The journal's data for one held "initiated" event lost with ``device``'s socket."""
    return {
        "fault": "fault-1",
        "action": "reorder",
        "uid": "bob",
        "device": device,
        "lost": 1,
        "events": [{"sessionId": session, "status": "initiated"}],
    }


async def lost_entries(api: Api) -> list[dict[str, Any]]:
    return [e for e in await fault_entries(api) if "lost" in e]


async def holding(api: Api) -> tuple[Login, Login, Socket, str]:
    """Alex calls Bob while a reorder rule holds Bob's ring back."""
    alex, _ = await api.online("alex", "alex-1")
    bob, bob_socket = await api.online("bob", "bob-1")
    await fault(api, {"action": "reorder", "target": {"uid": "bob"}, "match": {"status": "initiated"}})
    session = session_of(await api.initiate(alex, "bob"))
    assert await bob_socket.events() == []
    assert api.server.state.calls.faults.held_count() == 1
    return alex, bob, bob_socket, session


async def test_frames_held_for_a_device_that_disconnects_are_lost_with_its_socket(api: Api) -> None:
    """A device that goes away while a reorder rule holds its frame does not get that frame on
    its next connection, the frame no longer counts against the hold limit, and the journal says
    which event was lost."""
    alex, bob, bob_socket, session = await holding(api)
    await away(api, bob_socket)
    assert api.server.state.calls.faults.held_count() == 0
    assert await lost_entries(api) == [lost_entry(session)]
    again = await api.connect(bob)
    await api.update(alex, session, "cancelled")
    frames = await again.settle()
    assert [f["body"]["data"]["action"] for f in frames] == ["cancelled"]


async def test_frames_held_for_a_device_that_reconnects_are_lost_with_its_old_socket(api: Api) -> None:
    """The same device on a new socket replaces the old one: what was held for the old is lost."""
    alex, bob, bob_socket, session = await holding(api)
    again = await api.connect(bob)
    assert await bob_socket.closed() == CLOSE_REPLACED
    assert await lost_entries(api) == [lost_entry(session)]
    await api.update(alex, session, "cancelled")
    frames = await again.settle()
    assert [f["body"]["data"]["action"] for f in frames] == ["cancelled"]
    assert api.server.state.calls.faults.held_count() == 0


async def test_frames_held_for_a_device_are_lost_when_its_socket_speaks_for_another(api: Api) -> None:
    """A socket that authenticates again as another device leaves the first device's held frames behind."""
    _, bob, bob_socket, session = await holding(api)
    await bob_socket.send({"type": "auth", "sender": "bob", "deviceId": "bob-2", "body": {"auth": bob.jwt}})
    assert await bob_socket.next() == {"type": "auth", "body": {"code": "200", "status": "OK"}}
    assert await lost_entries(api) == [lost_entry(session)]
    assert api.server.state.calls.faults.held_count() == 0


async def test_frames_held_for_a_socket_a_rule_aborts_are_lost_at_once(api: Api) -> None:
    """A close-socket rule without a match aborts the socket as it is made; what was held goes
    with it right then, not when the socket's handler notices (in between, deleting the reorder
    rule would "send" the held frame to the dead socket). The rule is made in-process so that
    nothing else runs between making it and looking."""
    _, _, bob_socket, session = await holding(api)
    api.server.state.add_fault({"action": "close-socket", "target": {"uid": "bob"}})
    assert api.server.state.calls.faults.held_count() == 0
    assert await bob_socket.closed() == aiohttp.WSCloseCode.ABNORMAL_CLOSURE
    assert await lost_entries(api) == [lost_entry(session)]


async def test_frames_held_for_a_socket_a_matched_rule_aborts_are_journalled_as_lost(api: Api) -> None:
    alex, _, bob_socket, session = await holding(api)
    await fault(api, {"action": "close-socket", "target": {"uid": "bob"}, "match": {"status": "cancelled"}})
    await api.update(alex, session, "cancelled")
    assert await bob_socket.closed() == aiohttp.WSCloseCode.ABNORMAL_CLOSURE
    assert await lost_entries(api) == [lost_entry(session)]
