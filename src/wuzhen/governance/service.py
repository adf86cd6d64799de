"""Sessions, proposals, amendments, votes and resolutions.

Rules change only by resolution, and admission and suspension happen only by resolution;
a resolution's changes apply at its effective date (``tick``), each citing the resolution in
the ledger. A proposal whose rule change the rule's type refuses (for instance removing an
entrenched refusal ground) is refused when tabled. Votes: one member, one vote, cast by the
member's administrator, changeable until the vote closes; who voted is visible at once, the
tally and each member's choice only after the close, and never the choices of a secret
ballot (the ledger records that a member voted, never how).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wuzhen import ledger, rules
from wuzhen.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.governance.count import CHOICES, Ballot, Tally, count
from wuzhen.governance.tables import Delegation, Proposal, Resolution, Vote
from wuzhen.governance.tables import Session as GovSession
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.members.tables import ACTIVE, Member
from wuzhen.rules.specs import SPECS

SECRETARIAT = "secretariat"
TABLED, VOTING, ADOPTED, REJECTED, WITHDRAWN, ACCEPTED = (
    "tabled",
    "voting",
    "adopted",
    "rejected",
    "withdrawn",
    "accepted",
)
SECRET = "secret"  # what remains of a secret ballot's choice after the count
CHANGE_TYPES = ("rule", "admit", "suspend", "voting-rights", "commitment")


def _new_id() -> str:
    return secrets.token_hex(8)


def _log(
    session: Session, at: datetime, actor: str, action: str, subject: str, data: dict[str, Any]
) -> None:
    ledger.append(session, at=at, actor=actor, action=action, subject=subject, data=data)


# -- sessions and delegations ------------------------------------------------------------


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
        id=_new_id(),
        kind=kind,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=at,
    )
    session.add(s)
    _log(
        session,
        at,
        actor,
        "session.convened",
        f"session:{s.id}",
        {"kind": kind, "opens": opens_at.isoformat(), "closes": closes_at.isoformat()},
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
    _log(
        session,
        at,
        actor,
        "delegation.registered",
        f"session:{s.id}",
        {"member": member, "proxy_for": proxy_for},
    )
    return row


def present(session: Session, session_id: str) -> set[str]:
    rows = session.scalars(select(Delegation).where(Delegation.session == session_id)).all()
    return {r.member for r in rows} | {r.proxy_for for r in rows if r.proxy_for}


# -- proposals ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalDraft:
    title: str
    text: str
    changes: Sequence[dict[str, Any]] = ()
    method: str = "simple"
    secret: bool = False
    effective_at: datetime | None = None


def check_changes(session: Session, changes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate every change a proposal would make; refuse what the rules' types refuse."""
    checked = []
    for change in changes:
        kind = change.get("type")
        if kind not in CHANGE_TYPES:
            msg = f"a change is one of {', '.join(CHANGE_TYPES)}"
            raise InputError(msg)
        if kind == "rule":
            key = str(change.get("key"))
            if key not in SPECS:
                msg = f"unknown rule {key!r}"
                raise InputError(msg)
            try:
                value = SPECS[key].validate(change.get("value"))
            except (ValidationError, ValueError) as err:
                msg = f"rule {key}: {_first_error(err)}"
                raise InputError(msg) from err
            checked.append({"type": "rule", "key": key, "value": value})
        elif kind in ("admit", "suspend", "voting-rights"):
            code = members.member(session, str(change.get("member"))).code
            item: dict[str, Any] = {"type": kind, "member": code}
            if kind == "voting-rights":
                item["suspend"] = bool(change.get("suspend", True))
            checked.append(item)
        else:
            checked.append(_check_commitment(session, change))
    return checked


def _first_error(err: Exception) -> str:
    if isinstance(err, ValidationError):
        return str(err.errors()[0]["msg"])
    return str(err)


def _check_commitment(session: Session, change: dict[str, Any]) -> dict[str, Any]:
    parties = sorted({members.member(session, str(p)).code for p in change.get("parties", [])})
    clauses = change.get("clauses") or []
    if len(parties) < 2 or not str(change.get("title", "")).strip() or not clauses:
        msg = "a commitment has a title, two or more parties and at least one clause"
        raise InputError(msg)
    return {
        "type": "commitment",
        "title": str(change["title"]).strip(),
        "parties": parties,
        "text": str(change.get("text", "")),
        "clauses": [{"id": str(i + 1), "text": str(c)} for i, c in enumerate(clauses)],
        "review_months": int(change.get("review_months", 12)),
    }


def table(
    session: Session,
    session_id: str,
    draft: ProposalDraft,
    *,
    proposer: str,
    actor: str,
    at: datetime,
    parent: str | None = None,
) -> Proposal:
    """Table a proposal (or, with ``parent``, an amendment) on a session's agenda."""
    s = gov_session(session, session_id)
    allowed = rules.get(session, "governance.methods")
    if draft.method not in allowed:
        msg = f"the voting method must be one of {', '.join(allowed)}"
        raise InputError(msg)
    if not draft.title.strip() or not draft.text.strip():
        msg = "a proposal has a title and a text"
        raise InputError(msg)
    if proposer != SECRETARIAT and proposer not in voters(session):
        msg = "proposals come from members with voting rights or the secretariat"
        raise ForbiddenError(msg)
    changes = check_changes(session, draft.changes)
    p = Proposal(
        id=_new_id(),
        session=s.id,
        parent=parent,
        proposer=proposer,
        title=draft.title.strip(),
        text=draft.text.strip(),
        changes=changes,
        method=draft.method,
        secret=draft.secret,
        state=TABLED,
        tabled_at=at,
        effective_at=draft.effective_at,
    )
    session.add(p)
    _log(
        session,
        at,
        actor,
        "proposal.amendment_tabled" if parent else "proposal.tabled",
        f"proposal:{parent or p.id}",
        {
            "proposal": p.id,
            "proposer": proposer,
            "method": p.method,
            "secret": p.secret,
            "changes": changes,
        },
    )
    return p


def proposal(session: Session, proposal_id: str) -> Proposal:
    found = session.get(Proposal, proposal_id)
    if found is None:
        msg = f"no proposal {proposal_id}"
        raise NotFoundError(msg)
    return found


def amend(
    session: Session,
    proposal_id: str,
    draft: ProposalDraft,
    *,
    member: str,
    actor: str,
    at: datetime,
) -> Proposal:
    """A member proposes an amendment: the proposer accepts it, or it goes to a vote first."""
    parent = proposal(session, proposal_id)
    if parent.state != TABLED or parent.parent is not None:
        msg = "amendments are to proposals that are tabled and not yet put to the vote"
        raise ConflictError(msg)
    return table(
        session, parent.session, draft, proposer=member, actor=actor, at=at, parent=parent.id
    )


def accept_amendment(
    session: Session, amendment_id: str, *, proposer: str, actor: str, at: datetime
) -> Proposal:
    """The proposer of the amended proposal takes the amendment in."""
    amendment = proposal(session, amendment_id)
    if amendment.parent is None or amendment.state != TABLED:
        msg = "only a tabled amendment can be accepted"
        raise ConflictError(msg)
    parent = proposal(session, amendment.parent)
    if parent.proposer != proposer:
        msg = "only the proposer accepts an amendment"
        raise ForbiddenError(msg)
    _incorporate(parent, amendment)
    amendment.state, amendment.closed_at = ACCEPTED, at
    _log(
        session,
        at,
        actor,
        "proposal.amendment_accepted",
        f"proposal:{parent.id}",
        {"amendment": amendment.id},
    )
    return parent


def _incorporate(parent: Proposal, amendment: Proposal) -> None:
    parent.text = amendment.text
    parent.changes = amendment.changes
    parent.title = amendment.title


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
    _log(
        session,
        at,
        actor,
        "vote.opened",
        f"proposal:{p.id}",
        {"closes": closes_at.isoformat(), "method": p.method, "secret": p.secret},
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
    _log(session, at, actor, "vote.cast", f"proposal:{p.id}", {"member": voter, "by": member})
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
    _log(session, at, actor, "vote.closed", f"proposal:{p.id}", result)
    if tally.adopted:
        if p.parent is not None:
            _incorporate(proposal(session, p.parent), p)
        else:
            _resolve(session, p, at, actor)
    return tally


def _second(pair: tuple[str, str]) -> str:
    return pair[1]


def _resolve(session: Session, p: Proposal, at: datetime, actor: str) -> Resolution:
    number = int(session.scalar(select(func.max(Resolution.number))) or 0) + 1
    r = Resolution(
        id=_new_id(),
        proposal=p.id,
        number=number,
        adopted_at=at,
        effective_at=max(p.effective_at or at, at),
        changes=p.changes,
    )
    session.add(r)
    _log(
        session,
        at,
        actor,
        "resolution.adopted",
        f"resolution:{r.id}",
        {
            "number": number,
            "proposal": p.id,
            "effective": r.effective_at.isoformat(),
            "changes": p.changes,
        },
    )
    return r


def due_votes(session: Session, at: datetime) -> list[Proposal]:
    return list(
        session.scalars(
            select(Proposal).where(Proposal.state == VOTING, Proposal.vote_closes_at <= at)
        )
    )


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
            _log(
                session,
                at,
                actor,
                "member.voting_rights",
                f"member:{m.code}",
                {"voting_rights": m.voting_rights, "resolution": resolution.id},
            )
        else:
            register_from_resolution(session, change, resolution, at)
    resolution.applied_at = at
    _log(
        session,
        at,
        actor,
        "resolution.applied",
        f"resolution:{resolution.id}",
        {"number": resolution.number},
    )


def visible_result(p: Proposal) -> dict[str, Any] | None:
    """The result as anyone may see it: nothing before the close."""
    return p.result if p.state in (ADOPTED, REJECTED) else None


def who_voted(session: Session, proposal_id: str) -> list[str]:
    return sorted(session.scalars(select(Vote.member).where(Vote.proposal == proposal_id)))


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


def tick(session: Session, at: datetime) -> dict[str, int]:
    """The time-dependent steps of governance: close votes that are due, then carry out the
    resolutions whose effective date has come. Idempotent."""
    closed = 0
    for p in due_votes(session, at):
        close(session, p.id, at=at)
        closed += 1
    applied = 0
    for r in due_resolutions(session, at):
        apply(session, r, at)
        applied += 1
    return {"votes_closed": closed, "resolutions_applied": applied}
