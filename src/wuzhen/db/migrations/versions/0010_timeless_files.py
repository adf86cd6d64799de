"""store files say whether they hold rows with no time of their own

An ingest deduplicates an event against the store files of its day. A row with no time of its
own (a blocklist's entry, every reject) takes its day from when it was observed, so the same
record read on another day was stored again. Such files are now marked ``timeless``, and an
ingest deduplicates against every one of them. Existing files are marked from their rows:
every rejects file; an events file where ``time.source`` is null in any row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:10:00.000000
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _has_timeless_rows(path: Path) -> bool:
    if not path.exists():  # a file the store lost: nothing in it to deduplicate against
        return False
    nulls = pl.scan_parquet(path).select(pl.col("time.source").null_count()).collect()
    return bool(nulls.item() > 0)


def upgrade() -> None:
    with op.batch_alter_table("store_files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timeless", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE store_files SET timeless = :t WHERE dataset = 'rejects'"), {"t": True}
    )
    events = bind.execute(
        sa.text("SELECT id, path FROM store_files WHERE dataset = 'events' AND live")
    ).all()
    if not events:
        return
    store_dir = context.config.attributes.get("store_dir")
    if store_dir is None:
        msg = "this migration reads the event store's files: name its directory"
        raise RuntimeError(msg)
    for row in events:
        if _has_timeless_rows(Path(store_dir) / row.path):
            bind.execute(
                sa.text("UPDATE store_files SET timeless = :t WHERE id = :id"),
                {"t": True, "id": row.id},
            )


def downgrade() -> None:
    with op.batch_alter_table("store_files", schema=None) as batch_op:
        batch_op.drop_column("timeless")
