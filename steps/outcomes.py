"""What people are told, what they hold, and what they were refused."""

from __future__ import annotations

from pytest_bdd import parsers, then

from ringcheck.adapter import Callback, CallInfo, CallStatus
from ringcheck.expect import Expectation
from ringcheck.scene import Scene

from .vocabulary import CALL, CODE, NAME, SUBJECT, WHO, WHOS, handle, handles_of_people, resolve_call, split_names


def told(scene: Scene, whos: str, expectation: Expectation) -> None:
    for who in split_names(whos):
        scene.expect(handle(scene, who), expectation)


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told of an incoming call from (?P<caller>{NAME})"))
def told_incoming(scene: Scene, whos: str, caller: str) -> None:
    call = scene.call(started_by=caller)
    told(
        scene,
        whos,
        Expectation(
            f"told of an incoming {call.call_type} call from {caller}",
            Callback.INCOMING_CALL_RECEIVED,
            CallStatus.INITIATED,
            call,
            initiator=call.initiator,
            call_type=call.call_type,
        ),
    )


@then(parsers.re(rf"(?P<who>{WHO}) is told that (?P<actor>{NAME}) accepted (?P<call>{CALL})"))
def told_accepted(scene: Scene, who: str, actor: str, call: str) -> None:
    info = resolve_call(scene, call, who)
    told(
        scene,
        who,
        Expectation(f"told that {actor} accepted {call}", Callback.OUTGOING_CALL_ACCEPTED, CallStatus.ONGOING, info),
    )


@then(parsers.re(rf"(?P<who>{WHO}) is told that (?P<actor>{NAME}) rejected (?P<call>{CALL})"))
def told_rejected(scene: Scene, who: str, actor: str, call: str) -> None:
    info = resolve_call(scene, call, who)
    told(
        scene,
        who,
        Expectation(f"told that {actor} rejected {call}", Callback.OUTGOING_CALL_REJECTED, CallStatus.REJECTED, info),
    )


@then(parsers.re(rf"(?P<who>{WHO}) is told that (?P<actor>{NAME}) is busy"))
def told_busy(scene: Scene, who: str, actor: str) -> None:
    info = resolve_call(scene, f"the call with {actor}", who)
    told(scene, who, Expectation(f"told that {actor} is busy", Callback.OUTGOING_CALL_REJECTED, CallStatus.BUSY, info))


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told that (?P<actor>{NAME}) cancelled (?P<call>{CALL})"))
def told_cancelled(scene: Scene, whos: str, actor: str, call: str) -> None:
    info = resolve_call(scene, call, actor)
    told(
        scene,
        whos,
        Expectation(
            f"told that {actor} cancelled {call}", Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED, info
        ),
    )


@then(parsers.re(rf"(?P<who>{WHO}) is told that (?P<call>{CALL}) went unanswered"))
def told_unanswered(scene: Scene, who: str, call: str) -> None:
    info = resolve_call(scene, call, who)
    told(
        scene,
        who,
        Expectation(f"told that {call} went unanswered", Callback.OUTGOING_CALL_REJECTED, CallStatus.UNANSWERED, info),
    )


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told that {SUBJECT} missed (?P<call>{CALL})"))
def told_missed(scene: Scene, whos: str, call: str) -> None:
    info = resolve_call(scene, call, split_names(whos)[0])
    told(
        scene,
        whos,
        Expectation(f"told that they missed {call}", Callback.INCOMING_CALL_CANCELLED, CallStatus.UNANSWERED, info),
    )


@then(parsers.re(rf"(?P<whos>{WHOS}) (?:is|are) told that (?P<call>{CALL}) has ended"))
def told_ended(scene: Scene, whos: str, call: str) -> None:
    info = resolve_call(scene, call, split_names(whos)[0])
    told(
        scene,
        whos,
        Expectation(f"told that {call} has ended", Callback.CALL_ENDED_MESSAGE_RECEIVED, CallStatus.ENDED, info),
    )


@then(parsers.re(rf"(?P<who>{WHO}) is told that the call was answered on another device"))
def told_answered_elsewhere(scene: Scene, who: str) -> None:
    told(
        scene,
        who,
        Expectation(
            "told that the call was answered on another device",
            Callback.OUTGOING_CALL_ACCEPTED,
            CallStatus.ONGOING,
            scene.call(),
        ),
    )


@then(parsers.re(rf"(?P<who>{WHO}) is told that the call was rejected on another device"))
def told_rejected_elsewhere(scene: Scene, who: str) -> None:
    told(
        scene,
        who,
        Expectation(
            "told that the call was rejected on another device",
            Callback.OUTGOING_CALL_REJECTED,
            CallStatus.REJECTED,
            scene.call(),
        ),
    )


@then(
    parsers.re(
        rf"(?P<who>{NAME})'s listeners? (?P<listeners>\"[^\"]+\"(?: and \"[^\"]+\")*)(?: are both| is) "
        rf"told of an incoming call from (?P<caller>{NAME})"
    )
)
def listeners_told_incoming(scene: Scene, who: str, listeners: str, caller: str) -> None:
    call = scene.call(started_by=caller)
    for listener in listeners.strip('"').split('" and "'):
        scene.expect(
            handle(scene, who),
            Expectation(
                f"told on listener {listener!r} of an incoming call from {caller}",
                Callback.INCOMING_CALL_RECEIVED,
                CallStatus.INITIATED,
                call,
                listener_id=listener,
            ),
        )


@then(
    parsers.re(
        rf"(?P<who>{NAME})'s listeners (?P<listeners>\"[^\"]+\"(?: and \"[^\"]+\")*) are both "
        rf"told that (?P<actor>{NAME}) cancelled (?P<call>{CALL})"
    )
)
def listeners_told_cancelled(scene: Scene, who: str, listeners: str, actor: str, call: str) -> None:
    info = resolve_call(scene, call, actor)
    for listener in listeners.strip('"').split('" and "'):
        scene.expect(
            handle(scene, who),
            Expectation(
                f"told on listener {listener!r} that {actor} cancelled {call}",
                Callback.INCOMING_CALL_CANCELLED,
                CallStatus.CANCELLED,
                info,
                listener_id=listener,
            ),
        )


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


@then(parsers.re(rf"(?P<who>{WHO}) is refused with (?P<code>{CODE})"))
def refused_with(scene: Scene, who: str, code: str) -> None:
    attempt = scene.last_attempt()
    if attempt.who != who:
        raise AssertionError(f"the last attempt was {attempt.who}'s ({attempt.what}), not {who}'s")
    if attempt.refusal is None:
        raise AssertionError(
            f"{who} should have been refused with {code} when trying to {attempt.what}, "
            f"but it succeeded: {attempt.result}"
        )
    if attempt.refusal.code != code:
        raise AssertionError(
            f"{who} should have been refused with {code} when trying to {attempt.what}, "
            f"but was refused with {attempt.refusal.code}: {attempt.refusal.message}"
        )


@then(parsers.re(rf"exactly one of them succeeds and the other is refused with (?P<code>{CODE})"))
def exactly_one_succeeds(scene: Scene, code: str) -> None:
    first, second = scene.attempts[-2:]
    outcomes = [
        (a.who, "succeeded" if a.refusal is None else f"was refused with {a.refusal.code}") for a in (first, second)
    ]
    winners = [a for a in (first, second) if a.refusal is None]
    losers = [a for a in (first, second) if a.refusal is not None and a.refusal.code == code]
    if len(winners) != 1 or len(losers) != 1:
        raise AssertionError(
            f"exactly one should succeed and the other be refused with {code}; "
            + "; ".join(f"{who} {what}" for who, what in outcomes)
        )
