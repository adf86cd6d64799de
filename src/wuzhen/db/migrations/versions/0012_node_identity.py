"""a node's identity, kept in its relational store and its data directory

Opened with another data directory, the store would list files that are not there, and its
writer would delete the directory's files as orphans. ``node_identity`` holds the node's id,
which the data directory's ``node.id`` file repeats (see ``wuzhen.nodeid``); a node made
before gets its id the first time it opens.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node_identity",
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_node_identity")),
    )


def downgrade() -> None:
    op.drop_table("node_identity")
