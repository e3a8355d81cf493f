"""Things going wrong on the way to a phone: news lost or heard twice, a connection dropped.

Each "will miss" / "will hear twice" / "loses its connection" step asks the target's fault
control (:mod:`ringcheck.faults`, the mock server's ``/_admin/faults``) for one rule aimed at
one device. Scenarios using them carry ``@needs:fault-control`` and skip, saying so, on a target
without it. What the app then sees is checked with the ordinary steps of steps/outcomes.py.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from ringcheck.faults import Fault
from ringcheck.scene import Scene

from .outcomes import NEWS, News
from .time import advance
from .vocabulary import WHO, WHOS, split_names

STATUSES = {
    "of an incoming call": "initiated",
    "that the call was accepted": "ongoing",
    "that the call was rejected": "rejected",
    "that the call was cancelled": "cancelled",
    "that the call went unanswered": "unanswered",
    "that the call ended": "ended",
}
"""The news a phone can be made to miss or hear twice, and the call status its event carries."""

NEWS_OF = "|".join(STATUSES)


def _fault(scene: Scene, who: str, action: str, status: str | None = None, seconds: float | None = None) -> None:
    """One rule, applied once, for the device ``who`` means ("Bob": his first device, "Bob's
    laptop": that one); a device whose id the implementation does not know: every device of his."""
    device = scene.device_of(who).device
    scene.implementation.faults().add(Fault(action, device.uid, device=device.wire_id, status=status, seconds=seconds))


@given(parsers.re(rf"(?P<who>{WHO}) will miss the news (?P<news>{NEWS_OF})"))
def will_miss(scene: Scene, who: str, news: str) -> None:
    _fault(scene, who, "drop", status=STATUSES[news])


@given(parsers.re(rf"(?P<who>{WHO}) will hear twice the news (?P<news>{NEWS_OF})"))
def will_hear_twice(scene: Scene, who: str, news: str) -> None:
    _fault(scene, who, "duplicate", status=STATUSES[news])


@when(
    parsers.re(
        rf"(?P<who>{WHO}) loses (?:his|her|their|its) connection"
        r"(?: and is turned away for (?P<away>[0-9.]+) seconds)?"
    )
)
def loses_connection(scene: Scene, who: str, away: str | None = None) -> None:
    """The server drops the socket as a network would (no goodbye), and if said, refuses the
    device's reconnects for a while; the step ends once the device has noticed the drop, so
    whatever happens next happens while it is away."""
    if away is not None:
        _fault(scene, who, "refuse-reconnects", seconds=float(away))
    _fault(scene, who, "close-socket")
    if not scene.device_of(who).device.wait_online(False, scene.deadline):
        raise AssertionError(f"{who} should have noticed within {scene.deadline:g} s that the connection dropped")


@when(parsers.re(rf"(?P<who>{WHO}) is back online (?P<seconds>[0-9.]+) seconds later"))
def back_online(scene: Scene, who: str, seconds: str) -> None:
    """Time passes (the SDK tries to reconnect every 5 seconds), then the device must be back."""
    advance(scene, float(seconds))
    if not scene.device_of(who).device.wait_online(True, scene.deadline):
        raise AssertionError(
            f"{who} should have reconnected {seconds} seconds after the connection dropped "
            f"(the SDK tries every 5 seconds); it was still offline {scene.deadline:g} s later"
        )


def _define_second_time(news: News) -> None:
    """ "Bob is told a second time that ...": the same news again, on top of the first telling
    (an expectation is matched only by a callback no earlier step matched)."""

    @then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told a second time that {news.words}"), stacklevel=2)
    def told_again(scene: Scene, whos: str, actor: str | None = None, call: str | None = None) -> None:
        for who in split_names(whos):
            scene.expect(scene.device_of(who), news.expectation(scene, who, actor, call))


for _news in NEWS:
    _define_second_time(_news)
