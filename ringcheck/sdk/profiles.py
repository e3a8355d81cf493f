"""The CometChat SDKs the real-SDK adapter can run, one profile each, chosen by ``--ringcheck-sdk``.

Why profiles: the five documents the suite is built from describe three SDKs (JavaScript v4 and
v3, React Native v4). QA on each wants the same verdicts and to know where its SDK differs, so a
profile names the npm package to load (all pinned in ``sdkbridge/package-lock.json``), the
stand-ins it needs in Node, and the scenarios where the unmodified SDK is known to behave
otherwise: those run as strict expected failures, so a fixed SDK (or a changed scenario) shows up
as an unexpected pass. Capabilities an SDK does not have are listed as not offered and skipped.

This module imports nothing heavy: :mod:`ringcheck.settings` validates the choice with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_PROFILE = "js-4.2.0"

_NO_TIMEOUT_3_0_13 = (
    "SDK 3.0.13's initiateCall(call) takes no timeout: the caller's no-answer timer is fixed at 45 s "
    "(CallController.CALL_NO_ANSWER_INTERVAL = 45e3)"
)
_NO_CLEAR_ACTIVE_CALL_3_0_13 = (
    "SDK 3.0.13 has no CometChat.clearActiveCall(), the step the v4 documents give after endCall; "
    "its endCall clears the active call itself"
)

SDK_3_0_13_NOT_OFFERED: Mapping[str, str] = MappingProxyType(
    {
        "Alex chooses a longer timeout": _NO_TIMEOUT_3_0_13,
        "Alex chooses a shorter timeout": _NO_TIMEOUT_3_0_13,
        "A timeout of <timeout> seconds means the usual 45 seconds": _NO_TIMEOUT_3_0_13,
        "A timeout of <timeout> seconds is counted in whole seconds": _NO_TIMEOUT_3_0_13,
        "A group call with a longer timeout rings until it is up": _NO_TIMEOUT_3_0_13,
        "After the call ends neither of them has an active call": _NO_CLEAR_ACTIVE_CALL_3_0_13,
        "The next call after an ended one works: <a call>": _NO_CLEAR_ACTIVE_CALL_3_0_13,
        "Bob never hears that Alex ended their call, and cannot call again until he clears it": (
            "SDK 3.0.13 has no CometChat.clearActiveCall(): after a missed end its active call stays set and "
            "its initiateCall is refused with CALL_ALREADY_INITIATED (seen up to that step), and the app has "
            "no documented way to clear it (docs/reconnect.md)"
        ),
    }
)
"""Scenarios that need an SDK 3.0.13 API which does not exist: skipped with the reason."""


@dataclass(frozen=True)
class SdkProfile:
    """One SDK the bridge can load: which package, with what, and how it is known to differ."""

    name: str
    """The value of ``--ringcheck-sdk``."""
    title: str
    """How reports and the compatibility table name it."""
    package: str
    """The npm package ``sdkbridge/loader.js`` loads (installed from sdkbridge's lockfile)."""
    version: str
    """The version pinned in ``sdkbridge/package.json``; checked against what the process loaded."""
    stand_ins: str | None = None
    """Stand-ins handed to the bundle for modules Node lacks (``sdkbridge/standins/<name>.js``)."""
    call_timeout: bool = True
    """``initiateCall(call, timeout)`` takes a timeout; without it the adapter refuses to pass one
    rather than let the SDK ignore it silently."""
    clear_active_call: bool = True
    """The SDK has ``CometChat.clearActiveCall()``."""
    expectations: str = ""
    """Its expectations file in ``ringcheck/expectations/``: how this SDK differs, each a strict
    expected failure with the reason (loaded by default for ``--ringcheck-adapter=sdk``)."""
    not_offered: Mapping[str, str] = field(default_factory=dict)
    """Scenario name (or tag) -> the capability this SDK lacks: skipped with that reason."""


PROFILES: Mapping[str, SdkProfile] = MappingProxyType(
    {
        profile.name: profile
        for profile in (
            SdkProfile(
                name="js-4.2.0",
                title="JavaScript SDK 4.2.0",
                package="@cometchat/chat-sdk-javascript",
                version="4.2.0",
                expectations="sdk-js-4.2.0.toml",
            ),
            SdkProfile(
                name="js-3.0.13",
                title="JavaScript SDK 3.0.13 (@cometchat-pro/chat)",
                package="@cometchat-pro/chat",
                version="3.0.13",
                call_timeout=False,
                clear_active_call=False,
                expectations="sdk-js-3.0.13.toml",
                not_offered=SDK_3_0_13_NOT_OFFERED,
            ),
            SdkProfile(
                name="rn-4.0.21",
                title="React Native SDK 4.0.21",
                package="@cometchat/chat-sdk-react-native",
                version="4.0.21",
                stand_ins="react-native",
                expectations="sdk-rn-4.0.21.toml",
            ),
        )
    }
)


def profile_named(name: str) -> SdkProfile:
    """The profile for ``--ringcheck-sdk name``; a ValueError that lists the choices otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"--ringcheck-sdk must be one of {', '.join(PROFILES)}, not {name!r}") from None
