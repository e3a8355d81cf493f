"""Fault rules as the steps build them, and the synchronous control the adapters offer for them.

A scenario about robustness says "Bob's phone loses the cancel"; its step builds a :class:`Fault`
and hands it to ``implementation.faults().add(...)``. The server side (``mockserver/faults.py``,
reached through ``/_admin/faults``) decides and journals; this module only speaks its rule JSON
(docs/faults.md), so any server offering that steering API can be driven.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any


class FaultRefused(Exception):
    """The server refused a rule (a bad field, an unknown user or rule id): the same exception
    whichever server it is, embedded or remote, so a caller handles one type."""


@dataclass(frozen=True)
class Fault:
    """One rule: what goes wrong (``action``), for whom, when, and how often."""

    action: str
    uid: str
    device: str | None = None
    """A :attr:`~ringcheck.adapter.Device.wire_id`; None for every device of the user."""
    status: str | None = None
    operation: str | None = None
    count: int | None = 1
    """How many applications; None for every time."""
    probability: float | None = None
    seed: int | None = None
    seconds: float | None = None
    error_code: str | None = None
    http_status: int | None = None

    def to_json(self) -> dict[str, Any]:
        target: dict[str, Any] = {"uid": self.uid}
        if self.device is not None:
            target["device"] = self.device
        rule: dict[str, Any] = {"action": self.action, "target": target, "count": self.count}
        if self.status is not None:
            rule["match"] = {"status": self.status}
        elif self.operation is not None:
            rule["match"] = {"operation": self.operation}
        if self.probability is not None:
            rule["probability"] = self.probability
            if self.seed is not None:
                rule["seed"] = self.seed
            if self.count == 1:
                # The default count would cap a probabilistic rule at one application: a
                # probability replaces the count unless one is given on purpose.
                rule.pop("count")
        if self.seconds is not None:
            rule["seconds"] = self.seconds
            if self.action == "refuse-reconnects" and self.count == 1:
                rule.pop("count")  # a window refuses every attempt in it
        if self.error_code is not None or self.http_status is not None:
            error: dict[str, Any] = {}
            if self.error_code is not None:
                error["code"] = self.error_code
            if self.http_status is not None:
                error["httpStatus"] = self.http_status
            rule["error"] = error
        return rule


class FaultControl(abc.ABC):
    """The fault rules of the server a run talks to; synchronous, like the adapter contract."""

    @abc.abstractmethod
    def add(self, fault: Fault) -> str:
        """Set a rule; its id ("fault-1")."""

    @abc.abstractmethod
    def remove(self, fault_id: str) -> None: ...

    @abc.abstractmethod
    def rules(self) -> list[dict[str, Any]]:
        """Every rule as the server holds it, with its ``applied`` count."""
