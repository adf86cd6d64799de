"""The report's metrics on a hand-made compact (#8): every expected value below is computed
by hand from tests/unit/transparency/fixture.py (times in hours there, seconds here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from tests.unit.transparency.fixture import MARCH, NOW, Req, cn_requests, frames
from wuzhen.cooperation.service import clocks
from wuzhen.cooperation.tables import Request
from wuzhen.transparency import metrics
from wuzhen.transparency.period import parse_period

HOUR = 3600


def figures(
    name: str, party: str = "CN", view: str = metrics.MEMBER_PARTY, **kw: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    table = metrics.one(frames(**kw), name, view)
    rows = table.filter(pl.col("party") == party)
    keys = rows["key"].to_list()
    return dict(zip(keys, rows["value"], strict=True)), dict(zip(keys, rows["n"], strict=True))


def test_requests_received_by_type_count_the_period_only() -> None:
    got, _ = figures("requests-received")
    # r8 was sent in 2025; drafts never reach the frames (sent_at is null for them)
    assert got == {
        "assistance": 1,
        "disclosure": 1,
        "information": 2,
        "preservation": 1,
        "takedown": 3,
        "total": 8,
    }


def test_acknowledged_in_time_counts_passed_deadlines_only() -> None:
    got, n = figures("acknowledged-in-time")
    # acknowledged: r1-r6 (r6 after 30 h: late); r9 never, its deadline passed; r7 still
    # within its 24 h: left out. In time 5 of 7.
    assert n == {"percent": 7}
    assert got["percent"] == pytest.approx(100 * 5 / 7)


def test_time_to_acknowledge_median_and_90th_percentile() -> None:
    got, n = figures("time-to-acknowledge")
    # hours 1, 2, 3, 4, 6, 30: median (3 + 4) / 2 = 3.5; p90 at position 0.9 * 5 = 4.5:
    # 6 + 0.5 * (30 - 6) = 18
    assert got == {"median": 3.5 * HOUR, "p90": 18 * HOUR}
    assert n == {"median": 6, "p90": 6}


def test_time_to_outcome_leaves_withdrawals_out() -> None:
    got, n = figures("time-to-outcome")
    # hours 10, 20, 30, 40, 50 (r9's withdrawal after 5 h is not an outcome of CN's):
    # median 30; p90 at position 3.6: 40 + 0.6 * 10 = 46
    assert got == {"median": 30 * HOUR, "p90": 46 * HOUR}
    assert n["median"] == 5


def test_outcomes_as_of_the_report() -> None:
    got, _ = figures("request-outcomes")
    assert got == {
        "executed": 2,
        "partially-executed": 1,
        "refused": 2,
        "withdrawn": 1,
        "pending": 1,  # r7, sent 6 h ago
        "overdue": 1,  # r6, in progress, due 72 h after March 2
    }


def test_refusal_grounds_counted_per_ground() -> None:
    got, _ = figures("refusal-grounds")
    assert got == {"dual-criminality": 1, "other": 2, "political-offence": 1}


def test_refusals_citing_only_other_are_listed_with_their_text() -> None:
    listed = metrics.other_only(frames())
    assert listed.to_dicts() == [
        {"party": "CN", "kind": "information", "other_text": "no legal basis"}
    ]


def test_requests_sent_by_type_and_by_requested_member() -> None:
    sent, _ = figures("requests-sent", "FR")
    assert sent == {"information": 2, "preservation": 1, "takedown": 3, "total": 6}
    to, _ = figures("requests-sent-to", "US")
    assert to == {"CN": 2}
    useful, _ = figures("usefulness-feedback", "FR")
    # FR's requests with an outcome: r1 (useful), r2 (not useful), r4 and r5 (no feedback)
    assert useful == {"useful": 1, "not-useful": 1, "none": 2}


def test_notices() -> None:
    got, _ = figures("notices")
    assert got == {"received": 3, "acknowledged": 2}
    median, _ = figures("notice-time-to-acknowledge")
    assert median == {"median": 4 * HOUR}  # 2 h and 6 h


def test_origins_distinct_published_routed_with_reporting_members() -> None:
    table = metrics.one(frames(), "origins").filter(pl.col("party") == "CN")
    got = {r["key"]: (r["value"], r["reporting"]) for r in table.to_dicts()}
    # brute-force: 1.1.1.1 on two days (seen by FR and US the first day); scanner: 1.1.1.2
    # only (RED, AMBER+STRICT, contested and 2025 rows are not counted)
    assert got == {"brute-force": (2, 2), "scanner": (1, 1), "total": (3, 2)}


def test_origins_per_million() -> None:
    ipv4, _ = figures("origins-per-million-ipv4")
    assert ipv4 == {"brute-force": 2.0, "scanner": 1.0, "total": 3.0}  # 1 M addresses
    users, _ = figures("origins-per-million-users")
    assert users == pytest.approx({"brute-force": 2 / 0.6, "scanner": 1 / 0.6, "total": 5.0})
    assert figures("origins-per-million-users", "FR")[0] == {}  # no Internet users figure


def test_contests() -> None:
    got, _ = figures("contests")
    assert got == {"opened": 3, "events": 6, "notices": 1}
    outcomes, _ = figures("contest-outcomes")
    assert outcomes == {"rerouted": 1, "open": 1, "upheld": 1}


def test_directory() -> None:
    got, _ = figures("contacts")
    assert got == {"total": 2, "confirmed": 2, "onboarded": 1}
    fr, _ = figures("contacts", "FR")
    assert fr == {"total": 1, "confirmed": 1, "onboarded": 0}  # a policy contact only
    conf, _ = figures("contact-confirmation")
    assert conf["median-seconds"] == 14 * HOUR  # 4 h and 24 h
    assert datetime.fromtimestamp(conf["last-confirmed"], UTC) == datetime(2026, 1, 3, tzinfo=UTC)


def test_pair_view_runs_the_same_queries_per_direction() -> None:
    got, _ = figures("acknowledged-in-time", "FR>CN", metrics.PAIR_PARTY)
    assert got == {"percent": 80.0}  # r1 r2 r4 r5 in time, r9 not; r7 not yet due
    times, _ = figures("time-to-acknowledge", "FR>CN", metrics.PAIR_PARTY)
    assert times == {"median": 3 * HOUR, "p90": 5.4 * HOUR}  # 1, 2, 4, 6
    back, _ = figures("time-to-acknowledge", "CN>FR", metrics.PAIR_PARTY)
    assert back == {"median": 26.5 * HOUR, "p90": pytest.approx(43.7 * HOUR)}  # 5, 48
    grounds, _ = figures("refusal-grounds", "CN>FR", metrics.PAIR_PARTY)
    assert grounds == {"human-rights": 1}


def test_an_outcome_after_the_period_is_pending_in_it() -> None:
    late = Req("x", "takedown", "FR", "CN", "executed", datetime(2026, 3, 31, 20), 1, 28)
    march = parse_period("2026-03")
    got, _ = figures("request-outcomes", requests=[late], period=march)
    assert got == {"pending": 1}  # as of April 1: due April 3, executed April 2
    year, _ = figures("request-outcomes", requests=[late])
    assert year == {"executed": 1}


def test_a_postponement_moves_the_deadline() -> None:
    later = MARCH + timedelta(days=400)
    reqs = [
        Req("p1", "assistance", "FR", "CN", "postponed", MARCH, 1, postponed_until=later),
        Req("p2", "assistance", "FR", "CN", "postponed", MARCH, 1, postponed_until=MARCH),
    ]
    got, _ = figures("request-outcomes", requests=reqs)
    assert got == {"pending": 1, "overdue": 1}


def _orm(r: Req) -> Request:
    row = r.row()
    names = [
        "id",
        "kind",
        "requester",
        "requested",
        "state",
        "sent_at",
        "acknowledge_by",
        "due_at",
        "acknowledged_at",
        "postponed_until",
        "outcome_at",
    ]
    values = {
        n: v.replace(tzinfo=UTC) if isinstance(v, datetime) else v
        for n, v in zip(names, row, strict=False)
    }
    return Request(**values)


def test_overdue_agrees_with_the_cooperation_clocks() -> None:
    """The report's status is the request's own clock (cooperation.service.clocks) when the
    report is made now."""
    reqs = [
        *cn_requests(),
        Req(
            "p1",
            "assistance",
            "FR",
            "CN",
            "postponed",
            MARCH,
            1,
            postponed_until=NOW + timedelta(days=1),
        ),
    ]
    table = metrics.one(frames(reqs), "request-outcomes")
    overdue = int(
        table.filter((pl.col("party") == "CN") & (pl.col("key") == "overdue"))["value"][0]
    )
    in_period = [r for r in reqs if r.sent.year == 2026]
    now = NOW.replace(tzinfo=UTC)
    assert overdue == sum(clocks(_orm(r), now).overdue for r in in_period) == 1
