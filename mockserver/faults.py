"""The fault plane: rules a test sets to make the server misbehave on purpose, and their decisions.

A QA team needs to see what a client does when an event is lost, late, repeated or out of order,
when its socket dies, or when the server fails an operation. Each rule names what to do
(``action``), to whom (``target``: a user, optionally one device), when (``match``), and how often
(``count``, or a ``probability`` drawn from a generator seeded per rule, so a run repeats exactly).

This module only decides and counts; the hooks in the call service, the WebSocket handler and
the REST handlers ask it and act. It knows nothing of HTTP.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .calls import Status
from .errors import ErrorCode, Refusal

EVENT_ACTIONS = ("drop", "delay", "duplicate", "reorder")
SOCKET_ACTIONS = ("close-socket", "ignore-pings", "refuse-reconnects")
REST_ACTIONS = ("fail", "answer-late")
ACTIONS = EVENT_ACTIONS + SOCKET_ACTIONS + REST_ACTIONS
OPERATIONS = ("initiate", "accept", "reject", "busy", "cancel", "unanswered", "end", "login", "logout", "any")
STATUSES = tuple(s.value for s in Status)
MAX_RULES = 1_000
"""Rules kept at once (spent ones included, until deleted or reset): a runaway test is refused."""
MAX_LATE_SECONDS = 30.0
MAX_HELD_BACK = 1_000
"""Frames delay and reorder rules hold back at once, over every device: beyond it a delay drops
its frame and a reorder sends its frame at once (each journalled), so a runaway rule cannot eat
the server's memory."""
LARGEST_NUMBER = 1e300
"""Beyond it a whole JSON number is refused: a huge integer does not even convert to a float."""
FRAME_ACTIONS = (*EVENT_ACTIONS, "close-socket")
OPERATION_OF_STATUS = {
    Status.ONGOING: "accept",
    Status.REJECTED: "reject",
    Status.BUSY: "busy",
    Status.CANCELLED: "cancel",
    Status.UNANSWERED: "unanswered",
    Status.ENDED: "end",
}
"""The operation a client performs by sending a status to PUT /calls/{sessionId}."""


def _bad(message: str, field_name: str) -> Refusal:
    return Refusal(ErrorCode.BAD_REQUEST, message, field=field_name)


def _number(body: dict[str, Any], name: str, path: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"{path} must be a finite number, got {value!r}", path)
    if isinstance(value, int) and abs(value) > LARGEST_NUMBER:  # float() of it would overflow
        raise _bad(f"{path} must be a finite number; {LARGEST_NUMBER:g} at most for a whole one", path)
    if not math.isfinite(value):
        raise _bad(f"{path} must be a finite number, got {value!r}", path)
    return float(value)


def _text(body: dict[str, Any], name: str, path: str, allowed: tuple[str, ...] | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 200:
        raise _bad(f"{path} must be a non-empty string of at most 200 characters, got {value!r}", path)
    if allowed is not None and value not in allowed:
        raise _bad(f"{path} must be one of {', '.join(allowed)}, got {value!r}", path)
    return value


def _object(body: dict[str, Any], name: str, known: tuple[str, ...]) -> dict[str, Any]:
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(f"{name} must be a JSON object, got {value!r}", name)
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise _bad(f"{name} has unknown fields {unknown}; known: {', '.join(known)}", f"{name}.{unknown[0]}")
    return value


@dataclass
class Rule:
    """One fault rule as created, with how often it was applied."""

    id: str
    action: str
    uid: str
    device: str | None
    status: str | None
    operation: str | None
    count: int | None
    probability: float | None
    seed: int | None
    seconds: float | None
    error: dict[str, Any] | None
    created_at: float
    applied: int = 0
    _rng: random.Random | None = field(default=None, repr=False)
    _event: int | None = field(default=None, repr=False)
    """The last call event this rule was asked about, and whether it applied to it: one event
    reaches every device of the user, and the rule counts (and draws) once per event."""
    _event_applies: bool = field(default=False, repr=False)

    @property
    def spent(self) -> bool:
        return self.count is not None and self.applied >= self.count

    def targets(self, uid: str, device: str | None) -> bool:
        return self.uid == uid and (self.device is None or self.device == device)

    def draw(self) -> bool:
        """Whether this match applies: always under a count, else the rule's seeded coin."""
        if self._rng is None or self.probability is None:
            return True
        return self._rng.random() < self.probability

    def as_json(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"id": self.id, "action": self.action, "target": {"uid": self.uid}}
        if self.device is not None:
            rule["target"]["device"] = self.device
        if self.status is not None:
            rule["match"] = {"status": self.status}
        elif self.operation is not None:
            rule["match"] = {"operation": self.operation}
        rule["count"] = self.count
        if self.probability is not None:
            rule["probability"] = self.probability
            rule["seed"] = self.seed
        if self.seconds is not None:
            rule["seconds"] = self.seconds
        if self.error is not None:
            rule["error"] = dict(self.error)
        rule["applied"] = self.applied
        return rule


def parse_rule(body: dict[str, Any], rule_id: str, now: float) -> Rule:
    """A rule from its JSON; a refusal naming the field for anything wrong or missing."""
    known = ("action", "target", "match", "count", "probability", "seed", "seconds", "error")
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise _bad(f"unknown fields {unknown}; a rule has {', '.join(known)}", unknown[0])
    action = _text(body, "action", "action", ACTIONS)
    if action is None:
        raise _bad(f"action is required: one of {', '.join(ACTIONS)}", "action")
    target = _object(body, "target", ("uid", "device"))
    uid = _text(target, "uid", "target.uid")
    if uid is None:
        raise _bad("target.uid is required: the user the fault is for", "target.uid")
    device = _text(target, "device", "target.device")
    status, operation = _match(body, action)
    probability, seed = _chance(body)
    seconds = _seconds(body, action)
    return Rule(
        rule_id,
        action,
        uid,
        device,
        status,
        operation,
        _count(body, action, probability, seconds),
        probability,
        seed,
        seconds,
        _error(body, action),
        now,
        _rng=random.Random(seed) if probability is not None else None,
    )


def _match(body: dict[str, Any], action: str) -> tuple[str | None, str | None]:
    match = _object(body, "match", ("status", "operation"))
    status = _text(match, "status", "match.status", STATUSES)
    operation = _text(match, "operation", "match.operation", OPERATIONS)
    if status is not None and action not in (*EVENT_ACTIONS, "close-socket"):
        raise _bad(f"match.status is for call-event actions and close-socket, not {action}", "match.status")
    if operation is not None and action not in REST_ACTIONS:
        raise _bad(f"match.operation is for fail and answer-late, not {action}", "match.operation")
    if action in REST_ACTIONS and operation is None:
        operation = "any"
    return status, operation


def _chance(body: dict[str, Any]) -> tuple[float | None, int | None]:
    probability = _number(body, "probability", "probability")
    if probability is not None and not 0 <= probability <= 1:
        raise _bad(f"probability must be 0 to 1, got {probability:g}", "probability")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or abs(seed) > LARGEST_NUMBER):
        raise _bad(f"seed must be a whole number of at most {LARGEST_NUMBER:g}", "seed")
    if seed is not None and probability is None:
        raise _bad("seed goes with probability", "seed")
    return probability, (seed or 0) if probability is not None else None


def _seconds(body: dict[str, Any], action: str) -> float | None:
    seconds = _number(body, "seconds", "seconds")
    if action in ("delay", "answer-late") and seconds is None:
        raise _bad(f"{action} needs seconds", "seconds")
    if seconds is None:
        return None
    if action not in ("delay", "refuse-reconnects", "answer-late"):
        raise _bad(f"seconds is for delay, refuse-reconnects and answer-late, not {action}", "seconds")
    if seconds < 0:
        raise _bad(f"seconds must not be negative, got {seconds:g}", "seconds")
    if action == "answer-late" and seconds > MAX_LATE_SECONDS:
        raise _bad(f"answer-late waits real time: at most {MAX_LATE_SECONDS:g} seconds", "seconds")
    return seconds


def _count(body: dict[str, Any], action: str, probability: float | None, seconds: float | None) -> int | None:
    """A rule bounded by something else (a probability, a time window) applies every time unless
    a count is given too; otherwise once."""
    if "count" not in body:
        windowed = action == "refuse-reconnects" and seconds is not None
        return None if probability is not None or windowed else 1
    count = body["count"]
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= LARGEST_NUMBER
    ):
        shown = "a huge integer" if isinstance(count, int) and count > LARGEST_NUMBER else repr(count)
        raise _bad(f"count must be a whole number of at least 1, or null for every time; got {shown}", "count")
    return count


def _error(body: dict[str, Any], action: str) -> dict[str, Any] | None:
    raw = _object(body, "error", ("code", "httpStatus", "message"))
    if raw and action != "fail":
        raise _bad(f"error is for fail, not {action}", "error")
    if action != "fail":
        return None
    code = _text(raw, "code", "error.code") or str(ErrorCode.INTERNAL)
    http_status = raw.get("httpStatus", 503)
    if isinstance(http_status, bool) or not isinstance(http_status, int) or not 400 <= http_status <= 599:
        raise _bad(f"error.httpStatus must be 400 to 599, got {http_status!r}", "error.httpStatus")
    message = _text(raw, "message", "error.message") or "the server failed this operation (a fault rule)"
    return {"code": code, "httpStatus": http_status, "message": message}


class FailedByRule(Exception):
    """A fail rule answered an operation: the HTTP layer turns it into the rule's error answer."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error['code']}: {error['message']}")
        self.code = str(error["code"])
        self.http_status = int(error["httpStatus"])
        self.message = str(error["message"])

    def as_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class Application:
    """A rule applied once: what the hook must do, and what the journal says about it."""

    rule: Rule
    uid: str
    device: str | None

    @property
    def action(self) -> str:
        return self.rule.action

    def data(self, **extra: Any) -> dict[str, Any]:
        found = {"fault": self.rule.id, "action": self.rule.action, "uid": self.uid, "device": self.device}
        return {**found, **{key: value for key, value in extra.items() if value is not None}}


@dataclass(frozen=True)
class Held:
    """A frame a reorder rule keeps back, with what the journal says when it is finally sent."""

    rule_id: str
    session_id: str
    status: str
    text: str


class FaultPlane:
    """Every rule of one server, in creation order; the first live rule that matches decides."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._next_id = 1
        self.held: dict[tuple[str, str], deque[Held]] = {}
        """Frames a reorder rule holds, per (uid, device), until that device's next frame or
        until its socket goes away (:meth:`mockserver.service.CallService.socket_gone`)."""
        self.max_held_back = MAX_HELD_BACK

    @property
    def active(self) -> bool:
        """Cheap test for the hot paths: any rule at all."""
        return bool(self._rules)

    def add(self, body: dict[str, Any], now: float, check_uid: Callable[[str], object] | None = None) -> Rule:
        """A new rule; ``check_uid`` refuses a target user who does not exist."""
        if len(self._rules) >= MAX_RULES:
            raise Refusal(ErrorCode.BAD_REQUEST, f"at most {MAX_RULES} fault rules at once; delete some or reset")
        rule = parse_rule(body, f"fault-{self._next_id}", now)
        if check_uid is not None:
            check_uid(rule.uid)
        self._next_id += 1
        self._rules[rule.id] = rule
        return rule

    def get(self, rule_id: str) -> Rule:
        try:
            return self._rules[rule_id]
        except KeyError:
            raise Refusal(ErrorCode.FAULT_NOT_FOUND, f"no fault rule {rule_id!r}", id=rule_id) from None

    def remove(self, rule_id: str) -> tuple[Rule, dict[tuple[str, str], list[Held]]]:
        """Delete a rule; the frames it was holding, per device, for the caller to send now."""
        rule = self.get(rule_id)
        del self._rules[rule_id]
        freed: dict[tuple[str, str], list[Held]] = {}
        for key, held in list(self.held.items()):
            mine = [h for h in held if h.rule_id == rule_id]
            if not mine:
                continue
            freed[key] = mine
            kept = deque(h for h in held if h.rule_id != rule_id)
            if kept:
                self.held[key] = kept
            else:
                del self.held[key]
        return rule, freed

    def rules(self) -> list[Rule]:
        return list(self._rules.values())

    def reset(self) -> None:
        self._rules.clear()
        self._next_id = 1
        self.held.clear()

    def _decide(
        self, actions: tuple[str, ...], uid: str, device: str | None, **wanted: str | None
    ) -> Application | None:
        for rule in self._rules.values():
            if rule.action not in actions or rule.spent or not rule.targets(uid, device):
                continue
            if not all(getattr(rule, name) in (None, "any", value) for name, value in wanted.items()):
                continue
            if not rule.draw():
                continue
            rule.applied += 1
            return Application(rule, uid, device)
        return None

    def on_frame(self, uid: str, device: str, status: str, event: int, holding: bool = False) -> Application | None:
        """A call event about to be sent: drop, delay, duplicate, reorder or close-socket, or None.

        ``event`` identifies the call event (the same for each of its recipients): a rule counts
        and draws once per event, then applies to every device of its target that event reaches.
        ``holding``: the device has a frame held already; it goes out right after this one, so no
        reorder rule holds this one too.
        """
        for rule in self._rules.values():
            if rule.action not in FRAME_ACTIONS or not rule.targets(uid, device):
                continue
            if rule.action == "close-socket" and rule.status is None:
                continue  # fired when it was created: it is no frame rule
            if (holding and rule.action == "reorder") or rule.status not in (None, status):
                continue
            if rule._event != event:
                if rule.spent:
                    continue
                rule._event, rule._event_applies = event, rule.draw()
                rule.applied += int(rule._event_applies)
            if rule._event_applies:
                return Application(rule, uid, device)
        return None

    def on_ping(self, uid: str, device: str) -> Application | None:
        return self._decide(("ignore-pings",), uid, device)

    def on_auth(self, uid: str, device: str, now: float) -> Application | None:
        """A WebSocket authenticating: refused while a refuse-reconnects rule's window is open."""
        for rule in self._rules.values():
            if rule.action != "refuse-reconnects" or not rule.targets(uid, device):
                continue
            if rule.seconds is not None and now >= rule.created_at + rule.seconds:
                continue
            if rule.spent or not rule.draw():
                continue
            rule.applied += 1
            return Application(rule, uid, device)
        return None

    def on_operation(self, uid: str, device: str | None, operation: str) -> Application | None:
        """A REST operation about to be applied: fail or answer-late, or None."""
        return self._decide(REST_ACTIONS, uid, device, operation=operation)

    def held_count(self) -> int:
        return sum(len(held) for held in self.held.values())

    def hold(self, uid: str, device: str, frame: Held) -> None:
        """Keep ``frame`` for the device's next frame (the caller checked the limit)."""
        self.held.setdefault((uid, device), deque()).append(frame)

    def holds(self, uid: str, device: str) -> bool:
        return (uid, device) in self.held

    def release(self, uid: str, device: str) -> list[Held]:
        """The frames held for a device, no longer held: to send after the one just sent, or lost."""
        held = self.held.pop((uid, device), None)
        return list(held) if held else []


def describe(application: Application, status: str | None = None, operation: str | None = None) -> str:
    """The journal's plain words for one application."""
    rule = application.rule
    who = f"{application.uid} ({application.device})" if application.device else application.uid
    seconds = f"{rule.seconds or 0:g} s"
    action = rule.action
    if action == "drop":
        what = f"dropped the {status} event for {who}"
    elif action == "delay":
        what = f"delayed the {status} event for {who} by {seconds}"
    elif action == "duplicate":
        what = f"sent the {status} event twice to {who}"
    elif action == "reorder":
        what = f"held the {status} event for {who} until its next event"
    elif action == "close-socket":
        what = f"closed {who}'s socket abnormally" + (f" instead of the {status} event" if status else "")
    elif action == "ignore-pings":
        what = f"ignored a ping from {who}"
    elif action == "refuse-reconnects":
        what = f"refused {who}'s WebSocket authentication"
    elif action == "fail":
        error = rule.error or {}
        what = f"failed {who}'s {operation} with {error.get('code')} ({error.get('httpStatus')})"
    else:
        what = f"answered {who}'s {operation} {seconds} late"
    return f"fault {rule.id}: {what}"
