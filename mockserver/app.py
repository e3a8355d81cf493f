"""The aiohttp application: routes, the error and journal middlewares, start-up and shutdown."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from . import rest
from .admin import create_admin_app
from .clock import Clock
from .config import ServerConfig
from .cors import CorsPolicy, cors_middleware
from .errors import ErrorCode, Refusal
from .inputs import MAX_BODY_BYTES
from .state import ACTING_UID, STATE, ServerState
from .ws import websocket

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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
    return web.json_response(refusal.as_json(), status=HTTP_STATUS.get(refusal.code, 400))


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes ``{"error": {"code", "message"}}``: the SDK ignores HTTP statuses."""
    try:
        return await handler(request)
    except Refusal as refusal:
        return refusal_response(refusal)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = _FROM_HTTP.get(exc.status, (ErrorCode.BAD_REQUEST, exc.reason))
        response = web.json_response(Refusal(code, message).as_json(), status=exc.status)
        if "Allow" in exc.headers:  # a 405 must say which methods the endpoint does take (RFC 9110)
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        log.exception("unexpected failure serving %s %s", request.method, request.path)
        return refusal_response(Refusal(ErrorCode.INTERNAL, "the mock server failed; see its log"))


def _body_for_journal(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw[:200].decode("utf-8", "replace")


@web.middleware
async def journal_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Write every protocol request and its answer to the journal (the steering API's are left out)."""
    state: ServerState = request.config_dict[STATE]
    if request.path.startswith("/_admin/") or request.path == "/":
        return await handler(request)
    device = request.headers.get("resource", "")
    too_large = False
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        # Answer here: a second read by the handler would see an empty or truncated body and
        # might accept it (an oversized PUT /me or auth_tokens used to succeed).
        raw, too_large = b"", True
    body = _body_for_journal(raw)
    who = state.sessions.peek(request.headers.get("authToken")) or request.match_info.get("uid") or "someone"
    shown = f" {json.dumps(body, separators=(',', ':'))}" if body and len(raw) <= 200 else ""
    state.journal.add(
        "request",
        f"{who} ({device or 'no device named'}): {request.method} {request.path}{shown}",
        method=request.method,
        path=request.path,
        device=device,
        body=body,
    )
    if too_large:
        code, message = _FROM_HTTP[413]
        response: web.StreamResponse = refusal_response(Refusal(code, message))
    else:
        response = await handler(request)
    summary = f"answered {response.status} to {who}'s {request.method} {request.path}"
    data: dict[str, Any] = {"status": response.status, "device": device, "uid": request.get(ACTING_UID)}
    if isinstance(response, web.Response) and response.status >= 400 and response.text:
        error = json.loads(response.text).get("error", {})
        data["code"] = error.get("code")
        summary += f": {error.get('code')}"
    state.journal.add("response", summary, **data)
    return response


def create_app(config: ServerConfig, clock: Clock) -> web.Application:
    """A mock call server application; run it with any aiohttp runner."""
    cors = cors_middleware(CorsPolicy.allowing(config.cors_origins))
    app = web.Application(middlewares=[cors, journal_requests, errors_as_json], client_max_size=MAX_BODY_BYTES)
    state = ServerState.create(config, clock)
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
