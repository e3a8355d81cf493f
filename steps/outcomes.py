"""What people are told, what they hold, and what they were refused."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import allure
from pytest_bdd import parsers, then

from ringcheck.adapter import Callback, CallInfo, CallStatus, ReceiverType
from ringcheck.expect import Expectation
from ringcheck.scene import DEFAULT_LISTENER, Attempt, Scene

from .vocabulary import CALL, CODES, GROUP, NAME, SUBJECT, WHO, WHOS, call_ref, call_type, group_id, split_names

KIND = r"(?:(?P<kind>audio|video) )?"
TO = rf"(?: to (?P<to>{GROUP}))?"
LISTENERS = r"(?P<listeners>\"[^\"]+\"(?: and \"[^\"]+\")*)"


def _listener_ids(listeners: str | None) -> list[str]:
    return [DEFAULT_LISTENER] if listeners is None else listeners.strip('"').split('" and "')


def incoming_from(
    scene: Scene, caller: str, kind: str | None = None, to: str | None = None, listener: str = DEFAULT_LISTENER
) -> Expectation:
    """The ring of the latest call ``caller`` started: the same call, from them, to whom they called,
    and, where the step says so, of that kind and to that group."""
    call = scene.started_by(caller)
    words = f"an incoming {kind + ' ' if kind else ''}call from {caller}{' to ' + to if to else ''}"
    ring = Expectation(
        f"told of {words}",
        Callback.INCOMING_CALL_RECEIVED,
        CallStatus.INITIATED,
        listener_id=listener,
        sender=call.initiator,
    ).about(call)
    if kind:
        ring = replace(ring, call_type=call_type(kind))
    if to:
        ring = replace(ring, receiver_type=ReceiverType.GROUP, receiver=group_id(scene, to))
    return ring


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told of an incoming {KIND}call from (?P<caller>{NAME}){TO}"))
def told_incoming(scene: Scene, whos: str, caller: str, kind: str | None = None, to: str | None = None) -> None:
    for who in split_names(whos):
        scene.expect(scene.device_of(who), incoming_from(scene, caller, kind, to))


@then(
    parsers.re(
        rf"(?P<who>{NAME})'s listeners? {LISTENERS} (?:are both|is) told of an incoming call from (?P<caller>{NAME})"
    )
)
def listeners_told_incoming(scene: Scene, who: str, listeners: str, caller: str) -> None:
    for listener in _listener_ids(listeners):
        scene.expect(scene.device_of(who), incoming_from(scene, caller, listener=listener))


@dataclass(frozen=True)
class News:
    """One thing a party can be told: the words after "told that", and the callback that says it."""

    words: str
    """A regular expression; its optional groups ``actor`` and ``call`` say who acted, on which call."""
    says: str
    """The same in plain words for failure messages, with ``{actor}`` and ``{call}`` filled in."""
    callback: Callback
    status: CallStatus
    caused_by: Literal["actor", "caller", "listener"] | None = "actor"
    """Whose action the news must say caused it: the one named, the caller (whose no-answer timer
    ran out), the listener themselves (answered on another of their devices), or nobody named."""

    def expectation(self, scene: Scene, listener: str, actor: str | None, call: str | None) -> Expectation:
        # "the call with X" is seen from the listener's side; "is busy" is about the call with the actor.
        reference = call or (f"the call with {actor}" if actor else "the call")
        about = scene.call_told_to(listener, call_ref(scene, reference))
        caused_by = {
            "actor": scene.person(actor).uid if actor else None,
            "caller": about.initiator,
            "listener": scene.person_of(listener).uid,
            None: None,
        }[self.caused_by]
        described = self.says.format(actor=actor, call=call)
        told = Expectation(f"told that {described}", self.callback, self.status, listener_id=DEFAULT_LISTENER)
        return replace(told, sender=caused_by).about(about)


NEWS = [
    News(
        rf"(?P<actor>{NAME}) accepted (?P<call>{CALL})",
        "{actor} accepted {call}",
        Callback.OUTGOING_CALL_ACCEPTED,
        CallStatus.ONGOING,
    ),
    News(
        rf"(?P<actor>{NAME}) rejected (?P<call>{CALL})",
        "{actor} rejected {call}",
        Callback.OUTGOING_CALL_REJECTED,
        CallStatus.REJECTED,
    ),
    News(rf"(?P<actor>{NAME}) is busy", "{actor} is busy", Callback.OUTGOING_CALL_REJECTED, CallStatus.BUSY),
    News(
        rf"(?P<actor>{NAME}) cancelled (?P<call>{CALL})",
        "{actor} cancelled {call}",
        Callback.INCOMING_CALL_CANCELLED,
        CallStatus.CANCELLED,
    ),
    News(
        rf"(?P<actor>{NAME}) ended (?P<call>{CALL})",
        "{actor} ended {call}",
        Callback.CALL_ENDED_MESSAGE_RECEIVED,
        CallStatus.ENDED,
    ),
    News(
        rf"(?P<call>{CALL}) has ended",
        "{call} has ended",
        Callback.CALL_ENDED_MESSAGE_RECEIVED,
        CallStatus.ENDED,
        caused_by=None,
    ),
    News(
        rf"(?P<call>{CALL}) went unanswered",
        "{call} went unanswered",
        Callback.OUTGOING_CALL_REJECTED,
        CallStatus.UNANSWERED,
        caused_by="caller",
    ),
    News(
        rf"{SUBJECT} missed (?P<call>{CALL})",
        "they missed {call}",
        Callback.INCOMING_CALL_CANCELLED,
        CallStatus.UNANSWERED,
        caused_by="caller",
    ),
    # "Answered elsewhere": the SDK dispatches the news on the receiver's other devices by status.
    News(
        "the call was answered on another device",
        "the call was answered on another device",
        Callback.OUTGOING_CALL_ACCEPTED,
        CallStatus.ONGOING,
        caused_by="listener",
    ),
    News(
        "the call was answered busy on another device",
        "the call was answered busy on another device",
        Callback.OUTGOING_CALL_REJECTED,
        CallStatus.BUSY,
        caused_by="listener",
    ),
    News(
        "the call was rejected on another device",
        "the call was rejected on another device",
        Callback.OUTGOING_CALL_REJECTED,
        CallStatus.REJECTED,
        caused_by="listener",
    ),
]


def _define_news_steps(news: News) -> None:
    """Three steps for each kind of news: "Bob is told that ...", "Bob's listener "x" is told
    that ..." and, after a race, "the device that was refused is told that ..."."""

    @then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told that {news.words}"), stacklevel=2)
    def party_told(scene: Scene, whos: str, actor: str | None = None, call: str | None = None) -> None:
        for who in split_names(whos):
            scene.expect(scene.device_of(who), news.expectation(scene, who, actor, call))

    @then(parsers.re(rf"(?P<who>{NAME})'s listeners? {LISTENERS} (?:are both|is) told that {news.words}"), stacklevel=2)
    def listeners_told(
        scene: Scene, who: str, listeners: str, actor: str | None = None, call: str | None = None
    ) -> None:
        for listener in _listener_ids(listeners):
            scene.expect(scene.device_of(who), replace(news.expectation(scene, who, actor, call), listener_id=listener))

    @then(parsers.re(rf"the device that was refused is told that {news.words}"), stacklevel=2)
    def loser_told(scene: Scene, actor: str | None = None, call: str | None = None) -> None:
        loser = race_loser(scene).who
        scene.expect(scene.device_of(loser), news.expectation(scene, loser, actor, call))


for _news in NEWS:
    _define_news_steps(_news)


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) not told anything more"))
def not_told_anything_more(scene: Scene, whos: str) -> None:
    scene.expect_nothing_more([handle for who in split_names(whos) for handle in scene.devices_of(who)])


@then("the device that answered is not told anything more")
def winner_told_nothing_more(scene: Scene) -> None:
    winners = [a for a in race(scene) if a.refusal is None]
    scene.expect_nothing_more([scene.device_of(winner.who) for winner in winners])


@then(parsers.re(rf"each of (?P<who>{NAME})'s calls has a session of its own"))
def sessions_of_their_own(scene: Scene, who: str) -> None:
    person = scene.person(who)
    started = [known.call.session_id for known in person.known_calls() if known.call.initiator == person.uid]
    if len(started) < 2 or len(set(started)) != len(started):
        raise AssertionError(
            f"each of {who}'s calls should have a session id of its own; they had: {', '.join(started)}"
        )


def _describe(call: CallInfo | None) -> str:
    return "no active call" if call is None else f"the active call {call}"


@then(parsers.re(rf"(?P<who>{WHO})'s active call is (?P<call>{CALL})"))
def active_call_is(scene: Scene, who: str, call: str) -> None:
    expected = scene.call_of(who, call_ref(scene, call))
    active = scene.device_of(who).device.get_active_call()
    if active is None or active.session_id != expected.session_id:
        raise AssertionError(
            f"{who}'s active call should be {call} ({expected.session_id}); {who} has {_describe(active)}"
        )


@then(parsers.re(rf"(?P<who>{WHO}) has no active call"))
def no_active_call(scene: Scene, who: str) -> None:
    scene.settle(scene.devices_of(who))
    active = scene.device_of(who).device.get_active_call()
    if active is not None:
        raise AssertionError(f"{who} should have no active call; {who} has {_describe(active)}")


REASON = rf"because (?P<reason>[^()]+) \((?P<codes>{CODES})\)"
"""A refusal in plain words, then its error code, or the codes the specification allows:
"because the call is already over (ERR_CALL_TERMINATED)"."""


def _refused_as_allowed(attempt: Attempt, reason: str, codes: str) -> str:
    """Why ``attempt`` is not a refusal with one of ``codes``; empty if it is."""
    allowed = codes.split(" or ")
    expected = f"{attempt.who} should have been refused when trying to {attempt.what}, because {reason} ({codes})"
    if attempt.refusal is None:
        return f"{expected}; it succeeded: {attempt.result}"
    if attempt.refusal.code not in allowed:
        return f"{expected}; it was refused with {attempt.refusal.code}: {attempt.refusal.message}"
    if len(allowed) > 1:
        allure.attach(
            f"{attempt.who} was refused with {attempt.refusal.code}, one of the answers allowed: {', '.join(allowed)}",
            f"which allowed answer {attempt.who} got",
            allure.attachment_type.TEXT,
        )
    return ""


@then(parsers.re(rf"(?P<who>{WHO}) is refused {REASON}"))
def refused_with(scene: Scene, who: str, reason: str, codes: str) -> None:
    attempt = scene.last_attempt()
    if attempt.who != who:
        raise AssertionError(f"the last attempt was {attempt.who}'s ({attempt.what}), not {who}'s")
    problem = _refused_as_allowed(attempt, reason, codes)
    if problem:
        raise AssertionError(problem)


def race(scene: Scene) -> list[Attempt]:
    if not scene.last_race:
        raise AssertionError("no step in this scenario had two people try something at the same moment")
    return scene.last_race


def race_loser(scene: Scene) -> Attempt:
    losers = [a for a in race(scene) if a.refusal is not None]
    if len(losers) != 1:
        raise AssertionError(f"the last two attempts should have had one refusal, they had {len(losers)}")
    return losers[0]


@then(parsers.re(rf"exactly one of them succeeds and the other is refused {REASON}"))
def exactly_one_succeeds(scene: Scene, reason: str, codes: str) -> None:
    first, second = race(scene)
    outcomes = [
        (a.who, "succeeded" if a.refusal is None else f"was refused with {a.refusal.code}") for a in (first, second)
    ]
    winners = [a for a in (first, second) if a.refusal is None]
    losers = [a for a in (first, second) if a.refusal is not None and not _refused_as_allowed(a, reason, codes)]
    if len(winners) != 1 or len(losers) != 1:
        raise AssertionError(
            f"exactly one should succeed and the other be refused because {reason} ({codes}); "
            + "; ".join(f"{who} {what}" for who, what in outcomes)
        )
