"""Charts drawn as SVG on the server: named for assistive technology, data escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from wuzhen.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_bars_are_an_accessible_image_with_one_bar_per_point() -> None:
    points = [("2026-11-27", 0), ("2026-11-28", 4), ("2026-11-29", 2)]
    svg = _parse(charts.bars(points, title="Events per day", desc="Three days"))
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.text == "Events per day"
    assert desc.text == "Three days"
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    heights = [float(r.get("height", "0")) for r in svg.iter(f"{SVG}rect")]
    assert heights == [0.0, charts.PLOT_HEIGHT, charts.PLOT_HEIGHT / 2]
    tips = [t.text for r in svg.iter(f"{SVG}rect") for t in r.iter(f"{SVG}title")]
    assert tips == ["2026-11-27: 0", "2026-11-28: 4", "2026-11-29: 2"]


def test_empty_and_zero_charts_draw() -> None:
    assert _parse(charts.bars([], title="t", desc="d")).get("role") == "img"
    assert _parse(charts.hbars([], title="t", desc="d")).get("role") == "img"
    flat = _parse(charts.bars([("a", 0)], title="t", desc="d"))
    assert [r.get("height") for r in flat.iter(f"{SVG}rect")] == ["0.0"]


def test_labels_and_texts_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & co'
    markup = str(charts.hbars([(hostile, 3)], title=hostile, desc="<b>"))
    assert "<script>" not in markup
    assert "<b>" not in markup
    svg = _parse(markup)
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == [hostile]
    assert re.search(r"&lt;script&gt;", markup)


def test_each_chart_has_its_own_ids() -> None:
    first = _parse(charts.bars([("a", 1)], title="t", desc="d")).get("aria-labelledby")
    second = _parse(charts.bars([("a", 1)], title="t", desc="d")).get("aria-labelledby")
    assert first != second


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip() -> None:
    name = "AS64500 " + "A very long autonomous system name" * 2
    svg = _parse(charts.hbars([(name, 1)], title="t", desc="d"))
    (label,) = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert label == name[:37] + "\u2026"
    assert [t.text for r in svg.iter(f"{SVG}rect") for t in r.iter(f"{SVG}title")] == [f"{name}: 1"]
