"""What people do with calls. "X does" must succeed; "X tries to do" records a possible refusal."""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import given, parsers, when

from ringcheck.adapter import CallInfo, CallStatus, Device
from ringcheck.scene import Act, Scene

from .vocabulary import A_CALL, CALL, PRONOUN, RECEIVER, SUBJECT, WHO, call_ref, call_type, receiver

TIMEOUT = r"(?: with a timeout of (?P<timeout>-?[0-9.]+) seconds)?"
TRIES = r"(?P<tries>tries to )?"
NO_SUCH_SESSION = "v1.no-such-session"
NO_SUCH_STATUS = "dancing"


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?:starts|start) (?P<a_call>{A_CALL}) to (?P<to>{RECEIVER}){TIMEOUT}"))
def start_call(scene: Scene, who: str, tries: str | None, a_call: str, to: str, timeout: str | None) -> None:
    device = scene.device_of(who).device
    receiver_id, receiver_type = receiver(scene, who, to)
    kind, seconds = call_type(a_call), None if timeout is None else float(timeout)

    def start() -> CallInfo:
        call = device.initiate_call(receiver_id, receiver_type, kind, seconds)
        if (call.call_type, call.receiver_type, call.receiver) != (kind, receiver_type, receiver_id):
            raise AssertionError(
                f"{who} started {a_call} to {to} ({kind} call to {receiver_type} {receiver_id}); "
                f"the call that came back is {call.call_type} to {call.receiver_type} {call.receiver}"
            )
        return call

    scene.do(Act(who, f"start {a_call} to {to}", start, CallStatus.INITIATED), tries=bool(tries))


OPERATIONS: dict[str, tuple[Callable[[Device, str], CallInfo | None], CallStatus]] = {
    "accept": (lambda device, session_id: device.accept_call(session_id), CallStatus.ONGOING),
    "reject": (lambda device, session_id: device.reject_call(session_id, CallStatus.REJECTED), CallStatus.REJECTED),
    "cancel": (lambda device, session_id: device.reject_call(session_id, CallStatus.CANCELLED), CallStatus.CANCELLED),
    "end": (lambda device, session_id: device.end_call(session_id), CallStatus.ENDED),
    "answer busy": (lambda device, session_id: device.reject_call(session_id, CallStatus.BUSY), CallStatus.BUSY),
}
"""What "accepts the call", "rejects", "cancels", "ends" and "answers ... busy" do on the device,
and the status the call is in when the operation answers (SPEC section 2)."""


def act(scene: Scene, who: str, verb: str, call: str, tries: bool = False) -> Act:
    """``who`` does ``verb`` to the call they mean by ``call``. Somebody who only *tries* may be
    a stranger to the call, who acts on the scenario's call as if they had its session id."""
    operation, answers = OPERATIONS[verb]
    about = scene.call_of(who, call_ref(scene, call), outsider=tries)
    device = scene.device_of(who).device
    return Act(who, f"{verb} {call}", lambda: operation(device, about.session_id), answers, about)


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?P<verb>accepts?|rejects?|cancels?|ends?) (?P<call>{CALL})"))
def act_on_call(scene: Scene, who: str, tries: str | None, verb: str, call: str) -> None:
    scene.do(act(scene, who, verb.removesuffix("s"), call, bool(tries)), tries=bool(tries))


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?:answers|answer) (?P<call>{CALL}) that {SUBJECT} is busy"))
def busy(scene: Scene, who: str, tries: str | None, call: str) -> None:
    scene.do(act(scene, who, "answer busy", call, bool(tries)), tries=bool(tries))


@when(parsers.re(rf"(?P<first>{WHO}) and (?P<second>{WHO}) both try to accept (?P<call>{CALL}) at the same moment"))
def both_accept(scene: Scene, first: str, second: str, call: str) -> None:
    scene.race([act(scene, who, "accept", call, tries=True) for who in (first, second)])


@when(parsers.re(rf"(?P<who>{WHO}) tries to accept a call that does not exist"))
def accept_unknown(scene: Scene, who: str) -> None:
    device = scene.device_of(who).device
    accept = Act(who, "accept a call that does not exist", lambda: device.accept_call(NO_SUCH_SESSION), answers=None)
    scene.do(accept, tries=True)


@when(parsers.re(rf"(?P<who>{WHO}) tries to end (?P<call>{CALL}) again"))
def end_again(scene: Scene, who: str, call: str) -> None:
    """Once a call is over an app has forgotten it (its end cleared the active call), so only a
    client that can send any status gets the second end to the server."""
    send_status(scene, who, call, "ended", f"end {call} again")


@when(parsers.re(rf"(?P<who>{WHO}) tries to mark (?P<call>{CALL}) as unanswered"))
def mark_unanswered(scene: Scene, who: str, call: str) -> None:
    """What only the caller's own no-answer timer sends, sent by hand."""
    send_status(scene, who, call, "unanswered", f"mark {call} as unanswered")


@when(parsers.re(rf"(?P<who>{WHO}) tries to put (?P<call>{CALL}) back to ringing"))
def back_to_ringing(scene: Scene, who: str, call: str) -> None:
    send_status(scene, who, call, "initiated", f"put {call} back to ringing")


@when(parsers.re(rf"(?P<who>{WHO}) tries to give (?P<call>{CALL}) a status that does not exist"))
def no_such_status(scene: Scene, who: str, call: str) -> None:
    send_status(scene, who, call, NO_SUCH_STATUS, f"give {call} the status {NO_SUCH_STATUS!r}, which does not exist")


def send_status(scene: Scene, who: str, call: str, status: str, what: str) -> None:
    """Only ever expected to be refused: whatever comes back otherwise is for the Then step to show."""
    about = scene.call_of(who, call_ref(scene, call))
    device = scene.device_of(who).device
    scene.do(Act(who, what, lambda: device.send_status(about.session_id, status), answers=None), tries=True)


@when(parsers.re(rf"(?P<who>{WHO}) clears {PRONOUN} active call"))
def clear_active_call(scene: Scene, who: str) -> None:
    scene.device_of(who).device.clear_active_call()


@given(parsers.re(rf"(?P<who>{WHO}) has signed out"))
@when(parsers.re(rf"(?P<who>{WHO}) signs out"))
def signs_out(scene: Scene, who: str) -> None:
    scene.device_of(who).device.sign_out()
