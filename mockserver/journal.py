"""A numbered record of everything the server was asked and everything it sent to each device.

The journal is how a test knows what happened without sleeping: it can read what was sent, or
wait (with a deadline) for an entry that matches, from any sequence number on.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["request", "response", "frame", "timer", "connection"]


@dataclass(frozen=True)
class Entry:
    seq: int
    at: float
    kind: Kind
    summary: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


Predicate = Callable[[Entry], bool]


class Journal:
    """An append-only log of at most ``capacity`` recent entries (the oldest drop off)."""

    def __init__(self, clock_now: Callable[[], float], capacity: int = 20_000) -> None:
        self._now = clock_now
        self._entries: deque[Entry] = deque(maxlen=capacity)
        self._next = 1
        self._changed = asyncio.Event()

    @property
    def next_seq(self) -> int:
        return self._next

    def add(self, kind: Kind, summary: str, **data: Any) -> Entry:
        entry = Entry(self._next, self._now(), kind, summary, data)
        self._next += 1
        self._entries.append(entry)
        self._changed.set()
        self._changed = asyncio.Event()
        return entry

    def since(self, seq: int = 0, predicate: Predicate | None = None) -> list[Entry]:
        return [e for e in self._entries if e.seq >= seq and (predicate is None or predicate(e))]

    async def wait_for(self, predicate: Predicate, since: int, within: float) -> Entry | None:
        """The first entry from ``since`` on that matches, waiting up to ``within`` real seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            found = self.since(since, predicate)
            if found:
                return found[0]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return None
