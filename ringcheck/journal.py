"""What each device's listeners heard, in order, and waiting for what is expected.

Every event gets a number from one counter shared by all devices of a scenario, so the report
can lay every party's events side by side in the order they arrived. An event that a step has
matched is *accounted for*; "is not told anything more" means nothing is left unaccounted.
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


Matcher = Callable[[ListenerEvent], bool]


@dataclass
class EventLog:
    """The events one device heard; filled from the adapter's thread, read from the test's."""

    device: str
    counter: Callable[[], int]
    _heard: list[Heard] = field(default_factory=list)
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

    def take(self, matches: Matcher, deadline: float) -> Heard | None:
        """The first unaccounted event that matches, waiting up to ``deadline`` seconds for it."""
        end = time.monotonic() + deadline
        with self._changed:
            while True:
                for heard in self._heard:
                    if not heard.accounted and matches(heard.event):
                        heard.accounted = True
                        return heard
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
        """For code without a scene (scripts, other test frameworks): take the first event not yet
        taken with this callback and, where given, this status and listener id; or fail with an
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
