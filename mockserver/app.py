"""The aiohttp application: routes, the middleware (JSON errors, the journal), start-up and shutdown."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Middleware

from . import cors, jsonin, jsonio, rest
from .admin import create_admin_app
from .clock import Clock
from .config import ServerConfig
from .cors import CorsPolicy
from .errors import ErrorCode, Refusal
from .faults import FailedByRule
from .inputs import MAX_BODY_BYTES, PARSED_BODY
from .state import ACTING_UID, REQUEST_STATE, STATE, ServerState
from .ws import websocket

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REFUSED = web.RequestKey("refused", str)
"""The error code a request was answered with, for its journal line (no need to parse the answer)."""
UNREADABLE_BODY = (HttpProcessingError, web.RequestPayloadError)
"""What reading a body raises when it was sent wrong (a bad gzip stream, broken chunks)."""

HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.CALLING_SELF: 400,
    ErrorCode.CALL_GROUP_INVALID_STATUS: 400,
    ErrorCode.AUTH_TOKEN_NOT_FOUND: 401,
    ErrorCode.APIKEY_NOT_FOUND: 401,
    ErrorCode.CALL_NOT_A_PART: 403,
    ErrorCode.CALL_WRONG_PARTY: 403,
    ErrorCode.UID_NOT_FOUND: 404,
    ErrorCode.GUID_NOT_FOUND: 404,
    ErrorCode.CALL_SESSION_NOT_FOUND: 404,
    ErrorCode.ROUTE_NOT_FOUND: 404,
    ErrorCode.FAULT_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.WAIT_TIMED_OUT: 408,
    ErrorCode.UID_ALREADY_EXISTS: 409,
    ErrorCode.GUID_ALREADY_EXISTS: 409,
    ErrorCode.CALL_TERMINATED: 409,
    ErrorCode.CALL_INVALID_INIT: 409,
    ErrorCode.CALL_NOT_STARTED: 409,
    ErrorCode.CALL_USER_ALREADY_JOINED: 409,
    ErrorCode.CALL_ONGOING_TO_INVALID: 409,
    ErrorCode.CALL_ALREADY_REJECTED: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.INTERNAL: 500,
}

_FROM_HTTP = {
    404: (ErrorCode.ROUTE_NOT_FOUND, "no such endpoint"),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "this endpoint does not take that method"),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, f"the body is larger than {MAX_BODY_BYTES} bytes"),
}


def refusal_response(refusal: Refusal) -> web.Response:
    return jsonio.json_response(refusal.as_json(), status=HTTP_STATUS.get(refusal.code, 400))


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes ``{"error": {"code", "message"}}``: the SDK ignores HTTP statuses."""
    try:
        return await handler(request)
    except Refusal as refusal:
        request[REFUSED] = refusal.code
        return refusal_response(refusal)
    except FailedByRule as failed:
        request[REFUSED] = failed.code
        return jsonio.json_response(failed.as_json(), status=failed.http_status)
    except UNREADABLE_BODY as exc:
        request[REFUSED] = ErrorCode.BAD_REQUEST
        return refusal_response(_unreadable(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = _FROM_HTTP.get(exc.status, (ErrorCode.BAD_REQUEST, exc.reason))
        request[REFUSED] = str(code)
        response = jsonio.json_response(Refusal(code, message).as_json(), status=exc.status)
        if "Allow" in exc.headers:  # a 405 must say which methods the endpoint does take (RFC 9110)
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        log.exception("unexpected failure serving %s %s", request.method, request.path)
        request[REFUSED] = ErrorCode.INTERNAL
        return refusal_response(Refusal(ErrorCode.INTERNAL, "the mock server failed; see its log"))


def _unreadable(exc: BaseException) -> Refusal:
    """The client's fault, so a 400 that says what aiohttp found (not a 500)."""
    cause = exc.__cause__ if isinstance(exc.__cause__, HttpProcessingError) else exc
    text = cause.message if isinstance(cause, HttpProcessingError) else str(cause)
    reason = next((line.strip() for line in str(text).splitlines() if line.strip()), type(cause).__name__)
    return Refusal(ErrorCode.BAD_REQUEST, f"the body could not be read: {reason}")


def _read_body(request: web.Request, raw: bytes) -> Any:
    """The body for the journal: its JSON, or the start of its text when it is not JSON. A body
    that parsed is kept on the request, so the handler does not parse it again."""
    if not raw:
        return None
    try:
        body = jsonin.loads(raw)
    except jsonin.BadJson:
        return raw[:200].decode("utf-8", "replace")
    request[PARSED_BODY] = body
    return body


REQUEST_FIELDS = ("method", "path", "device", "body")
RESPONSE_FIELDS: tuple[str, ...] = ("status", "device", "uid")
REFUSED_FIELDS = (*RESPONSE_FIELDS, "code")


def _request_line(method: str, path: str, device: str, body: Any, who: str, shown: Any) -> str:
    """The request's journal line, rendered when first read: encoding the body is most of its cost."""
    body = f" {json.dumps(shown, separators=(',', ':'))}" if shown else ""
    return f"{who} ({device or 'no device named'}): {method} {path}{body}"


def protocol_middleware(state: ServerState, cors_policy: CorsPolicy) -> Middleware:
    """The one middleware: CORS, then JSON errors and the journal (:func:`_serve`).

    One for all three (they were two, CORS's and the journal's, and each layer is a call and a
    coroutine per request); it holds the application's state, which a lookup through the
    application chain (``request.config_dict``) would make for every request.
    """

    @web.middleware
    async def serve(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None:  # the SDK in Node, curl: no CORS
            return await _serve(state, request, handler)
        allowed = cors_policy.allows(origin)
        preflight = cors.preflight_answer(request, origin, allowed)
        if preflight is not None:
            return preflight
        response = await _serve(state, request, handler)
        if allowed:
            cors.mark(response, origin)
        return response

    return serve


async def _serve(state: ServerState, request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer in JSON whatever happens, and journal every protocol request and its answer; the
    steering API's requests and the WebSocket upgrade are answered but not journaled."""
    path = request.path
    if path.startswith("/_admin/") or path == "/":
        return await _answer(request, handler)
    request[REQUEST_STATE] = state
    method = request.method
    headers = request.headers
    device = headers.get("resource", "")
    unread: Refusal | None = None
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        # Answer here: a second read by the handler would see an empty or truncated body and
        # might accept it (an oversized PUT /me or auth_tokens used to succeed).
        raw, unread = b"", Refusal(*_FROM_HTTP[413])
    except UNREADABLE_BODY as exc:
        raw, unread = b"", _unreadable(exc)
    body = _read_body(request, raw)
    who = state.sessions.peek(headers.get("authToken")) or request.match_info.get("uid") or "someone"
    shown = body if body and len(raw) <= 200 else None
    state.journal.add_rendered("request", _request_line, REQUEST_FIELDS, (method, path, device, body, who, shown))
    if unread is not None:
        request[REFUSED] = str(unread.code)
        response: web.StreamResponse = refusal_response(unread)
    else:
        response = await _answer(request, handler)
    status = response.status
    fields, refused = RESPONSE_FIELDS, None
    if status >= 400:  # a refusal's line ends with its code, as its data names it (None if the answer had none)
        fields, refused = REFUSED_FIELDS, request.get(REFUSED)
        if refused is None and isinstance(response, web.Response) and response.text:
            refused = json.loads(response.text).get("error", {}).get("code")  # an answer made elsewhere
        elif refused is not None:
            refused = str(refused)
        else:
            fields = RESPONSE_FIELDS
    values = (status, device, request.get(ACTING_UID), refused, fields is REFUSED_FIELDS, who, method, path)
    state.journal.add_rendered("response", _response_line, fields, values)
    return response


def _response_line(
    status: int, device: str, uid: str | None, refused: str | None, coded: bool, who: str, method: str, path: str
) -> str:
    """The answer's journal line, rendered when first read."""
    return f"answered {status} to {who}'s {method} {path}" + (f": {refused}" if coded else "")


def create_app(config: ServerConfig, clock: Clock) -> web.Application:
    """A mock call server application; run it with any aiohttp runner."""
    state = ServerState.create(config, clock)
    middleware = protocol_middleware(state, CorsPolicy.allowing(config.cors_origins))
    app = web.Application(middlewares=[middleware], client_max_size=MAX_BODY_BYTES)
    app[STATE] = state
    app.add_routes(rest.routes)
    app.router.add_get("/", websocket)
    if config.admin:
        app.add_subapp("/_admin/", create_admin_app())

    async def close_websockets(_: web.Application) -> AsyncIterator[None]:
        yield
        await state.disconnect_everyone()

    app.cleanup_ctx.append(close_websockets)
    return app
