"""The real-time channel: one WebSocket per device at ``/``, authenticated by its first frame.

A frame the server cannot use gets an error frame back (and, before authentication, a close);
it never affects anyone else's connection. Pongs go through the device's outbox, so a pong
always follows every event queued for that device before the ping: clients use that as a
barrier ("everything sent to me so far has arrived").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from . import faults, jsonin
from .clock import TimerHandle
from .hub import Connection, Recipient
from .state import CREDENTIAL, STATE, ServerState

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
CLOSE_BAD_FRAME = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_REPLACED = 4409
"""A newer connection of the same device took over."""

PONG = {"action": "pong"}
AUTH_OK = {"type": "auth", "body": {"code": "200", "status": "OK"}}
AUTH_DEADLINE = 30.0
"""Seconds, on the server's clock, a new socket has to authenticate before it is closed (4401):
a socket that never does would otherwise hold its resources for ever."""
AUTH_TIMER = web.ResponseKey("auth_timer", TimerHandle)


def error_frame(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "body": {"code": code, "message": message}}


async def websocket(request: web.Request) -> web.StreamResponse:
    state: ServerState = request.config_dict[STATE]
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES)
    if not ws.can_prepare(request).ok:
        return web.json_response(
            {
                "data": {
                    "server": "ringcheck mock call server",
                    "appId": state.config.app_id,
                    "websocket": "connect here and send an auth frame first",
                }
            }
        )
    await ws.prepare(request)
    state.websockets.add(ws)
    ws[AUTH_TIMER] = state.clock.call_later(AUTH_DEADLINE, lambda: _too_late(ws), label="WebSocket auth deadline")
    connection: Connection | None = None
    try:
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                await _refuse(ws, connection, "ERR_BAD_FRAME", "frames must be JSON text")
                continue
            try:
                frame = jsonin.loads(message.data)
                if not isinstance(frame, dict):
                    raise ValueError("a frame must be a JSON object")
            except ValueError as exc:
                await _refuse(ws, connection, "ERR_BAD_FRAME", f"the frame is not a JSON object: {exc}")
                continue
            if frame.get("action") == "ping":
                await _answer_ping(state, ws, connection)
            elif frame.get("type") == "auth":
                connection = await _authenticate(state, ws, frame, connection, lambda: _abort(request))
            # Anything else (typing indicators, receipts) is not part of ringing: ignored.
    except ConnectionResetError:
        log.info("a WebSocket went away while being answered")
    finally:
        ws[AUTH_TIMER].cancel()
        if connection is not None:
            await _gone(state, connection)
    return ws


async def _gone(state: ServerState, connection: Connection) -> None:
    """The socket behind ``connection`` closed: forget the device unless a newer socket took over."""
    device = Recipient(connection.uid, connection.device)
    detached = state.hub.detach(connection)
    if not state.hub.connected(device):
        # Also when this connection was detached already: its socket re-authenticated as the
        # same device and closed before the new connection was attached.
        state.calls.socket_gone(device)
    if detached:
        state.hub.went_away(connection)
        await connection.close()
        state.journal.add(
            "connection",
            f"{connection.uid} ({connection.device}) disconnected",
            uid=connection.uid,
            device=connection.device,
        )


async def _answer_ping(state: ServerState, ws: web.WebSocketResponse, connection: Connection | None) -> None:
    """A pong, through the device's outbox once it is known (the barrier), unless a fault rule says no."""
    if connection is None:
        await ws.send_json(PONG)
    elif not (state.calls.faults.active and _ignores_ping(state, connection)):
        await connection.post(PONG)


async def _too_late(ws: web.WebSocketResponse) -> None:
    await ws.close(code=CLOSE_UNAUTHORIZED, message=b"no auth frame in time")


async def _refuse(ws: web.WebSocketResponse, connection: Connection | None, code: str, message: str) -> None:
    if ws.closed:
        # A protocol violation (a frame too large, text not UTF-8): aiohttp has already closed
        # the socket with the fitting code (1009, 1007), and there is nobody left to tell.
        return
    if connection is not None:
        await connection.post(error_frame(code, message))
        return
    await ws.send_json(error_frame(code, message))
    await ws.close(code=CLOSE_BAD_FRAME, message=b"send an auth frame first")


def _abort(request: web.Request) -> None:
    """Drop the TCP connection without a close frame: the client sees an abnormal closure (1006)."""
    transport = request.transport
    if transport is not None:
        transport.abort()


def _ignores_ping(state: ServerState, connection: Connection) -> bool:
    found = state.calls.faults.on_ping(connection.uid, connection.device)
    if found is None:
        return False
    state.journal.add("fault", faults.describe(found), **found.data())
    return True


async def _authenticate(
    state: ServerState,
    ws: web.WebSocketResponse,
    frame: dict[str, Any],
    current: Connection | None,
    abort: Callable[[], None],
) -> Connection | None:
    body = frame.get("body") if isinstance(frame.get("body"), dict) else {}
    assert isinstance(body, dict)
    uid = state.sessions.uid_for_jwt(body.get("auth"))
    device = frame.get("deviceId") or body.get("deviceId")
    if uid is None or not isinstance(device, str) or not device:
        reason = "unknown or missing jwt in body.auth" if uid is None else "deviceId is missing"
        await ws.send_json({"type": "auth", "body": {"code": "401", "status": "UNAUTHORIZED", "message": reason}})
        await ws.close(code=CLOSE_UNAUTHORIZED, message=reason.encode())
        state.journal.add("connection", f"refused a WebSocket: {reason}")
        return current
    refusal = state.calls.faults.on_auth(uid, device, state.clock.now()) if state.calls.faults.active else None
    if refusal is not None:
        reason = "refused by a fault rule"
        state.journal.add("fault", faults.describe(refusal), **refusal.data())
        await ws.send_json({"type": "auth", "body": {"code": "401", "status": "UNAUTHORIZED", "message": reason}})
        await ws.close(code=CLOSE_UNAUTHORIZED, message=reason.encode())
        return current
    if current is not None:
        if state.hub.detach(current) and (current.uid, current.device) != (uid, device):
            state.calls.socket_gone(Recipient(current.uid, current.device))  # it speaks for another device now
        await current.close()
    ws[CREDENTIAL] = body.get("auth")  # so that logging out closes this socket
    ws[AUTH_TIMER].cancel()
    await ws.send_json(AUTH_OK)
    connection = Connection(
        uid, device, ws.send_str, lambda: ws.close(code=CLOSE_REPLACED, message=b"replaced"), abort=abort
    )
    replaced = state.hub.attach(connection)
    if replaced is not None:
        # The device reconnected: its old socket would hear nothing more, so say so and close it.
        state.calls.socket_gone(Recipient(uid, device))
        await replaced.close()
        await replaced.hang_up()
    state.journal.add("connection", f"{uid} ({device}) connected", uid=uid, device=device)
    if state.hub.remember_away:
        await state.calls.catch_up(Recipient(uid, device))
    return connection
