"""The feature files' nouns, as regular expressions and what they mean in a scene.

People are capitalised names ("Bob"), optionally with a device ("Bob's laptop"); calls are
referred to as "the call" (the latest), "Alex's call" (the latest Alex started) or "the call
with Carol" (the latest between the speaker and Carol).
"""

from __future__ import annotations

import re

from ringcheck.adapter import CallInfo, CallType, ReceiverType
from ringcheck.scene import DeviceHandle, Scene

NAME = r"[A-Z][a-z]+"
WHO = rf"{NAME}(?:'s [a-z]+)?"
LIST_OF = r"{item}(?:(?:, | and ){item})*"
WHOS = LIST_OF.format(item=WHO)
CALL = rf"the call(?: with {NAME})?|{NAME}'s call"
A_CALL = r"an audio call|a video call"
PRONOUN = r"(?:his|her|their)"
SUBJECT = r"(?:he|she|they)"
CODE = r"[A-Z][A-Z_]+"

UNKNOWN_USER = "a user who does not exist"
UNKNOWN_GROUP = "a group that does not exist"
RECEIVER = rf"{NAME}|the [a-z]+ group|{UNKNOWN_USER}|{UNKNOWN_GROUP}|himself|herself|themselves"


def split_names(text: str) -> list[str]:
    return [part for part in re.split(r", | and ", text) if part]


def handle(scene: Scene, who: str) -> DeviceHandle:
    """ "Bob" is Bob's first device; "Bob's laptop" that one."""
    name, _, device = who.partition("'s ")
    return scene.person(name).device(device or None)


def handles_of_people(scene: Scene, names: str) -> list[DeviceHandle]:
    """Every device of each person named (for "... are not told anything more")."""
    found: list[DeviceHandle] = []
    for who in split_names(names):
        name, _, device = who.partition("'s ")
        person = scene.person(name)
        found.extend([person.device(device)] if device else person.devices.values())
    return found


def call_type(a_call: str) -> CallType:
    return CallType.AUDIO if "audio" in a_call else CallType.VIDEO


def resolve_call(scene: Scene, reference: str, speaker: str) -> CallInfo:
    speaker_name = speaker.partition("'s ")[0]
    if reference == "the call":
        return scene.call()
    if reference.startswith("the call with "):
        other = scene.person(reference.removeprefix("the call with ")).uid
        me = scene.person(speaker_name).uid
        for call in reversed(scene.calls):
            if {call.initiator, call.receiver} == {me, other}:
                return call
        raise AssertionError(f"{speaker_name} and {reference.removeprefix('the call with ')} have had no call")
    return scene.call(started_by=reference.removesuffix("'s call"))


def receiver(scene: Scene, caller: str, text: str) -> tuple[str, ReceiverType]:
    if text == UNKNOWN_USER:
        return "nobody-by-this-name", ReceiverType.USER
    if text == UNKNOWN_GROUP:
        return "no-group-by-this-name", ReceiverType.GROUP
    if text in ("himself", "herself", "themselves"):
        return scene.person(caller.partition("'s ")[0]).uid, ReceiverType.USER
    if text.startswith("the ") and text.endswith(" group"):
        return scene.settings.uid_of(text.removeprefix("the ").removesuffix(" group")), ReceiverType.GROUP
    return scene.person(text).uid, ReceiverType.USER
