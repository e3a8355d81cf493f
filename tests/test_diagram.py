"""The sequence diagram: callbacks after the frames that carried them, refusals and the failed
expectation in red, the same beats as SVG and as Mermaid text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ringcheck import diagram
from ringcheck.adapter import (
    Callback,
    CallInfo,
    CallStatus,
    CallType,
    Device,
    EventSink,
    Implementation,
    ListenerEvent,
    ReceiverType,
    Refused,
    WireEntry,
)
from ringcheck.journal import EventLog
from ringcheck.party import PartyDevice, Person
from ringcheck.scene import Act, Missed, Scene
from ringcheck.settings import Settings
from ringcheck.timeline import SERVER, build

CALL = CallInfo("v1.d.000007", CallStatus.INITIATED, CallType.AUDIO, ReceiverType.USER, "alex", "bob", "alex")
WIRE = [
    WireEntry("request", "Alex's phone", "POST /calls initiated"),
    WireEntry("frame", "Bob's phone", "initiated …000007", session_id=CALL.session_id, status="initiated"),
    WireEntry("response", "Alex's phone", "200 OK"),
    WireEntry("request", "Bob's phone", "PUT /calls/…000007 busy"),
    WireEntry("response", "Bob's phone", "409 ERR_CALL_TERMINATED", refused=True),
]


class NoImplementation(Implementation):
    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        raise AssertionError("the diagram tests open no device")


def scene_with_alex_and_bob() -> Scene:
    scene = Scene(NoImplementation(), Settings())
    for name in ("Alex", "Bob"):
        person = Person(name, name.lower(), scene._counter)
        person.devices["phone"] = PartyDevice(name, "phone", NoDevice(), EventLog(f"{name}'s phone", scene._counter))  # type: ignore[arg-type]
        scene.people[name] = person
    return scene


class NoDevice:
    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the diagram called the device's {name}")


def test_a_callback_is_drawn_right_after_the_frame_that_carried_it_and_a_refusal_after_its_answer() -> None:
    scene = scene_with_alex_and_bob()
    scene.device_of("Bob").log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, CALL))

    def refused() -> CallInfo:
        raise Refused("ERR_CALL_TERMINATED", "over")

    scene.do(Act("Bob", "answer the call busy", refused, answers=None), tries=True)
    timeline = build(scene, WIRE)
    assert timeline.lanes == ["Alex's phone", "Bob's phone", SERVER]
    assert [(b.kind, b.source, b.target) for b in timeline.beats] == [
        ("request", "Alex's phone", SERVER),
        ("frame", SERVER, "Bob's phone"),
        ("callback", "Bob's phone", "Bob's phone"),
        ("response", SERVER, "Alex's phone"),
        ("request", "Bob's phone", SERVER),
        ("response", SERVER, "Bob's phone"),
        ("refused", "Bob's phone", "Bob's phone"),
    ]
    assert [b.alarm for b in timeline.beats][-2:] == [True, True]


def test_the_expectation_that_failed_closes_the_diagram_in_red() -> None:
    scene = scene_with_alex_and_bob()
    scene.missed = Missed("Bob's phone", "told that Alex cancelled the call")
    last = build(scene, WIRE).beats[-1]
    assert (last.kind, last.source, last.alarm) == ("missed", "Bob's phone", True)
    assert last.text == "✗ expected: told that Alex cancelled the call"


def test_an_event_heard_out_of_order_is_the_one_marked() -> None:
    scene = scene_with_alex_and_bob()
    scene.device_of("Bob").log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, CALL))
    seq = scene.device_of("Bob").log.heard()[0].seq
    scene.missed = Missed("Bob's phone", "told that the call was answered on another device", out_of_order=seq)
    beats = build(scene, WIRE).beats
    assert [b.kind for b in beats if b.alarm] == ["callback", "response", "missed"]


def test_without_a_wire_log_the_diagram_has_the_devices_only_in_the_scenarios_order() -> None:
    scene = scene_with_alex_and_bob()
    scene.device_of("Bob").log(ListenerEvent("ringtone", Callback.INCOMING_CALL_RECEIVED, CALL))
    timeline = build(scene, [])
    assert timeline.lanes == ["Alex's phone", "Bob's phone"]
    assert [b.text for b in timeline.beats] == ["#1 onIncomingCallReceived (initiated) [ringtone]"]


@pytest.mark.parametrize("wire", [WIRE, []])
def test_the_svg_is_well_formed_and_escapes_what_it_is_given(wire: list[WireEntry]) -> None:
    scene = scene_with_alex_and_bob()
    scene.missed = Missed("Bob's phone", "told <that> Alex & co cancelled")
    drawn = diagram.to_svg(build(scene, wire))
    root = ET.fromstring(drawn)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Bob's phone" in texts
    assert any(t and t.startswith("✗ expected: told <that> Alex & co") for t in texts)


def test_the_mermaid_form_names_every_lane_and_beat() -> None:
    scene = scene_with_alex_and_bob()
    scene.device_of("Bob").log(ListenerEvent("app", Callback.INCOMING_CALL_RECEIVED, CALL))
    text = diagram.to_mermaid(build(scene, WIRE))
    assert text.splitlines()[:4] == [
        "sequenceDiagram",
        "    participant P0 as Alex's phone",
        "    participant P1 as Bob's phone",
        "    participant P2 as server",
    ]
    assert "    P0->>P2: POST /calls initiated" in text
    assert "    Note over P1: no. 1 onIncomingCallReceived (initiated)" in text


def test_a_fault_is_a_red_mark_on_the_lane_of_the_device_it_struck() -> None:
    scene = scene_with_alex_and_bob()
    fault = WireEntry("fault", "Bob's phone", "⚡ dropped the cancelled event for bob (Bob's phone)")
    timeline = build(scene, [*WIRE, fault])
    [beat] = [b for b in timeline.beats if b.kind == "fault"]
    assert (beat.source, beat.target) == ("Bob's phone", "Bob's phone")
    root = ET.fromstring(diagram.to_svg(timeline))
    marks = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("stroke") == diagram.COLOURS["fault"]]
    assert len(marks) == 1
    assert "    Note over P1: ⚡ dropped the cancelled event for bob (Bob's phone)" in diagram.to_mermaid(timeline)
