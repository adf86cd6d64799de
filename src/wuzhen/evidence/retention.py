"""Retention: events and rejects older than the rule ``retention.days`` leave the store
(and the record of the other files that held them, ``duplicates``).

The store is partitioned by day (an event's ``time.source``, else its observation time; a
reject's observation time), so removal is by whole partition: a day goes once all of it is
older than the rule, that is when its date is before the date of ``now - retention.days``.
As in :mod:`wuzhen.evidence.retraction`, one transaction retires the partitions' files in
the manifest (``live = False``, ``retired_at``) and records the act in the ledger; the files
are deleted after the commit (or, after a crash, by the next writer as orphans). The
writer's lock is held throughout, so no ingest writes meanwhile. The event ids notices froze
(dataset ``notices``) stay: a notice keeps what it referred to.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from wuzhen import ledger, rules
from wuzhen.db import Database
from wuzhen.evidence.store import BY_DAY, EventStore
from wuzhen.evidence.tables import StoreFile

log = logging.getLogger(__name__)
RULE = "retention.days"


@dataclass(frozen=True, slots=True)
class Removal:
    """What one application of the rule removed (nothing when ``files`` is 0)."""

    retention_days: int
    cutoff: str  # partitions before this day were removed
    days: dict[str, list[str]] = field(default_factory=dict)  # dataset -> partition days
    rows: dict[str, int] = field(default_factory=dict)  # dataset -> rows removed
    files: int = 0
    ledger_seq: int | None = None


def cutoff_day(at: datetime, retention_days: int) -> str:
    """The first day kept: every partition before it is wholly older than the rule."""
    return (at - timedelta(days=retention_days)).date().isoformat()


def apply_retention(store: EventStore, db: Database, at: datetime) -> Removal:
    """Remove every day partition older than the rule, in one ledgered commit."""
    with store.writer_lock():
        with db.session() as s:
            retention_days = int(rules.get(s, RULE))
            cutoff = cutoff_day(at, retention_days)
            old = s.execute(
                select(StoreFile.path, StoreFile.dataset, StoreFile.day, StoreFile.rows).where(
                    StoreFile.live, StoreFile.day < cutoff, StoreFile.dataset.in_(BY_DAY)
                )
            ).all()
            if not old:
                return Removal(retention_days, cutoff)
            days: dict[str, set[str]] = defaultdict(set)
            rows: dict[str, int] = defaultdict(int)
            for f in old:
                days[f.dataset].add(f.day)
                rows[f.dataset] += int(f.rows)
            paths = [f.path for f in old]
            s.execute(
                update(StoreFile).where(StoreFile.path.in_(paths)).values(live=False, retired_at=at)
            )
            by_day = {k: sorted(v) for k, v in sorted(days.items())}
            by_rows = dict(sorted(rows.items()))
            entry = ledger.append(
                s,
                at=at,
                actor="system",
                action="retention.applied",
                subject="store",
                data={
                    "retention_days": retention_days,
                    "cutoff": cutoff,
                    "days": by_day,
                    "rows": by_rows,
                    "files": len(paths),
                },
            )
            removal = Removal(retention_days, cutoff, by_day, by_rows, len(paths), entry.seq)
        for rel in paths:
            (store.root / rel).unlink(missing_ok=True)
    log.info("retention removed %s rows (partitions before %s)", removal.rows, cutoff)
    return removal
