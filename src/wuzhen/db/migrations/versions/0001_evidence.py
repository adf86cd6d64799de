"""evidence pipeline: ingests, evidence, store files

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-29 11:14:12.935209
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingests",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=2), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingests")),
    )
    op.create_table(
        "store_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("ingest_id", sa.String(length=16), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_files")),
        sa.UniqueConstraint("path", name=op.f("uq_store_files_path")),
    )
    with op.batch_alter_table("store_files", schema=None) as batch_op:
        batch_op.create_index("ix_store_files_live", ["dataset", "live", "day"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("ingest_id", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("feed", sa.String(length=128), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("duplicates", sa.BigInteger(), nullable=False),
        sa.Column("skipped", sa.BigInteger(), nullable=False),
        sa.Column("skipped_reasons", sa.JSON(), nullable=False),
        sa.Column("rejects", sa.BigInteger(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ingest_id"], ["ingests.id"], name=op.f("fk_evidence_ingest_id_ingests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_owner"))

    op.drop_table("evidence")
    with op.batch_alter_table("store_files", schema=None) as batch_op:
        batch_op.drop_index("ix_store_files_live")

    op.drop_table("store_files")
    op.drop_table("ingests")
