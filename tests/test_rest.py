"""The REST surface (SPEC section 6) against a real server on 127.0.0.1: what the SDK sends, and junk.

The good half walks the SDK's own sequence (token, ``/me``, settings, ``user_sessions``, calls) and
checks the fields the SDK reads. The bad half sends each kind of wrong request and checks that it
gets the JSON error envelope with a fitting HTTP status, that nothing changed (calls, people,
frames), and that the very next good request is still served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mockserver.inputs import MAX_BODY_BYTES

from .support import Api, envelope, world

pytestmark = pytest.mark.asyncio


SPEC_SETTINGS = (
    "CLIENT_API_HOST",
    "ADMIN_API_HOST",
    "CHAT_API_VERSION",
    "CHAT_HOST",
    "CHAT_WSS_PORT",
    "ANALYTICS_PING_DISABLED",
    "APP_VERSION",
)


def call_entity(message: dict[str, Any]) -> dict[str, Any]:
    entity: dict[str, Any] = message["data"]["entities"]["on"]["entity"]
    return entity


# -- login ------------------------------------------------------------------------------------------


async def test_login_returns_a_token_then_me_echoes_it_with_a_jwt_and_settings_pointing_back(api: Api) -> None:
    """The SDK's login: auth_tokens (apiKey) → token; PUT /me (token) → same token, jwt, settings.

    After login the SDK builds every URL from the settings, so they must name this server.
    """
    headers = api.headers("alex-web", api_key=api.config.api_key)
    user = (await api.send("POST", "/v3.0/users/alex/auth_tokens", headers=headers, json_body={})).data
    assert user["uid"] == "alex"
    assert user["name"] == "Alex"
    token = user["authToken"]
    assert isinstance(token, str) and token

    me = (await api.send("PUT", "/v3.0/me", headers=api.headers("alex-web", token), json_body={})).data
    assert me["uid"] == "alex"
    assert me["authToken"] == token
    assert isinstance(me["jwt"], str) and me["jwt"]
    port = api.server.port
    settings = me["settings"]
    assert {key: settings[key] for key in SPEC_SETTINGS} == {
        "CLIENT_API_HOST": f"127.0.0.1:{port}",
        "ADMIN_API_HOST": f"127.0.0.1:{port}",
        "CHAT_API_VERSION": "v3.0",
        "CHAT_HOST": "127.0.0.1",
        "CHAT_WSS_PORT": port,
        "ANALYTICS_PING_DISABLED": True,
        "APP_VERSION": 4,
    }

    alone = (await api.send("GET", "/v3.0/settings", headers=api.headers("alex-web", token))).data
    assert alone == settings
    again = (await api.send("GET", "/v3.0/me", headers=api.headers("alex-web", token))).data
    assert again["uid"] == "alex"


async def test_each_login_gets_its_own_token(api: Api) -> None:
    """Two devices of one user log in separately; each token works on its own."""
    phone = await api.login("bob", "bob-phone")
    laptop = await api.login("bob", "bob-laptop")
    assert phone.token != laptop.token
    assert phone.jwt != laptop.jwt
    for login in (phone, laptop):
        assert (await api.as_user(login, "GET", "/v3.0/me")).data["uid"] == "bob"


async def test_user_sessions_answers_a_session_id(api: Api) -> None:
    """The SDK posts user_sessions ~5 s after login; a Node client crashes without a sessionId back."""
    alex = await api.login("alex", "alex-web")
    echoed = await api.as_user(alex, "POST", "/v3.0/user_sessions", {"sessionId": "s-123", "platform": "web"})
    assert echoed.data == {"sessionId": "s-123"}
    defaulted = await api.as_user(alex, "POST", "/v3.0/user_sessions", {"platform": "web"})
    assert defaulted.data == {"sessionId": "alex-web"}


async def test_logout_revokes_the_token(api: Api) -> None:
    """DELETE /me ends the session: the token no longer works, another device's still does."""
    phone = await api.login("alex", "alex-phone")
    laptop = await api.login("alex", "alex-laptop")
    assert (await api.as_user(phone, "DELETE", "/v3.0/me")).data == {"success": True}
    (await api.as_user(phone, "GET", "/v3.0/me")).refused("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401)
    assert (await api.as_user(laptop, "GET", "/v3.0/me")).data["uid"] == "alex"


# -- calls --------------------------------------------------------------------------------------------


async def test_initiate_answers_the_call_message_the_sdk_reads(api: Api) -> None:
    """POST /v3.0/calls answers ``{"data": <call message>}`` with every field SPEC 6 lists."""
    alex = await api.login("alex", "alex-web")
    message = (await api.initiate(alex, "bob")).data
    assert message["category"] == "call"
    assert (message["sender"], message["receiver"], message["receiverType"]) == ("alex", "bob", "user")
    assert message["type"] == "audio"
    assert message["conversationId"] == "alex_user_bob"
    assert isinstance(message["id"], str)
    assert message["sentAt"] == message["updatedAt"] == int(api.server.clock.now())
    entities = message["data"]["entities"]
    assert message["data"]["action"] == "initiated"
    assert entities["by"] == {"entityType": "user", "entity": entities["by"]["entity"]}
    assert entities["by"]["entity"]["uid"] == "alex"
    assert entities["for"]["entityType"] == "user"
    assert entities["for"]["entity"]["uid"] == "bob"
    entity = call_entity(message)
    assert entities["on"]["entityType"] == "call"
    assert entity["sessionid"].startswith("v1.")
    assert (entity["status"], entity["type"], entity["initiatedAt"]) == ("initiated", "audio", message["sentAt"])
    assert "joinedAt" not in entity
    assert entity["data"]["entities"]["sender"]["entity"]["uid"] == "alex"
    assert entity["data"]["entities"]["receiver"]["entity"]["uid"] == "bob"


async def test_a_group_call_names_the_group_as_receiver(api: Api) -> None:
    """For a group call the ``for`` entity and the receiver are the group, by guid."""
    alex = await api.login("alex", "alex-web")
    message = (await api.initiate(alex, "team", "group")).data
    assert (message["receiver"], message["receiverType"], message["conversationId"]) == ("team", "group", "group_team")
    assert message["data"]["entities"]["for"]["entityType"] == "group"
    assert message["data"]["entities"]["for"]["entity"]["guid"] == "team"


async def test_put_moves_the_call_and_answers_the_updated_message(api: Api) -> None:
    """PUT /v3.0/calls/{sessionId}: accept then end (endCall may add joinedAt, which is tolerated)."""
    alex = await api.login("alex", "alex-web")
    bob = await api.login("bob", "bob-web")
    session_id = call_entity((await api.initiate(alex, "bob")).data)["sessionid"]
    await api.clock.advance(7)
    accepted = (await api.update(bob, session_id, "ongoing")).data
    assert (accepted["data"]["action"], accepted["sender"]) == ("ongoing", "bob")
    assert call_entity(accepted)["joinedAt"] == int(api.server.clock.now())
    assert call_entity(accepted)["sessionid"] == session_id
    body = {"status": "ended", "joinedAt": call_entity(accepted)["joinedAt"]}
    ended = (await api.as_user(alex, "PUT", f"/v3.0/calls/{session_id}", body)).data
    assert (ended["data"]["action"], ended["sender"], call_entity(ended)["status"]) == ("ended", "alex", "ended")
    assert "endedAt" in call_entity(ended)


async def test_get_call_shows_where_each_party_stands_to_parties_only(api: Api) -> None:
    """GET /v3.0/calls/{id} is QA inspection: parties see it with participants; others are refused."""
    alex = await api.login("alex", "alex-web")
    bob = await api.login("bob", "bob-web")
    dave = await api.login("dave", "dave-web")
    session_id = call_entity((await api.initiate(alex, "team", "group")).data)["sessionid"]
    await api.update(bob, session_id, "ongoing")
    seen = (await api.as_user(alex, "GET", f"/v3.0/calls/{session_id}")).data
    assert seen["participants"] == {
        "caller": {"uid": "alex", "device": "alex-web"},
        "joined": [{"uid": "bob", "device": "bob-web"}],
        "rejected": [],
        "ringing": ["carol"],
    }
    (await api.as_user(dave, "GET", f"/v3.0/calls/{session_id}")).refused("ERR_CALL_NOT_A_PART", 403)
    (await api.as_user(alex, "GET", "/v3.0/calls/v1.nope")).refused("ERR_CALL_SESSION_NOT_FOUND", 404)


async def test_the_call_log_lists_a_users_calls_newest_first_and_filters_by_status(api: Api) -> None:
    """GET /v3.0/calls lists only the user's calls; ``?status=`` keeps the ones in that status."""
    alex = await api.login("alex", "alex-web")
    bob = await api.login("bob", "bob-web")
    carol = await api.login("carol", "carol-web")
    first = call_entity((await api.initiate(alex, "bob")).data)["sessionid"]
    await api.clock.advance(1)
    second = call_entity((await api.initiate(alex, "carol")).data)["sessionid"]
    await api.clock.advance(1)
    third = call_entity((await api.initiate(bob, "carol")).data)["sessionid"]
    await api.update(carol, second, "rejected")

    def ids(reply: Any) -> list[str]:
        return [call_entity(m)["sessionid"] for m in reply.data]

    assert ids(await api.as_user(alex, "GET", "/v3.0/calls")) == [second, first]
    assert ids(await api.as_user(carol, "GET", "/v3.0/calls")) == [third, second]
    headers = api.headers("carol-web", carol.token)
    rejected = await api.send("GET", "/v3.0/calls", headers=headers, params={"status": "rejected"})
    assert ids(rejected) == [second]
    ringing = await api.send("GET", "/v3.0/calls", headers=headers, params={"status": "initiated"})
    assert ids(ringing) == [third]
    none = await api.send("GET", "/v3.0/calls", headers=headers, params={"status": "ended"})
    assert none.data == []
    bogus = await api.send("GET", "/v3.0/calls", headers=headers, params={"status": "ringing"})
    bogus.refused("ERR_BAD_REQUEST", 400)
    assert "initiated" in bogus.body["error"]["message"]


# -- bad input ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    """``{session}`` stands for the session id of the call that is ringing."""
    code: str
    status: int
    body: bytes | dict[str, Any] | None = None
    auth: str = "bob"
    """Whose headers: bob (the receiver), "none", "wrong-token", "no-resource", "api-key", "wrong-api-key"."""


OK_BODY = {"type": "audio", "receiverType": "user", "category": "call", "status": "initiated", "receiver": "carol"}
BIG = b'{"status": "ongoing", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
BIG_WITH_VALID_TAIL = b" " * (MAX_BODY_BYTES + 1024) + b'{"status": "ongoing"}'

BAD: dict[str, Bad] = {
    # Bodies that are not the JSON object expected.
    "malformed JSON (PUT)": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, b'{"status": "ongoing"'),
    "malformed JSON (POST)": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, b'{"type": audio}'),
    "not UTF-8": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, b'{"status": "\xff\xfe"}'),
    "a JSON array": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, b'["ongoing"]'),
    "a JSON string": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, b'"ongoing"'),
    "JSON null": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, b"null"),
    # Missing and wrongly typed fields.
    "no status": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, {}),
    "empty body": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, b""),
    "status is a number": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, {"status": 2}),
    "status is a list": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, {"status": ["ongoing"]}),
    "status is null": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, {"status": None}),
    "no receiver": Bad(
        "POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {k: v for k, v in OK_BODY.items() if k != "receiver"}
    ),
    "no receiverType": Bad(
        "POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {k: v for k, v in OK_BODY.items() if k != "receiverType"}
    ),
    "no type": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {k: v for k, v in OK_BODY.items() if k != "type"}),
    "receiver is a number": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {**OK_BODY, "receiver": 42}),
    "receiver is empty": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {**OK_BODY, "receiver": ""}),
    "type is an object": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {**OK_BODY, "type": {"a": 1}}),
    # Values that do not exist.
    "unknown status": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, {"status": "answered"}),
    "status in capitals": Bad("PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, {"status": "ONGOING"}),
    "unknown call type": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {**OK_BODY, "type": "hologram"}),
    "unknown receiver type": Bad("POST", "/v3.0/calls", "ERR_BAD_REQUEST", 400, {**OK_BODY, "receiverType": "channel"}),
    "a new call that is not initiated": Bad(
        "POST", "/v3.0/calls", "ERR_CALL_INVALID_INIT", 409, {**OK_BODY, "status": "ongoing"}
    ),
    # Who and what does not exist.
    "unknown receiver user": Bad("POST", "/v3.0/calls", "ERR_UID_NOT_FOUND", 404, {**OK_BODY, "receiver": "zed"}),
    "unknown receiver group": Bad(
        "POST", "/v3.0/calls", "ERR_GUID_NOT_FOUND", 404, {**OK_BODY, "receiver": "zeds", "receiverType": "group"}
    ),
    "unknown session": Bad(
        "PUT", "/v3.0/calls/v1.local.nope.1", "ERR_CALL_SESSION_NOT_FOUND", 404, {"status": "ongoing"}
    ),
    "token for an unknown user": Bad(
        "POST", "/v3.0/users/zed/auth_tokens", "ERR_UID_NOT_FOUND", 404, {}, auth="api-key"
    ),
    "calling yourself": Bad("POST", "/v3.0/calls", "ERR_CALLING_SELF", 400, {**OK_BODY, "receiver": "bob"}),
    # Credentials.
    "no authToken": Bad(
        "PUT", "/v3.0/calls/{session}", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401, {"status": "ongoing"}, "none"
    ),
    "a wrong authToken": Bad(
        "PUT", "/v3.0/calls/{session}", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401, {"status": "ongoing"}, "wrong-token"
    ),
    "PUT /me without authToken": Bad("PUT", "/v3.0/me", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401, {}, "none"),
    "user_sessions without authToken": Bad(
        "POST", "/v3.0/user_sessions", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401, {}, "none"
    ),
    "the call log without authToken": Bad("GET", "/v3.0/calls", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401, None, "none"),
    "an apiKey is not an authToken": Bad(
        "POST", "/v3.0/calls", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401, OK_BODY, "api-key"
    ),
    "a token without apiKey": Bad(
        "POST", "/v3.0/users/carol/auth_tokens", "AUTH_ERR_APIKEY_NOT_FOUND", 401, {}, "none"
    ),
    "a token with a wrong apiKey": Bad(
        "POST", "/v3.0/users/carol/auth_tokens", "AUTH_ERR_APIKEY_NOT_FOUND", 401, {}, "wrong-api-key"
    ),
    "no resource header": Bad(
        "PUT", "/v3.0/calls/{session}", "ERR_BAD_REQUEST", 400, {"status": "ongoing"}, "no-resource"
    ),
    # Size, routes, methods.
    "a body over the limit": Bad("PUT", "/v3.0/calls/{session}", "ERR_PAYLOAD_TOO_LARGE", 413, BIG),
    "a body over the limit whose tail is valid": Bad(
        "PUT", "/v3.0/calls/{session}", "ERR_PAYLOAD_TOO_LARGE", 413, BIG_WITH_VALID_TAIL
    ),
    "a body over the limit to an endpoint that ignores bodies": Bad(
        "POST", "/v3.0/users/carol/auth_tokens", "ERR_PAYLOAD_TOO_LARGE", 413, BIG, "api-key"
    ),
    "a body over the limit to PUT /me": Bad("PUT", "/v3.0/me", "ERR_PAYLOAD_TOO_LARGE", 413, BIG),
    "an unknown route": Bad("GET", "/v3.0/nowhere", "ERR_ROUTE_NOT_FOUND", 404),
    "an unknown version": Bad("PUT", "/v2.0/calls/{session}", "ERR_ROUTE_NOT_FOUND", 404, {"status": "ongoing"}),
    "an unknown admin route": Bad("POST", "/_admin/nope", "ERR_ROUTE_NOT_FOUND", 404, {}, "api-key"),
    "a wrong method": Bad("DELETE", "/v3.0/calls/{session}", "ERR_METHOD_NOT_ALLOWED", 405),
    "GET on auth_tokens": Bad("GET", "/v3.0/users/bob/auth_tokens", "ERR_METHOD_NOT_ALLOWED", 405, None, "api-key"),
}


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
async def test_bad_requests_are_refused_clearly_and_change_nothing(api: Api, bad: Bad) -> None:
    """Each wrong request: the JSON error envelope, a fitting status, no change; the next good one works."""
    alex = await api.login("alex", "alex-web")
    bob = await api.login("bob", "bob-web")
    session_id = call_entity((await api.initiate(alex, "bob")).data)["sessionid"]
    headers = {
        "bob": api.headers(bob.device, bob.token),
        "none": api.headers(bob.device),
        "wrong-token": api.headers(bob.device, bob.token + "x"),
        "no-resource": api.headers(token=bob.token),
        "api-key": api.headers(bob.device, api_key=api.config.api_key),
        "wrong-api-key": api.headers(bob.device, api_key="not-the-key"),
    }[bad.auth]
    before = world(api.server)

    path = bad.path.replace("{session}", session_id)
    if isinstance(bad.body, dict):
        reply = await api.send(bad.method, path, headers=headers, json_body=bad.body)
    else:
        reply = await api.send(bad.method, path, headers=headers, data=bad.body)

    reply.refused(bad.code, bad.status)
    assert world(api.server) == before
    accepted = await api.update(bob, session_id, "ongoing")
    assert accepted.data["data"]["action"] == "ongoing", "the call was still ringing and the server still serves"


async def test_a_wrong_method_says_which_methods_the_endpoint_takes(api: Api) -> None:
    """HTTP requires a 405 to carry Allow; a client author debugging a 405 reads it first."""
    url = api.server.base_url + "/v3.0/calls/v1.any"
    async with api.http.delete(url, headers=api.headers("x")) as response:
        assert response.status == 405
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "PUT"}
        assert envelope(response.status, await response.text()).code == "ERR_METHOD_NOT_ALLOWED"


async def test_a_refused_transition_over_http_changes_nothing(api: Api) -> None:
    """The state machine's refusals reach the client as their codes, with 4xx statuses, and change nothing."""
    alex = await api.login("alex", "alex-web")
    bob = await api.login("bob", "bob-web")
    carol = await api.login("carol", "carol-web")
    session_id = call_entity((await api.initiate(alex, "bob")).data)["sessionid"]
    before = world(api.server)
    for actor, status, code, http in [
        (alex, "ongoing", "ERR_CALL_WRONG_PARTY", 403),
        (bob, "cancelled", "ERR_CALL_WRONG_PARTY", 403),
        (carol, "ongoing", "ERR_CALL_NOT_A_PART", 403),
        (alex, "ended", "ERR_CALL_NOT_STARTED", 409),
        (bob, "initiated", "ERR_CALL_INVALID_INIT", 409),
    ]:
        (await api.update(actor, session_id, status)).refused(code, http)
        assert world(api.server) == before
    await api.update(bob, session_id, "rejected")
    (await api.update(bob, session_id, "ongoing")).refused("ERR_CALL_TERMINATED", 409)


async def test_every_refusal_is_journaled_with_its_code(api: Api) -> None:
    """A QA reading the journal sees the refused request and the code it got."""
    bob = await api.login("bob", "bob-web")
    since = api.server.state.journal.next_seq
    (await api.update(bob, "v1.nope", "ongoing")).refused("ERR_CALL_SESSION_NOT_FOUND", 404)
    responses = api.server.state.journal.since(since, lambda e: e.kind == "response")
    assert [(e.data["status"], e.data["code"], e.data["uid"]) for e in responses] == [
        (404, "ERR_CALL_SESSION_NOT_FOUND", "bob")
    ]
