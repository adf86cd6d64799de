"""Publishing the figures (#8): ranges for small counts, withheld derived figures, members
not onboarded, and the same figures for the same input whichever member it concerns."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.unit.test_templates_i18n import unmarked
from tests.unit.transparency.fixture import NOW_UTC, SWAP, Req, frames, swapped
from wuzhen.transparency import build, parse_period
from wuzhen.transparency.frames import frame
from wuzhen.transparency.methods import METHODS, VIEWS
from wuzhen.transparency.render import TEMPLATES_DIR, body, document, environment, rows, to_csv

HEAD = (42, "ab" * 32)
HOUR = 3600
FEB = datetime(2026, 2, 2)


def report(threshold: int = 5, f: Any = None) -> dict[str, Any]:
    return build(
        f or frames(), period=parse_period("2026"), now=NOW_UTC, threshold=threshold, head=HEAD
    )


def member(rep: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in rep["members"] if m["code"] == code)


def test_small_counts_are_ranges_and_zero_stays_zero() -> None:
    cn = member(report(), "CN")["figures"]
    assert cn["requests-received"] == {
        "assistance": "1-4",
        "disclosure": "1-4",
        "information": "1-4",
        "preservation": "1-4",
        "takedown": "1-4",
        "total": 8,
    }
    assert cn["request-outcomes"]["partially-executed"] == "1-4"
    assert cn["refusal-grounds"] == {
        "dual-criminality": "1-4",
        "other": "1-4",
        "political-offence": "1-4",
    }
    us = member(report(), "US")["figures"]
    assert us["requests-received"] == {"total": 0}
    assert us["request-outcomes"] == {
        **dict.fromkeys(["executed", "partially-executed", "pending", "refused", "withdrawn"], 0),
        "overdue": "not-onboarded",  # its technical contact is not confirmed
    }
    assert us["time-to-acknowledge"] == {}  # no case: no figure


def test_derived_figures_rest_on_enough_cases_or_are_withheld() -> None:
    cn = member(report(), "CN")["figures"]
    assert cn["acknowledged-in-time"] == {"percent": 71.43}  # 5 of 7
    assert cn["time-to-acknowledge"] == {"median": 3.5 * HOUR, "p90": 18 * HOUR}
    assert cn["time-to-outcome"] == {"median": 30 * HOUR, "p90": 46 * HOUR}  # 5 cases
    assert cn["notice-time-to-acknowledge"] == {"median": "withheld"}  # 2 cases
    assert cn["origins"]["total"] == "1-4"
    assert cn["origins-per-million-ipv4"]["total"] == "withheld"
    assert cn["origins-reporting-members"] == {"brute-force": 2, "scanner": 1, "total": 2}


def test_a_lower_threshold_shows_more() -> None:
    cn = member(report(threshold=2), "CN")["figures"]
    assert cn["requests-received"]["takedown"] == 3
    assert cn["requests-received"]["assistance"] == "1"
    assert cn["origins-per-million-users"]["total"] == 5.0
    everything = member(report(threshold=1), "CN")["figures"]
    assert everything["request-outcomes"]["partially-executed"] == 1


def test_a_member_not_onboarded_is_shown_as_such() -> None:
    rep = report(threshold=2)
    fr = member(rep, "FR")
    assert fr["onboarded"] is False  # a policy contact only
    assert fr["figures"]["acknowledged-in-time"] == {"percent": "not-onboarded"}
    assert fr["figures"]["request-outcomes"]["overdue"] == "not-onboarded"
    assert fr["figures"]["requests-received"]["total"] == 2  # its load is still counted
    cn = member(rep, "CN")
    assert cn["onboarded"] is True
    assert cn["figures"]["request-outcomes"]["overdue"] == "1"


def test_the_report_prints_the_ledger_head_and_the_rules() -> None:
    rep = report()
    assert rep["ledger_head"] == {"seq": 42, "hash": "ab" * 32}
    assert rep["threshold"] == 5
    assert rep["small_count_range"] == "1-4"
    assert rep["published_markings"] == ["CLEAR", "GREEN", "AMBER"]
    html = document(rep, "en")
    assert "ab" * 32 in html
    assert rep["refusals_other_only"] == [
        {"member": "CN", "kind": "information", "text": "no legal basis"}
    ]


def codes_swapped(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures whose keys are member codes (requests sent, by requested member) swap too."""
    out = dict(figures)
    out["requests-sent-to"] = {SWAP.get(k, k): v for k, v in figures["requests-sent-to"].items()}
    return out


@pytest.mark.parametrize("threshold", [1, 5])
def test_same_input_same_figures_whichever_member(threshold: int) -> None:
    """Swap the member codes CN and FR in every table: their figures swap exactly."""
    before, after = report(threshold), report(threshold, swapped(frames()))
    assert member(after, "FR")["figures"] == codes_swapped(member(before, "CN")["figures"])
    assert member(after, "CN")["figures"] == codes_swapped(member(before, "FR")["figures"])
    assert member(after, "US")["figures"] == codes_swapped(member(before, "US")["figures"])
    sent_to = member(after, "US")["figures"]["requests-sent-to"]
    assert sent_to == {"FR": 2 if threshold == 1 else "1-4"}  # it was CN
    pair_before = next(p for p in before["pairs"] if (p["a"], p["b"]) == ("CN", "FR"))
    pair_after = next(p for p in after["pairs"] if (p["a"], p["b"]) == ("CN", "FR"))
    assert pair_after["a_to_b"] == pair_before["b_to_a"]
    assert pair_after["b_to_a"] == pair_before["a_to_b"]


def test_mirrored_requests_give_mirrored_pairs() -> None:
    reqs = [
        Req("a", "takedown", "CN", "FR", "executed", FEB, 2, 9),
        Req("b", "takedown", "FR", "CN", "executed", FEB, 2, 9),
    ]
    f = frames(reqs, origins=[])
    f.tables["contacts"] = frame(  # both onboarded, the same day
        "contacts", [(c, "technical", FEB, FEB) for c in ("CN", "FR")]
    )
    rep = report(1, f)
    (pair,) = rep["pairs"]
    assert pair["a_to_b"] == pair["b_to_a"]
    cn, fr = member(rep, "CN")["figures"], member(rep, "FR")["figures"]
    for metric in ("requests-received", "time-to-acknowledge", "time-to-outcome", "requests-sent"):
        assert cn[metric] == fr[metric], metric


def test_pair_refusal_grounds_are_ranged_too() -> None:
    pair = next(p for p in report()["pairs"] if (p["a"], p["b"]) == ("CN", "FR"))
    assert pair["b_to_a"]["refusal-grounds"] == {"other": "1-4", "political-offence": "1-4"}
    assert pair["a_to_b"]["refusal-grounds"] == {"human-rights": "1-4"}
    assert pair["b_to_a"]["requests-received"]["total"] == 6


def test_csv_has_one_row_per_member_metric_and_key() -> None:
    rep = report()
    parsed = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert len(parsed) == len(rows(rep))
    cn_total = [
        r
        for r in parsed
        if (r["scope"], r["party"], r["metric"], r["key"])
        == ("member", "CN", "requests-received", "total")
    ]
    assert [r["value"] for r in cn_total] == ["8"]
    assert cn_total[0]["method"] == "docs/user/transparency-methods.md#requests-received"
    head = next(r for r in parsed if r["metric"] == "ledger-head")
    assert head["value"] == "ab" * 32
    keys = [(r["scope"], r["party"], r["metric"], r["key"]) for r in parsed]
    assert len(keys) == len(set(keys))
    json.dumps(rep)  # the JSON the API serves


def test_every_figure_links_to_its_method() -> None:
    html = str(body(report(), "en"))
    for name in report()["methods"]:
        assert f'id="m-{name}"' in html, name
    assert 'href="#m-time-to-acknowledge"' in html
    assert 'class="chart"' in html  # at least one chart is drawn


@pytest.mark.parametrize("name", ["_body.html", "report.html"])
def test_report_templates_are_marked_for_translation(name: str) -> None:
    source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    assert unmarked(environment("en"), source) == []


def test_the_report_renders_right_to_left_in_arabic() -> None:
    assert '<html lang="ar" dir="rtl">' in document(report(), "ar")


def test_the_methods_document_shows_every_query_as_run() -> None:
    doc = (ROOT / "docs" / "user" / "transparency-methods.md").read_text(encoding="utf-8")
    for method in METHODS:
        assert f'<a id="{method.name}"></a>' in doc, method.name
        assert f"```sql\n{method.sql.strip()}\n```" in doc, method.name
    for name, sql in VIEWS.items():
        assert f"```sql\n{sql.strip()}\n```" in doc, name
    guide = (ROOT / "docs" / "user" / "transparency.md").read_text(encoding="utf-8")
    assert '<a id="publication-rules"></a>' in guide
    assert "Chromium" in guide
    assert "fonts-noto-core" in guide


def test_the_pair_view_applies_the_onboarding_rule_to_the_requested_side() -> None:
    pair = next(p for p in report(2)["pairs"] if (p["a"], p["b"]) == ("CN", "FR"))
    assert pair["a_to_b"]["acknowledged-in-time"] == {"percent": "not-onboarded"}  # FR answers
    assert pair["b_to_a"]["acknowledged-in-time"] == {"percent": 80.0}  # CN answers
