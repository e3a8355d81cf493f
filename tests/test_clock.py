"""The injected clock: VirtualClock's firing rules, and wall-clock reads under freezegun.

The conformance suite turns a 45-second ring into microseconds by advancing a VirtualClock, so the
order in which timers fire and the guarantee that ``advance`` returns only after their effects
are what make timeout scenarios deterministic. Wall-clock timestamps (``sentAt``, ``initiatedAt``)
are read from the clock, which freezegun pins here; freezegun is used for those reads only, never
around a running server's timers.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from mockserver.calls import CallType, Party, ReceiverType
from mockserver.clock import SystemClock, TimerCallback, VirtualClock
from mockserver.directory import DEFAULT_SEED, Directory
from mockserver.hub import Hub
from mockserver.journal import Journal
from mockserver.service import CallService

START = 1_700_000_000.0
FROZEN = datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)


def recorder(log: list[tuple[str, float]], clock: VirtualClock, name: str) -> TimerCallback:
    """A timer callback that notes its name and the time the clock read while it fired."""

    async def fire() -> None:
        log.append((name, clock.now()))

    return fire


@pytest.mark.asyncio
async def test_timers_fire_in_due_order_each_reading_its_own_due_time() -> None:
    """Set out of order; they must fire by due time, and the clock reads each one's due time."""
    clock = VirtualClock(START)
    log: list[tuple[str, float]] = []
    clock.call_later(30, recorder(log, clock, "c"), "c")
    clock.call_later(10, recorder(log, clock, "a"), "a")
    clock.call_later(20, recorder(log, clock, "b"), "b")
    fired = await clock.advance(60)
    assert log == [("a", START + 10), ("b", START + 20), ("c", START + 30)]
    assert [(t.label, t.due) for t in fired] == [("a", START + 10), ("b", START + 20), ("c", START + 30)]
    assert clock.now() == START + 60


@pytest.mark.asyncio
async def test_timers_due_at_the_same_time_fire_in_the_order_they_were_set() -> None:
    """Ties are common (two calls rung in one step); their order must not depend on the heap."""
    clock = VirtualClock(START)
    log: list[tuple[str, float]] = []
    names = [f"t{i}" for i in range(12)]
    for name in names:
        clock.call_later(5, recorder(log, clock, name), name)
    await clock.advance(5)
    assert [name for name, _ in log] == names


@pytest.mark.asyncio
async def test_only_timers_that_fall_due_fire_and_the_rest_stay_pending() -> None:
    """Advancing to just before a due time must not fire it; the boundary itself does fire."""
    clock = VirtualClock(START)
    log: list[tuple[str, float]] = []
    clock.call_later(10, recorder(log, clock, "at ten"), "at ten")
    clock.call_later(10.5, recorder(log, clock, "later"), "later")
    assert await clock.advance(9.999) == []
    assert log == []
    await clock.advance(0.001)
    assert log == [("at ten", START + 10)]
    assert [t.label for t in clock.pending] == ["later"]


@pytest.mark.asyncio
async def test_cancelled_timers_do_not_fire() -> None:
    """A ring expiry cancelled by an answer must never fire afterwards."""
    clock = VirtualClock(START)
    log: list[tuple[str, float]] = []
    keep = clock.call_later(1, recorder(log, clock, "keep"), "keep")
    drop = clock.call_later(1, recorder(log, clock, "drop"), "drop")
    drop.cancel()
    assert [t.label for t in clock.pending] == ["keep"]
    fired = await clock.advance(2)
    assert log == [("keep", START + 1)]
    assert [t.label for t in fired] == ["keep"]
    keep.cancel()  # cancelling a timer that already fired is harmless
    assert clock.pending == []


@pytest.mark.asyncio
async def test_a_timer_set_while_firing_fires_within_the_same_advance_if_due() -> None:
    """A callback may set a follow-up timer; if it falls due before the target, this advance fires it."""
    clock = VirtualClock(START)
    log: list[tuple[str, float]] = []

    async def first() -> None:
        log.append(("first", clock.now()))
        clock.call_later(3, recorder(log, clock, "follow-up"), "follow-up")
        clock.call_later(100, recorder(log, clock, "too late"), "too late")

    clock.call_later(2, first, "first")
    await clock.advance(10)
    assert log == [("first", START + 2), ("follow-up", START + 5)]
    assert [(t.label, t.due) for t in clock.pending] == [("too late", START + 102)]


@pytest.mark.asyncio
async def test_advance_returns_only_after_the_callbacks_effects() -> None:
    """A callback that awaits (as delivering a frame does) has finished before advance returns."""
    clock = VirtualClock(START)
    done: list[str] = []

    async def slow_effect() -> None:
        # Resolved only on a later turn of the loop: finishes only if advance really awaits it.
        loop = asyncio.get_running_loop()
        later: asyncio.Future[None] = loop.create_future()
        loop.call_soon(later.set_result, None)
        await later
        done.append("effect")

    clock.call_later(1, slow_effect, "slow")
    await clock.advance(1)
    assert done == ["effect"]


@pytest.mark.asyncio
async def test_negative_advance_is_refused_and_moves_nothing() -> None:
    """Time only moves forward; a negative step is a test bug worth a loud error."""
    clock = VirtualClock(START)
    log: list[tuple[str, float]] = []
    clock.call_later(0, recorder(log, clock, "now"), "now")
    with pytest.raises(ValueError, match="forward"):
        await clock.advance(-1)
    assert clock.now() == START
    assert log == []
    assert await clock.advance(0) != []


def test_a_virtual_clock_starts_at_the_given_time_and_stands_still() -> None:
    """Between advances nothing moves, so timestamps in one step are all equal."""
    clock = VirtualClock(START)
    assert clock.now() == clock.now() == START


def test_a_negative_delay_is_due_immediately() -> None:
    """A timer can never be due in the past, which would fire it before timers set earlier."""
    clock = VirtualClock(START)

    async def nothing() -> None:
        return None

    clock.call_later(-5, nothing, "past")
    assert [t.due for t in clock.pending] == [START]


def test_system_clock_now_is_the_wall_clock() -> None:
    """SystemClock.now is wall time (epoch seconds), what CometChat timestamps are made of."""
    with freeze_time(FROZEN):
        assert SystemClock().now() == FROZEN.timestamp()


@pytest.mark.asyncio
async def test_a_rendered_call_message_carries_the_frozen_wall_time() -> None:
    """sentAt/updatedAt/initiatedAt of a call message are the server clock's reading, in whole seconds.

    The service runs on a SystemClock with no ring expiry, so no timer runs under freezegun;
    ``real_asyncio`` keeps the event loop on real monotonic time.
    """
    directory = Directory(DEFAULT_SEED)
    clock = SystemClock()
    service = CallService(directory, clock, Hub(), Journal(clock.now), "frozen-app")
    with freeze_time(FROZEN, real_asyncio=True):
        published = await service.initiate(Party("alex", "alex-1"), ReceiverType.USER, "bob", CallType.AUDIO)
    message = published.message
    assert json.loads(published.message_json) == message, "the REST answer and the frames carry this message"
    expected = int(FROZEN.timestamp())
    assert message["sentAt"] == expected
    assert message["updatedAt"] == expected
    assert message["data"]["entities"]["on"]["entity"]["initiatedAt"] == expected
    assert service.journal.since() == []  # nobody was connected, so nothing was sent
