"""Which data directory belongs to which relational store: a node's identity, kept in both.

A node is one data directory (the event store's files) and one relational store (which lists
them). Opened with another store's data directory, or another directory's store (a relative
``WUZHEN_DATA_DIR`` run from elsewhere, a PostgreSQL URL given to the wrong node), the store
would list files that are not there, and its writer would delete the directory's files as
orphans (none of them listed). So each node has an id, in the table ``node_identity`` and in
the file ``node.id`` of its data directory, and opening refuses a pair that does not match.
A node made before ids (or whose id file was lost since) gets one the first time it opens,
when every file its store lists is in the directory.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from wuzhen.db.base import Base
from wuzhen.errors import ConfigError
from wuzhen.evidence.tables import StoreFile

FILE = "node.id"
CHECKED_FILES = 1000  # of the store's live files, looked for before adopting a directory


class NodeIdentity(Base):
    __tablename__ = "node_identity"

    key: Mapped[int] = mapped_column(Integer, primary_key=True)  # the one row: 1
    node_id: Mapped[str] = mapped_column(String(32))


def bind(session: Session, data_dir: Path, store_dir: Path, database: str) -> str | None:
    """Check that ``data_dir`` and the store of ``session`` belong to one node; give them an
    id where they have none. Returns the id to :func:`write` into ``data_dir`` once the
    session has committed (None: nothing to write), so that no directory names an id its
    store does not hold."""
    path = data_dir / FILE
    mine = path.read_text(encoding="utf-8").strip() if path.exists() else None
    row = session.get(NodeIdentity, 1)
    theirs = row.node_id if row is not None else None
    if mine is not None and mine != theirs:
        held = f"holds node {theirs}" if theirs else "holds no node's files yet"
        msg = (
            f"{data_dir} is the data directory of node {mine}, and the relational store "
            f"{database} {held}: give the data directory and the store of one node (if this "
            f"directory was moved to this store on purpose, remove {path})"
        )
        raise ConfigError(msg)
    if mine is not None:
        return None
    missing = _missing(session, store_dir)
    if missing is not None:
        msg = (
            f"the relational store {database} lists files that are not in {data_dir} "
            f"({missing}): it is another data directory's store; give the data directory "
            "and the store of one node"
        )
        raise ConfigError(msg)
    if theirs is None:
        theirs = secrets.token_hex(16)
        session.add(NodeIdentity(key=1, node_id=theirs))
    return theirs


def write(data_dir: Path, node_id: str) -> None:
    """Name the node in its data directory (whole or not at all)."""
    tmp = data_dir / f".{FILE}.tmp"
    tmp.write_text(node_id + "\n", encoding="utf-8")
    tmp.replace(data_dir / FILE)


def _missing(session: Session, store_dir: Path) -> str | None:
    """A file the store lists as live that ``store_dir`` does not hold (None: none)."""
    listed = session.scalars(
        select(StoreFile.path).where(StoreFile.live).order_by(StoreFile.id).limit(CHECKED_FILES)
    )
    return next((p for p in listed if not (store_dir / p).exists()), None)
