"""The real CometChat JS SDK in a real browser: headless Chromium driven by Playwright.

Each device is one page (its own browser context, so its own storage) on a loopback origin that
is not the mock server's, loading the unmodified npm bundle: the SDK's requests are real
cross-origin fetches with CORS preflights and its socket is the browser's WebSocket.
"""

from .implementation import BrowserDevice, BrowserImplementation, BrowserTarget, PageError
from .pages import PageServer

__all__ = ["BrowserDevice", "BrowserImplementation", "BrowserTarget", "PageError", "PageServer"]
