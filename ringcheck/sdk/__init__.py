"""The real CometChat JavaScript SDK as a ringcheck implementation (one Node process per device).

Install the SDK once with ``npm ci --prefix sdkbridge``; then::

    target = SdkTarget.for_base_url("https://127.0.0.1:8443", "ringcheck", "ringcheck-api-key", ca_file)
    implementation = SdkImplementation(target, advance_server=server_clock_hook)

See ``sdkbridge/device.js`` for the JSON-lines protocol and ``shared/SDK-NOTES.md`` for what the
SDK does on the wire.
"""

from .bridge import BridgeDied, BridgeError, BridgeTimeout, NodeBridge, ReadyInfo, SdkStuck
from .implementation import MissingBridge, SdkDevice, SdkImplementation
from .operations import SdkOperations, call_info, listener_event
from .profiles import DEFAULT_PROFILE, PROFILES, SdkProfile, profile_named
from .target import SdkTarget, default_bridge_dir

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "BridgeDied",
    "BridgeError",
    "BridgeTimeout",
    "MissingBridge",
    "NodeBridge",
    "ReadyInfo",
    "SdkDevice",
    "SdkImplementation",
    "SdkOperations",
    "SdkProfile",
    "SdkStuck",
    "SdkTarget",
    "call_info",
    "default_bridge_dir",
    "listener_event",
    "profile_named",
]
