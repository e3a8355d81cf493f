"""CORS for web apps: a page in a browser may call the mock server from another origin.

Why: the CometChat JS SDK in a page sends ``fetch(..., {mode: "cors"})`` with its own headers
(``appId``, ``authToken``, ``resource``, ``sdk``, ``apiKey``) and ``Content-Type: application/json``,
so every request is preflighted. Without answers to the preflight the browser never sends the
request and the SDK only reports ``FAILED_TO_FETCH``.

Who may: pages served from loopback (``http(s)://127.0.0.1:*``, ``localhost``, ``[::1]``) by
default, because the mock server is a development tool on this machine; ``--cors-origin ORIGIN``
adds an origin, ``--cors-origin '*'`` allows any. Requests without an ``Origin`` header (the SDK
in Node, curl) are untouched. WebSockets are not subject to CORS. No credentials (cookies) are
involved: the SDK authenticates with its headers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

ANY_ORIGIN = "*"
ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "appId, authToken, resource, sdk, apiKey, Content-Type, Accept"
"""What the SDK sends (shared/SDK-NOTES.md, "All requests carry the headers ...")."""
PREFLIGHT_MAX_AGE = "600"


def is_loopback_origin(origin: str) -> bool:
    """``http(s)://`` on 127.0.0.0/8, ``[::1]`` or ``localhost``, any port."""
    try:
        parts = urlsplit(origin)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_origin(value: str) -> str:
    """``*`` or ``scheme://host[:port]`` as a browser sends it; ValueError otherwise (no path, no slash)."""
    origin = value.rstrip("/")
    if origin == ANY_ORIGIN:
        return origin
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ValueError(f"--cors-origin must be '*' or an origin such as http://localhost:3000, not {value!r}")
    return origin


@dataclass(frozen=True)
class CorsPolicy:
    """Loopback origins, plus the ones given (``*`` for any)."""

    extra_origins: tuple[str, ...] = ()

    @classmethod
    def allowing(cls, origins: Iterable[str]) -> CorsPolicy:
        return cls(tuple(checked_origin(o) for o in origins))

    def allows(self, origin: str) -> bool:
        return ANY_ORIGIN in self.extra_origins or origin in self.extra_origins or is_loopback_origin(origin)

    def describe(self) -> str:
        return (
            "any origin"
            if ANY_ORIGIN in self.extra_origins
            else "loopback" + "".join(f", {o}" for o in self.extra_origins)
        )


def preflight_answer(request: web.Request, origin: str, allowed: bool) -> web.Response | None:
    """The answer to a preflight (before routing refuses OPTIONS), or None for any other request."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if not allowed:
        # No CORS headers: the browser refuses the request, and says so in its console.
        return web.json_response(
            {"error": {"code": "ERR_CORS_ORIGIN", "message": f"origin {origin} is not allowed"}},
            status=403,
        )
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Vary": "Origin",
        },
    )


def mark(response: web.StreamResponse, origin: str) -> None:
    """Let the page read the answer to its allowed origin's request."""
    if not response.prepared:  # a WebSocket answer has already been sent
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
