"""The transparency report: every member's figures, computed by one code path, as a dict (the
JSON the API serves; the CSV, HTML and PDF are views of it).

How figures are published (the same for every member, documented in
``docs/user/transparency.md``):

- a count of cases (requests, notices, origins, contests, grounds cited) below the rule
  ``transparency.small_count_threshold`` (t) is shown as the range ``1-(t-1)``, e.g.
  ``"1-4"``; zero stays ``0`` (an absence reveals no case);
- a figure derived from cases (a percentage, a median, a percentile, a rate per million)
  resting on fewer than t cases is ``"withheld"``; with no case at all it is null;
- a member that is not onboarded (no confirmed technical contact at the report's time) has
  its response figures (acknowledged in time, overdue) shown as ``"not-onboarded"``, never as
  unresponsive;
- counts that are not cases (points of contact, reporting members) are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from wuzhen import ledger, rules
from wuzhen.evidence.store import EventStore
from wuzhen.jurisdiction.snapshot import Snapshot
from wuzhen.transparency import metrics
from wuzhen.transparency.frames import Frames, load
from wuzhen.transparency.methods import BY_NAME, METHODS, PUBLISHED_MARKINGS, RESPONSE, Method
from wuzhen.transparency.period import Period

Figure = int | float | str | None
WITHHELD = "withheld"
NOT_ONBOARDED = "not-onboarded"
REPORTING = "origins-reporting-members"


def small_range(threshold: int) -> str:
    """How a count below the threshold is shown (with a threshold of 2 this is only "1":
    the rule needs 3 or more to hide anything)."""
    return f"1-{threshold - 1}" if threshold > 2 else "1"


def _rounded(method: Method, value: float) -> float | int:
    if method.unit == "seconds":
        return round(value)
    if method.unit == "percent":
        return round(value, 2)
    return float(f"{value:.4g}")


def shown(method: Method, value: float | None, n: int, threshold: int) -> Figure:
    """A figure as published (see the module's rules)."""
    if value is None:
        return None
    if method.derived:
        return WITHHELD if n < threshold else _rounded(method, value)
    count = round(value)
    if method.cases and 0 < count < threshold:
        return small_range(threshold)
    return count


def _group(frame: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in frame.iter_rows(named=True):
        out.setdefault(row["party"], []).append(row)
    return out


def _figures(
    rows_by_method: dict[str, list[dict[str, Any]]], threshold: int, *, onboarded: bool = True
) -> dict[str, dict[str, Figure]]:
    out: dict[str, dict[str, Figure]] = {}
    for name, rows in rows_by_method.items():
        m = BY_NAME[name]
        figs: dict[str, Figure] = dict.fromkeys(m.zero_keys, 0)
        for r in rows:
            figs[r["key"]] = shown(m, r["value"], r["n"], threshold)
        if not onboarded:
            for metric, key in RESPONSE:
                if metric == name:
                    figs[key] = NOT_ONBOARDED
        out[name] = dict(sorted(figs.items()))
    if "origins" in rows_by_method:
        out[REPORTING] = {r["key"]: r["reporting"] for r in rows_by_method["origins"]}
    return out


def _by_party(tables: dict[str, pl.DataFrame]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """party -> method -> rows."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name, frame in tables.items():
        for party, rows in _group(frame).items():
            out.setdefault(party, {})[name] = rows
    return out


def _pairs(frames: Frames, threshold: int, onboarded: dict[str, bool]) -> list[dict[str, Any]]:
    """Both directions of every pair with requests; a direction measures the requested
    member, so the rule on members not onboarded applies to it as in its own figures."""
    tables = metrics.pair_figures(frames)
    by_party = _by_party(tables)
    names = [m.name for m in METHODS if m.pairs]
    pairs = sorted({tuple(sorted(p.split(">"))) for p in by_party})
    out = []
    for a, b in pairs:
        sides = {}
        for side, party, requested in (("a_to_b", f"{a}>{b}", b), ("b_to_a", f"{b}>{a}", a)):
            rows = {n: by_party.get(party, {}).get(n, []) for n in names}
            sides[side] = _figures(rows, threshold, onboarded=onboarded.get(requested, True))
        out.append({"a": a, "b": b, **sides})
    return out


def build(
    frames: Frames,
    *,
    period: Period,
    now: datetime,
    threshold: int,
    head: tuple[int, str],
) -> dict[str, Any]:
    """The report from its frames (pure). Every member is measured by the same code."""
    tables = metrics.figures(frames)
    by_party = _by_party(tables)
    names = list(tables)
    members = []
    for m in frames["members"].iter_rows(named=True):
        code = m["code"]
        rows = {n: by_party.get(code, {}).get(n, []) for n in names}
        contacts = {r["key"]: r["value"] for r in rows.get("contacts", [])}
        onboarded = bool(contacts.get("onboarded"))
        figures = _figures(rows, threshold, onboarded=onboarded)
        last = figures.get("contact-confirmation", {}).get("last-confirmed")
        if isinstance(last, int | float):
            figures["contact-confirmation"]["last-confirmed"] = _date_of(float(last))
        members.append(
            {
                "code": code,
                "name": m["name"],
                "region": m["region"],
                "status": m["status"],
                "onboarded": onboarded,
                "ipv4": m["ipv4"],
                "internet_users": None
                if m["users"] is None
                else {"value": m["users"], "year": m["users_year"]},
                "figures": figures,
            }
        )
    other = metrics.other_only(frames)
    compact = _by_party(metrics.pair_figures(frames, metrics.COMPACT)).get(metrics.COMPACT, {})
    pair_names = [m.name for m in METHODS if m.pairs]
    return {
        "report": "transparency",
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "as_of": period.as_of(now).isoformat(),
        "generated_at": now.isoformat(),
        "ledger_head": {"seq": head[0], "hash": head[1]},
        "threshold": threshold,
        "small_count_range": small_range(threshold) if threshold > 1 else None,
        "published_markings": list(PUBLISHED_MARKINGS),
        "methods": {
            m.name: {"title": m.title, "section": m.section, "doc": m.doc} for m in METHODS
        },
        "compact": _figures({n: compact.get(n, []) for n in pair_names}, threshold),
        "members": members,
        "pairs": _pairs(frames, threshold, {m["code"]: m["onboarded"] for m in members}),
        "refusals_other_only": [
            {"member": r["party"], "kind": r["kind"], "text": r["other_text"] or ""}
            for r in other.iter_rows(named=True)
        ],
    }


def _date_of(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


def transparency_report(
    session: Session,
    store: EventStore | None,
    snapshot: Snapshot | None,
    period: Period,
    now: datetime,
) -> dict[str, Any]:
    """The report for ``period`` as of ``now``, read in one transaction."""
    frames = load(session, store, snapshot, period, now)
    threshold = int(rules.get(session, "transparency.small_count_threshold"))
    return build(frames, period=period, now=now, threshold=threshold, head=ledger.head(session))


def members_in(report: dict[str, Any], codes: Iterable[str]) -> list[dict[str, Any]]:
    wanted = {c.upper() for c in codes}
    return [m for m in report["members"] if m["code"] in wanted]
