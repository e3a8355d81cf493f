"""The feature files' nouns, as regular expressions and what they mean in a scene.

People are capitalised names ("Bob"), optionally with a device ("Bob's laptop"); calls are
referred to as "the call" (the latest the speaker knows), "Alex's call" (the latest Alex
started) or "the call with Carol" (the latest between the speaker and Carol). Which call that
is, is decided by the scene from the speaker's point of view (:meth:`Scene.call_of`).
"""

from __future__ import annotations

import re

from ringcheck.adapter import CallType, ReceiverType
from ringcheck.party import CallRef
from ringcheck.scene import Scene

NAME = r"[A-Z][a-z]+"
WHO = rf"{NAME}(?:'s [a-z]+)?"
LIST_OF = r"{item}(?:(?:, | and ){item})*"
WHOS = LIST_OF.format(item=WHO)
CALL = rf"the call(?: with {NAME})?|{NAME}'s call"
A_CALL = r"an audio call|a video call"
PRONOUN = r"(?:his|her|their)"
SUBJECT = r"(?:he|she|they)"
CODE = r"[A-Z][A-Z_]+"
CODES = rf"{CODE}(?: or {CODE})*"
GROUP = r"the [a-z]+ group"

UNKNOWN_USER = "a user who does not exist"
UNKNOWN_GROUP = "a group that does not exist"
RECEIVER = rf"{NAME}|{GROUP}|{UNKNOWN_USER}|{UNKNOWN_GROUP}|himself|herself|themselves"


def split_names(text: str) -> list[str]:
    return [part for part in re.split(r", | and ", text) if part]


def call_type(a_call: str) -> CallType:
    return CallType.AUDIO if "audio" in a_call else CallType.VIDEO


def call_ref(scene: Scene, words: str) -> CallRef:
    if words.startswith("the call with "):
        return CallRef(words, other=scene.person(words.removeprefix("the call with ")).uid)
    if words.endswith("'s call"):
        return CallRef(words, initiator=scene.person(words.removesuffix("'s call")).uid)
    return CallRef(words)


def group_id(scene: Scene, words: str) -> str:
    """ "the team group" is the group the cast calls team."""
    return scene.settings.uid_of(words.removeprefix("the ").removesuffix(" group"))


def receiver(scene: Scene, caller: str, text: str) -> tuple[str, ReceiverType]:
    if text == UNKNOWN_USER:
        return "nobody-by-this-name", ReceiverType.USER
    if text == UNKNOWN_GROUP:
        return "no-group-by-this-name", ReceiverType.GROUP
    if text in ("himself", "herself", "themselves"):
        return scene.person_of(caller).uid, ReceiverType.USER
    if re.fullmatch(GROUP, text):
        return group_id(scene, text), ReceiverType.GROUP
    return scene.person(text).uid, ReceiverType.USER
