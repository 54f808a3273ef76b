"""Small SVG charts drawn on the server: a few hundred bytes, no script, readable on a phone.

The SVG scales to its container (``viewBox``, width 100 %); text is escaped; each chart
carries a ``<title>`` and its figures also appear as text beside it for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28


@dataclass(frozen=True)
class Line:
    label: str
    values: list[int]
    css_class: str  # colour from the page's style sheet: "s1", "s2"


def _nice_max(value: int) -> int:
    """A round top for the axis at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def line_chart(title: str, labels: list[str], lines: list[Line]) -> str:
    """Cumulative lines over ``labels`` (period starts), with a y axis from 0."""
    top = _nice_max(max((v for line in lines for v in line.values), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    n = len(labels)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return TOP + plot_h - plot_h * v / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for tick in (0, top // 2, top):
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="axis" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick:,}</text>'.replace(",", ".")
        )
    if n:
        for i in sorted({0, n // 2, n - 1}):
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(
                f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - 8}" '
                f'text-anchor="{anchor}">{escape(labels[i])}</text>'
            )
    for line in lines:
        if not line.values:
            continue
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        parts.append(
            f'<polyline class="{escape(line.css_class)}" fill="none" points="{points}">'
            f"<title>{escape(line.label)}: {line.values[-1]}</title></polyline>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar(value: int, top: int) -> str:
    """A horizontal bar for a table cell (width in %), as an inline SVG."""
    share = 0 if top <= 0 else max(0.0, min(1.0, value / top))
    return (
        f'<svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect width="{share * 100:.1f}" height="8"/></svg>'
    )
