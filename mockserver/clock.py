"""Time, injected: every timestamp and every timer of the server goes through a :class:`Clock`.

Tests replace the system clock with a :class:`VirtualClock` so that a 45-second ring runs in
microseconds: :meth:`VirtualClock.advance` fires due timers in order and awaits what each one does
before it returns, so a caller of ``advance`` sees the timers' effects and never needs to sleep.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

TimerCallback = Callable[[], Coroutine[Any, Any, None]]


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock seconds since the epoch."""
        ...

    def call_later(self, delay: float, callback: TimerCallback, label: str = "") -> TimerHandle:
        """Run ``callback`` once ``delay`` seconds from now, unless cancelled first."""
        ...


class SystemClock:
    """Real time; timers on the running asyncio loop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: TimerCallback, label: str = "") -> TimerHandle:
        def fire() -> None:
            task = asyncio.get_running_loop().create_task(callback(), name=label or None)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return asyncio.get_running_loop().call_later(max(0.0, delay), fire)


@dataclass(order=True)
class _Timer:
    due: float
    order: int
    callback: TimerCallback = field(compare=False)
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(frozen=True)
class FiredTimer:
    label: str
    due: float


class VirtualClock:
    """A clock that moves only when told to.

    Timers fire strictly in due order (ties in the order they were set), each with the clock
    reading its own due time, and a timer set while another fires is honoured within the same
    :meth:`advance` if it falls due.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._timers: list[_Timer] = []
        self._order = itertools.count()
        self._lock = asyncio.Lock()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: TimerCallback, label: str = "") -> TimerHandle:
        timer = _Timer(self._now + max(0.0, delay), next(self._order), callback, label)
        heapq.heappush(self._timers, timer)
        return timer

    @property
    def pending(self) -> list[FiredTimer]:
        return [FiredTimer(t.label, t.due) for t in sorted(self._timers) if not t.cancelled]

    async def advance(self, seconds: float) -> list[FiredTimer]:
        """Move time forward by ``seconds``, firing and awaiting every timer that falls due."""
        if not 0 <= seconds < math.inf or not math.isfinite(self._now + seconds):
            raise ValueError(f"time only moves forward, by a finite amount; not by {seconds}")
        async with self._lock:
            target = self._now + seconds
            fired: list[FiredTimer] = []
            while self._timers and self._timers[0].due <= target:
                timer = heapq.heappop(self._timers)
                if timer.cancelled:
                    continue
                self._now = max(self._now, timer.due)
                fired.append(FiredTimer(timer.label, timer.due))
                await timer.callback()
            self._now = target
            return fired
