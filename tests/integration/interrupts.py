"""An interrupt (Ctrl-C) that arrives once the relational store has committed a store change.

psycopg finishes a COMMIT before it raises the KeyboardInterrupt that came meanwhile; this
raises one at the same point, after the commit of the first transaction that lists new store
files, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from wuzhen.evidence.tables import StoreFile


@contextmanager
def interrupt_after_commit() -> Iterator[None]:
    fired: list[bool] = []

    def flushed(session: Session, _context: Any) -> None:  # ``new`` as before the flush
        if any(isinstance(o, StoreFile) for o in session.new):
            session.info["lists_files"] = True

    def after(session: Session) -> None:
        if session.info.pop("lists_files", False) and not fired:
            fired.append(True)
            raise KeyboardInterrupt

    listeners: list[tuple[str, Any]] = [("after_flush", flushed), ("after_commit", after)]
    for name, fn in listeners:
        event.listen(Session, name, fn)
    try:
        yield
    finally:
        for name, fn in listeners:
            event.remove(Session, name, fn)
    assert fired, "no commit listed store files"
