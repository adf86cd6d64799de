"""request e-mails, contact reachability checks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_mails",
        sa.Column("request", sa.String(length=16), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request"], ["requests.id"], name=op.f("fk_request_mails_request_requests")
        ),
        sa.PrimaryKeyConstraint("request", "what", name=op.f("pk_request_mails")),
    )
    op.create_table(
        "contact_checks",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_checks")),
    )
    with op.batch_alter_table("contact_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_checks_started_at"), ["started_at"], unique=False
        )
    op.create_table(
        "contact_check_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("check_id", sa.String(length=16), nullable=False),
        sa.Column("member", sa.String(length=2), nullable=False),
        sa.Column("contact", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["contact_checks.id"],
            name=op.f("fk_contact_check_answers_check_id_contact_checks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_check_answers")),
        sa.UniqueConstraint("check_id", "contact", name=op.f("uq_contact_check_answers_check_id")),
    )
    with op.batch_alter_table("contact_check_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_check_answers_check_id"), ["check_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_check_answers_member"), ["member"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_check_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_check_answers_member"))
        batch_op.drop_index(batch_op.f("ix_contact_check_answers_check_id"))
    op.drop_table("contact_check_answers")
    with op.batch_alter_table("contact_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_checks_started_at"))
    op.drop_table("contact_checks")
    op.drop_table("request_mails")
