"""Votes on proposals: one member, one vote, cast by the member's administrator (or by the
delegation holding its proxy), changeable until the vote closes. Who voted is visible at
once; the tally and each member's choice only after the close, and never the choices of a
secret ballot (the ledger records that a member voted, never how). An adopted proposal
becomes a resolution; an adopted amendment is taken into its proposal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger, rules
from wuzhen.errors import ConflictError, ForbiddenError, InputError
from wuzhen.governance.count import CHOICES, Ballot, Tally, count
from wuzhen.governance.proposals import (
    ADOPTED,
    REJECTED,
    TABLED,
    VOTING,
    incorporate,
    proposal,
)
from wuzhen.governance.resolutions import adopt
from wuzhen.governance.sessions import gov_session, present, voters
from wuzhen.governance.tables import Delegation, Proposal, Vote

SECRET = "secret"  # what remains of a secret ballot's choice after the count


def open_vote(
    session: Session, proposal_id: str, *, closes_at: datetime, actor: str, at: datetime
) -> Proposal:
    """Put a tabled proposal (or amendment) to the vote until ``closes_at``."""
    p = proposal(session, proposal_id)
    if p.state != TABLED:
        msg = f"a {p.state} proposal cannot be put to the vote"
        raise ConflictError(msg)
    pending = session.scalar(
        select(Proposal.id)
        .where(Proposal.parent == p.id, Proposal.state.in_((TABLED, VOTING)))
        .limit(1)
    )
    if pending is not None:
        msg = "its amendments are decided first"
        raise ConflictError(msg)
    s = gov_session(session, p.session)
    if not (at <= closes_at <= s.closes_at):
        msg = "the vote closes after it opens and before the session closes"
        raise InputError(msg)
    p.state, p.vote_opens_at, p.vote_closes_at = VOTING, at, closes_at
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="vote.opened",
        subject=f"proposal:{p.id}",
        data={"closes": closes_at.isoformat(), "method": p.method, "secret": p.secret},
    )
    return p


def cast(
    session: Session,
    proposal_id: str,
    *,
    member: str,
    choice: str,
    actor: str,
    at: datetime,
    reason: str | None = None,
    on_behalf_of: str | None = None,
) -> Vote:
    """A member's administrator casts (or changes) the member's vote, or its proxy's."""
    p = proposal(session, proposal_id)
    if p.state != VOTING or p.vote_closes_at is None or at >= p.vote_closes_at:
        msg = "this proposal is not open for voting"
        raise ConflictError(msg)
    if choice not in CHOICES[p.method]:
        msg = f"a {p.method} vote is one of {', '.join(CHOICES[p.method])}"
        raise InputError(msg)
    if choice == "object" and not (reason or "").strip():
        msg = "an objection gives its reason"
        raise InputError(msg)
    delegation = session.get(Delegation, (p.session, member))
    if delegation is None:
        msg = f"{member} has no delegation registered for this session"
        raise ForbiddenError(msg)
    voter = member
    if on_behalf_of is not None:
        if delegation.proxy_for != on_behalf_of.upper():
            msg = f"{member} does not hold {on_behalf_of}'s proxy"
            raise ForbiddenError(msg)
        voter = on_behalf_of.upper()
    if voter not in voters(session):
        msg = f"{voter} has no voting rights"
        raise ForbiddenError(msg)
    row = session.get(Vote, (p.id, voter))
    if row is None:
        row = Vote(
            proposal=p.id, member=voter, choice=choice, reason=reason, cast_by=member, cast_at=at
        )
        session.add(row)
    else:
        row.choice, row.reason, row.cast_by, row.cast_at = choice, reason, member, at
    # who voted is public at once; how, only in the closing entry (never for secret ballots)
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="vote.cast",
        subject=f"proposal:{p.id}",
        data={"member": voter, "by": member},
    )
    return row


def close(session: Session, proposal_id: str, *, at: datetime, actor: str = "system") -> Tally:
    """Count the vote at or after its closing time; an adopted proposal becomes a resolution."""
    p = proposal(session, proposal_id)
    if p.state != VOTING or p.vote_closes_at is None or at < p.vote_closes_at:
        msg = "the vote is not due to close"
        raise ConflictError(msg)
    ballots = [
        Ballot(v.member, v.choice, v.reason)
        for v in session.scalars(select(Vote).where(Vote.proposal == p.id))
    ]
    tally = count(
        p.method,
        ballots,
        eligible=voters(session),
        present=present(session, p.session),
        quorum_fraction=float(rules.get(session, "governance.quorum_fraction")),
    )
    result: dict[str, Any] = tally.as_dict()
    if p.secret:  # an objection's reason is published, never who objected
        result["objections"] = [{"reason": r} for _m, r in sorted(tally.objections, key=_second)]
        # Once counted, a secret ballot's choices are erased: only who voted remains.
        for v in session.scalars(select(Vote).where(Vote.proposal == p.id)):
            v.choice, v.reason = SECRET, None
    else:
        result["choices"] = {
            b.member: b.choice
            for b in sorted(ballots, key=lambda b: b.member)
            if b.member in tally.voted
        }
    p.result, p.closed_at = result, at
    p.state = ADOPTED if tally.adopted else REJECTED
    ledger.append(
        session, at=at, actor=actor, action="vote.closed", subject=f"proposal:{p.id}", data=result
    )
    if tally.adopted:
        if p.parent is not None:
            incorporate(proposal(session, p.parent), p)
        else:
            adopt(session, p, at, actor)
    return tally


def _second(pair: tuple[str, str]) -> str:
    return pair[1]


def due_votes(session: Session, at: datetime) -> list[Proposal]:
    return list(
        session.scalars(
            select(Proposal).where(Proposal.state == VOTING, Proposal.vote_closes_at <= at)
        )
    )


def visible_result(p: Proposal) -> dict[str, Any] | None:
    """The result as anyone may see it: nothing before the close."""
    return p.result if p.state in (ADOPTED, REJECTED) else None


def who_voted(session: Session, proposal_id: str) -> list[str]:
    return sorted(session.scalars(select(Vote.member).where(Vote.proposal == proposal_id)))
