"""Where the real-SDK adapter sends its devices: the mock server on loopback, or a CometChat app.

The SDK always builds ``https://`` and ``wss://`` URLs. Against the mock server there are two
ways to make that work, and :class:`SdkTarget` names which one is used:

* TLS: the mock server (``--tls``) generates a CA with trustme and prints the CA file; Node trusts
  it through ``NODE_EXTRA_CA_CERTS`` (read once at start-up by undici and ``ws`` alike).
* plain: ``sdkbridge/shim.js`` rewrites https/wss to http/ws, for loopback hosts only, so a
  plain-HTTP server works without certificates and a real CometChat host is never downgraded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

ENV_APP_ID = "RINGCHECK_SDK_APP_ID"
ENV_AUTH_KEY = "RINGCHECK_SDK_AUTH_KEY"
ENV_REGION = "RINGCHECK_SDK_REGION"
ENV_HOST = "RINGCHECK_SDK_HOST"
ENV_CA_FILE = "RINGCHECK_SDK_CA_FILE"
ENV_PLAIN = "RINGCHECK_SDK_PLAIN"
ENV_TRACE = "RINGCHECK_SDK_TRACE"
ENV_BRIDGE_DIR = "RINGCHECK_SDKBRIDGE_DIR"
ENV_NODE = "RINGCHECK_NODE"


def default_bridge_dir() -> Path:
    """``sdkbridge/`` beside the ``ringcheck`` package (checkout) or in it (wheel), unless the environment says."""
    configured = os.environ.get(ENV_BRIDGE_DIR)
    if configured:
        return Path(configured)
    from ringcheck import suite

    return suite.sdkbridge()


def host_name(host: str) -> str:
    """The bare host name of an ``overrideClientHost`` value such as ``127.0.0.1:8443/v3.0``."""
    return urlsplit(f"//{host}").hostname or ""


@dataclass(frozen=True)
class SdkTarget:
    """Everything a device process needs to reach the server, and how patient to be."""

    app_id: str
    auth_key: str
    """The app's auth key, for ``CometChat.login(uid, authKey)`` (the mock calls it the api key)."""
    region: str = "eu"
    host: str | None = None
    """``overrideClientHost``/``overrideAdminHost`` value, e.g. ``127.0.0.1:8443/v3.0`` (the SDK
    appends no version to an override). None means CometChat's own hosts for ``region``."""
    ca_file: str | None = None
    """A CA the device processes must trust (given to Node as ``NODE_EXTRA_CA_CERTS``)."""
    plain: bool = False
    """Rewrite https/wss to http/ws for loopback hosts (a plain-HTTP mock server)."""
    trace: bool = False
    """Report every HTTP exchange and WebSocket frame the SDK makes into ``transcript()``."""
    request_timeout: float = 5.0
    """Deadline for one SDK operation, in real seconds."""
    login_timeout: float = 15.0
    """Deadline for starting a device process and logging it in."""
    node: str = "node"
    bridge_dir: Path | None = None
    """``sdkbridge/`` (with ``node_modules`` installed by ``npm ci``); see :func:`default_bridge_dir`."""

    def __post_init__(self) -> None:
        if self.plain and (self.host is None or host_name(self.host) not in LOOPBACK_HOSTS):
            raise ValueError(
                f"plain (http/ws) is only for a loopback server; host is {self.host!r}. "
                "The SDK itself always uses https/wss."
            )

    @property
    def is_loopback(self) -> bool:
        return self.host is not None and host_name(self.host) in LOOPBACK_HOSTS

    @property
    def bridge(self) -> Path:
        return self.bridge_dir or default_bridge_dir()

    @classmethod
    def for_base_url(
        cls,
        base_url: str,
        app_id: str,
        auth_key: str,
        ca_file: str | os.PathLike[str] | None = None,
        *,
        trace: bool = False,
        request_timeout: float = 5.0,
    ) -> SdkTarget:
        """A server given as ``https://127.0.0.1:PORT`` (TLS; pass the CA to trust) or ``http://...``
        (plain, loopback only)."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) base URL: {base_url!r}")
        return cls(
            app_id,
            auth_key,
            host=f"{parts.netloc}/v3.0",
            ca_file=None if ca_file is None else str(ca_file),
            plain=parts.scheme == "http",
            trace=trace,
            request_timeout=request_timeout,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SdkTarget:
        """A target from ``RINGCHECK_SDK_*`` variables, e.g. a real CometChat app.

        ``RINGCHECK_SDK_APP_ID`` and ``RINGCHECK_SDK_AUTH_KEY`` are required;
        ``RINGCHECK_SDK_REGION`` (default ``eu``), ``RINGCHECK_SDK_HOST``,
        ``RINGCHECK_SDK_CA_FILE``, ``RINGCHECK_SDK_PLAIN=1`` and ``RINGCHECK_SDK_TRACE=1`` are optional.
        """
        values = os.environ if env is None else env
        missing = [name for name in (ENV_APP_ID, ENV_AUTH_KEY) if not values.get(name)]
        if missing:
            raise ValueError(f"set {' and '.join(missing)} to run the real-SDK adapter against an app")
        return cls(
            app_id=values[ENV_APP_ID],
            auth_key=values[ENV_AUTH_KEY],
            region=values.get(ENV_REGION) or "eu",
            host=values.get(ENV_HOST) or None,
            ca_file=values.get(ENV_CA_FILE) or None,
            plain=values.get(ENV_PLAIN) == "1",
            trace=values.get(ENV_TRACE) == "1",
            node=values.get(ENV_NODE) or "node",
        )

    def device_config(self) -> dict[str, object]:
        """The JSON configuration ``sdkbridge/device.js`` reads from ``RINGCHECK_DEVICE_CONFIG``."""
        return {
            "appId": self.app_id,
            "region": self.region,
            "clientHost": self.host,
            "adminHost": self.host,
            "plain": self.plain,
            "trace": self.trace,
        }

    def device_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a device process."""
        env = dict(os.environ if base is None else base)
        env.pop("NODE_OPTIONS", None)  # nothing from the caller's Node setup leaks into the SDK
        if self.ca_file is not None:
            env["NODE_EXTRA_CA_CERTS"] = self.ca_file
        elif self.plain:
            # Nothing to trust on plain loopback; reading a system bundle costs ~60 ms per process.
            env.pop("NODE_EXTRA_CA_CERTS", None)
        return env

    def describe(self) -> str:
        where = self.host or f"CometChat {self.region} hosts"
        how = "plain http/ws (loopback rewrite)" if self.plain else "https/wss"
        trust = f", CA {self.ca_file}" if self.ca_file else ""
        return f"{where} over {how}{trust}, app {self.app_id}"
