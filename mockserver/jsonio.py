"""JSON out, fast: one encoder for everything the protocol sends (answers and frames).

orjson encodes the server's messages several times faster than the standard library, which was
the largest single cost per request (benchmarks/profiles/). Its output is compact, UTF-8 and
otherwise the same JSON. Reading stays with the standard library: request bodies are small, and
orjson reads some inputs differently (integers past 64 bits become floats), which would change
what a client's odd body means.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from aiohttp import web


def dumps(value: Any) -> bytes:
    """``value`` as JSON; what orjson refuses (integers past 64 bits) goes through the stdlib."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()


def json_bytes_response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json", charset="utf-8")


def json_response(value: Any, status: int = 200) -> web.Response:
    return json_bytes_response(dumps(value), status)


def enveloped(data_json: bytes) -> bytes:
    """``{"data": ...}`` around JSON already encoded, without decoding and encoding it again."""
    return b'{"data":' + data_json + b"}"
