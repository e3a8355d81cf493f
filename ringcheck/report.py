"""What a scenario's report shows: every party's events side by side, and what crossed the wire.

Plain text for terminals and failure messages, HTML for the Allure report (one column a device,
one row an event, in the order they arrived), and the environment page.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

from .journal import Heard
from .scene import Scene

DOCS_BASE = "https://www.cometchat.com/docs/calls/v4/javascript/ringing"


def doc_link(section: str) -> str:
    return f"{DOCS_BASE}#{section}"


def _cell(heard: Heard) -> str:
    call = heard.event.call
    return (
        f"{heard.event.callback} ({call.status})\n"
        f"{call.call_type} call from {call.initiator}\n[{heard.event.listener_id}]"
    )


def events_text(scene: Scene) -> str:
    lines = []
    for person in scene.people.values():
        for handle in person.devices.values():
            lines.append(f"{handle.label} ({person.uid}):")
            heard = handle.log.heard()
            lines.extend(f"  #{h.seq} {h.describe()}" for h in heard)
            if not heard:
                lines.append("  (told nothing)")
    return "\n".join(lines) or "nobody signed in"


def events_html(scene: Scene) -> str:
    handles = scene.devices()
    head = "".join(f"<th>{html.escape(h.label)}</th>" for h in handles)
    rows = []
    for heard in scene.everything_heard():
        cells = "".join(
            f"<td>{html.escape(_cell(heard)).replace(chr(10), '<br>')}</td>" if h.label == heard.device else "<td></td>"
            for h in handles
        )
        rows.append(f"<tr><td>#{heard.seq}</td>{cells}</tr>")
    if not rows:
        rows.append(f"<tr><td></td><td colspan='{len(handles)}'>nobody was told anything</td></tr>")
    style = (
        "<style>table{border-collapse:collapse;font:13px sans-serif}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}th{background:#f3f3f3}</style>"
    )
    return f"{style}<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def attempts_text(scene: Scene) -> str:
    lines = []
    for attempt in scene.attempts:
        outcome = f"refused: {attempt.refusal}" if attempt.refusal else f"succeeded: {attempt.result}"
        lines.append(f"{attempt.who} tried to {attempt.what}: {outcome}")
    return "\n".join(lines)


def write_environment(folder: Path, facts: Mapping[str, str]) -> None:
    """Allure's environment page: which target and which versions this run checked."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{key.replace(' ', '.')}={value}" for key, value in facts.items()]
    (folder / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def transcript_text(lines: Sequence[str]) -> str:
    return "\n".join(lines) or "the target keeps no transcript"
