"""JSON errors for requests that never reach the application: aiohttp's own low-level answers.

aiohttp answers a request it cannot parse (a malformed request line or header, a bad
Content-Length, broken chunked encoding, an over-long line) itself, in ``RequestHandler.handle_error``,
before any middleware runs, as ``text/plain`` or HTML; it does the same for an exception that
escapes every middleware (HTTP 500). A client of this server must always get the JSON error
envelope, so those answers are rewritten here.

It also mends one hang (found by tests/test_fuzz_rest.py): when the body of a request already
being served turns out broken in a later packet (a bad chunk size, a gzip stream that does not
decode), aiohttp queues the parse error as if it were a next request but never fails the body
being read, so the handler waits for it forever. Here that body is failed with the parser's
error, and the handler refuses the request with ERR_BAD_REQUEST.

aiohttp 3.x offers no supported hook for it (aio-libs/aiohttp#3287; from aiohttp 4 malformed
requests pass through the middleware chain, which makes this module unnecessary). So this is a
subclass of the request handler, made by a subclass of the low-level server, made by a subclass
of the application runner: the only place where ringcheck reaches into aiohttp's internals
(``AppRunner._make_server``, ``Server._kwargs``), kept here alone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler, _ErrInfo
from aiohttp.web_request import BaseRequest

from . import jsonio
from .errors import ErrorCode, Refusal

log = logging.getLogger(__name__)


def _reason(text: str | None) -> str:
    """aiohttp's parser message in one line: what was wrong and the bytes it was wrong in."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip(" ^")]
    return " ".join(lines[:2])[:200]


class JsonErrorHandler(RequestHandler):
    """aiohttp's per-connection protocol, answering its own errors as ``{"error": {"code", "message"}}``."""

    body: StreamReader | None = None
    """The body of the request last handed to the application (set by :class:`JsonErrorServer`)."""

    def data_received(self, data: bytes) -> None:
        queued = len(self._messages)
        super().data_received(data)
        if len(self._messages) > queued and isinstance(self._messages[-1][0], _ErrInfo):
            reason = self._messages[-1][0].message
            bodies = [self.body, *(payload for _, payload in list(self._messages)[:-1])]
            for body in bodies:
                if isinstance(body, StreamReader) and not body.is_eof() and body.exception() is None:
                    body.set_exception(web.RequestPayloadError(_reason(reason)))

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # part of an answer went out: nothing more can be said
            raise ConnectionError("an answer was already being sent; the connection is closed instead")
        if status < 500:
            log.info("refused a malformed request: %s", _reason(message) or exc)
            reason = _reason(message) or "the request is not well-formed HTTP/1.1"
            refusal = Refusal(ErrorCode.BAD_REQUEST, f"malformed request: {reason}")
        else:
            log.error("failed serving a request", exc_info=exc)
            refusal = Refusal(ErrorCode.INTERNAL, "the mock server failed; see its log")
        response = jsonio.json_response(refusal.as_json(), status=status)
        response.force_close()  # as aiohttp does: after a parse error the stream is out of step
        return response


class JsonErrorServer(web.Server):
    """aiohttp's low-level server, whose connections use :class:`JsonErrorHandler`."""

    def __init__(self, handler: Any, *, request_factory: Any, **kwargs: Any) -> None:
        self._make_request_of_app = request_factory
        super().__init__(handler, request_factory=self._request, **kwargs)

    def _request(
        self,
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: AbstractStreamWriter,
        task: asyncio.Task[None],
    ) -> BaseRequest:
        if isinstance(protocol, JsonErrorHandler):
            protocol.body = payload
        request: BaseRequest = self._make_request_of_app(message, payload, protocol, writer, task)
        return request

    def __call__(self) -> RequestHandler:
        return JsonErrorHandler(self, loop=asyncio.get_running_loop(), **self._kwargs)


class JsonErrorAppRunner(web.AppRunner):
    """``web.AppRunner`` serving through :class:`JsonErrorServer`; use it exactly like ``AppRunner``."""

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()  # runs the application's start-up and freezes it
        kwargs: dict[str, Any] = dict(made._kwargs)
        return JsonErrorServer(
            made.request_handler,
            request_factory=made.request_factory,
            handler_cancellation=made.handler_cancellation,
            **kwargs,
        )
