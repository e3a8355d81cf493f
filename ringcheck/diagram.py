"""A scenario's timeline drawn as a sequence diagram: SVG for the report, Mermaid beside it.

One lane per device and one for the server; requests go right, answers and frames come back,
each callback a device's app heard is a box on its lane, refusals, the faults a rule injected
(a mark on the device's lane) and the expectation that failed are red. Drawn with svg.py (typed
SVG elements) so markup is never assembled by hand; svg.py writes text as given, so every text
is escaped here.
"""

from __future__ import annotations

import html
from decimal import Decimal

import svg

from .timeline import Beat, Timeline

LANE = 270
ROW = 26
TOP = 46
MARGIN = 20
FONT = "13px sans-serif"
COLOURS = {
    "request": "#1f5fa8",
    "response": "#666666",
    "frame": "#2e7d32",
    "timer": "#8a6d00",
    "fault": "#c62828",
    "callback": "#333333",
    "refused": "#c62828",
    "missed": "#c62828",
}
ALARM = "#c62828"


def _text(x: float, y: float, words: str, colour: str, anchor: str = "middle", bold: bool = False) -> svg.Text:
    return svg.Text(
        x=x,
        y=y,
        text=html.escape(words, quote=False),
        fill=colour,
        text_anchor=anchor,  # type: ignore[arg-type]
        font_size=12,
        font_family="sans-serif",
        font_weight="bold" if bold else None,
    )


def _centre(lanes: list[str], lane: str) -> float:
    return MARGIN + LANE * lanes.index(lane) + LANE / 2


def _beat(lanes: list[str], beat: Beat, y: float) -> list[svg.Element]:
    colour = ALARM if beat.alarm else COLOURS[beat.kind]
    x1, x2 = _centre(lanes, beat.source), _centre(lanes, beat.target)
    if beat.source == beat.target:
        # The failed expectation is the last row: it may take the room of the lanes beside it.
        width = LANE * 1.8 if beat.kind == "missed" else LANE - 16
        fill = (
            "#fdecea" if beat.alarm or beat.kind == "fault" else ("#fff8e1" if beat.kind == "callback" else "#f5f5f5")
        )
        return [
            svg.Rect(
                x=x1 - width / 2,
                y=y - 15,
                width=width,
                height=20,
                rx=4,
                fill=fill,
                stroke=colour,
                stroke_width=1.5 if beat.alarm else 1,
            ),
            _text(x1, y, _fit(beat.text, width), colour, bold=beat.alarm),
            svg.Title(text=html.escape(beat.text, quote=False)),
        ]
    dash: list[Decimal | float | int] | None = [4, 3] if beat.kind in ("response", "frame") else None
    marker = "url(#alarm)" if beat.alarm else f"url(#{beat.kind})"
    return [
        svg.Line(
            x1=x1,
            y1=y,
            x2=x2,
            y2=y,
            stroke=colour,
            stroke_width=1.5,
            stroke_dasharray=dash,
            marker_end=marker,
        ),
        _text((x1 + x2) / 2, y - 5, _fit(beat.text, abs(x2 - x1)), colour, bold=beat.alarm),
    ]


def _fit(words: str, width: float) -> str:
    """Cut to the room there is (about 6.3 px a character); the whole text is in the Mermaid form."""
    room = max(8, int(width / 6.3))
    return words if len(words) <= room else words[: room - 1] + "…"


def _markers() -> svg.Defs:
    markers: list[svg.Element] = []
    for name, colour in [*COLOURS.items(), ("alarm", ALARM)]:
        markers.append(
            svg.Marker(
                id=name,
                viewBox=svg.ViewBoxSpec(0, 0, 10, 10),
                refX=10,
                refY=5,
                markerWidth=8,
                markerHeight=8,
                orient="auto",
                elements=[svg.Path(d=[svg.M(0, 0), svg.L(10, 5), svg.L(0, 10), svg.Z()], fill=colour)],
            )
        )
    return svg.Defs(elements=markers)


def to_svg(timeline: Timeline) -> str:
    lanes = timeline.lanes
    width = MARGIN * 2 + LANE * max(1, len(lanes))
    height = TOP + ROW * (len(timeline.beats) + 1) + MARGIN
    elements: list[svg.Element] = [_markers(), svg.Rect(x=0, y=0, width=width, height=height, fill="white")]
    for lane in lanes:
        x = _centre(lanes, lane)
        elements.append(svg.Line(x1=x, y1=TOP - 8, x2=x, y2=height - MARGIN, stroke="#bbbbbb", stroke_dasharray=[2, 4]))
        elements.append(_text(x, TOP - 16, lane, "#000000", bold=True))
    if not timeline.beats:
        elements.append(_text(width / 2, TOP + ROW, "nothing happened", "#666666"))
    for row, beat in enumerate(timeline.beats, start=1):
        elements.extend(_beat(lanes, beat, TOP + ROW * row))
    return str(svg.SVG(width=width, height=height, viewBox=svg.ViewBoxSpec(0, 0, width, height), elements=elements))


def to_mermaid(timeline: Timeline) -> str:
    """The same diagram as Mermaid text (mermaid.live draws it; it also reads well as it is)."""
    ids = {lane: f"P{i}" for i, lane in enumerate(timeline.lanes)}
    lines = ["sequenceDiagram"]
    lines.extend(f"    participant {ids[lane]} as {_mermaid(lane)}" for lane in timeline.lanes)
    for beat in timeline.beats:
        words = _mermaid(beat.text)
        if beat.source == beat.target:
            lines.append(f"    Note over {ids[beat.source]}: {words}")
        else:
            arrow = "->>" if beat.kind == "request" else "-->>"
            lines.append(f"    {ids[beat.source]}{arrow}{ids[beat.target]}: {words}")
    return "\n".join(lines)


def _mermaid(words: str) -> str:
    # ";" ends a statement and "#" starts an entity code in Mermaid.
    return words.replace(";", ",").replace("#", "no. ")
