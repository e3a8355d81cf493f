"""The fault rules on their own: validation, matching, counts and seeded probability (no HTTP)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from mockserver import ServerConfig
from mockserver.cli import parse_args
from mockserver.errors import ErrorCode, Refusal
from mockserver.faults import MAX_RULES, FaultPlane, Held, describe

EVENTS = itertools.count(1)
"""Call event ids, as the service gives each event it publishes."""


def refused_field(plane: FaultPlane, body: dict[str, Any]) -> str:
    with pytest.raises(Refusal) as caught:
        plane.add(body, now=0.0)
    assert caught.value.code is ErrorCode.BAD_REQUEST
    assert caught.value.message
    return str(caught.value.details["field"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "action"),
        ({"action": 3, "target": {"uid": "bob"}}, "action"),
        ({"action": "drop", "target": "bob"}, "target"),
        ({"action": "drop", "target": {"uid": ""}}, "target.uid"),
        ({"action": "drop", "target": {"uid": "bob", "phone": "x"}}, "target.phone"),
        ({"action": "drop", "target": {"uid": "bob"}, "match": {"operation": "accept"}}, "match.operation"),
        ({"action": "fail", "target": {"uid": "bob"}, "match": {"status": "ongoing"}}, "match.status"),
        ({"action": "fail", "target": {"uid": "bob"}, "match": {"operation": "dance"}}, "match.operation"),
        ({"action": "drop", "target": {"uid": "bob"}, "count": True}, "count"),
        ({"action": "drop", "target": {"uid": "bob"}, "count": 1.5}, "count"),
        ({"action": "drop", "target": {"uid": "bob"}, "probability": -0.1}, "probability"),
        ({"action": "drop", "target": {"uid": "bob"}, "seed": 1}, "seed"),
        ({"action": "drop", "target": {"uid": "bob"}, "probability": 0.5, "seed": "x"}, "seed"),
        ({"action": "drop", "target": {"uid": "bob"}, "seconds": 1}, "seconds"),
        ({"action": "delay", "target": {"uid": "bob"}, "seconds": -1}, "seconds"),
        ({"action": "delay", "target": {"uid": "bob"}, "seconds": float("nan")}, "seconds"),
        ({"action": "answer-late", "target": {"uid": "bob"}, "seconds": 31}, "seconds"),
        ({"action": "drop", "target": {"uid": "bob"}, "error": {"code": "X"}}, "error"),
        ({"action": "fail", "target": {"uid": "bob"}, "error": {"httpStatus": "503"}}, "error.httpStatus"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    plane = FaultPlane()
    assert refused_field(plane, body) == field
    assert plane.rules() == [] and not plane.active


def test_ids_count_up_and_restart_after_a_reset() -> None:
    plane = FaultPlane()
    assert [plane.add({"action": "drop", "target": {"uid": "bob"}}, 0).id for _ in range(3)] == [
        "fault-1",
        "fault-2",
        "fault-3",
    ]
    plane.remove("fault-2")
    assert [r.id for r in plane.rules()] == ["fault-1", "fault-3"]
    with pytest.raises(Refusal) as caught:
        plane.get("fault-2")
    assert caught.value.code is ErrorCode.FAULT_NOT_FOUND
    plane.reset()
    assert plane.rules() == []
    assert plane.add({"action": "drop", "target": {"uid": "bob"}}, 0).id == "fault-1"


def test_the_number_of_rules_is_bounded() -> None:
    plane = FaultPlane()
    for _ in range(MAX_RULES):
        plane.add({"action": "drop", "target": {"uid": "bob"}}, 0)
    with pytest.raises(Refusal, match=f"at most {MAX_RULES}"):
        plane.add({"action": "drop", "target": {"uid": "bob"}}, 0)


def test_a_rule_applies_count_times_to_its_target_and_status_only() -> None:
    plane = FaultPlane()
    rule = plane.add(
        {"action": "drop", "target": {"uid": "bob", "device": "b1"}, "match": {"status": "cancelled"}, "count": 2}, 0
    )
    assert plane.on_frame("bob", "b1", "initiated", next(EVENTS)) is None
    assert plane.on_frame("bob", "b2", "cancelled", next(EVENTS)) is None
    assert plane.on_frame("carol", "b1", "cancelled", next(EVENTS)) is None
    assert plane.on_frame("bob", "b1", "cancelled", next(EVENTS)) is not None
    assert plane.on_frame("bob", "b1", "cancelled", next(EVENTS)) is not None
    assert plane.on_frame("bob", "b1", "cancelled", next(EVENTS)) is None
    assert rule.applied == 2 and rule.spent


def test_a_null_count_applies_every_time() -> None:
    plane = FaultPlane()
    plane.add({"action": "ignore-pings", "target": {"uid": "bob"}, "count": None}, 0)
    assert all(plane.on_ping("bob", "b1") is not None for _ in range(50))


def draws(seed: int, n: int = 200) -> list[bool]:
    plane = FaultPlane()
    plane.add({"action": "drop", "target": {"uid": "bob"}, "probability": 0.3, "seed": seed}, 0)
    return [plane.on_frame("bob", "b1", "initiated", next(EVENTS)) is not None for _ in range(n)]


def test_seeded_probability_repeats_exactly_and_depends_on_the_seed() -> None:
    first = draws(7)
    assert first == draws(7)
    assert first != draws(8)
    assert 30 < sum(first) < 90  # about 0.3 of 200; a seeded draw, so this cannot flicker


def test_probability_zero_never_and_one_always() -> None:
    plane = FaultPlane()
    plane.add({"action": "drop", "target": {"uid": "bob"}, "probability": 0, "seed": 1}, 0)
    assert all(plane.on_frame("bob", "b1", "initiated", next(EVENTS)) is None for _ in range(20))
    plane.reset()
    plane.add({"action": "drop", "target": {"uid": "bob"}, "probability": 1}, 0)
    assert all(plane.on_frame("bob", "b1", "initiated", next(EVENTS)) is not None for _ in range(20))


def test_refuse_reconnects_with_seconds_refuses_every_attempt_in_its_window() -> None:
    plane = FaultPlane()
    rule = plane.add({"action": "refuse-reconnects", "target": {"uid": "bob"}, "seconds": 10}, now=100.0)
    assert rule.count is None
    assert plane.on_auth("bob", "b1", 100.0) is not None
    assert plane.on_auth("bob", "b1", 109.9) is not None
    assert plane.on_auth("bob", "b1", 110.0) is None
    assert rule.applied == 2


def test_refuse_reconnects_by_count() -> None:
    plane = FaultPlane()
    plane.add({"action": "refuse-reconnects", "target": {"uid": "bob"}, "count": 2}, 0)
    assert [plane.on_auth("bob", "b1", 0) is not None for _ in range(3)] == [True, True, False]


def test_rest_rules_match_the_operation_or_any() -> None:
    plane = FaultPlane()
    fail = plane.add({"action": "fail", "target": {"uid": "bob"}, "match": {"operation": "accept"}}, 0)
    assert fail.error == {
        "code": "ERR_INTERNAL",
        "httpStatus": 503,
        "message": "the server failed this operation (a fault rule)",
    }
    assert plane.on_operation("bob", "b1", "reject") is None
    assert plane.on_operation("bob", "b1", "accept") is not None
    late = plane.add({"action": "answer-late", "target": {"uid": "bob"}, "seconds": 1, "count": None}, 0)
    assert late.operation == "any"
    assert plane.on_operation("bob", None, "logout") is not None


def test_an_unmatched_close_socket_is_not_a_frame_rule() -> None:
    plane = FaultPlane()
    rule = plane.add({"action": "close-socket", "target": {"uid": "bob"}}, 0)
    assert plane.on_frame("bob", "b1", "initiated", next(EVENTS)) is None
    assert rule.applied == 0


def test_held_frames_are_released_once() -> None:
    plane = FaultPlane()
    one = Held("fault-1", "s1", "initiated", "one")
    plane.hold("bob", "b1", one)
    assert plane.holds("bob", "b1") and plane.held_count() == 1
    assert plane.release("bob", "b1") == [one]
    assert plane.release("bob", "b1") == []
    assert not plane.holds("bob", "b1")


def test_a_rule_counts_once_per_event_for_every_device_it_reaches() -> None:
    plane = FaultPlane()
    rule = plane.add({"action": "drop", "target": {"uid": "bob"}}, 0)
    event = next(EVENTS)
    assert plane.on_frame("bob", "b1", "initiated", event) is not None
    assert plane.on_frame("bob", "b2", "initiated", event) is not None
    assert rule.applied == 1
    assert plane.on_frame("bob", "b1", "cancelled", next(EVENTS)) is None  # spent


def test_an_unmatched_close_socket_does_not_shadow_a_later_event_rule() -> None:
    plane = FaultPlane()
    plane.add({"action": "close-socket", "target": {"uid": "bob"}}, 0)
    drop = plane.add({"action": "drop", "target": {"uid": "bob"}}, 0)
    found = plane.on_frame("bob", "b1", "initiated", next(EVENTS))
    assert found is not None and found.rule is drop


def test_the_rule_reads_back_as_it_was_given() -> None:
    plane = FaultPlane()
    rule = plane.add(
        {"action": "delay", "target": {"uid": "bob", "device": "b1"}, "match": {"status": "ended"}, "seconds": 2.5}, 0
    )
    assert rule.as_json() == {
        "id": "fault-1",
        "action": "delay",
        "target": {"uid": "bob", "device": "b1"},
        "match": {"status": "ended"},
        "count": 1,
        "seconds": 2.5,
        "applied": 0,
    }
    found = plane.on_frame("bob", "b1", "ended", next(EVENTS))
    assert found is not None
    assert describe(found, status="ended") == "fault fault-1: delayed the ended event for bob (b1) by 2.5 s"


def test_the_reconnect_option_is_on_the_command_line_and_nothing_by_default() -> None:
    assert parse_args([]).on_reconnect == "nothing" == ServerConfig().on_reconnect
    assert parse_args(["--on-reconnect", "current-state"]).on_reconnect == "current-state"
    with pytest.raises(SystemExit):
        parse_args(["--on-reconnect", "everything"])
