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

AWAY_TRIES = 1.5
"""How long "turned away for a while" lasts, in the device's reconnect intervals: its first try
falls inside, its second outside."""


def _fault(scene: Scene, who: str, action: str, status: str | None = None, seconds: float | None = None) -> str:
    """One rule, applied once, for the device ``who`` means ("Bob": his first device, "Bob's
    laptop": that one); a device whose id the implementation does not know: every device of his."""
    device = scene.device_of(who).device
    return scene.implementation.faults().add(
        Fault(action, device.uid, device=device.wire_id, status=status, seconds=seconds)
    )


def _define_news_faults(news: News) -> None:
    """ "Bob will miss the news that Alex cancelled the call" and "... will hear twice ...": the
    news in the words of steps/outcomes.py, the rule matching the call status its event carries."""

    @given(parsers.re(rf"(?P<who>{WHO}) will miss the news that {news.words}"), stacklevel=2)
    def will_miss(scene: Scene, who: str, actor: str | None = None, call: str | None = None) -> None:
        _fault(scene, who, "drop", status=str(news.status))

    @given(parsers.re(rf"(?P<who>{WHO}) will hear twice the news that {news.words}"), stacklevel=2)
    def will_hear_twice(scene: Scene, who: str, actor: str | None = None, call: str | None = None) -> None:
        _fault(scene, who, "duplicate", status=str(news.status))


for _news in NEWS:
    _define_news_faults(_news)


@when(parsers.re(rf"(?P<who>{WHO}) loses (?:his|her|their|its) connection(?P<away> and is turned away for a while)?"))
def loses_connection(scene: Scene, who: str, away: str | None = None) -> None:
    """The server drops the socket as a network would (no goodbye), and if said, refuses the
    device's reconnects for a while (its first try, not its second); the step ends once the
    device has noticed the drop, so whatever happens next happens while it is away."""
    device = scene.device_of(who).device
    if away:
        _fault(scene, who, "refuse-reconnects", seconds=AWAY_TRIES * device.reconnect_interval)
    _fault(scene, who, "close-socket")
    if not device.wait_online(False, scene.deadline):
        raise AssertionError(f"{who} should have noticed within {scene.deadline:g} s that the connection dropped")


@then(parsers.re(rf"(?P<who>{WHO}) is still offline after (?:his|her|their|its) first try"))
def still_offline(scene: Scene, who: str) -> None:
    """The premise of "turned away": time reaches the device's first try, the server refused it
    (its rule was applied), and the device is still away."""
    device = scene.device_of(who).device
    advance(scene, device.reconnect_interval)
    refusals = [
        rule
        for rule in scene.implementation.faults().rules()
        if rule.get("action") == "refuse-reconnects" and rule.get("target", {}).get("uid") == device.uid
    ]
    if not any(rule.get("applied", 0) >= 1 for rule in refusals):
        raise AssertionError(
            f"{who} should have been turned away when it first tried to reconnect; "
            f"the server did not refuse it (rules: {refusals})"
        )
    if not device.wait_online(False, scene.deadline):
        raise AssertionError(f"{who} was turned away, yet it is back online")


@when(parsers.re(rf"(?P<who>{WHO}) is back online once (?:he|she|they|it) tries again"))
def back_online(scene: Scene, who: str) -> None:
    """Time moves to the device's next try to reconnect (its own interval: SDK 5 seconds), and
    the device must be back."""
    device = scene.device_of(who).device
    advance(scene, device.reconnect_interval)
    if not device.wait_online(True, scene.deadline):
        raise AssertionError(
            f"{who} should have reconnected when it tried again {device.reconnect_interval:g} s later; "
            f"it was still offline {scene.deadline:g} s after"
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
