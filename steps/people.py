"""Who is there: signing people in on their devices, and their apps' call listeners."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from ringcheck.adapter import CallStatus, CallType, ReceiverType
from ringcheck.scene import Act, Scene

from .calling import act
from .outcomes import NEWS, incoming_from
from .vocabulary import NAME, PRONOUN, WHOS, split_names


@given(parsers.re(rf"(?P<names>{WHOS}) (?:is|are) signed in"))
def signed_in(scene: Scene, names: str) -> None:
    for name in split_names(names):
        scene.sign_in(name)


@given(parsers.re(rf"(?P<name>{NAME}) is signed in on {PRONOUN} (?P<first>[a-z]+) and {PRONOUN} (?P<second>[a-z]+)"))
def signed_in_twice(scene: Scene, name: str, first: str, second: str) -> None:
    scene.sign_in(name, first)
    scene.sign_in(name, second)


@given(parsers.re(rf"(?P<name>{NAME}) is also signed in on {PRONOUN} (?P<device>[a-z]+)"))
def signed_in_also(scene: Scene, name: str, device: str) -> None:
    scene.sign_in(name, device)


ACCEPTED = next(news for news in NEWS if news.says == "{actor} accepted {call}")


@given(parsers.re(rf"(?P<caller>{NAME}) and (?P<receiver>{NAME}) are in a call"))
def in_a_call(scene: Scene, caller: str, receiver: str) -> None:
    """The whole accept flow, each step checked, so later steps start from a real ongoing call."""
    calling, answering = scene.device_of(caller), scene.device_of(receiver)
    uid = scene.person(receiver).uid
    scene.do(
        Act(
            caller,
            f"call {receiver}",
            lambda: calling.device.initiate_call(uid, ReceiverType.USER, CallType.AUDIO),
            CallStatus.INITIATED,
        )
    )
    scene.expect(answering, incoming_from(scene, caller))
    scene.do(act(scene, receiver, "accept", "the call"))
    scene.expect(calling, ACCEPTED.expectation(scene, caller, receiver, "the call"))


@given(parsers.re(rf"(?P<who>{NAME}) also listens with a listener \"(?P<listener>[^\"]+)\""))
@when(parsers.re(rf"(?P<who>{NAME}) also listens with a listener \"(?P<listener>[^\"]+)\""))
def also_listens(scene: Scene, who: str, listener: str) -> None:
    scene.device_of(who).device.add_call_listener(listener)


@given(parsers.re(rf"(?P<who>{NAME}) registers {PRONOUN} listener \"(?P<listener>[^\"]+)\" again"))
def registers_again(scene: Scene, who: str, listener: str) -> None:
    scene.device_of(who).device.add_call_listener(listener)


@when(parsers.re(rf"(?P<who>{NAME}) removes {PRONOUN} listener \"(?P<listener>[^\"]+)\""))
def removes_listener(scene: Scene, who: str, listener: str) -> None:
    scene.device_of(who).device.remove_call_listener(listener)
