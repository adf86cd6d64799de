"""A hand-made compact for the metric tests (#8): requests, notices, contests, contacts and
origins as the report's frames, with times chosen so that every expected figure can be
computed by hand (see the comments and test_metrics.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import polars as pl

from wuzhen.transparency.frames import Frames, frame
from wuzhen.transparency.period import Period, parse_period

NOW = datetime(2026, 11, 29, 12, 0)  # naive UTC, as the frames hold times
NOW_UTC = NOW.replace(tzinfo=UTC)
MARCH = datetime(2026, 3, 2)
H = timedelta(hours=1)


@dataclass
class Req:
    id: str
    kind: str
    requester: str
    requested: str
    state: str
    sent: datetime
    ack_h: float | None = None
    outcome_h: float | None = None
    grounds: Sequence[str] = ()
    other_text: str | None = None
    useful: bool | None = None
    postponed_until: datetime | None = None
    ack_within_h: float = 24
    due_h: float = 72
    other_only: bool = field(init=False)

    def __post_init__(self) -> None:
        self.other_only = self.state == "refused" and list(self.grounds) == ["other"]

    def row(self) -> tuple[object, ...]:
        return (
            self.id,
            self.kind,
            self.requester,
            self.requested,
            self.state,
            self.sent,
            self.sent + self.ack_within_h * H,
            self.sent + self.due_h * H,
            None if self.ack_h is None else self.sent + self.ack_h * H,
            self.postponed_until,
            None if self.outcome_h is None else self.sent + self.outcome_h * H,
            list(self.grounds),
            self.other_only,
            self.other_text if self.other_only else None,
            self.useful,
        )


def cn_requests() -> list[Req]:
    """Requests to CN (and one outside the period). Times to acknowledge, in hours:
    1, 2, 3, 4, 6, 30 (r6 late); times to outcome: 10, 20, 30, 40, 50."""
    return [
        Req("r1", "takedown", "FR", "CN", "executed", MARCH, 1, 10, useful=True),
        Req("r2", "takedown", "FR", "CN", "executed", MARCH, 2, 20, useful=False),
        Req(
            "r3",
            "disclosure",
            "US",
            "CN",
            "partially-executed",
            MARCH,
            3,
            30,
            grounds=["dual-criminality"],
        ),
        Req(
            "r4",
            "information",
            "FR",
            "CN",
            "refused",
            MARCH,
            4,
            40,
            grounds=["other", "political-offence"],
        ),
        Req(
            "r5",
            "information",
            "FR",
            "CN",
            "refused",
            MARCH,
            6,
            50,
            grounds=["other"],
            other_text="no legal basis",
        ),
        Req("r6", "assistance", "US", "CN", "in-progress", MARCH, 30),  # overdue by now
        Req("r7", "preservation", "FR", "CN", "sent", NOW - 6 * H),  # within its deadlines
        Req("r8", "takedown", "FR", "CN", "executed", datetime(2025, 12, 31), 1, 2),  # 2025
        Req("r9", "takedown", "FR", "CN", "withdrawn", datetime(2026, 4, 1), None, 5),
    ]


def fr_requests() -> list[Req]:
    """Requests to FR: two from CN, one acknowledged late and refused."""
    return [
        Req("f1", "takedown", "CN", "FR", "executed", MARCH, 5, 15, useful=True),
        Req("f2", "information", "CN", "FR", "refused", MARCH, 48, 60, grounds=["human-rights"]),
    ]


ORIGINS = [
    # member, owner, ip, classification, day, tlp, route_state
    ("CN", "FR", "1.1.1.1", "brute-force", date(2026, 1, 5), "GREEN", "routed"),
    ("CN", "US", "1.1.1.1", "brute-force", date(2026, 1, 5), "AMBER", "routed"),  # same origin
    ("CN", "FR", "1.1.1.1", "brute-force", date(2026, 1, 6), "GREEN", "routed"),  # next day
    ("CN", "FR", "1.1.1.2", "scanner", date(2026, 1, 5), "CLEAR", "routed"),
    ("CN", "FR", "1.1.1.3", "scanner", date(2026, 1, 5), "RED", "routed"),  # not published
    ("CN", "FR", "1.1.1.4", "scanner", date(2026, 1, 5), "AMBER+STRICT", "routed"),  # idem
    ("CN", "FR", "1.1.1.5", "scanner", date(2026, 1, 5), "GREEN", "contested"),  # waits
    ("CN", "FR", "1.1.1.6", "scanner", date(2025, 12, 31), "GREEN", "routed"),  # 2025
    ("FR", "CN", "2.2.2.2", "scanner", date(2026, 2, 1), "GREEN", "routed"),
]


def frames(
    requests: Sequence[Req] | None = None,
    *,
    period: Period | None = None,
    now: datetime = NOW,
    origins: Sequence[tuple[object, ...]] = ORIGINS,
) -> Frames:
    period = period or parse_period("2026")
    as_of = min(now, period.end.replace(tzinfo=None))
    reqs = list(requests) if requests is not None else cn_requests() + fr_requests()
    return Frames(
        {
            "period": frame(
                "period",
                [(period.start.replace(tzinfo=None), period.end.replace(tzinfo=None), as_of)],
            ),
            "members": frame(
                "members",
                [
                    ("CN", "China", "Asia", "active", 1_000_000, 600_000.0, 2025),
                    ("FR", "France", "Europe", "active", 500_000, None, None),
                    ("US", "United States", "Americas", "active", 2_000_000, None, None),
                ],
            ),
            "requests": frame("requests", [r.row() for r in reqs]),
            "notices": frame(
                "notices",
                [
                    ("n1", "CN", datetime(2026, 1, 5), datetime(2026, 1, 5, 2)),  # 2 h
                    ("n2", "CN", datetime(2026, 2, 5), datetime(2026, 2, 5, 6)),  # 6 h
                    ("n3", "CN", datetime(2026, 3, 5), None),
                    ("n4", "FR", datetime(2026, 2, 1), datetime(2026, 2, 2)),  # 24 h
                ],
            ),
            "contests": frame(
                "contests",
                [
                    ("c1", "CN", "n1", 3, datetime(2026, 1, 6), "rerouted", datetime(2026, 1, 7)),
                    ("c2", "CN", "n1", 1, datetime(2026, 1, 6), None, None),
                    ("c3", "CN", None, 2, datetime(2026, 2, 6), "upheld", datetime(2026, 2, 8)),
                ],
            ),
            "contacts": frame(
                "contacts",
                [
                    ("CN", "technical", datetime(2026, 1, 1), datetime(2026, 1, 1, 4)),  # 4 h
                    ("CN", "policy", datetime(2026, 1, 2), datetime(2026, 1, 3)),  # 24 h
                    ("FR", "policy", datetime(2026, 1, 2), datetime(2026, 1, 2, 1)),
                    ("US", "technical", datetime(2026, 1, 2), None),
                ],
            ),
            "origins": frame("origins", list(origins)),
        }
    )


SWAP = {"CN": "FR", "FR": "CN"}
CODE_COLUMNS = {
    "members": ("code",),
    "requests": ("requester", "requested"),
    "notices": ("member",),
    "contests": ("member",),
    "contacts": ("member",),
    "origins": ("member", "owner"),
}


def swapped(f: Frames, swap: dict[str, str] = SWAP) -> Frames:
    """The same data with member codes exchanged (CN <-> FR)."""
    out = {}
    for name, table in f.tables.items():
        cols = CODE_COLUMNS.get(name, ())
        out[name] = table.with_columns(pl.col(c).replace(swap) for c in cols) if cols else table
    return Frames(out)
