"""Opening one node from several processes at once: the first creates and migrates the
relational store and stores the defaults, the others wait their turn (cron jobs and the
server start together, after an upgrade that migrates)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.tables import Member
from wuzhen.node import Node

OPEN = """
import sys
from pathlib import Path
from wuzhen.config import Settings
from wuzhen.node import Node
Node.open(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2])).close()
"""


def test_processes_opening_a_new_node_at_once_take_turns(
    settings: Settings, clock: FixedClock
) -> None:
    """Regression: of three ingests started at once on a new node, two failed with raw SQL
    errors ("table ingests already exists", a duplicate alembic_version or ledger head)."""
    args = [sys.executable, "-c", OPEN, str(settings.data_dir), settings.resolved_database_url]
    runs = [subprocess.Popen(args, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [run.communicate()[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, errors
    node = Node.open(settings, clock)
    try:
        with node.db.session() as s:
            states = s.scalar(select(func.count()).select_from(Member))
            seeded = s.scalars(
                select(LedgerEntry.action).where(LedgerEntry.action == "members.registered")
            ).all()
        assert states is not None
        assert states > 190
        assert len(seeded) == 1  # registered once, by the first
    finally:
        node.close()
