"""Choosing what the suite runs against, from the settings: an adapter and, for the built-in
adapters, a server (the embedded mock or one already running at a URL).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from .adapter import Implementation
from .loopthread import LoopThread
from .servers import EmbeddedServer, OnServer, RemoteServer, ServerHandle
from .settings import Settings
from .wire.session import Endpoint


class ConfigurationError(RuntimeError):
    """The settings name something that cannot be used; the message says what to change."""


@dataclass
class Target:
    implementation: Implementation
    loop: LoopThread
    server: ServerHandle | None

    def close(self) -> None:
        try:
            self.implementation.close()
            if self.server is not None:
                self.loop.run(self.server.close(), what="stopping the server")
        finally:
            self.loop.close()


def server_for(settings: Settings, tls: bool) -> ServerHandle:
    if settings.server == "embedded":
        return EmbeddedServer(tls=tls)
    if not settings.server.startswith(("http://", "https://")):
        raise ConfigurationError(f"--ringcheck-server must be 'embedded' or an http(s) URL, not {settings.server!r}")
    context = None
    if settings.server.startswith("https://"):
        context = ssl.create_default_context(cafile=settings.ca_file or None)
    endpoint = Endpoint(settings.server, settings.app_id, settings.api_key, context)
    return RemoteServer(endpoint, settings.admin, Path(settings.ca_file) if settings.ca_file else None)


def build(settings: Settings) -> Target:
    loop = LoopThread()
    try:
        if settings.adapter == "wire":
            from .wire.adapter import WireImplementation

            server = server_for(settings, tls=False)
            loop.run(server.start(), what="starting the server")
            return Target(OnServer(WireImplementation(loop, server), server, loop), loop, server)
        if settings.adapter == "sdk":
            return _sdk(settings, loop)
        if settings.adapter == "browser":
            return _browser(settings, loop)
        return Target(_custom(settings), loop, None)
    except BaseException:
        loop.close()
        raise


def _sdk(settings: Settings, loop: LoopThread) -> Target:
    """Each device a real CometChat JS SDK in Node: against a CometChat app, or a server over TLS."""
    from .sdk import SdkImplementation, SdkTarget, profile_named
    from .sdk.target import ENV_NODE, ENV_TRACE

    profile = profile_named(settings.sdk)
    if settings.server == "cometchat":
        # A real app: its id, region and auth key come from RINGCHECK_SDK_* (see the README).
        return Target(SdkImplementation(SdkTarget.from_env(), profile=profile), loop, None)
    server = server_for(settings, tls=True)
    loop.run(server.start(), what="starting the server")
    endpoint = server.endpoint
    target = SdkTarget.for_base_url(endpoint.base_url, endpoint.app_id, endpoint.api_key, server.ca_file)
    # The same process settings as against a real app: which node to run, whether to trace.
    target = dataclasses.replace(
        target, node=os.environ.get(ENV_NODE) or target.node, trace=os.environ.get(ENV_TRACE) == "1"
    )
    clock = server.shares_clock

    def advance_server(seconds: float) -> None:
        if clock is not None:
            loop.run(clock.advance(seconds), what=f"advancing the server's clock by {seconds:g} s")
        else:
            loop.run(server.advance(seconds), what=f"advancing the server's clock by {seconds:g} s")

    implementation = SdkImplementation(target, profile=profile, advance_server=advance_server)
    return Target(OnServer(implementation, server, loop), loop, server)


def _browser(settings: Settings, loop: LoopThread) -> Target:
    """Each device a page in headless Chromium running the JS SDK 4.2.0, against a server over TLS."""
    from .browser import BrowserImplementation, BrowserTarget
    from .sdk import PROFILES

    server = server_for(settings, tls=True)
    loop.run(server.start(), what="starting the server")
    endpoint = server.endpoint
    target = BrowserTarget.for_base_url(endpoint.base_url, endpoint.app_id, endpoint.api_key)
    # The same SDK as the js-4.2.0 profile, so the same known differences.
    implementation = BrowserImplementation(target, loop=loop, notes=PROFILES["js-4.2.0"].known_differences)
    return Target(OnServer(implementation, server, loop), loop, server)


def _custom(settings: Settings) -> Implementation:
    module_name, _, factory_name = settings.adapter.partition(":")
    if not factory_name:
        raise ConfigurationError(
            "--ringcheck-adapter must be 'wire', 'sdk', 'browser' or 'package.module:factory', "
            f"not {settings.adapter!r}"
        )
    factory = getattr(importlib.import_module(module_name), factory_name)
    implementation = factory(settings)
    if not isinstance(implementation, Implementation):
        raise ConfigurationError(f"{settings.adapter} returned {implementation!r}, not a ringcheck Implementation")
    return implementation
