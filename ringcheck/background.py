"""The embedded mock server running on a :class:`~ringcheck.loopthread.LoopThread`, for code
without an event loop: scripts, other test frameworks.

    with BackgroundMockServer(tls=True) as background:
        print(background.endpoint.base_url, background.ca_file)  # point clients here
        background.advance(45)  # move the server's clock (e.g. the SDK adapter's advance_server hook)
        background.reset()  # back to the seed between tests

Every method waits for the server, and fails with a :class:`TimeoutError` after 10 s rather than hang.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from mockserver import MockServer

from .loopthread import LoopThread
from .servers import EmbeddedServer, describe_entry
from .wire.session import Endpoint


class BackgroundMockServer:
    """The mock server (steering on, virtual clock) on a free loopback port, over TLS with a CA
    of its own when ``tls`` is set, else plain HTTP/WS; started by the constructor."""

    def __init__(self, tls: bool) -> None:
        self._embedded = EmbeddedServer(tls=tls)
        self._loop = LoopThread(name="mockserver")
        self._closed = False
        try:
            self._loop.run(self._embedded.start(), what="starting the mock server")
        except BaseException:
            self._loop.close()
            raise

    @property
    def server(self) -> MockServer:
        return self._embedded.server

    @property
    def endpoint(self) -> Endpoint:
        """Where it is: base URL (``https://127.0.0.1:PORT`` or ``http://…``), app id, api key, and
        an SSL context that trusts its CA."""
        return self._embedded.endpoint

    @property
    def ca_file(self) -> Path | None:
        """The CA a client must trust (TLS only); it is deleted by :meth:`close`."""
        return self._embedded.ca_file

    def advance(self, seconds: float) -> None:
        """Move the server's virtual clock, firing and awaiting every timer that falls due."""
        clock = self._embedded.shares_clock
        assert clock is not None, "the embedded server always runs on a virtual clock"
        self._loop.run(clock.advance(seconds), what=f"advancing the server's clock by {seconds:g} s")

    def reset(self) -> None:
        """Back to the seed: no calls, no sessions, every WebSocket closed."""
        self._loop.run(self._embedded.reset(), what="resetting the mock server")

    def journal(self) -> list[str]:
        """Everything the server journalled since it started, connections included, one line an
        entry (``#12 connection: alex (…) connected``)."""

        async def read() -> list[str]:  # on the loop: the journal is appended to there
            return [describe_entry(entry.as_json()) for entry in self.server.state.journal.since(0)]

        return self._loop.run(read(), what="reading the server's journal")

    def close(self) -> None:
        """Stop the server and its loop; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self._loop.run(self._embedded.close(), what="stopping the mock server")
        finally:
            self._loop.close()

    def __enter__(self) -> BackgroundMockServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
