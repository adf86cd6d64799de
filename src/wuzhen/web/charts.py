"""Charts drawn on the server as inline SVG: no chart library, nothing fetched.

Each chart names itself for assistive technology (``role="img"`` with a ``<title>`` and a
``<desc>``); pages print the same numbers in a table next to it. Texts are given by the
template (already translated); data labels are escaped here.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
BAR_HEIGHT = 22
PLOT_HEIGHT = 160
LEFT = 44
BOTTOM = 28
TOP = 12
MAX_STEP = 48  # a bar is at most this wide (with its gap), however few the points


def _frame(title: str, desc: str, width: int, height: int, body: list[str]) -> Markup:
    uid = secrets.token_hex(4)
    head = (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="t{uid} d{uid}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="t{uid}">{escape(title)}</title><desc id="d{uid}">{escape(desc)}</desc>'
    )
    # Every interpolated text above is escaped; the rest is fixed markup.
    return Markup(head + "".join(body) + "</svg>")


def bars(points: Sequence[tuple[str, int]], *, title: str, desc: str) -> Markup:
    """Vertical bars, one per point (e.g. one per day), labelled at both ends and the middle."""
    n = max(len(points), 1)
    top = max((v for _, v in points), default=0) or 1
    plot_w = WIDTH - LEFT - 8
    step = min(plot_w / n, MAX_STEP)
    height = TOP + PLOT_HEIGHT + BOTTOM
    base = TOP + PLOT_HEIGHT
    body = [
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - 8}" y2="{base}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{base}" text-anchor="end">0</text>',
    ]
    shown = {0, n // 2, n - 1}
    for i, (label, value) in enumerate(points):
        h = PLOT_HEIGHT * value / top
        x = LEFT + i * step
        body.append(
            f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{base - h:.1f}" '
            f'width="{step * 0.8:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if i in shown:
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            at = x if i == 0 else x + step if i == n - 1 else x + step / 2
            body.append(
                f'<text class="tick" x="{at:.1f}" y="{base + 18}" '
                f'text-anchor="{anchor}">{escape(label)}</text>'
            )
    return _frame(title, desc, WIDTH, height, body)


def hbars(points: Sequence[tuple[str, int]], *, title: str, desc: str) -> Markup:
    """Horizontal bars with their labels and values (e.g. the top autonomous systems)."""
    label_w = 260
    top = max((v for _, v in points), default=0) or 1
    plot_w = WIDTH - label_w - 60
    height = TOP + BAR_HEIGHT * max(len(points), 1) + 4
    body = []
    for i, (label, value) in enumerate(points):
        y = TOP + i * BAR_HEIGHT
        w = plot_w * value / top
        short = label if len(label) <= 38 else label[:37] + "…"
        body.append(
            f'<text class="label" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(short)}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" '
            f'height="{BAR_HEIGHT - 6}"><title>{escape(label)}: {value}</title></rect>'
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 15}">{value}</text>'
        )
    return _frame(title, desc, WIDTH, height, body)
