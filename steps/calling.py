"""What people do with calls. "X does" must succeed; "X tries to do" records a possible refusal."""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import parsers, when

from ringcheck.adapter import CallInfo, CallStatus, Device
from ringcheck.scene import Scene

from .vocabulary import A_CALL, CALL, PRONOUN, RECEIVER, SUBJECT, WHO, call_type, handle, receiver, resolve_call

TIMEOUT = r"(?: with a timeout of (?P<timeout>-?[0-9.]+) seconds)?"
TRIES = r"(?P<tries>tries to )?"


def perform(scene: Scene, who: str, tries: str | None, what: str, action: Callable[[], CallInfo | None]) -> None:
    """Do it, or, for "tries to", keep the result or refusal for the Then steps."""
    if tries:
        scene.attempt(who, what, action)
    else:
        action()


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?:starts|start) (?P<a_call>{A_CALL}) to (?P<to>{RECEIVER}){TIMEOUT}"))
def start_call(scene: Scene, who: str, tries: str | None, a_call: str, to: str, timeout: str | None) -> None:
    device = handle(scene, who).device
    receiver_id, receiver_type = receiver(scene, who, to)
    seconds = None if timeout is None else float(timeout)

    def start() -> CallInfo:
        return scene.remember(device.initiate_call(receiver_id, receiver_type, call_type(a_call), seconds))

    perform(scene, who, tries, f"start {a_call} to {to}", start)


OPERATIONS: dict[str, Callable[[Device, str], CallInfo | None]] = {
    "accept": lambda device, session_id: device.accept_call(session_id),
    "reject": lambda device, session_id: device.reject_call(session_id, CallStatus.REJECTED),
    "cancel": lambda device, session_id: device.reject_call(session_id, CallStatus.CANCELLED),
    "end": lambda device, session_id: device.end_call(session_id),
}
"""What "accepts the call", "rejects", "cancels" and "ends" do on the device (SPEC section 2)."""


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?P<verb>accepts?|rejects?|cancels?|ends?) (?P<call>{CALL})"))
def act_on_call(scene: Scene, who: str, tries: str | None, verb: str, call: str) -> None:
    device, info = handle(scene, who).device, resolve_call(scene, call, who)
    operation = OPERATIONS[verb.removesuffix("s")]
    perform(scene, who, tries, f"{verb.removesuffix('s')} {call}", lambda: operation(device, info.session_id))


@when(parsers.re(rf"(?P<who>{WHO}) {TRIES}(?:answers|answer) (?P<call>{CALL}) that {SUBJECT} is busy"))
def busy(scene: Scene, who: str, tries: str | None, call: str) -> None:
    device, info = handle(scene, who).device, resolve_call(scene, call, who)
    perform(scene, who, tries, f"answer {call} busy", lambda: device.reject_call(info.session_id, CallStatus.BUSY))


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
        scene.attempt(who, f"accept {call}", lambda device=device: device.accept_call(info.session_id))  # type: ignore[misc]
