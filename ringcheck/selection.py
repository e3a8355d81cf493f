"""Which scenarios run, which skip and why, which are expected to fail: decided once, before the
first scenario, from the implementation's capabilities and its expectations, and printed.

Deciding up front (rather than skipping inside each scenario) is what lets the run say at the
start exactly what it is about to check, and record the same in the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields

from .adapter import Capabilities, Implementation
from .expectations import Expectation, reason_for

NEEDS: dict[str, tuple[Callable[[Capabilities], bool], str]] = {
    "time-control": (lambda c: c.time_control, "control of time (moving every clock of the flow)"),
    "two-devices": (lambda c: c.devices_per_user >= 2, "a user signed in on two devices at once"),
    "group-calls": (lambda c: c.group_calls, "group calls"),
    "sign-out": (lambda c: c.sign_out, "signing out while the device stays open"),
    "fault-control": (
        lambda c: c.fault_control,
        "a server whose faults the suite can inject (losing, delaying, repeating events; failing operations)",
    ),
    "reconnect": (
        lambda c: c.reconnects,
        "devices that reconnect by themselves after a dropped connection and say when they are back",
    ),
    "status-updates": (
        lambda c: c.status_updates,
        "sending a status of the test's choosing (an SDK sends only the statuses of its own operations)",
    ),
}
"""``@needs:<capability>`` tags and what each means."""


@dataclass(frozen=True)
class Choice:
    scenario_id: str
    skip: str | None = None
    xfail: str | None = None
    why: str = ""
    """The reason alone, as the compatibility table shows it."""


def choose(
    implementation: Implementation,
    scenario_id: str,
    needs: Iterable[str],
    note_keys: Sequence[str],
    expectations: Sequence[Expectation],
) -> Choice:
    """What to do with one scenario. ``note_keys`` are the name and tags :attr:`Capabilities.notes`
    may be keyed by (kept for adapters written before expectations files)."""
    capabilities = implementation.capabilities
    for need in needs:
        if need not in NEEDS:
            raise ValueError(f"{scenario_id}: unknown capability tag @needs:{need}; known: {', '.join(NEEDS)}")
    # In NEEDS' order, not the tags': pytest-bdd keeps a scenario's tags in a set, whose order
    # changes from run to run, and the reason a scenario skips must not.
    for need in sorted(set(needs), key=list(NEEDS).index):
        offers, what = NEEDS[need]
        if not offers(capabilities):
            why = f"needs {need}, which this implementation lacks"
            return Choice(scenario_id, skip=f"{implementation.name} does not offer {need}: {what}", why=why)
    for key in note_keys:
        if key in capabilities.not_offered:
            why = capabilities.not_offered[key]
            return Choice(scenario_id, skip=f"{implementation.name} does not offer this: {why}", why=why)
    expected = reason_for(expectations, scenario_id)
    if expected is not None:
        why = expected.describe()
        return Choice(scenario_id, xfail=f"known difference of {implementation.name}: {why}", why=why)
    for key in note_keys:
        if key in capabilities.notes:
            why = capabilities.notes[key]
            return Choice(scenario_id, xfail=f"known difference of {implementation.name}: {why}", why=why)
    return Choice(scenario_id)


def describe_capabilities(capabilities: Capabilities) -> str:
    parts = []
    for f in fields(capabilities):
        if f.name in ("notes", "not_offered"):
            continue
        value = getattr(capabilities, f.name)
        shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        parts.append(f"{f.name.replace('_', ' ')} {shown}")
    return ", ".join(parts)


RESET_WARNING = (
    "no reset: scenarios share one state, each starting where the last one left off "
    "(offer Implementation.reset and Capabilities(reset=True) for independent scenarios)"
)


def summary(implementation: Implementation, target: str, choices: Sequence[Choice], expectations: str) -> list[str]:
    """The lines printed at the start of the run (and recorded in the report)."""
    skipped = [c for c in choices if c.skip]
    xfail = [c for c in choices if c.xfail]
    run = len(choices) - len(skipped)
    lines = [
        f"target: {implementation.name} ({target})",
        f"capabilities: {describe_capabilities(implementation.capabilities)}",
    ]
    if not implementation.capabilities.reset:
        lines.append(RESET_WARNING)
    lines.append(f"expectations: {expectations}")
    lines.append(
        f"scenarios: {len(choices)} selected, {run} to run "
        f"({len(xfail)} of them expected to fail), {len(skipped)} skipped"
    )
    for reason, count in sorted(Counter(c.skip for c in skipped).items(), key=lambda rc: str(rc[0])):
        lines.append(f"  skip {count}: {reason}")
    for choice in xfail:
        lines.append(f"  expected to fail: {choice.scenario_id}: {choice.xfail}")
    return lines
