"""Changing rules and membership the only way there is (#7): a proposal on an extraordinary
session's agenda, adopted by consensus of every member with voting rights, applied by
governance's tick. For tests of other parts that need a rule changed or a member suspended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from wuzhen.clock import FixedClock
from wuzhen.governance import service as gov
from wuzhen.governance.tables import Resolution
from wuzhen.node import Node


def enact(node: Node, clock: FixedClock, changes: list[dict[str, Any]], title: str = "") -> str:
    """Adopt ``changes`` and apply them (the clock moves on a minute); the resolution's id."""
    now = clock.now()
    title = title or "Changes for a test"
    with node.db.session() as s:
        g = gov.open_session(
            s,
            kind="extraordinary",
            title=title,
            opens_at=now,
            closes_at=now + timedelta(days=1),
            actor="secretariat",
            at=now,
        )
        for code in sorted(gov.voters(s)):
            gov.register(s, g.id, code, at=now, actor=f"admin:{code}")
        draft = gov.ProposalDraft(title=title, text=title, changes=changes, method="consensus")
        p = gov.table(s, g.id, draft, proposer=gov.SECRETARIAT, actor="secretariat", at=now)
        gov.open_vote(s, p.id, closes_at=now + timedelta(minutes=1), actor="secretariat", at=now)
        pid = p.id
    clock.advance(timedelta(minutes=1))
    with node.db.session() as s:
        gov.tick(s, clock.now())
        r = s.scalar(select(Resolution).where(Resolution.proposal == pid))
        assert r is not None
        assert r.applied_at is not None
        return r.id
