"""One scenario as a sequence of beats: what crossed the wire and what each device's app heard.

The wire (requests, answers, frames, the server's timers) comes in the server's own order. The
listener callbacks and the refusals come in the scenario's order. They are merged by cause: a
callback is placed right after the frame that carried it to that device (same session, same
status); one no frame explains (the caller's own no-answer report, a refusal the client made
without asking the server) follows the scenario's previous beat. Pure: no I/O, no pytest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .adapter import WireEntry
from .scene import DEFAULT_LISTENER, Scene

SERVER = "server"

BeatKind = Literal["request", "response", "frame", "timer", "fault", "callback", "refused", "missed"]


@dataclass(frozen=True)
class Beat:
    kind: BeatKind
    source: str
    """The lane it starts from (a device's name, or the server)."""
    target: str
    """The lane it goes to; the same as ``source`` for something that happens on one lane."""
    text: str
    alarm: bool = False
    """A refusal, or the expectation that failed: drawn in red."""


@dataclass
class Timeline:
    lanes: list[str]
    beats: list[Beat]


@dataclass
class _Slot:
    beat: Beat | None
    after: list[Beat] = field(default_factory=list)
    entry: WireEntry | None = None
    used: bool = False


def _wire_beat(entry: WireEntry, lanes: list[str]) -> Beat | None:
    device = entry.device if entry.device in lanes else None
    if entry.kind == "timer":
        return Beat("timer", SERVER, SERVER, entry.text)
    if entry.kind == "fault":
        # A mark on the lifeline of the device it struck (the server's, for one that names none).
        lane = device or SERVER
        return Beat("fault", lane, lane, entry.text)
    if device is None:
        return None
    if entry.kind == "request":
        return Beat("request", device, SERVER, entry.text)
    return Beat(entry.kind, SERVER, device, entry.text, alarm=entry.refused)


def build(scene: Scene, wire: Sequence[WireEntry]) -> Timeline:
    devices = [handle.label for handle in scene.devices()]
    lanes = [*devices, SERVER] if wire else devices
    slots = [_Slot(None)]
    for entry in wire:
        beat = _wire_beat(entry, devices)
        if beat is not None:
            slots.append(_Slot(beat, entry=entry))
    missed = scene.missed
    # The scenario's own beats, in its order: callbacks heard and refusals met.
    ordered: list[tuple[int, Beat, WireEntry | None]] = []
    for heard in scene.everything_heard():
        call, event = heard.event.call, heard.event
        listener = "" if event.listener_id == DEFAULT_LISTENER else f" [{event.listener_id}]"
        alarm = missed is not None and missed.out_of_order == heard.seq
        text = f"#{heard.seq} {event.callback} ({call.status}){listener}"
        frame = WireEntry("frame", heard.device, "", session_id=call.session_id, status=str(call.status))
        ordered.append((heard.seq, Beat("callback", heard.device, heard.device, text, alarm), frame))
    for attempt in scene.attempts:
        if attempt.refusal is not None:
            device = scene.device_of(attempt.who).label
            text = f"✗ {attempt.what}: refused {attempt.refusal.code}"
            answer = WireEntry("response", device, attempt.refusal.code, refused=True)
            ordered.append((attempt.seq, Beat("refused", device, device, text, alarm=True), answer))
    ordered.sort(key=lambda item: item[0])
    cursor = 0
    for _, beat, cause in ordered:
        found = next((i for i, slot in enumerate(slots) if _explains(slot, cause)), None)
        if found is not None:
            slots[found].used = True
            cursor = found
        slots[cursor].after.append(beat)
    beats = [b for slot in slots for b in ([slot.beat] if slot.beat else []) + slot.after]
    if missed is not None and missed.out_of_order is None:
        beats.append(Beat("missed", missed.device, missed.device, f"✗ expected: {missed.description}", alarm=True))
    elif missed is not None:
        beats.append(Beat("missed", missed.device, missed.device, f"✗ out of order: {missed.description}", alarm=True))
    return Timeline(lanes, beats)


def _explains(slot: _Slot, cause: WireEntry | None) -> bool:
    """Whether the wire entry of ``slot`` is what caused a beat of the scenario."""
    entry = slot.entry
    if entry is None or cause is None or slot.used or entry.kind != cause.kind or entry.device != cause.device:
        return False
    if cause.kind == "frame":
        return entry.session_id == cause.session_id and entry.status == cause.status
    return entry.refused and cause.text in entry.text
