"""Rings and who hears of them; no HTTP here."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

RINGING, CONNECTED = "ringing", "connected"
FINAL = ("declined", "busy", "withdrawn", "missed", "finished")


class Problem(Exception):
    """A request the service refuses; ``code`` is ringalong's own."""

    def __init__(self, code: str, detail: str, status: int = 409) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status = code, detail, status


@dataclass
class Ring:
    id: str
    caller: str
    callee: str
    media: str
    state: str = RINGING
    deadline: float = 0.0
    caller_device: str = ""
    callee_device: str = ""
    last_actor: str = ""

    def view(self) -> dict[str, str]:
        return {
            "id": self.id,
            "caller": self.caller,
            "callee": self.callee,
            "media": self.media,
            "state": self.state,
            "actor": self.last_actor,
        }


Notify = Callable[[str, str, dict[str, str]], None]
"""(device, what happened, the ring's view)"""


@dataclass
class Service:
    people: set[str]
    notify: Notify
    now: float = 0.0
    rings: dict[str, Ring] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)
    """device id -> user"""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _ring(self, ring_id: str) -> Ring:
        if ring_id not in self.rings:
            raise Problem("no-such-ring", f"there is no ring {ring_id}", 404)
        return self.rings[ring_id]

    def _tell(self, user: str, what: str, ring: Ring, skip: str = "") -> None:
        for device, owner in list(self.devices.items()):
            if owner == user and device != skip:
                self.notify(device, what, ring.view())

    def start(self, caller: str, device: str, callee: str, media: str, ring_seconds: float) -> Ring:
        if callee not in self.people:
            raise Problem("no-such-person", f"nobody is called {callee}", 404)
        if callee == caller:
            raise Problem("self", "one cannot ring oneself", 400)
        if media not in ("audio", "video"):
            raise Problem("bad-media", f"media must be audio or video, not {media}", 400)
        ring = Ring(f"ring-{next(self._ids)}", caller, callee, media, deadline=self.now + ring_seconds)
        ring.caller_device, ring.last_actor = device, caller
        self.rings[ring.id] = ring
        self._tell(callee, "ringing", ring)
        return ring

    def _check(self, ring: Ring, user: str, side: str) -> None:
        if user not in (ring.caller, ring.callee):
            raise Problem("not-yours", f"{user} is not in {ring.id}", 403)
        if ring.state in FINAL:
            raise Problem("over", f"{ring.id} is over ({ring.state})")
        wanted = ring.caller if side == "caller" else ring.callee
        if user != wanted:
            raise Problem("wrong-side", f"only the {side} may do that", 403)

    def answer(self, ring_id: str, user: str, device: str) -> Ring:
        ring = self._ring(ring_id)
        if ring.state == CONNECTED and user == ring.callee:
            raise Problem("already-connected", f"{ring.id} is already answered")
        self._check(ring, user, "callee")
        if ring.state == CONNECTED:
            raise Problem("already-connected", f"{ring.id} is already answered")
        ring.state, ring.callee_device, ring.last_actor = CONNECTED, device, user
        self._tell(ring.caller, "answered", ring)
        self._tell(ring.callee, "answered", ring, skip=device)
        return ring

    def decline(self, ring_id: str, user: str, device: str, busy: bool) -> Ring:
        ring = self._ring(ring_id)
        self._check(ring, user, "callee")
        if ring.state == CONNECTED:
            raise Problem("connected", f"{ring.id} is answered: hang up instead")
        ring.state, ring.last_actor = ("busy" if busy else "declined"), user
        self._tell(ring.caller, ring.state, ring)
        self._tell(ring.callee, ring.state, ring, skip=device)
        return ring

    def withdraw(self, ring_id: str, user: str, device: str) -> Ring:
        ring = self._ring(ring_id)
        self._check(ring, user, "caller")
        if ring.state == CONNECTED:
            raise Problem("connected", f"{ring.id} is answered: hang up instead")
        ring.state, ring.last_actor = "withdrawn", user
        self._tell(ring.callee, "withdrawn", ring)
        return ring

    def hang_up(self, ring_id: str, user: str, device: str) -> Ring:
        ring = self._ring(ring_id)
        if user not in (ring.caller, ring.callee):
            raise Problem("not-yours", f"{user} is not in {ring.id}", 403)
        if ring.state in FINAL:
            raise Problem("over", f"{ring.id} is over ({ring.state})")
        if ring.state != CONNECTED:
            raise Problem("not-connected", f"{ring.id} was never answered: withdraw or decline it")
        ring.state, ring.last_actor = "finished", user
        other = ring.callee if user == ring.caller else ring.caller
        self._tell(other, "finished", ring)
        self._tell(user, "finished", ring, skip=device)
        return ring

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for ring in list(self.rings.values()):
            if ring.state == RINGING and ring.deadline <= self.now:
                ring.state, ring.last_actor = "missed", ring.caller
                self._tell(ring.callee, "missed", ring)
                self._tell(ring.caller, "missed", ring)

    def reset(self) -> None:
        self.rings.clear()
        self.now = 0.0
