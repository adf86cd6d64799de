"""Time-series charts of indicators as inline SVG (drawn on the server, nothing fetched).

One line per series (a member's values of one indicator, by year), with a point per
observation; optionally a target: a dashed line from the latest observation to the target
value at its deadline year. Colours are attributes, so the chart reads the same anywhere.
Texts come translated from the caller; labels are escaped here.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 240
LEFT = 64
RIGHT = 16
TOP = 16
BOTTOM = 44
COLOURS = ("#2f6db5", "#c2571a", "#2a8c4a", "#8e3fa8", "#a8862b", "#1b8a8f", "#b03552")
TARGET = "#c0392b"

Series = tuple[str, Sequence[tuple[int, float]]]


def _tick(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.4g} M"
    return f"{value:,.4g}"


def lines(
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    target: tuple[int, float] | None = None,
    target_label: str = "",
) -> Markup:
    """Lines of (year, value) per series; ``target`` is (deadline year, value)."""
    uid = secrets.token_hex(4)
    points = [p for _, pts in series for p in pts]
    years = [y for y, _ in points] + ([target[0]] if target else [])
    values = [v for _, v in points] + ([target[1]] if target else [])
    y0, y1 = (min(years), max(years)) if years else (2000, 2001)
    if y0 == y1:
        y0, y1 = y0 - 1, y1 + 1
    lo, hi = min([0.0, *values]), max(values, default=1.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(year: float) -> float:
        return LEFT + plot_w * (year - y0) / (y1 - y0)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - lo) / ((hi - lo) or 1))

    base = TOP + plot_h
    body = [
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#888"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#888"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11" fill="#444">'
        f"{escape(_tick(hi))}</text>",
        f'<text x="{LEFT - 6}" y="{base}" text-anchor="end" font-size="11" fill="#444">'
        f"{escape(_tick(lo))}</text>",
        f'<text x="{LEFT}" y="{base + 16}" font-size="11" fill="#444">{y0}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{base + 16}" text-anchor="end" font-size="11" '
        f'fill="#444">{y1}</text>',
    ]
    for i, (name, pts) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        ordered = sorted(pts)
        if len(ordered) > 1:
            path = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in ordered)
            body.append(
                f'<polyline class="series" points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"/>'
            )
        body += [
            f'<circle class="point" cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
            f"<title>{escape(name)} {yr}: {escape(_tick(v))}</title></circle>"
            for yr, v in ordered
        ]
        body.append(
            f'<text x="{LEFT + 8 + 110 * i}" y="{HEIGHT - 6}" font-size="11" fill="{colour}">'
            f"■ {escape(name)}</text>"
        )
    if target is not None:
        last = max((p for _, pts in series for p in pts), default=None)
        ty, tv = target
        if last is not None:
            body.append(
                f'<line class="target" x1="{x(last[0]):.1f}" y1="{y(last[1]):.1f}" '
                f'x2="{x(ty):.1f}" y2="{y(tv):.1f}" stroke="{TARGET}" stroke-dasharray="5 4"/>'
            )
        body.append(
            f'<circle cx="{x(ty):.1f}" cy="{y(tv):.1f}" r="5" fill="none" stroke="{TARGET}" '
            f'stroke-width="2"><title>{escape(target_label)}</title></circle>'
        )
    head = (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="t{uid} d{uid}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="t{uid}">{escape(title)}</title><desc id="d{uid}">{escape(desc)}</desc>'
    )
    # Every interpolated text is escaped above; the rest is fixed markup.
    return Markup(head + "".join(body) + "</svg>")
