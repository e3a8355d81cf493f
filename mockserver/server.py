"""Running a mock server in-process or from the command line: bind, serve, stop.

    async with MockServer(ServerConfig(admin=True)) as server:
        print(server.base_url)

One server per test session on a free port, reset between tests through ``reset()``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import TracebackType

from aiohttp import web

from . import wire
from .app import create_app
from .clock import Clock, SystemClock, VirtualClock
from .config import ServerConfig
from .lowlevel import JsonErrorAppRunner
from .state import STATE, ServerState
from .tls import Tls, make_tls


class MockServer:
    def __init__(self, config: ServerConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or ServerConfig()
        # With the steering API on, time moves only when a test says so.
        self.clock: Clock = clock or (VirtualClock() if self.config.admin else SystemClock())
        self.app = create_app(self.config, self.clock)
        self.tls: Tls | None = None
        self._runner: web.AppRunner | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self.port = 0

    @property
    def state(self) -> ServerState:
        return self.app[STATE]

    @property
    def scheme(self) -> str:
        return "https" if self.config.tls else "http"

    @property
    def authority(self) -> str:
        return f"{self.config.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.authority}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.config.tls else 'ws'}://{self.authority}/"

    @property
    def client_host(self) -> str:
        """What to pass to ``overrideClientHost``/``overrideAdminHost`` in the SDK."""
        return f"{self.authority}/{wire.API_VERSION}"

    async def start(self) -> MockServer:
        ssl_context = None
        if self.config.tls:
            folder = self.config.tls_dir
            if folder is None:
                self._tempdir = tempfile.TemporaryDirectory(prefix="ringcheck-tls-")
                folder = Path(self._tempdir.name)
            self.tls = make_tls(folder)
            ssl_context = self.tls.context
        self._runner = JsonErrorAppRunner(self.app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, ssl_context=ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def reset(self) -> None:
        """Back to the seed, every device disconnected; cheaper than a restart."""
        await self.state.reset_to_seed()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    async def __aenter__(self) -> MockServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def banner(self) -> str:
        """One line with what a client needs to connect."""
        parts = [
            f"ringcheck mock call server on {self.base_url}",
            f"appId={self.config.app_id}",
            f"apiKey={self.config.api_key}",
            f"host={self.client_host}",
        ]
        if self.tls is not None:
            parts.append(f"ca={self.tls.ca_file}")
        if self.config.admin:
            parts.append(f"admin={self.base_url}/_admin/")
        return " ".join(parts)
