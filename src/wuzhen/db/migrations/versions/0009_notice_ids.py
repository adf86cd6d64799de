"""notice ids move from the relational store to the event store

A notice's event ids were a JSON list in ``notices.event_ids``; a large ingest's list outgrew
what one value may hold. They move to one Parquet file per ingest in the event store
(``notices/day=<day>/<ingest id>.parquet``: member, event.id, sorted), listed in
``store_files``; the notice keeps the count (``events``) and the digest.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 17:40:00.000000
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from alembic import context, op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DATASET = "notices"


def _store_dir() -> Path:
    store_dir = context.config.attributes.get("store_dir")
    if store_dir is None:
        msg = "this migration moves notice ids into the event store: name its directory"
        raise RuntimeError(msg)
    return Path(store_dir)


def _ids(value: Any) -> list[str]:
    """A JSON column's list, as SQLite (text) or PostgreSQL (parsed) returns it."""
    return list(json.loads(value) if isinstance(value, str) else value)


def _day(value: Any) -> str:
    """The UTC day of a stored time (SQLite returns text, PostgreSQL a datetime)."""
    return value[:10] if isinstance(value, str) else str(value.date().isoformat())


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, ingest_id, member, created_at, event_ids FROM notices")
    ).all()
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("events", sa.BigInteger(), nullable=False, server_default="0")
        )
    by_ingest: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_ingest[row.ingest_id].append(row)
    store_files = sa.table(
        "store_files",
        sa.column("dataset", sa.String),
        sa.column("day", sa.String),
        sa.column("path", sa.String),
        sa.column("rows", sa.BigInteger),
        sa.column("ingest_id", sa.String),
        sa.column("live", sa.Boolean),
    )
    for ingest_id, notices in by_ingest.items():
        ids = {n.id: _ids(n.event_ids) for n in notices}
        frame = pl.concat(
            [
                pl.DataFrame(
                    {"member": n.member, "event.id": ids[n.id]},
                    schema={"member": pl.String, "event.id": pl.String},
                )
                for n in notices
            ]
        ).sort("member", "event.id")
        day = _day(notices[0].created_at)
        rel = f"{DATASET}/day={day}/{ingest_id}.parquet"
        path = _store_dir() / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression="zstd")
        op.bulk_insert(
            store_files,
            [
                {
                    "dataset": DATASET,
                    "day": day,
                    "path": rel,
                    "rows": frame.height,
                    "ingest_id": ingest_id,
                    "live": True,
                }
            ],
        )
        for n in notices:
            bind.execute(
                sa.text("UPDATE notices SET events = :n WHERE id = :id"),
                {"n": len(ids[n.id]), "id": n.id},
            )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("event_ids")


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_ids", sa.JSON(), nullable=False, server_default="[]"))
    files = bind.execute(
        sa.text("SELECT ingest_id, path FROM store_files WHERE dataset = :d AND live"),
        {"d": DATASET},
    ).all()
    for f in files:
        frame = pl.read_parquet(_store_dir() / f.path)
        for (member,), part in frame.partition_by("member", as_dict=True).items():
            bind.execute(
                sa.text(
                    "UPDATE notices SET event_ids = :ids WHERE ingest_id = :i AND member = :m"
                ).bindparams(sa.bindparam("ids", type_=sa.JSON)),
                {"ids": part["event.id"].to_list(), "i": f.ingest_id, "m": member},
            )
    bind.execute(sa.text("DELETE FROM store_files WHERE dataset = :d"), {"d": DATASET})
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("events")
