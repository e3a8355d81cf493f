"""What people do with calls. "X does" must succeed; "X tries to do" records a possible refusal."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pytest_bdd import parsers, when

from ringcheck.adapter import CallInfo, CallStatus, Device
from ringcheck.scene import Scene

from .vocabulary import A_CALL, CALL, PRONOUN, RECEIVER, SUBJECT, WHO, call_type, handle, receiver, resolve_call

TIMEOUT = r"(?: with a timeout of (?P<timeout>-?[0-9.]+) seconds)?"
TRIES = r"(?P<tries>tries to )?"


def perform(
    scene: Scene, who: str, tries: str | None, what: str, action: Callable[[], CallInfo | None], answers: CallStatus
) -> None:
    """Do it, or, for "tries to", keep the result or refusal for the Then steps. Either way, an
    operation that goes through must answer with the call in the status it moved the call to."""

    def checked() -> CallInfo | None:
        call = action()
        if call is None or call.status is not answers:
            got = "nothing" if call is None else f"a call that is {call.status}"
            raise AssertionError(
                f"when {who} tried to {what}, the answer should have been the call, now {answers}; it was {got}"
            )
        return call

    if tries:
        scene.attempt(who, what, checked)
    else:
        checked()


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?:starts|start) (?P<a_call>{A_CALL}) to (?P<to>{RECEIVER}){TIMEOUT}"))
def start_call(scene: Scene, who: str, tries: str | None, a_call: str, to: str, timeout: str | None) -> None:
    device = handle(scene, who).device
    receiver_id, receiver_type = receiver(scene, who, to)
    seconds = None if timeout is None else float(timeout)

    def start() -> CallInfo:
        call = scene.remember(device.initiate_call(receiver_id, receiver_type, call_type(a_call), seconds))
        asked = (call_type(a_call), receiver_type, receiver_id)
        if (call.call_type, call.receiver_type, call.receiver) != asked:
            raise AssertionError(
                f"{who} started {a_call} to {to} ({asked[0]} call to {asked[1]} {receiver_id}); "
                f"the call that came back is {call.call_type} to {call.receiver_type} {call.receiver}"
            )
        return call

    perform(scene, who, tries, f"start {a_call} to {to}", start, answers=CallStatus.INITIATED)


OPERATIONS: dict[str, tuple[Callable[[Device, str], CallInfo | None], CallStatus]] = {
    "accept": (lambda device, session_id: device.accept_call(session_id), CallStatus.ONGOING),
    "reject": (lambda device, session_id: device.reject_call(session_id, CallStatus.REJECTED), CallStatus.REJECTED),
    "cancel": (lambda device, session_id: device.reject_call(session_id, CallStatus.CANCELLED), CallStatus.CANCELLED),
    "end": (lambda device, session_id: device.end_call(session_id), CallStatus.ENDED),
}
"""What "accepts the call", "rejects", "cancels" and "ends" do on the device, and the status the
call is in when the operation answers (SPEC section 2: every operation resolves with the call)."""


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?P<verb>accepts?|rejects?|cancels?|ends?) (?P<call>{CALL})"))
def act_on_call(scene: Scene, who: str, tries: str | None, verb: str, call: str) -> None:
    device, info = handle(scene, who).device, resolve_call(scene, call, who)
    operation, answers = OPERATIONS[verb.removesuffix("s")]
    action = verb.removesuffix("s")
    perform(scene, who, tries, f"{action} {call}", lambda: operation(device, info.session_id), answers)


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?:answers|answer) (?P<call>{CALL}) that {SUBJECT} is busy"))
def busy(scene: Scene, who: str, tries: str | None, call: str) -> None:
    device, info = handle(scene, who).device, resolve_call(scene, call, who)
    perform(
        scene,
        who,
        tries,
        f"answer {call} busy",
        lambda: device.reject_call(info.session_id, CallStatus.BUSY),
        answers=CallStatus.BUSY,
    )


@when(parsers.re(rf"(?P<who>{WHO}) clears {PRONOUN} active call"))
def clear_active_call(scene: Scene, who: str) -> None:
    handle(scene, who).device.clear_active_call()


@when(parsers.re(rf"(?P<who>{WHO}) tries to accept a call that does not exist"))
def accept_unknown(scene: Scene, who: str) -> None:
    device = handle(scene, who).device
    scene.attempt(who, "accept a call that does not exist", lambda: device.accept_call("v1.no-such-session"))


@when(parsers.re(rf"(?P<first>{WHO}) and (?P<second>{WHO}) both try to accept (?P<call>{CALL})"))
def both_accept(scene: Scene, first: str, second: str, call: str) -> None:
    info = resolve_call(scene, call, first)
    for who in (first, second):
        device = handle(scene, who).device
        accept = partial(device.accept_call, info.session_id)
        perform(scene, who, "tries to", f"accept {call}", accept, answers=CallStatus.ONGOING)
