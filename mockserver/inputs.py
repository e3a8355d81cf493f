"""Reading what a client sent: JSON bodies and their fields, refused clearly when wrong.

Every check raises a :class:`~mockserver.errors.Refusal` naming the field, what was expected
and what arrived, before anything is changed.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web

from . import jsonin
from .errors import ErrorCode, Refusal

MAX_BODY_BYTES = 64 * 1024
"""The largest request body the server reads; larger ones get ERR_PAYLOAD_TOO_LARGE (413)."""

E = TypeVar("E", bound=StrEnum)


PARSED_BODY = web.RequestKey("parsed_body", object)
"""The body's JSON, parsed once by whoever read it first (the journal) for every later reader."""


_UNREAD = object()


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body counts as ``{}``."""
    body = request.get(PARSED_BODY, _UNREAD)
    if body is _UNREAD:
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            body = jsonin.loads(raw)
        except jsonin.BadJson as exc:
            raise Refusal(ErrorCode.BAD_REQUEST, f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Refusal(ErrorCode.BAD_REQUEST, f"the body must be a JSON object, got {type(body).__name__}")
    return body


def text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise Refusal(ErrorCode.BAD_REQUEST, f"the field {name!r} is required", field=name)
    if not isinstance(value, str) or not value:
        raise Refusal(
            ErrorCode.BAD_REQUEST, f"the field {name!r} must be a non-empty string, got {value!r}", field=name
        )
    return value


def enum_field(body: dict[str, Any], name: str, kind: type[E], default: E | None = None) -> E:
    if name not in body and default is not None:
        return default
    return enum_value(text_field(body, name), name, kind)


def enum_value(value: str, name: str, kind: type[E]) -> E:
    """``value`` as a member of ``kind``, or a refusal that lists the members (a body field or a query)."""
    member = kind._value2member_map_.get(value)  # what ``kind(value)`` looks up, without EnumMeta's call
    if member is not None:
        return member  # type: ignore[return-value]
    try:
        return kind(value)
    except ValueError:
        allowed = [member.value for member in kind]
        raise Refusal(
            ErrorCode.BAD_REQUEST,
            f"the field {name!r} must be one of {', '.join(allowed)}, got {value!r}",
            field=name,
            allowed=allowed,
        ) from None


def number_field(body: dict[str, Any], name: str) -> float:
    """A finite number: Python's JSON reader accepts NaN and 1e999, which would poison a clock."""
    value = body.get(name)
    value = math.inf if isinstance(value, int) and abs(value) > 1e300 else value  # a float() would overflow
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refusal(ErrorCode.BAD_REQUEST, f"the field {name!r} must be a finite number, got {value!r}", field=name)
    return float(value)


def device_of(request: web.Request) -> str:
    """The device (SDK session id) a request comes from: the ``resource`` header."""
    resource = request.headers.get("resource", "").strip()
    if not resource:
        raise Refusal(
            ErrorCode.BAD_REQUEST,
            "the resource header (the id of the device making the request) is required",
            field="resource",
        )
    return resource
