"""Devices that are pages in headless Chromium, each running the unmodified CometChat JS SDK.

Why Playwright's async API on a :class:`~ringcheck.loopthread.LoopThread`: listener callbacks
reach Python through an exposed function, which Playwright only delivers while its event loop
runs. With the loop in its own thread, callbacks arrive as they happen and go straight to the
device's event sink, while the suite's own thread blocks on its bounded waits as with any
other adapter.

Settling: the page's harness pings on the SDK's own socket (the server answers in order) and
returns the number of the last callback it reported; the device then waits, with a deadline,
until Python has received that many. Time is real in the page (no time control), so scenarios
that need the 45 s timeout skip.

Certificates: the mock server's certificate comes from its own CA, which the browser does not
trust; the browser context ignores certificate errors, and it only ever talks to loopback.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from ..adapter import (
    Capabilities,
    EventSink,
    Implementation,
    Refused,
)
from ..loopthread import LoopThread
from ..sdk import SdkOperations, default_bridge_dir, listener_event
from .pages import PageServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",  # CI runs as root
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying Google's hosts, which this closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SDK_BUNDLE = Path("node_modules/@cometchat/chat-sdk-javascript/CometChat.js")


class PageError(RuntimeError):
    """The page or the browser failed; not a refusal by the SDK."""


@dataclass(frozen=True)
class BrowserTarget:
    """Where the pages' SDKs connect, and how patient to be."""

    host: str
    """``overrideClientHost`` value, ``127.0.0.1:PORT/v3.0`` (the SDK adds https:// itself)."""
    app_id: str
    auth_key: str
    chromium: str = CHROMIUM
    bridge_dir: Path | None = None
    """``sdkbridge/`` (the page, and the SDK bundle in its node_modules)."""
    request_timeout: float = 5.0
    login_timeout: float = 15.0

    @classmethod
    def for_base_url(cls, base_url: str, app_id: str, auth_key: str) -> BrowserTarget:
        scheme, _, authority = base_url.partition("://")
        if scheme != "https":
            raise ValueError(f"the SDK in a page always uses https/wss; the server must serve TLS, not {base_url!r}")
        return cls(f"{authority.rstrip('/')}/v3.0", app_id, auth_key)


class BrowserDevice(SdkOperations):
    """One page: one SDK instance, logged in as ``uid``."""

    def __init__(
        self, owner: BrowserImplementation, context: BrowserContext, page: Page, uid: str, label: str, sink: EventSink
    ) -> None:
        self.uid = uid
        self.label = label
        self.session_id: str | None = None
        self._owner = owner
        self._context = context
        self._page = page
        self._sink = sink
        self._received = 0
        self._received_changed = threading.Condition()
        self._closed = False

    def __repr__(self) -> str:
        return f"<BrowserDevice {self.label} ({self.uid})>"

    # ---- plumbing (the coroutines run on the owner's loop thread) ---------------------

    def on_page_event(self, payload: Mapping[str, Any]) -> None:
        """The page's ``ringcheckEvent``: one listener callback."""
        try:
            listened = listener_event(payload, self.label, self._owner.record)
            if listened is not None:
                self._sink(listened)
        finally:
            with self._received_changed:
                self._received = max(self._received, int(payload.get("seq") or 0))
                self._received_changed.notify_all()

    def _run(self, op: str, args: Mapping[str, Any], what: str, timeout: float | None = None) -> Any:
        if self._closed:
            raise PageError(f"{self.label}: {what} after the device was closed")
        deadline = self._owner.target.request_timeout if timeout is None else timeout
        answer = self._owner.loop.run(
            self._page.evaluate("([name, args]) => window.ringcheck[name](args)", [op, dict(args)]),
            timeout=deadline,
            what=f"{self.label}: {what}",
        )
        self._owner.record(f"{self.label}: {what} -> {answer}")
        if answer.get("ok"):
            return answer.get("result")
        error = answer.get("error") or {}
        if error.get("kind") == "refused":
            raise Refused(str(error.get("code")), str(error.get("message") or ""))
        raise PageError(f"{self.label}: {what} failed in the page: {error.get('message')}")

    def _failure(self, message: str) -> Exception:
        return PageError(message)

    def login(self) -> None:
        timeout = self._owner.target.login_timeout
        result = self._run(
            "login",
            {"uid": self.uid, "authKey": self._owner.target.auth_key, "timeoutMs": round(timeout * 1000)},
            f"login({self.uid})",
            timeout=timeout,
        )
        self.session_id = str(result.get("sessionId"))
        self.wire_id = self.session_id

    # ---- the adapter contract ---------------------------------------------------------

    def settle(self) -> None:
        timeout = self._owner.target.request_timeout
        last = int(self._run("settle", {"timeoutMs": round(timeout * 1000)}, "settle()"))
        with self._received_changed:
            if not self._received_changed.wait_for(lambda: self._received >= last, timeout):
                raise PageError(
                    f"{self.label}: the page reported {last} callback(s) but only {self._received} reached ringcheck "
                    f"within {timeout:g} s"
                )

    def close(self) -> None:
        if self._closed:
            return
        try:
            self._run("logout", {}, "logout()")
        except Exception as exc:  # closing must go on; the failure is still reported
            self._owner.record(f"{self.label}: logout failed: {exc}")
        finally:
            self._closed = True
            self._owner.loop.run(self._context.close(), what=f"{self.label}: closing its page")
            self._owner.forget(self)


class BrowserImplementation(Implementation):
    """Every device a page in one headless Chromium; the pages are served from their own origin."""

    name = "CometChat JavaScript SDK 4.2.0 (headless Chromium)"

    def __init__(
        self, target: BrowserTarget, *, loop: LoopThread | None = None, notes: Mapping[str, str] | None = None
    ) -> None:
        self.target = target
        self._own_loop = loop is None
        self.loop = LoopThread(name="browser") if loop is None else loop
        bridge = target.bridge_dir or default_bridge_dir()
        self.capabilities = Capabilities(
            time_control=False, devices_per_user=4, group_calls=True, reset=False, notes=dict(notes or {})
        )
        self._pages = PageServer(bridge / "browser", bridge / SDK_BUNDLE)
        self._devices: list[BrowserDevice] = []
        self._lock = threading.Lock()
        self._transcript: list[str] = []
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self.browser_version = ""
        try:
            self.page_origin = self.loop.run(self._pages.start(), what="serving the device page")
            self.loop.run(self._launch(), timeout=30.0, what=f"launching {target.chromium}")
        except BaseException:
            self.close()
            raise

    async def _launch(self) -> None:
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=self.target.chromium, args=list(CHROMIUM_ARGS), headless=True
        )
        self.browser_version = self._browser.version

    async def _new_page(self, device_of: list[BrowserDevice]) -> tuple[BrowserContext, Page, Any]:
        assert self._browser is not None
        context = await self._browser.new_context(ignore_https_errors=True)
        page = await context.new_page()

        def deliver(payload: Mapping[str, Any]) -> None:
            # Bound before the page loads; the device exists by the time a listener can fire.
            device_of[0].on_page_event(payload)

        await page.expose_function("ringcheckEvent", deliver)
        page.on("console", lambda message: self.record(f"page console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.record(f"page error: {error}"))
        await page.goto(self.page_origin + "/")
        init = await page.evaluate(
            "(args) => window.ringcheck.init(args)", {"appId": self.target.app_id, "host": self.target.host}
        )
        return context, page, init

    def record(self, line: str) -> None:
        with self._lock:
            self._transcript.append(line)

    def forget(self, device: BrowserDevice) -> None:
        with self._lock:
            if device in self._devices:
                self._devices.remove(device)

    def open_device(self, uid: str, label: str, on_event: EventSink) -> BrowserDevice:
        holder: list[BrowserDevice] = []
        context, page, init = self.loop.run(self._new_page(holder), timeout=self.target.login_timeout, what="a page")
        if not init.get("ok"):
            self.loop.run(context.close(), what="closing a page that failed")
            raise PageError(f"{label}: CometChat.init failed in the page: {init.get('error')}")
        device = BrowserDevice(self, context, page, uid, label, on_event)
        holder.append(device)
        try:
            device.login()
        except BaseException:
            device.close()
            raise
        with self._lock:
            self._devices.append(device)
        return device

    def reset(self) -> None:
        for device in list(self._devices):
            device.close()
        with self._lock:
            self._transcript.clear()

    def transcript(self) -> Sequence[str]:
        with self._lock:
            return list(self._transcript)

    def describe(self) -> dict[str, str]:
        return {
            "implementation": self.name,
            "browser": f"Chromium {self.browser_version} ({self.target.chromium}), headless",
            "page origin": self.page_origin,
            "server host": self.target.host,
        }

    def close(self) -> None:
        for device in list(self._devices):
            device.close()

        async def shut() -> None:
            if self._browser is not None:
                await self._browser.close()
            if self._playwright is not None:
                await self._playwright.stop()
            await self._pages.close()

        try:
            self.loop.run(shut(), timeout=15.0, what="closing the browser")
        finally:
            if self._own_loop:
                self.loop.close()
