"""Time passing. The documented "45 seconds" is business language; the adapter makes it instant."""

from __future__ import annotations

from pytest_bdd import parsers, when

from ringcheck.scene import Scene


def advance(scene: Scene, seconds: float) -> None:
    scene.implementation.advance_time(seconds)


@when(parsers.re(r"the call rings for (?P<seconds>[0-9.]+) seconds without an answer"))
def rings_without_answer(scene: Scene, seconds: str) -> None:
    advance(scene, float(seconds))


@when("one more second passes")
def one_more_second(scene: Scene) -> None:
    advance(scene, 1.0)
