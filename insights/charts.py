"""Charts drawn on the server as SVG (no script, nothing to download): horizontal bars, which read on a phone,
mirrored for right-to-left languages. Every chart has its numbers as a table beside it for screen readers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, BAR_HEIGHT, GAP, LABEL_WIDTH = 320, 22, 10, 110


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the value as the page writes it
    y: int
    x: float
    width: float
    label_x: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    width: int
    anchor: str  # text-anchor of the labels: "end" left to right, "start" right to left
    value_anchor: str
    rtl: bool


def bar_chart(title: str, rows: list[tuple[str, Decimal | int, str]], *, rtl: bool = False) -> BarChart:
    """`rows` of (label, value, shown); bars scale to the largest value, growing from the labels' side."""
    largest = max((abs(Decimal(value)) for _, value, _ in rows), default=Decimal(0)) or Decimal(1)
    room = WIDTH - LABEL_WIDTH - 70
    bars = []
    for index, (label, value, shown) in enumerate(rows):
        width = float(abs(Decimal(value)) / largest * room)
        y = index * (BAR_HEIGHT + GAP)
        if rtl:
            x = WIDTH - LABEL_WIDTH - width
            bars.append(Bar(label, shown, y, x, width, WIDTH - LABEL_WIDTH + 6, x - 6))
        else:
            bars.append(Bar(label, shown, y, LABEL_WIDTH, width, LABEL_WIDTH - 6, LABEL_WIDTH + width + 6))
    height = max(len(rows) * (BAR_HEIGHT + GAP) - GAP, BAR_HEIGHT)
    return BarChart(title, bars, height, WIDTH, "start" if rtl else "end", "end" if rtl else "start", rtl)
