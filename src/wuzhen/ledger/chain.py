"""Appending to the ledger and verifying its chain.

    digest = sha256(salt || canonical JSON of {seq, at, actor, action, subject, data, public})
    hash   = sha256(prev || seq || digest)

The first entry's ``prev`` is 64 zeros. Appends run inside the caller's transaction (the
state change and its ledger entry commit together) and lock the head row first, so on
PostgreSQL and SQLite alike they are serialized.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from wuzhen.ledger.tables import LedgerEntry, LedgerHead

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def content(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "data": entry.data,
        "public": entry.public,
    }


def digest_of(salt: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + canonical(body)).hexdigest()


def link(prev: str, seq: int, digest: str) -> str:
    return hashlib.sha256(f"{prev}:{seq}:{digest}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Change:
    """What one ledger entry records (see :func:`append_all`)."""

    action: str
    subject: str
    data: dict[str, Any]
    public: bool = True


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: dict[str, Any] | None = None,
    public: bool = True,
) -> LedgerEntry:
    """Add an entry in the session's transaction (after locking the chain's head)."""
    return append_all(
        session, at=at, actor=actor, changes=[Change(action, subject, data or {}, public)]
    )[0]


def append_all(
    session: Session, *, at: datetime, actor: str, changes: Sequence[Change]
) -> list[LedgerEntry]:
    """Add one entry per change, in order, in the session's transaction: the chain's head is
    locked and moved once for all of them."""
    if not changes:
        return []
    # Taking the row lock first (an UPDATE) serializes appenders on every backend.
    locked = session.execute(
        update(LedgerHead).where(LedgerHead.id == 1).values(seq=LedgerHead.seq)
    )
    if not cast("CursorResult[Any]", locked).rowcount:
        session.add(LedgerHead(id=1, seq=0, hash=GENESIS))
        session.flush()
    seq, prev = session.execute(
        select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == 1)
    ).one()
    entries = []
    for change in changes:
        seq += 1
        entry = LedgerEntry(
            seq=seq,
            at=at,
            actor=actor,
            action=change.action,
            subject=change.subject,
            data=json.loads(canonical(change.data)),
            public=change.public,
            salt=secrets.token_hex(16),
            prev=prev,
        )
        entry.digest = digest_of(entry.salt, content(entry))
        entry.hash = prev = link(entry.prev, entry.seq, entry.digest)
        entries.append(entry)
    session.add_all(entries)
    session.execute(update(LedgerHead).where(LedgerHead.id == 1).values(seq=seq, hash=prev))
    session.flush()
    return entries


def head(session: Session) -> tuple[int, str]:
    """(sequence number, hash) of the last entry; (0, zeros) for an empty ledger."""
    row = session.execute(select(LedgerHead.seq, LedgerHead.hash)).one_or_none()
    return (row.seq, row.hash) if row else (0, GENESIS)


@dataclass(frozen=True, slots=True)
class Breach:
    """The first entry where the chain does not hold, and why."""

    seq: int
    reason: str


def verify(session: Session, batch: int = 10_000) -> tuple[int, Breach | None]:
    """Check every entry's digest and link; return (entries checked, first breach or None)."""
    prev = GENESIS
    expected = 1
    checked = 0
    last = 0
    while True:
        rows = session.scalars(
            select(LedgerEntry).where(LedgerEntry.seq > last).order_by(LedgerEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for e in rows:
            if e.seq != expected:
                return checked, Breach(expected, f"entry {expected} is missing")
            if e.prev != prev:
                return checked, Breach(e.seq, "does not link to the entry before it")
            if digest_of(e.salt, content(e)) != e.digest:
                return checked, Breach(e.seq, "its content does not match its digest")
            if link(e.prev, e.seq, e.digest) != e.hash:
                return checked, Breach(e.seq, "its hash is wrong")
            prev = e.hash
            expected += 1
            checked += 1
            last = e.seq
    top_seq, top_hash = head(session)
    if checked and (top_seq, top_hash) != (last, prev):
        return checked, Breach(top_seq, "the head does not match the last entry")
    return checked, None
