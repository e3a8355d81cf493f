"""Every setting of the mock server, with its default, in one place (the CLI reads it from here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .calls import KEEP_ENDED_CALLS
from .directory import DEFAULT_SEED, Seed

DEFAULT_APP_ID = "ringcheck"
DEFAULT_API_KEY = "ringcheck-api-key"
OnReconnect = Literal["nothing", "current-state"]
ON_RECONNECT: tuple[OnReconnect, ...] = ("nothing", "current-state")


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    """Interface to listen on; keep it loopback unless you know why not."""
    port: int = 0
    """0 picks a free port."""
    app_id: str = DEFAULT_APP_ID
    api_key: str = DEFAULT_API_KEY
    """What ``login(uid, authKey)`` and the steering API accept."""
    seed: Seed = field(default=DEFAULT_SEED)
    admin: bool = False
    """Serve the steering API at ``/_admin/`` and run on a virtual clock."""
    tls: bool = False
    """Serve HTTPS/WSS with a certificate for 127.0.0.1 from a generated CA."""
    tls_dir: Path | None = None
    """Where the CA and certificate files are written (a fresh temporary folder if None)."""
    ring_expiry: float | None = None
    """Seconds after which the server itself marks a call still ringing unanswered; off if None."""
    keep_ended_calls: int = KEEP_ENDED_CALLS
    """How many ended calls the server remembers (every live call is kept); older ones are forgotten."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed by CORS besides loopback ones (``*``: any); see ``mockserver/cors.py``."""
    on_reconnect: OnReconnect = "nothing"
    """What a device that authenticates again after a disconnection is sent: ``nothing`` (as
    CometChat: the SDK must ask), or ``current-state``, the latest call message of every call of its
    user that changed while it was away, once per call (see docs/faults.md)."""
