"""Helpers for the real-SDK adapter's tests: where the SDK is, and reading what a device heard.

The mock server runs as a :class:`~ringcheck.background.BackgroundMockServer`; each device's
listeners feed a :class:`~ringcheck.journal.EventLog`. The tests wait for what a device hears
with a bounded deadline (``EventLog.wait_for``), and check what it did *not* hear after
``settle()``; nothing sleeps.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import pytest

from ringcheck.adapter import Callback
from ringcheck.background import BackgroundMockServer
from ringcheck.journal import EventLog, Heard, shared_counter
from ringcheck.sdk import SdkTarget, default_bridge_dir

SDK_INSTALLED = (default_bridge_dir() / "node_modules" / "@cometchat" / "chat-sdk-javascript").is_dir()
NODE = shutil.which("node")

requires_sdk = pytest.mark.skipif(
    not (SDK_INSTALLED and NODE),
    reason=(
        "the real SDK is not installed: run `npm ci --prefix sdkbridge` (needs Node 20 on PATH)"
        if NODE
        else "node is not on PATH; the real-SDK adapter needs Node 20"
    ),
)


def sdk_target(server: BackgroundMockServer) -> SdkTarget:
    """SDK devices pointed at ``server`` (trusting its CA over TLS, else the loopback rewrite)."""
    endpoint = server.endpoint
    return SdkTarget.for_base_url(endpoint.base_url, endpoint.app_id, endpoint.api_key, server.ca_file)


def event_log(label: str) -> EventLog:
    """A log for a device whose events are numbered on their own."""
    return EventLog(label, shared_counter())


def callbacks(heard: Sequence[Heard]) -> list[Callback]:
    return [h.event.callback for h in heard]
