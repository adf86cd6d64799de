"""Opening one node from several processes at once: the first creates and migrates the
relational store and stores the defaults, the others wait their turn (cron jobs and the
server start together, after an upgrade that migrates)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.errors import ConfigError
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.tables import Member
from wuzhen.node import Node
from wuzhen.nodeid import NodeIdentity

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


def _ingest(node: Node, tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(
        "Nov 28 03:16:40 s sshd[1]: Failed password for root from 8.8.8.8 port 22 ssh2\n"
    )
    node.pipeline.ingest([log], IngestOptions(owner="CN"))


def _files(settings: Settings) -> list[Path]:
    return sorted(settings.store_dir.rglob("*.parquet"))


def test_a_data_directory_and_a_store_of_different_nodes_are_refused(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    """Regression: a store opened with another data directory (a relative WUZHEN_DATA_DIR run
    elsewhere, a PostgreSQL URL given to the wrong node) listed files that were not there,
    and a directory opened with another (empty) store would have had every file deleted as
    an orphan by its next writer."""
    node = Node.open(settings, clock)
    try:
        _ingest(node, tmp_path)
        with node.db.session() as s:
            own = s.scalar(select(NodeIdentity.node_id))
    finally:
        node.close()
    assert (settings.data_dir / "node.id").read_text().strip() == own
    stored = _files(settings)
    assert stored
    elsewhere = settings.model_copy(update={"data_dir": tmp_path / "elsewhere"})
    with pytest.raises(ConfigError, match="lists files that are not in"):
        Node.open(elsewhere, clock)
    empty_store = f"sqlite:///{tmp_path / 'other.db'}"
    fresh = settings.model_copy(update={"database_url": empty_store})
    with pytest.raises(ConfigError, match=f"data directory of node {own}"):
        Node.open(fresh, clock)
    assert _files(settings) == stored  # nothing deleted


def test_a_node_without_an_id_gets_one_when_its_files_are_there(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    # a node made before ids (both lost), then one whose id file was lost
    node = Node.open(settings, clock)
    try:
        _ingest(node, tmp_path)
        with node.db.session() as s:
            s.execute(delete(NodeIdentity))
    finally:
        node.close()
    (settings.data_dir / "node.id").unlink()
    for _ in range(2):
        node = Node.open(settings, clock)
        try:
            with node.db.session() as s:
                own = s.scalar(select(NodeIdentity.node_id))
            assert node.store.scan("events").collect().height == 1
        finally:
            node.close()
        assert (settings.data_dir / "node.id").read_text().strip() == own
        (settings.data_dir / "node.id").unlink()
