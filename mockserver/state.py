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
from .hub import Hub, Recipient
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
        calls = CallService(directory, clock, hub, journal, config.app_id, config.ring_expiry, config.keep_ended_calls)
        return cls(config, clock, directory, hub, journal, Sessions(), calls)

    async def disconnect_everyone(self) -> None:
        """Close every open WebSocket, as a server going away would (on reset and on shutdown)."""
        for ws in list(self.websockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server reset or shutdown")

    def add_fault(self, body: dict[str, Any]) -> Rule:
        """A new fault rule (docs/faults.md); an unmatched close-socket closes the sockets at once:
        all of its target's, as one application. A target user who does not exist is refused, so
        a typo does not make a rule that silently never applies."""
        rule = self.calls.faults.add(body, self.clock.now(), check_uid=self.directory.user)
        if rule.action == "close-socket" and rule.status is None:
            struck = [c for c in self.hub.connections() if rule.targets(c.uid, c.device)]
            if struck and rule.draw():
                rule.applied += 1
                for connection in struck:
                    found = Application(rule, connection.uid, connection.device)
                    self.journal.add("fault", describe(found), **found.data())
                    self.calls.abort_socket(Recipient(connection.uid, connection.device))
        return rule

    async def disconnect_credential(self, jwt: str) -> None:
        """Close every WebSocket authenticated with ``jwt``: its session logged out."""
        for ws in list(self.websockets):
            if ws.get(CREDENTIAL) == jwt:
                await ws.close(code=CLOSE_LOGGED_OUT, message=b"logged out")

    async def reset_to_seed(self) -> None:
        """Back to the seed: no calls, no sessions, no connected devices. The clock goes on."""
        await self.disconnect_everyone()
        self.calls.reset()
        self.directory.reset()
        self.sessions.reset()
        self.journal.add("request", "reset to the seed")


STATE = web.AppKey("state", ServerState)
CREDENTIAL = web.ResponseKey("credential", object)
"""Where an authenticated WebSocket keeps the JWT it authenticated with (a response is a mapping)."""
CLOSE_LOGGED_OUT = 4401
"""The close code of a socket whose session logged out (the same as a refused authentication)."""
REQUEST_STATE = web.RequestKey("state", ServerState)
"""The same state, on each protocol request (see rest.state_of)."""
ACTING_UID = web.RequestKey("acting_uid", str)
"""The user a request acts as, once its credentials were checked (for the journal)."""
