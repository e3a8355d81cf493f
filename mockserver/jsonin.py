"""JSON in: what a client sent (a request body, a WebSocket frame), read strictly and safely.

orjson reads it where it reads exactly what the standard library would, which is almost always
(a request body's parse was 5 % of a protocol request's cost with the standard library alone).
Where they differ the standard library decides: orjson turns an integer past 64 bits into a
float, so text with a run of 19 or more digits goes to the standard library, and anything orjson
refuses (a lone surrogate, a byte order mark, ``1e999``, ``NaN``, nesting past 1,024) is read
again by the standard library, which accepts it or says precisely why not.

Three of the standard library's failures are not ``JSONDecodeError``: nesting deeper than the
interpreter's recursion limit raises ``RecursionError``, an integer of more than 4,300 digits
``ValueError``, and bytes that are not UTF-8/16/32 ``UnicodeDecodeError``. Each used to escape
as an HTTP 500. Here every way of being unreadable is one :class:`BadJson`, whose message says
what was wrong.

Two things the standard library accepts are refused, since no other JSON reader (the SDK's
``JSON.parse`` included) would send or read them back: ``NaN``/``Infinity``, and nesting deeper
than :data:`MAX_DEPTH` (CometChat's bodies are three levels deep; the limit keeps every later
encoder, including the journal's, far from its own recursion limit).
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

import orjson

MAX_DEPTH = 64
"""The deepest nesting of objects and arrays a body or frame may have."""


class BadJson(ValueError):
    """The input is not JSON this server reads; the message says why, for the client."""


def _no_constants(name: str) -> NoReturn:
    raise BadJson(f"{name} is not a JSON value")


_LONG_NUMBER = re.compile(rb"[0-9]{19}")
"""Where orjson and the standard library may read a number differently (past 64 bits)."""


def loads(raw: bytes | str) -> Any:
    """``raw`` parsed as JSON, or :class:`BadJson`."""
    encoded = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if _LONG_NUMBER.search(encoded) is None:
        try:
            value = orjson.loads(encoded)
        except orjson.JSONDecodeError:
            pass  # the standard library reads it, or says why it cannot
        else:
            return _shallow_enough(value, encoded)
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except BadJson:
        raise
    except json.JSONDecodeError as exc:
        raise BadJson(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise BadJson(f"it is not UTF-8, UTF-16 or UTF-32 text ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise BadJson(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # an integer past the interpreter's digit limit
        raise BadJson(f"a number in it is too long ({exc})") from None
    return _shallow_enough(value, encoded)


def _shallow_enough(value: Any, raw: bytes) -> Any:
    """``value``, unless nested deeper than :data:`MAX_DEPTH` (which both readers would accept)."""
    opened = raw.count(b"[") + raw.count(b"{")
    if opened > MAX_DEPTH and _depth(value) > MAX_DEPTH:  # counting is cheap; walk only when it might be deep
        raise BadJson(f"it is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    """How deeply ``value`` nests containers, found without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
