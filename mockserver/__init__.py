"""A mock CometChat call server for the ringing flow.

The unmodified CometChat JavaScript SDK can log in to it, ring, accept, reject, cancel, answer
busy, time out and end calls. The pieces, each in its own module: ``calls`` (the pure state
machine), ``service`` (applies it: clock, delivery, journal), ``rest``/``ws``/``admin`` (the HTTP
surfaces), ``server`` (running it).
"""

from .clock import Clock, SystemClock, VirtualClock
from .config import ServerConfig
from .directory import DEFAULT_SEED, Group, Seed, User
from .server import MockServer

__all__ = [
    "DEFAULT_SEED",
    "Clock",
    "Group",
    "MockServer",
    "Seed",
    "ServerConfig",
    "SystemClock",
    "User",
    "VirtualClock",
]
