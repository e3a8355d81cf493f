"""The steering API at ``/_admin/``: how a test sets the world up and watches it without sleeping.

It exists only with ``admin=True`` and always wants the apiKey; reset must leave no call, session
or device behind; moving the virtual clock must answer only after the timers' events reached the
devices; the journal wait must return a match as soon as it happens and time out clearly.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from mockserver import MockServer, ServerConfig, SystemClock
from mockserver.hub import Connection
from mockserver.wire import SERVER_DEVICE

from .support import DEADLINE, Api, Reply, running, world

pytestmark = pytest.mark.asyncio


def session_of(reply: Reply) -> str:
    return str(reply.data["data"]["entities"]["on"]["entity"]["sessionid"])


async def test_without_admin_the_steering_api_does_not_exist() -> None:
    """A server started without admin serves no /_admin/ at all: a JSON 404 for every path."""
    async with running(ServerConfig()) as api:
        for method, path in [("POST", "/reset"), ("GET", "/journal"), ("POST", "/clock/advance")]:
            (await api.admin(method, path, {"seconds": 1})).refused("ERR_ROUTE_NOT_FOUND", 404)
        alex = await api.login("alex", "alex-1")
        assert (await api.initiate(alex, "bob")).status == 200


ENDPOINTS = [
    ("POST", "/reset", None),
    ("POST", "/users", {"uid": "erin"}),
    ("POST", "/groups", {"guid": "crew", "members": []}),
    ("GET", "/clock", None),
    ("POST", "/clock/advance", {"seconds": 60}),
    ("GET", "/journal", None),
    ("GET", "/journal/wait", None),
    ("GET", "/devices", None),
]


@pytest.mark.parametrize("key", [None, "not-the-key"], ids=["no apiKey", "wrong apiKey"])
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
async def test_every_steering_endpoint_wants_the_api_key(
    api: Api, method: str, path: str, body: dict[str, object] | None, key: str | None
) -> None:
    """AUTH_ERR_APIKEY_NOT_FOUND (401), and nothing happens: no reset, no user, no time passing."""
    alex = await api.login("alex", "alex-1")
    _, bob_socket = await api.online("bob", "bob-1")
    await api.initiate(alex, "bob")
    before, now = world(api.server), api.clock.now()
    headers = api.headers(api_key=key)
    reply = await api.send(method, "/_admin" + path, headers=headers, json_body=body)
    reply.refused("AUTH_ERR_APIKEY_NOT_FOUND", 401)
    assert world(api.server) == before
    assert api.clock.now() == now
    assert (await api.as_user(alex, "GET", "/v3.0/me")).data["uid"] == "alex", "the session survived"
    assert await bob_socket.events() == [("initiated", "alex-1")], "the device stayed connected"


async def test_reset_forgets_calls_revokes_sessions_and_disconnects_devices(api: Api) -> None:
    """Back to the seed: a scenario after a reset cannot see or answer anything from before it."""
    alex, alex_socket = await api.online("alex", "alex-1")
    bob = await api.login("bob", "bob-1")
    session_id = session_of(await api.initiate(alex, "bob"))
    assert (await api.admin("POST", "/users", {"uid": "erin"})).status == 201

    reply = await api.admin("POST", "/reset")
    journal_next = reply.data.pop("journalNext")
    assert reply.data == {"users": ["alex", "bob", "carol", "dave"], "groups": ["team"]}
    reset_entry = api.server.state.journal.since(journal_next - 1)[0]
    assert reset_entry.summary == "reset to the seed", "journalNext is where the entries after the reset start"

    assert await asyncio.wait_for(alex_socket.closed(), DEADLINE) == 1001
    assert (await api.admin("GET", "/devices")).data == {"alex": [], "bob": [], "carol": [], "dave": []}
    (await api.update(bob, session_id, "ongoing")).refused("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401)
    bob_again = await api.login("bob", "bob-1")
    (await api.update(bob_again, session_id, "ongoing")).refused("ERR_CALL_SESSION_NOT_FOUND", 404)
    assert list(api.server.state.calls.book.calls()) == []
    headers = api.headers("x", api_key=api.config.api_key)
    erin = await api.send("POST", "/v3.0/users/erin/auth_tokens", headers=headers, json_body={})
    erin.refused("ERR_UID_NOT_FOUND", 404)


async def test_reset_cancels_pending_ring_expiries() -> None:
    """A ring expiry left over from the last scenario must not fire into the next one."""
    async with running(ServerConfig(admin=True, ring_expiry=30)) as api:
        alex = await api.login("alex", "alex-1")
        await api.initiate(alex, "bob")
        assert len((await api.admin("GET", "/clock")).data["pending"]) == 1
        await api.admin("POST", "/reset")
        assert (await api.admin("GET", "/clock")).data["pending"] == []
        assert (await api.admin("POST", "/clock/advance", {"seconds": 60})).data["fired"] == []


async def test_added_users_and_groups_can_log_in_and_be_called(api: Api) -> None:
    """POST /users and /groups answer 201 with what was made, and it is usable at once."""
    user = await api.admin("POST", "/users", {"uid": "erin", "name": "Erin E."})
    assert (user.status, user.data) == (201, {"uid": "erin", "name": "Erin E."})
    defaulted = await api.admin("POST", "/users", {"uid": "frank"})
    assert defaulted.data == {"uid": "frank", "name": "Frank"}
    group = await api.admin("POST", "/groups", {"guid": "crew", "name": "Crew", "members": ["erin", "frank", "dave"]})
    assert (group.status, group.data) == (201, {"guid": "crew", "name": "Crew", "members": ["erin", "frank", "dave"]})

    erin = await api.login("erin", "erin-1")
    _, frank_socket = await api.online("frank", "frank-1")
    await api.initiate(erin, "crew", "group")
    assert await frank_socket.events() == [("initiated", "erin-1")]


ADD_REFUSALS = [
    ("/users", {"uid": "bob"}, "ERR_UID_ALREADY_EXISTS", 409),
    ("/users", {}, "ERR_BAD_REQUEST", 400),
    ("/users", {"uid": "has space"}, "ERR_BAD_REQUEST", 400),
    ("/users", {"uid": ""}, "ERR_BAD_REQUEST", 400),
    ("/users", {"uid": 7}, "ERR_BAD_REQUEST", 400),
    ("/users", {"uid": "x" * 101}, "ERR_BAD_REQUEST", 400),
    ("/users", {"uid": "erin", "name": 5}, "ERR_BAD_REQUEST", 400),
    ("/users", ["erin"], "ERR_BAD_REQUEST", 400),
    ("/groups", {"guid": "team", "members": []}, "ERR_GUID_ALREADY_EXISTS", 409),
    ("/groups", {"guid": "crew", "members": ["alex", "zed"]}, "ERR_UID_NOT_FOUND", 404),
    ("/groups", {"guid": "crew", "members": "alex"}, "ERR_BAD_REQUEST", 400),
    ("/groups", {"guid": "crew", "members": ["alex", 3]}, "ERR_BAD_REQUEST", 400),
    ("/groups", {"members": ["alex"]}, "ERR_BAD_REQUEST", 400),
    ("/groups", {"guid": "c/r/e/w"}, "ERR_BAD_REQUEST", 400),
]


@pytest.mark.parametrize(
    ("path", "body", "code", "status"), ADD_REFUSALS, ids=[f"{p} {b}"[:60] for p, b, _, _ in ADD_REFUSALS]
)
async def test_adding_people_is_refused_clearly_and_adds_nothing(
    api: Api, path: str, body: object, code: str, status: int
) -> None:
    """Duplicates, bad ids, unknown members: the refusal code, and the directory as it was."""
    before = world(api.server)
    (await api.admin("POST", path, body)).refused(code, status)
    assert world(api.server) == before


async def test_an_oversized_admin_body_is_refused(api: Api) -> None:
    """The body limit holds on the steering API too (it is not journaled, so another code path)."""
    before = world(api.server)
    big = {"uid": "erin", "name": "x" * (64 * 1024)}
    (await api.admin("POST", "/users", big)).refused("ERR_PAYLOAD_TOO_LARGE", 413)
    assert world(api.server) == before


@pytest.mark.parametrize(
    "body",
    [
        {"seconds": -1},
        {},
        {"seconds": "10"},
        {"seconds": True},
        {"seconds": None},
        {"seconds": float("nan")},
        {"seconds": float("inf")},
    ],
    ids=str,
)
async def test_a_bad_clock_advance_is_refused_and_time_stands_still(api: Api, body: dict[str, object]) -> None:
    """Time only moves forward, by a number of seconds."""
    now = api.clock.now()
    (await api.admin("POST", "/clock/advance", body)).refused("ERR_BAD_REQUEST", 400)
    assert api.clock.now() == now


async def test_the_clock_reads_and_advances(api: Api) -> None:
    """GET /clock reads the virtual time; advance moves it by exactly the seconds asked."""
    now = (await api.admin("GET", "/clock")).data["now"]
    moved = (await api.admin("POST", "/clock/advance", {"seconds": 12.5})).data
    assert moved == {"now": now + 12.5, "fired": []}
    assert (await api.admin("GET", "/clock")).data == {"now": now + 12.5, "pending": []}


async def test_a_server_on_real_time_refuses_to_move_its_clock() -> None:
    """Only a virtual clock can be moved; saying so beats pretending to."""
    async with MockServer(ServerConfig(admin=True), clock=SystemClock()) as server, aiohttp.ClientSession() as http:
        api = Api(server, http)
        (await api.admin("POST", "/clock/advance", {"seconds": 1})).refused("ERR_BAD_REQUEST", 400)
        (await api.admin("GET", "/clock")).refused("ERR_BAD_REQUEST", 400)


def record_writes(connection: Connection, log: list[str]) -> None:
    """Append each frame's action to ``log`` when it has been written to the device's socket."""
    send_text = connection.send_text

    async def recording(text: str) -> None:
        await send_text(text)
        log.append(text)

    connection.send_text = recording


async def test_ring_expiry_fires_on_advance_and_the_frames_are_written_before_it_answers() -> None:
    """With ring_expiry set, advancing past it marks the call unanswered for both sides.

    The advance must answer only after the frames were written, so a test that advanced can
    check what devices heard at once. The write is observed on the server's own connection.
    """
    async with running(ServerConfig(admin=True, ring_expiry=30)) as api:
        alex, alex_socket = await api.online("alex", "alex-1")
        _, bob_socket = await api.online("bob", "bob-1")
        session_id = session_of(await api.initiate(alex, "bob"))
        assert await bob_socket.events() == [("initiated", "alex-1")]
        [bob_connection] = [c for c in api.server.state.hub.connections() if c.uid == "bob"]
        written: list[str] = []
        record_writes(bob_connection, written)

        clock = (await api.admin("GET", "/clock")).data
        assert [p["label"] for p in clock["pending"]] == [f"ring expiry {session_id}"]
        assert (await api.admin("POST", "/clock/advance", {"seconds": 29.5})).data["fired"] == []
        assert written == []

        advanced = (await api.admin("POST", "/clock/advance", {"seconds": 0.5})).data
        assert [f["label"] for f in advanced["fired"]] == [f"ring expiry {session_id}"]
        assert len(written) == 1, "written before the advance answered"
        assert json.loads(written[0])["body"]["data"]["action"] == "unanswered"

        assert await bob_socket.events() == [("unanswered", SERVER_DEVICE)]
        assert await alex_socket.events() == [("unanswered", SERVER_DEVICE)], "no request caused it: tell the caller"
        assert api.server.state.calls.book.get(session_id).status == "unanswered"
        timers = (await api.admin("GET", "/journal", params={"kind": "timer"})).data["entries"]
        assert [e["data"]["sessionId"] for e in timers] == [session_id]


async def test_an_answer_cancels_the_ring_expiry() -> None:
    """Once answered, the expiry must never fire (it would end a call in progress)."""
    async with running(ServerConfig(admin=True, ring_expiry=30)) as expiring:
        alex = await expiring.login("alex", "alex-1")
        bob = await expiring.login("bob", "bob-1")
        session_id = session_of(await expiring.initiate(alex, "bob"))
        await expiring.update(bob, session_id, "ongoing")
        assert (await expiring.admin("GET", "/clock")).data["pending"] == []
        assert (await expiring.admin("POST", "/clock/advance", {"seconds": 600})).data["fired"] == []
        assert expiring.server.state.calls.book.get(session_id).status == "ongoing"


async def test_the_journal_reads_with_filters_and_resumes_from_next(api: Api) -> None:
    """``kind`` and any data field filter; ``since`` resumes where ``next`` said."""
    alex = await api.login("alex", "alex-1")
    await api.online("bob", "bob-1")
    await api.online("carol", "carol-1")
    mark = (await api.admin("GET", "/journal")).data["next"]
    await api.initiate(alex, "team", "group")

    frames = (await api.admin("GET", "/journal", params={"kind": "frame", "since": str(mark)})).data
    assert sorted(e["data"]["uid"] for e in frames["entries"]) == ["bob", "carol"]
    assert all(e["seq"] >= mark for e in frames["entries"])
    to_bob = await api.admin("GET", "/journal", params={"kind": "frame", "uid": "bob", "since": str(mark)})
    [entry] = to_bob.data["entries"]
    assert entry["data"]["status"] == "initiated"
    assert entry["data"]["frame"]["deviceId"] == "alex-1"
    after = (await api.admin("GET", "/journal", params={"since": str(frames["next"])})).data
    assert after["entries"] == []
    assert after["next"] == frames["next"]
    (await api.admin("GET", "/journal", params={"since": "soon"})).refused("ERR_BAD_REQUEST", 400)


async def test_journal_wait_returns_the_matching_entry_once_it_happens(api: Api) -> None:
    """A long poll started before the event returns that event's entry, not an earlier one."""
    alex = await api.login("alex", "alex-1")
    await api.online("bob", "bob-1")
    await api.initiate(alex, "bob")  # an earlier frame for bob, before ``since``
    since = (await api.admin("GET", "/journal")).data["next"]
    params = {"kind": "frame", "uid": "bob", "status": "cancelled", "since": str(since), "timeout": str(DEADLINE)}
    waiting = asyncio.ensure_future(api.admin("GET", "/journal/wait", params=params))
    call = session_of(await api.initiate(alex, "bob"))
    await api.update(alex, call, "cancelled")
    entry = (await asyncio.wait_for(waiting, DEADLINE)).data
    assert entry["seq"] >= since
    assert (entry["kind"], entry["data"]["sessionId"], entry["data"]["status"]) == ("frame", call, "cancelled")


async def test_journal_wait_times_out_with_its_own_code(api: Api) -> None:
    """No match within the timeout: ERR_WAIT_TIMED_OUT, with what was seen to help debugging."""
    alex = await api.login("alex", "alex-1")
    await api.initiate(alex, "bob")
    params = {"kind": "frame", "uid": "nobody", "timeout": "0.05"}
    reply = await api.admin("GET", "/journal/wait", params=params)
    reply.refused("ERR_WAIT_TIMED_OUT", 408)
    assert reply.body["error"]["details"]["seen"], "the entries seen are listed"
    for timeout in ("a while", "nan", "-1", "31", "inf"):
        bad = await api.admin("GET", "/journal/wait", params={"timeout": timeout})
        bad.refused("ERR_BAD_REQUEST", 400)


async def test_devices_lists_who_is_connected(api: Api) -> None:
    """What a QA checks when a device seems deaf: is it connected at all, and as which device?"""
    await api.online("bob", "bob-1")
    await api.online("bob", "bob-2")
    await api.login("carol", "carol-1")
    assert (await api.admin("GET", "/devices")).data == {
        "alex": [],
        "bob": ["bob-1", "bob-2"],
        "carol": [],
        "dave": [],
    }


async def test_the_clock_cannot_be_moved_past_the_end_of_time(api: Api) -> None:
    """Two finite advances can still overflow; the second is refused and the server keeps working."""
    assert (await api.admin("POST", "/clock/advance", {"seconds": 1e308})).status == 200
    now = api.clock.now()
    (await api.admin("POST", "/clock/advance", {"seconds": 1e308})).refused("ERR_BAD_REQUEST", 400)
    assert api.clock.now() == now
    assert (await api.admin("GET", "/clock")).status == 200, "the clock still reads as JSON"
