"""store files of lists dated by their header are searched whatever their day

A Spamhaus DROP or DShield block list carries one time, its header's, which every record
takes. The next copy of the list gives the same record another day, more than the day either
side an ingest searches, so it was stored again under the same id. Such records are now
deduplicated as rows of no time of their own (``store_files.timeless``); the events files of
the ingests that read such lists are marked so here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: The formats whose records take their list's time (``Parser.dated_by_file``), as they were.
DATED_BY_FILE = ("spamhaus-drop", "dshield-block")


def upgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE store_files SET timeless = :t WHERE dataset = 'events' AND ingest_id IN "
            "(SELECT ingest_id FROM evidence WHERE format IN :formats)"
        ).bindparams(sa.bindparam("formats", expanding=True)),
        {"t": True, "formats": list(DATED_BY_FILE)},
    )


def downgrade() -> None:
    """Nothing to undo: a file marked is only searched more often."""
