"""Resolutions: a proposal adopted by vote, numbered in order. Rules change only by
resolution, and admission and suspension happen only by resolution; a resolution's changes
apply at its effective date (``tick``), each citing the resolution in the ledger."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wuzhen import ledger, rules
from wuzhen.governance.tables import Proposal, Resolution
from wuzhen.members import service as members


def adopt(session: Session, p: Proposal, at: datetime, actor: str) -> Resolution:
    """The resolution an adopted proposal becomes, effective at its date (not before ``at``)."""
    number = int(session.scalar(select(func.max(Resolution.number))) or 0) + 1
    r = Resolution(
        id=secrets.token_hex(8),
        proposal=p.id,
        number=number,
        adopted_at=at,
        effective_at=max(p.effective_at or at, at),
        changes=p.changes,
    )
    session.add(r)
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="resolution.adopted",
        subject=f"resolution:{r.id}",
        data={
            "number": number,
            "proposal": p.id,
            "effective": r.effective_at.isoformat(),
            "changes": p.changes,
        },
    )
    return r


def due_resolutions(session: Session, at: datetime) -> list[Resolution]:
    return list(
        session.scalars(
            select(Resolution)
            .where(Resolution.applied_at.is_(None), Resolution.effective_at <= at)
            .order_by(Resolution.number)
        )
    )


def apply(session: Session, resolution: Resolution, at: datetime) -> None:
    """Carry out a resolution's changes, each citing it (run by tick at its effective date)."""
    from wuzhen.governance.commitments import register_from_resolution

    cite = f"resolution {resolution.number}"
    actor = f"resolution:{resolution.id}"
    for change in resolution.changes:
        kind = change["type"]
        if kind == "rule":
            rules.change(
                session,
                change["key"],
                change["value"],
                reason=cite,
                actor=actor,
                at=at,
                resolution=resolution.id,
            )
        elif kind == "admit":
            members.admit(
                session, change["member"], actor=actor, at=at, reason=cite, resolution=resolution.id
            )
        elif kind == "suspend":
            members.suspend(
                session, change["member"], actor=actor, at=at, reason=cite, resolution=resolution.id
            )
        elif kind == "voting-rights":
            m = members.member(session, change["member"])
            m.voting_rights = not change["suspend"]
            ledger.append(
                session,
                at=at,
                actor=actor,
                action="member.voting_rights",
                subject=f"member:{m.code}",
                data={"voting_rights": m.voting_rights, "resolution": resolution.id},
            )
        else:
            register_from_resolution(session, change, resolution, at)
    resolution.applied_at = at
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="resolution.applied",
        subject=f"resolution:{resolution.id}",
        data={"number": resolution.number},
    )
