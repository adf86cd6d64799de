"""Sessions of the compact: convening one, the delegations registered for it (each may hold
one proxy), who may vote, and the minutes generated from the ledger."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.governance.tables import Delegation, Proposal, Resolution
from wuzhen.governance.tables import Session as GovSession
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.tables import ACTIVE, Member


def open_session(
    session: Session,
    *,
    kind: str,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    actor: str,
    at: datetime,
) -> GovSession:
    if kind not in ("annual", "extraordinary"):
        msg = "a session is annual or extraordinary"
        raise InputError(msg)
    if closes_at <= opens_at:
        msg = "a session closes after it opens"
        raise InputError(msg)
    s = GovSession(
        id=secrets.token_hex(8),
        kind=kind,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=at,
    )
    session.add(s)
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="session.convened",
        subject=f"session:{s.id}",
        data={"kind": kind, "opens": opens_at.isoformat(), "closes": closes_at.isoformat()},
    )
    return s


def gov_session(session: Session, session_id: str) -> GovSession:
    found = session.get(GovSession, session_id)
    if found is None:
        msg = f"no session {session_id}"
        raise NotFoundError(msg)
    return found


def voters(session: Session) -> set[str]:
    """Active members with voting rights."""
    return set(
        session.scalars(select(Member.code).where(Member.status == ACTIVE, Member.voting_rights))
    )


def register(
    session: Session,
    session_id: str,
    member: str,
    *,
    at: datetime,
    actor: str,
    proxy_for: str | None = None,
) -> Delegation:
    """Register a member's delegation for a session, optionally holding one proxy."""
    s = gov_session(session, session_id)
    if member not in voters(session):
        msg = f"{member} has no voting rights in the compact"
        raise ForbiddenError(msg)
    if at > s.closes_at:
        msg = "the session is closed"
        raise ConflictError(msg)
    row = session.get(Delegation, (s.id, member))
    if proxy_for is not None:
        proxy_for = proxy_for.upper()
        if proxy_for == member or proxy_for not in voters(session):
            msg = "a proxy is held for another member with voting rights"
            raise InputError(msg)
        if session.get(Delegation, (s.id, proxy_for)) is not None:
            msg = f"{proxy_for} has its own delegation"
            raise ConflictError(msg)
        held = session.scalar(
            select(Delegation.member).where(
                Delegation.session == s.id,
                Delegation.proxy_for == proxy_for,
                Delegation.member != member,
            )
        )
        if held is not None:
            msg = f"{held} holds {proxy_for}'s proxy already"
            raise ConflictError(msg)
    if (
        session.scalar(
            select(Delegation.member).where(
                Delegation.session == s.id, Delegation.proxy_for == member
            )
        )
        is not None
    ):
        msg = f"another delegation holds {member}'s proxy"
        raise ConflictError(msg)
    if row is None:
        row = Delegation(session=s.id, member=member, registered_at=at, proxy_for=proxy_for)
        session.add(row)
    else:
        row.proxy_for = proxy_for  # a member holds at most one proxy: the last one given
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="delegation.registered",
        subject=f"session:{s.id}",
        data={"member": member, "proxy_for": proxy_for},
    )
    return row


def present(session: Session, session_id: str) -> set[str]:
    rows = session.scalars(select(Delegation).where(Delegation.session == session_id)).all()
    return {r.member for r in rows} | {r.proxy_for for r in rows if r.proxy_for}


def minutes(session: Session, session_id: str) -> list[dict[str, Any]]:
    """The session's record, generated from the ledger (public entries only)."""
    s = gov_session(session, session_id)
    ids = list(session.scalars(select(Proposal.id).where(Proposal.session == s.id)))
    subjects = [f"session:{s.id}", *(f"proposal:{i}" for i in ids)]
    resolutions = session.scalars(select(Resolution.id).where(Resolution.proposal.in_(ids)))
    subjects += [f"resolution:{r}" for r in resolutions]
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.subject.in_(subjects), LedgerEntry.public)
        .order_by(LedgerEntry.seq)
    )
    return [
        {"seq": e.seq, "at": e.at, "action": e.action, "subject": e.subject, **e.data}
        for e in entries
    ]
