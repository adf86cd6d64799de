"""governance

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 12:11:30.368659
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitments",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("in_force_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("adopted_by", sa.JSON(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    op.create_table(
        "gov_sessions",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_sessions")),
    )
    op.create_table(
        "commitment_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("commitment", sa.String(length=16), nullable=False),
        sa.Column("clause", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("member", sa.String(length=2), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment"],
            ["commitments.id"],
            name=op.f("fk_commitment_links_commitment_commitments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_links")),
    )
    with op.batch_alter_table("commitment_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_links_commitment"), ["commitment"], unique=False
        )

    op.create_table(
        "gov_delegations",
        sa.Column("session", sa.String(length=16), nullable=False),
        sa.Column("member", sa.String(length=2), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proxy_for", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["session"], ["gov_sessions.id"], name=op.f("fk_gov_delegations_session_gov_sessions")
        ),
        sa.PrimaryKeyConstraint("session", "member", name=op.f("pk_gov_delegations")),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("session", sa.String(length=16), nullable=False),
        sa.Column("parent", sa.String(length=16), nullable=True),
        sa.Column("proposer", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vote_opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vote_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session"], ["gov_sessions.id"], name=op.f("fk_proposals_session_gov_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_session"), ["session"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_state"), ["state"], unique=False)

    op.create_table(
        "resolutions",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("proposal", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal"], ["proposals.id"], name=op.f("fk_resolutions_proposal_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolutions")),
        sa.UniqueConstraint("number", name=op.f("uq_resolutions_number")),
        sa.UniqueConstraint("proposal", name=op.f("uq_resolutions_proposal")),
    )
    op.create_table(
        "votes",
        sa.Column("proposal", sa.String(length=16), nullable=False),
        sa.Column("member", sa.String(length=2), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cast_by", sa.String(length=2), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal"], ["proposals.id"], name=op.f("fk_votes_proposal_proposals")
        ),
        sa.PrimaryKeyConstraint("proposal", "member", name=op.f("pk_votes")),
    )


def downgrade() -> None:
    op.drop_table("votes")
    op.drop_table("resolutions")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_state"))
        batch_op.drop_index(batch_op.f("ix_proposals_session"))

    op.drop_table("proposals")
    op.drop_table("gov_delegations")
    with op.batch_alter_table("commitment_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_links_commitment"))

    op.drop_table("commitment_links")
    op.drop_table("gov_sessions")
    op.drop_table("commitments")
