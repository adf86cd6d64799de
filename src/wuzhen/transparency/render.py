"""The report as HTML (a Jinja2 template with inline SVG charts), CSV and JSON: views of the
report's dict, so each output shows the same figures.

Every text of the templates goes through gettext (``_()``), with Wuzhen's catalog. The HTML
is self-contained (styles inline, no script, no image or font fetched): the PDF is printed
from it with no network (see :mod:`wuzhen.transparency.pdf`).
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from wuzhen import i18n
from wuzhen.transparency import charts
from wuzhen.transparency.methods import DOC, METHODS, VIEWS
from wuzhen.transparency.report import NOT_ONBOARDED, REPORTING, WITHHELD

TEMPLATES_DIR = Path(__file__).parent / "templates"
SECONDS = frozenset({"time-to-acknowledge", "time-to-outcome", "notice-time-to-acknowledge"})
RATES = frozenset({"origins-per-million-ipv4", "origins-per-million-users"})
#: English labels of the keys figures carry, translated when shown (``_(label(key))``).
LABELS = {
    "total": "total",
    "percent": "share",
    "median": "median",
    "p90": "90th percentile",
    "executed": "executed",
    "partially-executed": "partially executed",
    "refused": "refused",
    "withdrawn": "withdrawn",
    "pending": "pending",
    "overdue": "overdue",
    "received": "received",
    "acknowledged": "acknowledged",
    "useful": "useful",
    "not-useful": "not useful",
    "none": "no feedback",
    "opened": "opened",
    "events": "events",
    "notices": "notices",
    "rerouted": "re-routed",
    "upheld": "upheld",
    "open": "open",
    "confirmed": "confirmed",
    "onboarded": "onboarded",
    "last-confirmed": "last confirmed",
    "median-seconds": "median time to confirm",
    "takedown": "takedown",
    "preservation": "preservation",
    "disclosure": "disclosure",
    "assistance": "assistance",
    "asset-tracing": "asset tracing",
    "information": "information",
}


def label(key: str) -> str:
    """The English label of a key (the template translates it); codes stay codes."""
    return LABELS.get(key, key)


def figure_text(value: Any, metric: str, key: str = "") -> str:
    """A figure as printed: counts with thousands separators, times in hours, rates and
    percentages with their unit; ranges as they are; markers translated by the caller."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if metric in SECONDS or key == "median-seconds":
        return f"{value / 3600:,.1f} h"
    if metric == "acknowledged-in-time":
        return f"{value:.1f}%"
    if metric in RATES:
        return f"{value:,.4g}"
    return f"{value:,}"


def _marker(value: Any) -> str | None:
    if value == WITHHELD:
        return "withheld"
    if value == NOT_ONBOARDED:
        return "not onboarded"
    return None


@cache
def environment(language: str) -> Environment:
    env = i18n.template_environment(TEMPLATES_DIR, language)
    env.globals.update(
        tr=i18n.translation(language).gettext,  # for texts held in data (no % formatting)
        charts=charts,
        label=label,
        figure_text=figure_text,
        marker=_marker,
        methods=METHODS,
        views=VIEWS,
        doc=DOC,
        reporting=REPORTING,
        lang=language,
        dir=i18n.direction(language),
    )
    return env


def _active(member: dict[str, Any]) -> bool:
    f = member["figures"]
    return any(
        f.get(metric, {}).get(key) not in (0, None)
        for metric, key in (
            ("requests-received", "total"),
            ("requests-sent", "total"),
            ("notices", "received"),
            ("origins", "total"),
            ("contests", "opened"),
        )
    )


TOP = 15


def _member_points(report: dict[str, Any], metric: str, key: str) -> list[tuple[str, float]]:
    points = charts.numeric(
        [(m["code"], m["figures"].get(metric, {}).get(key)) for m in report["members"]]
    )
    return sorted((p for p in points if p[1] > 0), key=lambda p: (-p[1], p[0]))[:TOP]


def _charts(report: dict[str, Any], gettext: Any) -> list[dict[str, Any]]:
    outcomes = report["compact"].get("request-outcomes", {})
    return [
        {
            "title": gettext("Outcomes of the requests sent in the period, whole compact"),
            "desc": gettext("Number of requests by status; ranges are not drawn."),
            "points": charts.numeric([(gettext(label(k)), v) for k, v in outcomes.items()]),
            "unit": "",
        },
        {
            "title": gettext("Requests received, by member"),
            "desc": gettext("The members that received the most requests in the period."),
            "points": _member_points(report, "requests-received", "total"),
            "unit": "",
        },
        {
            "title": gettext("Acknowledged within the deadline, by member"),
            "desc": gettext("Share of requests acknowledged by their deadline, in percent."),
            "points": _member_points(report, "acknowledged-in-time", "percent"),
            "unit": "%",
        },
        {
            "title": gettext("Origins per million registered IPv4 addresses, by member"),
            "desc": gettext("Distinct (address, classification, day) per million addresses."),
            "points": _member_points(report, "origins-per-million-ipv4", "total"),
            "unit": "",
        },
    ]


def _pair_rows(report: dict[str, Any], pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for p in pairs:
        rows = []
        for m in METHODS:
            if not m.pairs:
                continue
            ab, ba = p["a_to_b"].get(m.name, {}), p["b_to_a"].get(m.name, {})
            rows += [
                {"metric": m.name, "title": m.title, "key": k, "ab": ab.get(k), "ba": ba.get(k)}
                for k in sorted(set(ab) | set(ba))
            ]
        out.append({"a": p["a"], "b": p["b"], "rows": rows})
    return out


def _context(report: dict[str, Any], language: str, pair: tuple[str, str] | None) -> dict[str, Any]:
    pairs = report["pairs"]
    if pair is not None:
        a, b = sorted(pair)
        pairs = [p for p in pairs if (p["a"], p["b"]) == (a, b)] or [
            {"a": a, "b": b, "a_to_b": {}, "b_to_a": {}}
        ]
    gettext = i18n.translation(language).gettext
    return {
        "report": report,
        "active": [m for m in report["members"] if _active(m)],
        "pair_rows": _pair_rows(report, pairs),
        "charts_data": _charts(report, gettext),
        "names": {m["code"]: m["name"] for m in report["members"]},
    }


def body(report: dict[str, Any], language: str, pair: tuple[str, str] | None = None) -> Markup:
    """The report's content (for the web page, inside its layout)."""
    template = environment(language).get_template("_body.html")
    return Markup(template.render(_context(report, language, pair)))


def style() -> Markup:
    return Markup((TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"))


def document(report: dict[str, Any], language: str) -> str:
    """The whole report as one self-contained HTML document (for printing and publishing)."""
    template = environment(language).get_template("report.html")
    return template.render(
        {**_context(report, language, None), "body": body(report, language), "css": style()}
    )


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("scope", "party", "name", "metric", "key", "value", "method")


def rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per member (or pair) x metric x key; the report's header as rows too."""
    out: list[dict[str, Any]] = []

    def add(scope: str, party: str, name: str, metric: str, key: str, value: Any) -> None:
        method = report["methods"].get(metric.replace(REPORTING, "origins"), {})
        cell = "" if value is None else value
        out.append(
            dict(
                zip(
                    CSV_COLUMNS,
                    (scope, party, name, metric, key, cell, method.get("doc", "")),
                    strict=True,
                )
            )
        )

    add("report", "", "", "period", "", report["period"]["label"])
    add("report", "", "", "as-of", "", report["as_of"])
    add(
        "report",
        "",
        "",
        "ledger-head",
        str(report["ledger_head"]["seq"]),
        report["ledger_head"]["hash"],
    )
    add("report", "", "", "small-count-threshold", "", report["threshold"])
    for metric, figs in report["compact"].items():
        for key, value in figs.items():
            add("compact", "", "", metric, key, value)
    for m in report["members"]:
        add("member", m["code"], m["name"], "onboarded", "", "yes" if m["onboarded"] else "no")
        for metric, figs in m["figures"].items():
            for key, value in figs.items():
                add("member", m["code"], m["name"], metric, key, value)
    for p in report["pairs"]:
        for side, party in (("a_to_b", f"{p['a']}>{p['b']}"), ("b_to_a", f"{p['b']}>{p['a']}")):
            for metric, figs in p[side].items():
                for key, value in figs.items():
                    add("pair", party, "", metric, key, value)
    for r in report["refusals_other_only"]:
        add("other-only", r["member"], "", "refusals-other-only", r["kind"], r["text"])
    return out


def to_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(report))
    return buffer.getvalue()
