"""What each device's listeners heard, in order, and waiting for what is expected.

Every event gets a number from one counter shared by all devices of a scenario, so the report
can lay every party's events side by side in the order they arrived. An event that a step has
matched is *accounted for*; "is not told anything more" means nothing is left unaccounted.

Order matters: each listener of a device has a cursor just after the last event an expectation
matched on it, and the next expectation must match an event after the cursor. An event that
only matches before the cursor was heard out of order, and the expectation fails saying so. The
cursor is per listener, not per device, because the order in which several listeners hear the
same event is not something any platform documents.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .adapter import Callback, CallStatus, ListenerEvent


@dataclass
class Heard:
    seq: int
    device: str
    """The device's label, e.g. "Bob's phone"."""
    event: ListenerEvent
    accounted: bool = False

    def describe(self) -> str:
        call = self.event.call
        return (
            f"{self.event.callback} ({call.status}, caused by {call.sender or '(not said)'}) "
            f"on listener {self.event.listener_id!r} for the {call.call_type} {call.receiver_type} call "
            f"{call.session_id} from {call.initiator} to {call.receiver}"
        )


@dataclass(frozen=True)
class Match:
    heard: Heard
    previous: Heard | None = None
    """Set when the match was heard *before* this one, which an earlier expectation matched:
    the event arrived out of order."""


Matcher = Callable[[ListenerEvent], bool]


@dataclass
class EventLog:
    """The events one device heard; filled from the adapter's thread, read from the test's."""

    device: str
    counter: Callable[[], int]
    _heard: list[Heard] = field(default_factory=list)
    _cursor: dict[str, int] = field(default_factory=dict)
    """Per listener id: the index just after the last event an expectation matched."""
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, event: ListenerEvent) -> None:
        """The adapter's event sink."""
        with self._changed:
            self._heard.append(Heard(self.counter(), self.device, event))
            self._changed.notify_all()

    def heard(self) -> list[Heard]:
        with self._changed:
            return list(self._heard)

    def unaccounted(self) -> list[Heard]:
        return [h for h in self.heard() if not h.accounted]

    def _start(self, listener_id: str | None) -> int:
        if listener_id is None:  # any listener: after everything matched on this device
            return max(self._cursor.values(), default=0)
        return self._cursor.get(listener_id, 0)

    def _hears(self, heard: Heard, listener_id: str | None, matches: Matcher) -> bool:
        return (
            not heard.accounted
            and (listener_id is None or heard.event.listener_id == listener_id)
            and matches(heard.event)
        )

    def take(self, matches: Matcher, listener_id: str | None, deadline: float) -> Match | None:
        """The first unaccounted event of ``listener_id`` (None: any listener) after its cursor
        that matches, waiting up to ``deadline`` seconds for it. A match found only before the
        cursor is returned at once with ``previous`` set: waiting longer cannot put it in order."""
        end = time.monotonic() + deadline
        with self._changed:
            while True:
                start = self._start(listener_id)
                for index in range(start, len(self._heard)):
                    heard = self._heard[index]
                    if self._hears(heard, listener_id, matches):
                        heard.accounted = True
                        self._cursor[heard.event.listener_id] = index + 1
                        return Match(heard)
                for index in range(start):
                    heard = self._heard[index]
                    if self._hears(heard, listener_id, matches):
                        return Match(heard, previous=self._heard[start - 1])
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def wait_for(
        self,
        callback: Callback,
        status: CallStatus | None = None,
        listener_id: str | None = None,
        deadline: float = 5.0,
    ) -> ListenerEvent:
        """For code without a scene (scripts, other test frameworks): take the next event with
        this callback and, where given, this status and listener id; or fail with an
        AssertionError that lists everything the device heard."""
        from .expect import Expectation, must_hear  # expect builds on this module

        expectation = Expectation("called back", callback, status, listener_id=listener_id)
        return must_hear(self, expectation, deadline).event


def shared_counter() -> Callable[[], int]:
    counter = itertools.count(1)
    lock = threading.Lock()

    def next_seq() -> int:
        with lock:
            return next(counter)

    return next_seq
