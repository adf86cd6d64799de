"""The public export of the ledger, and its independent verification.

Every entry appears with ``seq``, ``prev``, ``hash`` and ``digest``. A public entry also
carries its ``content`` and ``salt``, so anyone can recompute its digest; a non-public entry
carries neither (the salt keeps its content from being guessed). Verification needs nothing
but this file and the standard library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.ledger.chain import GENESIS, Breach, content
from wuzhen.ledger.tables import LedgerEntry


def export_public(session: Session) -> Iterator[dict[str, Any]]:
    """Entries in order, as the public may see them (JSON-ready dicts)."""
    for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).yield_per(5000):
        row: dict[str, Any] = {"seq": e.seq, "prev": e.prev, "hash": e.hash, "digest": e.digest}
        if e.public:
            row["content"] = content(e)
            row["salt"] = e.salt
        yield row


def browsed(e: LedgerEntry) -> dict[str, Any]:
    """An entry as the secretariat's ledger browser shows it: what the public export shows of
    it, with its time; a non-public entry (a request's: confidential to its parties) without
    its actor, action, subject and data (None)."""
    shown = e.public
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor if shown else None,
        "action": e.action if shown else None,
        "subject": e.subject if shown else None,
        "data": dict(e.data) if shown else None,
        "public": e.public,
        "hash": e.hash,
    }


def verify_export(rows: Iterable[dict[str, Any]]) -> tuple[int, Breach | None]:
    """Check an export on its own: digests of public entries and every link."""
    prev = GENESIS
    expected = 1
    n = 0
    for row in rows:
        seq = row["seq"]
        if seq != expected:
            return n, Breach(expected, f"entry {expected} is missing")
        if row["prev"] != prev:
            return n, Breach(seq, "does not link to the entry before it")
        if "content" in row:
            body = json.dumps(
                row["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
            if hashlib.sha256(bytes.fromhex(row["salt"]) + body).hexdigest() != row["digest"]:
                return n, Breach(seq, "its content does not match its digest")
            if row["content"].get("seq") != seq:
                return n, Breach(seq, "its content names another entry")
        expected_hash = hashlib.sha256(f"{row['prev']}:{seq}:{row['digest']}".encode()).hexdigest()
        if expected_hash != row["hash"]:
            return n, Breach(seq, "its hash is wrong")
        prev = row["hash"]
        expected += 1
        n += 1
    return n, None
