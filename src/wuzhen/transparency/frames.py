"""The data a transparency report is computed from, read once into Polars frames.

DuckDB cannot reach the relational store here, so its rows are handed over as frames. Times
are naive UTC in the frames (the queries compare and subtract them; no time zone logic).
Only what the queries need is read: no personal data (contacts contribute their kind and
two timestamps), no request details, no event beyond (address, classification, day, route,
owner, marking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.cooperation.tables import Request
from wuzhen.development.catalogue import INTERNET_USERS
from wuzhen.development.service import latest, values
from wuzhen.evidence.query import EventFilter
from wuzhen.evidence.store import EVENTS, EventStore
from wuzhen.jurisdiction.snapshot import Snapshot
from wuzhen.members.tables import CANDIDATE, Contact, Member
from wuzhen.notices.tables import Contest, Notice
from wuzhen.transparency.period import Period
from wuzhen.visibility import route_changes, with_route_in_force

OTHER_MARK = "\n\nOther: "  # how cooperation.service appends the text of the ground "other"
TS = pl.Datetime("us")

SCHEMAS: dict[str, dict[str, pl.DataType | type[pl.DataType]]] = {
    "period": {"period_start": TS, "period_end": TS, "as_of": TS},
    "members": {
        "code": pl.String,
        "name": pl.String,
        "region": pl.String,
        "status": pl.String,
        "ipv4": pl.Int64,
        "users": pl.Float64,
        "users_year": pl.Int64,
    },
    "requests": {
        "id": pl.String,
        "kind": pl.String,
        "requester": pl.String,
        "requested": pl.String,
        "state": pl.String,
        "sent_at": TS,
        "acknowledge_by": TS,
        "due_at": TS,
        "acknowledged_at": TS,
        "postponed_until": TS,
        "outcome_at": TS,
        "grounds": pl.List(pl.String),
        "other_only": pl.Boolean,
        "other_text": pl.String,
        "useful": pl.Boolean,
    },
    "notices": {"id": pl.String, "member": pl.String, "created_at": TS, "acknowledged_at": TS},
    "contests": {
        "id": pl.String,
        "member": pl.String,
        "notice_id": pl.String,
        "events": pl.Int64,
        "created_at": TS,
        "outcome": pl.String,
        "resolved_at": TS,
    },
    "contacts": {"member": pl.String, "kind": pl.String, "updated_at": TS, "confirmed_at": TS},
    "origins": {
        "member": pl.String,
        "owner": pl.String,
        "ip": pl.String,
        "classification": pl.String,
        "day": pl.Date,
        "tlp": pl.String,
        "route_state": pl.String,
    },
}


def naive(at: datetime | None) -> datetime | None:
    """A UTC time without its zone (as the frames hold times)."""
    return None if at is None else at.astimezone(UTC).replace(tzinfo=None)


def frame(
    name: str, rows: Sequence[Sequence[object]] | Sequence[dict[str, object]]
) -> pl.DataFrame:
    """A frame of one of the report's tables, from rows (tuples in schema order, or dicts)."""
    schema = SCHEMAS[name]
    if rows and isinstance(rows[0], dict):
        return pl.DataFrame(rows, schema=schema)
    return pl.DataFrame(rows, schema=schema, orient="row")


@dataclass(frozen=True, slots=True)
class Frames:
    """Everything the queries read, by table name (see :data:`SCHEMAS`)."""

    tables: dict[str, pl.DataFrame]

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.tables[name]


def other_text(reason: str | None) -> str | None:
    if not reason or OTHER_MARK not in reason:
        return None
    return reason.rsplit(OTHER_MARK, 1)[1].strip() or None


def _requests(session: Session) -> pl.DataFrame:
    r = Request
    rows = session.execute(
        select(
            r.id,
            r.kind,
            r.requester,
            r.requested,
            r.state,
            r.sent_at,
            r.acknowledge_by,
            r.due_at,
            r.acknowledged_at,
            r.postponed_until,
            r.outcome_at,
            r.grounds,
            r.other_only,
            r.outcome_reason,
            r.useful,
        ).where(r.sent_at.is_not(None))
    ).all()
    return frame(
        "requests",
        [
            (
                row.id,
                row.kind,
                row.requester,
                row.requested,
                row.state,
                *(
                    naive(t)
                    for t in (
                        row.sent_at,
                        row.acknowledge_by,
                        row.due_at,
                        row.acknowledged_at,
                        row.postponed_until,
                        row.outcome_at,
                    )
                ),
                list(row.grounds or []),
                bool(row.other_only),
                other_text(row.outcome_reason) if row.other_only else None,
                row.useful,
            )
            for row in rows
        ],
    )


def _members(session: Session, snapshot: Snapshot | None, period: Period) -> pl.DataFrame:
    found = list(
        session.scalars(select(Member).where(Member.status != CANDIDATE).order_by(Member.code))
    )
    registered = snapshot.registered_ipv4() if snapshot is not None else {}
    users = latest(values(session, indicator_code=INTERNET_USERS), period.last_year)
    by_member = {m: (v, y) for m, v, y in users.select("member", "value", "year").iter_rows()}
    rows = []
    for m in found:
        value, year = by_member.get(m.code, (None, None))
        ipv4 = sum(registered.get(cc, 0) for cc in m.answers_for)
        rows.append((m.code, m.name, m.region, m.status, ipv4, value, year))
    return frame("members", rows)


def _origins(session: Session, store: EventStore, period: Period) -> pl.DataFrame:
    where = EventFilter(since=period.start, until=period.end)
    events = store.scan(EVENTS, where.days()).filter(
        where.predicate() & pl.col("source.ip").is_not_null()
    )
    rows = (
        with_route_in_force(events, route_changes(session))
        .select(
            pl.col("route.member").alias("member"),
            "owner",
            pl.col("source.ip").alias("ip"),
            pl.col("classification.type").alias("classification"),
            pl.col("time.source").dt.date().alias("day"),
            "tlp",
            pl.col("route.state").alias("route_state"),
        )
        .filter(pl.col("member").is_not_null())
        .unique()
        .collect()
    )
    return rows.cast(SCHEMAS["origins"])  # type: ignore[arg-type]


def load(
    session: Session,
    store: EventStore | None,
    snapshot: Snapshot | None,
    period: Period,
    now: datetime,
) -> Frames:
    """Read every table the report's queries need, for ``period`` as of ``now``."""
    members = _members(session, snapshot, period)
    notices = frame(
        "notices",
        [
            (n.id, n.member, naive(n.created_at), naive(n.acknowledged_at))
            for n in session.execute(
                select(Notice.id, Notice.member, Notice.created_at, Notice.acknowledged_at)
            )
        ],
    )
    contests = frame(
        "contests",
        [
            (
                c.id,
                c.member,
                c.notice_id,
                len(c.event_ids),
                naive(c.created_at),
                c.outcome,
                naive(c.resolved_at),
            )
            for c in session.scalars(select(Contest))
        ],
    )
    contacts = frame(
        "contacts",
        [
            (c.member, c.kind, naive(c.updated_at), naive(c.confirmed_at))
            for c in session.execute(
                select(Contact.member, Contact.kind, Contact.updated_at, Contact.confirmed_at)
            )
        ],
    )
    origins = _origins(session, store, period) if store is not None else frame("origins", [])
    return Frames(
        {
            "period": frame(
                "period",
                [(naive(period.start), naive(period.end), naive(period.as_of(now)))],
            ),
            "members": members,
            "requests": _requests(session),
            "notices": notices,
            "contests": contests,
            "contacts": contacts,
            "origins": origins,
        }
    )
