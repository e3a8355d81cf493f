"""What people are told, what they hold, and what they were refused."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from pytest_bdd import parsers, then

from ringcheck.adapter import Callback, CallInfo, CallStatus
from ringcheck.expect import Expectation
from ringcheck.scene import Scene

from .vocabulary import CALL, CODE, NAME, SUBJECT, WHO, WHOS, handle, handles_of_people, resolve_call, split_names


def incoming_from(scene: Scene, caller: str) -> Expectation:
    call = scene.call(started_by=caller)
    return Expectation(
        f"told of an incoming {call.call_type} call from {caller}",
        Callback.INCOMING_CALL_RECEIVED,
        CallStatus.INITIATED,
        call,
        initiator=call.initiator,
        call_type=call.call_type,
    )


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told of an incoming call from (?P<caller>{NAME})"))
def told_incoming(scene: Scene, whos: str, caller: str) -> None:
    for who in split_names(whos):
        scene.expect(handle(scene, who), incoming_from(scene, caller))


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

LISTENERS = r"(?P<listeners>\"[^\"]+\"(?: and \"[^\"]+\")*)"


def _listener_ids(listeners: str) -> list[str]:
    return listeners.strip('"').split('" and "')


def _define_news_steps(news: News) -> None:
    """Two steps for each kind of news: "Bob is told that ..." and "Bob's listener "x" is told that ..."."""

    def expectation(scene: Scene, listener: str, actor: str | None, call: str | None) -> Expectation:
        # "the call with X" is seen from the listener's side; "is busy" is about the call with the actor.
        reference = call or (f"the call with {actor}" if actor else "the call")
        described = news.says.format(actor=actor, call=call)
        about = resolve_call(scene, reference, listener)
        caused_by = {
            "actor": scene.person(actor).uid if actor else None,
            "caller": about.initiator,
            "listener": scene.person(listener.partition("'s ")[0]).uid,
            None: None,
        }[news.caused_by]
        return Expectation(f"told that {described}", news.callback, news.status, about, sender=caused_by)

    @then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told that {news.words}"), stacklevel=2)
    def party_told(scene: Scene, whos: str, actor: str | None = None, call: str | None = None) -> None:
        for who in split_names(whos):
            scene.expect(handle(scene, who), expectation(scene, who, actor, call))

    @then(parsers.re(rf"(?P<who>{NAME})'s listeners? {LISTENERS} (?:are both|is) told that {news.words}"), stacklevel=2)
    def listeners_told(
        scene: Scene, who: str, listeners: str, actor: str | None = None, call: str | None = None
    ) -> None:
        for listener in _listener_ids(listeners):
            told = expectation(scene, who, actor, call)
            scene.expect(handle(scene, who), replace(told, listener_id=listener))


for _news in NEWS:
    _define_news_steps(_news)


@then(
    parsers.re(
        rf"(?P<who>{NAME})'s listeners? {LISTENERS} (?:are both|is) told of an incoming call from (?P<caller>{NAME})"
    )
)
def listeners_told_incoming(scene: Scene, who: str, listeners: str, caller: str) -> None:
    for listener in _listener_ids(listeners):
        scene.expect(handle(scene, who), replace(incoming_from(scene, caller), listener_id=listener))


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) not told anything more"))
def not_told_anything_more(scene: Scene, whos: str) -> None:
    scene.expect_nothing_more(handles_of_people(scene, whos))


def _describe(call: CallInfo | None) -> str:
    return "no active call" if call is None else f"the active call {call}"


@then(parsers.re(rf"(?P<who>{WHO})'s active call is (?P<call>{CALL})"))
def active_call_is(scene: Scene, who: str, call: str) -> None:
    expected = resolve_call(scene, call, who)
    scene.settle()
    active = handle(scene, who).device.get_active_call()
    if active is None or active.session_id != expected.session_id:
        raise AssertionError(
            f"{who}'s active call should be {call} ({expected.session_id}); {who} has {_describe(active)}"
        )


@then(parsers.re(rf"(?P<who>{WHO}) has no active call"))
def no_active_call(scene: Scene, who: str) -> None:
    scene.settle()
    active = handle(scene, who).device.get_active_call()
    if active is not None:
        raise AssertionError(f"{who} should have no active call; {who} has {_describe(active)}")


REASON = rf"because (?P<reason>[^()]+) \((?P<code>{CODE})\)"
"""A refusal in plain words, then its error code: "because the call is already over (ERR_CALL_TERMINATED)"."""


@then(parsers.re(rf"(?P<who>{WHO}) is refused {REASON}"))
def refused_with(scene: Scene, who: str, reason: str, code: str) -> None:
    attempt = scene.last_attempt()
    if attempt.who != who:
        raise AssertionError(f"the last attempt was {attempt.who}'s ({attempt.what}), not {who}'s")
    if attempt.refusal is None:
        raise AssertionError(
            f"{who} should have been refused when trying to {attempt.what}, because {reason} ({code}); "
            f"it succeeded: {attempt.result}"
        )
    if attempt.refusal.code != code:
        raise AssertionError(
            f"{who} should have been refused when trying to {attempt.what}, because {reason} ({code}); "
            f"it was refused with {attempt.refusal.code}: {attempt.refusal.message}"
        )


@then(parsers.re(rf"exactly one of them succeeds and the other is refused {REASON}"))
def exactly_one_succeeds(scene: Scene, reason: str, code: str) -> None:
    first, second = scene.attempts[-2:]
    outcomes = [
        (a.who, "succeeded" if a.refusal is None else f"was refused with {a.refusal.code}") for a in (first, second)
    ]
    winners = [a for a in (first, second) if a.refusal is None]
    losers = [a for a in (first, second) if a.refusal is not None and a.refusal.code == code]
    if len(winners) != 1 or len(losers) != 1:
        raise AssertionError(
            f"exactly one should succeed and the other be refused because {reason} ({code}); "
            + "; ".join(f"{who} {what}" for who, what in outcomes)
        )
