"""Fixtures for the mock server's tests: a fresh server with the steering API per test, and a client.

A server starts in milliseconds on a free loopback port, so each test gets its own and no test
can see another's calls, devices or journal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from mockserver import ServerConfig

from .support import Api, running


@pytest_asyncio.fixture
async def api() -> AsyncIterator[Api]:
    """A client of a fresh ``MockServer(ServerConfig(admin=True))`` (virtual clock, /_admin/ on)."""
    async with running(ServerConfig(admin=True)) as client:
        yield client
