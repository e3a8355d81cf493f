"""The REST surface of CometChat's v3.0 protocol that the SDK's ringing flow uses (SPEC section 6).

Handlers only translate: read and check the request, call the service, wrap the answer as
``{"data": ...}``. Refusals travel as exceptions to the error middleware in :mod:`mockserver.app`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from . import faults, jsonio, wire
from .calls import CallType, Party, ReceiverType, Status
from .errors import ErrorCode, Refusal
from .inputs import device_of, enum_field, enum_value, json_object, text_field
from .state import ACTING_UID, REQUEST_STATE, STATE, ServerState

routes = web.RouteTableDef()
V = f"/{wire.API_VERSION}"


def ok(data: Any, status: int = 200) -> web.Response:
    return jsonio.json_response({"data": data}, status=status)


def state_of(request: web.Request) -> ServerState:
    """The server's state: kept on the request by the middleware, since the lookup through the
    application chain (``config_dict``) costs more than a protocol request's own work."""
    try:
        return request[REQUEST_STATE]
    except KeyError:  # the steering API, which the middleware does not journal
        return request.config_dict[STATE]


def require_api_key(request: web.Request) -> None:
    if request.headers.get("apiKey") != state_of(request).config.api_key:
        raise Refusal(ErrorCode.APIKEY_NOT_FOUND, "a valid apiKey header is required")


def user_of(request: web.Request) -> str:
    """The uid behind the request's ``authToken``; remembered for the journal."""
    uid = state_of(request).sessions.uid_for_token(request.headers.get("authToken"))
    request[ACTING_UID] = uid
    return uid


class FaultGate:
    """The fault rules' say on one operation, asked only once the server would accept it (so a
    request refused anyway spends no rule) and before it changes anything: a fail rule raises its
    answer; an answer-late rule leaves how many real seconds to hold the answer back."""

    __slots__ = ("late", "operation", "request", "session_id", "uid")

    def __init__(self, request: web.Request, uid: str, operation: str, session_id: str | None = None) -> None:
        self.request = request
        self.uid, self.operation, self.session_id = uid, operation, session_id
        self.late: float | None = None

    def __call__(self) -> None:
        state = state_of(self.request)
        if not state.calls.faults.active:
            return
        device = self.request.headers.get("resource") or None
        found = state.calls.faults.on_operation(self.uid, device, self.operation)
        if found is None:
            return
        data = found.data(operation=self.operation, sessionId=self.session_id)
        state.journal.add("fault", faults.describe(found, operation=self.operation), **data)
        if found.rule.error is not None:
            raise faults.FailedByRule(found.rule.error)
        self.late = found.rule.seconds

    async def answer_late(self) -> None:
        if self.late:
            await asyncio.sleep(self.late)


def settings_for(request: web.Request) -> dict[str, Any]:
    """Settings naming the host and port this request reached, so the SDK keeps coming back."""
    return wire.settings_json(request.url.host or "127.0.0.1", request.url.port or 443)


@routes.post(V + "/users/{uid}/auth_tokens")
async def create_auth_token(request: web.Request) -> web.Response:
    require_api_key(request)
    await json_object(request)
    state = state_of(request)
    user = state.directory.user(request.match_info["uid"])
    request[ACTING_UID] = user.uid
    gate = FaultGate(request, user.uid, "login")
    gate()
    answer = ok({**wire.user_json(user), "authToken": state.sessions.issue_token(user.uid)})
    await gate.answer_late()
    return answer


@routes.put(V + "/me")
async def update_me(request: web.Request) -> web.Response:
    """The second half of login: echo the token, hand out the WebSocket credential and settings."""
    await json_object(request)
    state = state_of(request)
    uid = user_of(request)
    user = state.directory.user(uid)
    gate = FaultGate(request, uid, "login")
    gate()
    answer = ok(
        {
            **wire.user_json(user),
            "authToken": request.headers["authToken"],
            "jwt": state.sessions.issue_jwt(request.headers["authToken"]),
            "settings": settings_for(request),
        }
    )
    await gate.answer_late()
    return answer


@routes.get(V + "/me")
async def get_me(request: web.Request) -> web.Response:
    return ok(wire.user_json(state_of(request).directory.user(user_of(request))))


@routes.delete(V + "/me")
async def logout(request: web.Request) -> web.Response:
    """Logging out revokes the token and its WebSocket credential, and closes the sockets it opened."""
    gate = FaultGate(request, user_of(request), "logout")
    gate()
    state = state_of(request)
    jwt = state.sessions.revoke(request.headers["authToken"])
    if jwt is not None:
        await state.disconnect_credential(jwt)
    await gate.answer_late()
    return ok({"success": True})


@routes.get(V + "/settings")
async def settings(request: web.Request) -> web.Response:
    return ok(settings_for(request))


@routes.post(V + "/user_sessions")
async def user_sessions(request: web.Request) -> web.Response:
    """The SDK's telemetry, about 5 s after login; a Node client crashes if it fails."""
    user_of(request)
    body = await json_object(request)
    session_id = body.get("sessionId")
    return ok({"sessionId": session_id if isinstance(session_id, str) else device_of(request)})


@routes.post(V + "/calls")
async def initiate_call(request: web.Request) -> web.Response:
    body = await json_object(request)
    caller = Party(user_of(request), device_of(request))
    receiver_type = enum_field(body, "receiverType", ReceiverType)
    call_type = enum_field(body, "type", CallType)
    receiver = text_field(body, "receiver")
    status = enum_field(body, "status", Status, default=Status.INITIATED)
    if status is not Status.INITIATED:
        raise Refusal(ErrorCode.CALL_INVALID_INIT, f"a new call starts as initiated, not {status}", field="status")
    gate = FaultGate(request, caller.uid, "initiate")
    published = await state_of(request).calls.initiate(caller, receiver_type, receiver, call_type, gate)
    await gate.answer_late()
    return jsonio.json_bytes_response(jsonio.enveloped(published.message_json))


@routes.put(V + "/calls/{sessionId}")
async def update_call(request: web.Request) -> web.Response:
    body = await json_object(request)
    actor = Party(user_of(request), device_of(request))
    status = enum_field(body, "status", Status)
    session_id = request.match_info["sessionId"]
    gate = FaultGate(request, actor.uid, faults.OPERATION_OF_STATUS.get(status, str(status)), session_id)
    published = await state_of(request).calls.update(session_id, actor, status, gate)
    await gate.answer_late()
    return jsonio.json_bytes_response(jsonio.enveloped(published.message_json))


@routes.get(V + "/calls/{sessionId}")
async def get_call(request: web.Request) -> web.Response:
    """QA inspection: the call as it stands, with where each member is. Parties only."""
    state = state_of(request)
    uid = user_of(request)
    call = state.calls.book.get(request.match_info["sessionId"])
    if not call.is_party(uid):
        raise Refusal(ErrorCode.CALL_NOT_A_PART, f"{uid!r} is not a party to this call")
    return ok({**state.calls.render(call), "participants": wire.participants_json(call)})


@routes.get(V + "/calls")
async def call_log(request: web.Request) -> web.Response:
    """QA inspection: the calls this user made or was rung for, newest first; ``?status=`` filters."""
    state = state_of(request)
    uid = user_of(request)
    wanted = request.query.get("status")
    status = enum_value(wanted, "status", Status) if wanted is not None else None
    calls = [c for c in state.calls.book.calls() if c.is_party(uid) and (status is None or c.status is status)]
    calls.sort(key=lambda c: (c.initiated_at, c.session_id), reverse=True)
    return ok([state.calls.render(c) for c in calls])
