"""Bar charts of the report as inline SVG, drawn from its figures (no library, nothing
fetched). Colours are attributes, not classes, so a chart looks the same on the web page,
in the standalone HTML and in the PDF. Texts come translated from the template; labels are
escaped here. Figures shown as ranges or withheld are not drawn (the tables show them).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
ROW = 22
LABEL_W = 200
TOP = 8
BAR = "#2f6db5"
TEXT = "#222"


def hbars(points: Sequence[tuple[str, float]], *, title: str, desc: str, unit: str = "") -> Markup:
    """Horizontal bars with their labels and values (``unit`` is appended to each value)."""
    uid = secrets.token_hex(4)
    top = max((v for _, v in points), default=0) or 1
    plot = WIDTH - LABEL_W - 90
    height = TOP + ROW * max(len(points), 1) + 4
    body = []
    for i, (label, value) in enumerate(points):
        y = TOP + i * ROW
        w = plot * value / top
        shown = f"{value:,.4g}{unit}" if isinstance(value, float) else f"{value:,}{unit}"
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{escape(short)}</text>'
            f'<rect class="bar" x="{LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" '
            f'fill="{BAR}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 15}" font-size="12" fill="{TEXT}">'
            f"{escape(shown)}</text>"
        )
    head = (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" aria-labelledby="t{uid} d{uid}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="t{uid}">{escape(title)}</title><desc id="d{uid}">{escape(desc)}</desc>'
    )
    # Every interpolated text is escaped above; the rest is fixed markup.
    return Markup(head + "".join(body) + "</svg>")


def numeric(points: Sequence[tuple[str, object]]) -> list[tuple[str, float]]:
    """The points whose figure is a number (ranges, "withheld" and nulls are left out)."""
    return [
        (label, float(v))
        for label, v in points
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
