"""Everything one running mock server holds, reachable from handlers through one AppKey."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, web

from .clock import Clock
from .config import ServerConfig
from .directory import Directory
from .faults import Application, Rule, describe
from .hub import Hub
from .journal import Journal
from .service import CallService
from .sessions import Sessions


@dataclass
class ServerState:
    config: ServerConfig
    clock: Clock
    directory: Directory
    hub: Hub
    journal: Journal
    sessions: Sessions
    calls: CallService
    websockets: weakref.WeakSet[web.WebSocketResponse] = field(default_factory=weakref.WeakSet)

    @classmethod
    def create(cls, config: ServerConfig, clock: Clock) -> ServerState:
        directory = Directory(config.seed)
        hub = Hub(remember_away=config.on_reconnect == "current-state")
        journal = Journal(clock.now)
        calls = CallService(directory, clock, hub, journal, config.app_id, config.ring_expiry)
        return cls(config, clock, directory, hub, journal, Sessions(), calls)

    async def disconnect_everyone(self) -> None:
        """Close every open WebSocket, as a server going away would (on reset and on shutdown)."""
        for ws in list(self.websockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server reset or shutdown")

    def add_fault(self, body: dict[str, Any]) -> Rule:
        """A new fault rule (docs/faults.md); an unmatched close-socket closes the sockets at once."""
        rule = self.calls.faults.add(body, self.clock.now())
        if rule.action == "close-socket" and rule.status is None:
            for connection in self.hub.connections():
                if rule.spent or not rule.targets(connection.uid, connection.device) or not rule.draw():
                    continue
                rule.applied += 1
                found = Application(rule, connection.uid, connection.device)
                self.journal.add("fault", describe(found), **found.data())
                connection.abort()
        return rule

    async def reset_to_seed(self) -> None:
        """Back to the seed: no calls, no sessions, no connected devices. The clock goes on."""
        await self.disconnect_everyone()
        self.calls.reset()
        self.directory.reset()
        self.sessions.reset()
        self.journal.add("request", "reset to the seed")


STATE = web.AppKey("state", ServerState)
REQUEST_STATE = web.RequestKey("state", ServerState)
"""The same state, on each protocol request (see rest.state_of)."""
ACTING_UID = web.RequestKey("acting_uid", str)
"""The user a request acts as, once its credentials were checked (for the journal)."""
