"""The steering API, mounted at ``/_admin/`` only when the server runs with ``--admin``.

It lets a test put the world in the state it needs and observe it without sleeping: reset to
the seed, add people, move the virtual clock (answering only after the timers' events were
delivered), read the journal, and wait with a deadline for a matching entry. Every endpoint
needs the ``apiKey`` header.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .clock import VirtualClock
from .directory import group_from_json, user_from_json
from .errors import ErrorCode, Refusal
from .inputs import json_object, number_field
from .journal import Entry
from .rest import require_api_key, state_of

routes = web.RouteTableDef()
MAX_WAIT_SECONDS = 30.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ok(data: Any, status: int = 200) -> web.Response:
    """The standard library's encoder here, not orjson: the journal echoes clients' bodies as they
    were read, and orjson would write a NaN in one as null."""
    return web.json_response({"data": data}, status=status)


@web.middleware
async def api_key_required(request: web.Request, handler: Handler) -> web.StreamResponse:
    require_api_key(request)
    return await handler(request)


@routes.post("/reset")
async def reset(request: web.Request) -> web.Response:
    """Back to the seed: every call forgotten, every session revoked, every device disconnected."""
    state = state_of(request)
    await state.reset_to_seed()
    return ok(
        {
            "users": sorted(state.directory.users),
            "groups": sorted(state.directory.groups),
            "journalNext": state.journal.next_seq,
        }
    )


@routes.post("/users")
async def add_user(request: web.Request) -> web.Response:
    user = user_from_json(await json_object(request))
    state_of(request).directory.add_user(user)
    return ok({"uid": user.uid, "name": user.name}, status=201)


@routes.post("/groups")
async def add_group(request: web.Request) -> web.Response:
    group = group_from_json(await json_object(request))
    state_of(request).directory.add_group(group)
    return ok({"guid": group.guid, "name": group.name, "members": list(group.members)}, status=201)


def _virtual_clock(request: web.Request) -> VirtualClock:
    clock = state_of(request).clock
    if not isinstance(clock, VirtualClock):
        raise Refusal(ErrorCode.BAD_REQUEST, "this server runs on real time; start it with --admin for a virtual clock")
    return clock


@routes.get("/clock")
async def read_clock(request: web.Request) -> web.Response:
    clock = _virtual_clock(request)
    return ok({"now": clock.now(), "pending": [{"label": t.label, "due": t.due} for t in clock.pending]})


@routes.post("/clock/advance")
async def advance_clock(request: web.Request) -> web.Response:
    """Move time on; answers after every timer that fell due has fired and its events were sent."""
    seconds = number_field(await json_object(request), "seconds")
    if seconds < 0:
        raise Refusal(ErrorCode.BAD_REQUEST, "seconds must not be negative; time only moves forward", field="seconds")
    clock = _virtual_clock(request)
    if not math.isfinite(clock.now() + seconds):
        raise Refusal(ErrorCode.BAD_REQUEST, "that would move the clock past the end of time", field="seconds")
    fired = await clock.advance(seconds)
    return ok({"now": clock.now(), "fired": [{"label": t.label, "due": t.due} for t in fired]})


def _matcher(request: web.Request) -> Callable[[Entry], bool]:
    """Entries whose kind and data fields equal every other query parameter given."""
    wanted = {k: v for k, v in request.query.items() if k not in ("since", "timeout")}
    kind = wanted.pop("kind", None)

    def matches(entry: Entry) -> bool:
        if kind is not None and entry.kind != kind:
            return False
        return all(str(entry.data.get(key)) == value for key, value in wanted.items())

    return matches


def _int_query(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise Refusal(ErrorCode.BAD_REQUEST, f"{name} must be a whole number, got {raw!r}", field=name) from None


@routes.get("/journal")
async def read_journal(request: web.Request) -> web.Response:
    """Entries from ``?since=`` on, filtered like ``/journal/wait``; ``next`` is where to resume."""
    state = state_of(request)
    entries = state.journal.since(_int_query(request, "since", 0), _matcher(request))
    return ok({"entries": [e.as_json() for e in entries], "next": state.journal.next_seq})


@routes.get("/journal/wait")
async def wait_journal(request: web.Request) -> web.Response:
    """Long poll: the first matching entry from ``?since=`` on, within ``?timeout=`` seconds."""
    state = state_of(request)
    since = _int_query(request, "since", 0)
    try:
        timeout = float(request.query.get("timeout", "5"))
    except ValueError:
        timeout = math.nan
    if not 0 <= timeout <= MAX_WAIT_SECONDS:  # also refuses NaN
        raise Refusal(ErrorCode.BAD_REQUEST, f"timeout must be 0 to {MAX_WAIT_SECONDS:g} seconds", field="timeout")
    entry = await state.journal.wait_for(_matcher(request), since, timeout)
    if entry is None:
        raise Refusal(
            ErrorCode.WAIT_TIMED_OUT,
            f"no journal entry matched {dict(request.query)} within {timeout:g} s",
            seen=[e.summary for e in state.journal.since(since)][-20:],
        )
    return ok(entry.as_json())


@routes.get("/devices")
async def devices(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok({uid: state.hub.devices_of(uid) for uid in sorted(state.directory.users)})


@routes.post("/faults")
async def add_fault(request: web.Request) -> web.Response:
    """A new fault rule (docs/faults.md); an unmatched close-socket closes the sockets at once."""
    state = state_of(request)
    rule = state.add_fault(await json_object(request))
    return ok(rule.as_json(), status=201)


@routes.get("/faults")
async def list_faults(request: web.Request) -> web.Response:
    return ok([rule.as_json() for rule in state_of(request).calls.faults.rules()])


@routes.get("/faults/{id}")
async def get_fault(request: web.Request) -> web.Response:
    return ok(state_of(request).calls.faults.get(request.match_info["id"]).as_json())


@routes.delete("/faults/{id}")
async def delete_fault(request: web.Request) -> web.Response:
    """Delete a rule; the frames a reorder rule was holding are sent now (journalled)."""
    return ok((await state_of(request).calls.remove_fault(request.match_info["id"])).as_json())


def create_admin_app() -> web.Application:
    admin = web.Application(middlewares=[api_key_required])
    admin.add_routes(routes)
    return admin
