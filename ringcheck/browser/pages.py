"""The web app the browser devices load: a page, the harness, and the unmodified SDK bundle.

Served from its own loopback port, so the page's origin differs from the mock server's and
every SDK request is cross-origin, as it is for a web app pointed at the mock server.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web


class PageServer:
    """``/`` (index.html), ``/harness.js`` and ``/sdk/CometChat.js`` on 127.0.0.1, a free port."""

    def __init__(self, page_dir: Path, sdk_bundle: Path) -> None:
        self._files = {
            "/": (page_dir / "index.html", "text/html"),
            "/harness.js": (page_dir / "harness.js", "text/javascript"),
            "/sdk/CometChat.js": (sdk_bundle, "text/javascript"),
        }
        missing = [str(path) for path, _ in self._files.values() if not path.is_file()]
        if missing:
            raise FileNotFoundError(f"the browser page needs {', '.join(missing)} (run `npm ci --prefix sdkbridge`)")
        self._runner: web.AppRunner | None = None
        self.origin = ""

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path, content_type = self._files[request.path]
        return web.Response(body=path.read_bytes(), content_type=content_type, headers={"Cache-Control": "no-store"})

    async def _no_content(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def start(self) -> str:
        """Start serving; returns the page's origin (``http://127.0.0.1:PORT``)."""
        app = web.Application()
        for route in self._files:
            app.router.add_get(route, self._serve)
        # Chromium asks for one on every page; answering keeps a 404 out of the page's console.
        app.router.add_get("/favicon.ico", self._no_content)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.origin = f"http://127.0.0.1:{port}"
        return self.origin

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
