"""Choosing what the suite runs against, from the settings: an adapter and, for the built-in
adapters, a server (the embedded mock or one already running at a URL).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import importlib.metadata
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

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

    server = server_for(settings, tls=True)
    loop.run(server.start(), what="starting the server")
    endpoint = server.endpoint
    target = BrowserTarget.for_base_url(endpoint.base_url, endpoint.app_id, endpoint.api_key)
    # The same SDK as the js-4.2.0 profile, so the same known differences.
    implementation = BrowserImplementation(target, loop=loop, notes={})
    return Target(OnServer(implementation, server, loop), loop, server)


ENTRY_POINT_GROUP = "ringcheck.adapters"
"""Installed adapters: ``[project.entry-points."ringcheck.adapters"] myname = "mypackage.ringing:factory"``."""


def installed_adapters() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _factory(adapter: str) -> Callable[[Settings], object]:
    """The factory an adapter name stands for, or a ConfigurationError saying what to change."""
    if ":" not in adapter:
        installed = installed_adapters()
        if adapter in installed:
            adapter = installed[adapter].value
        else:
            names = ["wire", "sdk", "browser", *sorted(installed)]
            close = difflib.get_close_matches(adapter, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigurationError(
                f"--ringcheck-adapter {adapter!r} is neither a built-in adapter, nor an installed one "
                f"(entry point group {ENTRY_POINT_GROUP!r}: {', '.join(sorted(installed)) or 'none installed'}), "
                f"nor 'package.module:factory'{hint}"
            )
    module_name, _, factory_name = adapter.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ConfigurationError(
            f"--ringcheck-adapter {adapter}: cannot import {module_name!r} ({type(exc).__name__}: {exc}). "
            "Install your adapter's package into the environment the suite runs in (with tox: add it to the "
            "env's deps, e.g. `-e path/to/your/package`; tox does not pass PYTHONPATH)"
        ) from exc
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        public = [n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n))]
        close = difflib.get_close_matches(factory_name, public, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(f"--ringcheck-adapter {adapter}: {module_name} has no factory {factory_name!r}{hint}")
    return cast("Callable[[Settings], object]", factory)


def _custom(settings: Settings) -> Implementation:
    factory = _factory(settings.adapter)
    try:
        implementation = factory(settings)
    except ConfigurationError:
        raise
    except Exception as exc:
        raise ConfigurationError(
            f"--ringcheck-adapter {settings.adapter}: the factory failed ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(implementation, Implementation):
        raise ConfigurationError(f"{settings.adapter} returned {implementation!r}, not a ringcheck Implementation")
    return implementation
