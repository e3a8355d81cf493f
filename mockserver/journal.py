"""A numbered record of everything the server was asked and everything it sent to each device.

The journal is how a test knows what happened without sleeping: it can read what was sent, or
wait (with a deadline) for an entry that matches, from any sequence number on.

It is written on every request and every frame, and read only now and then, so writing must be
cheap: an entry keeps references to what the server already holds (the parsed request body, the
frame's encoded bytes, shared by every recipient) instead of copies, and the entries written on
every request keep only a tuple of values, from which their summary and data are made the first
time they are read.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

Kind = Literal["request", "response", "frame", "timer", "connection", "fault"]
Render = Callable[..., str]
"""How to render a summary from the entry's ``args`` when it is first read: a module-level
function, not a closure, so an entry holds plain values only (see :class:`Entry`)."""


class Entry:
    """One journal line. ``data`` holds plain values; a ``bytes`` value is JSON as it was sent (a
    frame, one encoding shared with every recipient's entry), which :meth:`as_json` decodes.

    Why plain values matter: a full journal is 20,000 entries that live for a long time, and
    CPython's garbage collector walks every container it tracks; dicts and tuples of strings,
    numbers and bytes drop out of its sight, closures and class instances (even a bytes
    subclass) do not. With a
    closure per lazy summary the collector's full passes took over 100 ms under load.

    Why an entry written often keeps a tuple of values and makes its ``data`` dict only when read:
    the entries of a full journal are megabytes that the server allocates and frees all the time,
    and a dict is four times the size of a tuple; a journal capped at 50 entries instead of 20,000
    served a call flow with 5 to 9 % less CPU (docs/benchmarks.md).
    """

    __slots__ = ("_args", "_data", "_fields", "_summary", "at", "kind", "seq")

    def __init__(
        self,
        seq: int,
        at: float,
        kind: Kind,
        summary: str | Render,
        data: dict[str, Any] | None = None,
        args: tuple[Any, ...] = (),
        fields: tuple[str, ...] = (),
    ) -> None:
        self.seq = seq
        self.at = at
        self.kind = kind
        self._summary = summary
        self._args = args
        self._fields = fields
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        data = self._data
        if data is None:
            # strict: a writer that passed fewer values than it named fields fails here, loudly
            data = self._data = dict(zip(self._fields, self._args[: len(self._fields)], strict=True))
        return data

    @property
    def summary(self) -> str:
        if not isinstance(self._summary, str):
            self._summary = self._summary(*self._args)
        return self._summary

    def as_json(self) -> dict[str, Any]:
        data = {key: json.loads(value) if isinstance(value, bytes) else value for key, value in self.data.items()}
        return {"seq": self.seq, "at": self.at, "kind": self.kind, "summary": self.summary, "data": data}

    def __repr__(self) -> str:
        return f"Entry(#{self.seq} {self.kind}: {self.summary})"


Predicate = Callable[[Entry], bool]


class Journal:
    """An append-only log of at most ``capacity`` recent entries (the oldest drop off)."""

    def __init__(self, clock_now: Callable[[], float], capacity: int = 20_000) -> None:
        self._now = clock_now
        self._entries: deque[Entry] = deque(maxlen=capacity)
        self._next = 1
        self._changed: asyncio.Event | None = None
        """Set on the next entry; made only while someone waits, so a write with nobody waiting
        costs no event."""

    @property
    def next_seq(self) -> int:
        return self._next

    def add(self, kind: Kind, summary: str, **data: Any) -> Entry:
        return self._append(Entry(self._next, self._now(), kind, summary, data))

    def add_rendered(self, kind: Kind, render: Render, fields: tuple[str, ...], values: tuple[Any, ...]) -> Entry:
        """An entry whose summary is ``render(*values)`` and whose data names its first values
        ``fields`` (the rest are for the summary alone); both made only if someone reads them."""
        return self._append(Entry(self._next, self._now(), kind, render, None, values, fields))

    def _append(self, entry: Entry) -> Entry:
        self._next += 1
        self._entries.append(entry)
        if self._changed is not None:
            self._changed.set()
            self._changed = None
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
            if self._changed is None:
                self._changed = asyncio.Event()
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return None
