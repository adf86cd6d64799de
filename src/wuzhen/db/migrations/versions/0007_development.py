"""development indicators and targets

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_definitions",
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicator_definitions")),
    )
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member", sa.String(length=2), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("dated", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.String(length=10), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member"], ["members.code"], name=op.f("fk_indicator_values_member_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
        sa.UniqueConstraint("member", "indicator", "year", name=op.f("uq_indicator_values_member")),
    )
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_values_indicator"), ["indicator"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_indicator_values_member"), ["member"], unique=False)

    op.create_table(
        "development_targets",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("member", sa.String(length=2), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("deadline_year", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["member"], ["members.code"], name=op.f("fk_development_targets_member_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_development_targets")),
        sa.UniqueConstraint(
            "member", "indicator", "deadline_year", name=op.f("uq_development_targets_member")
        ),
    )
    with op.batch_alter_table("development_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_development_targets_member"), ["member"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("development_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_development_targets_member"))
    op.drop_table("development_targets")
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_values_member"))
        batch_op.drop_index(batch_op.f("ix_indicator_values_indicator"))
    op.drop_table("indicator_values")
    op.drop_table("indicator_definitions")
