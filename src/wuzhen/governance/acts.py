"""Who may do what in governance: each act checked against the acting account's role, then
carried out by the services. The API, the web UI and the command line all call these, so
the rules of who may act live in one place:

- the secretariat convenes sessions, opens votes, registers commitments and sets their status;
- a member's administrator registers its delegation (and the one proxy it holds), tables
  proposals and amendments, accepts amendments to its own proposals, casts its member's vote
  (or its proxy's), proposes and adopts commitments its member is a party to;
- the secretariat may table proposals too, and accepts amendments to its own;
- any account of a party links requests or events to a commitment's clause;
- analysts neither vote nor table: they act for their member's analysis, not its decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wuzhen.accounts.tables import ADMIN, SECRETARIAT, Account
from wuzhen.errors import ForbiddenError, InputError
from wuzhen.governance import commitments
from wuzhen.governance import service as gov
from wuzhen.governance.tables import Commitment, CommitmentLink, Delegation, Proposal, Vote
from wuzhen.governance.tables import Session as GovSession
from wuzhen.i18n import _


@dataclass(frozen=True, slots=True)
class Actor:
    """The account acting: its id, role and member (None for the secretariat)."""

    account: str
    role: str
    member: str | None

    @classmethod
    def of(cls, account: Account) -> Actor:
        return cls(account.id, account.role, account.member)

    @property
    def name(self) -> str:
        """How the ledger names this account."""
        return f"account:{self.account}"

    @property
    def is_secretariat(self) -> bool:
        return self.role == SECRETARIAT

    @property
    def administers(self) -> str | None:
        """The member this account administers, if it is a member's administrator."""
        return self.member if self.role == ADMIN else None


def _secretariat(actor: Actor, message: str) -> None:
    if not actor.is_secretariat:
        raise ForbiddenError(message)


def _admin(actor: Actor, message: str) -> str:
    code = actor.administers
    if code is None:
        raise ForbiddenError(message)
    return code


# -- sessions ----------------------------------------------------------------------------


def convene(
    s: Session,
    actor: Actor,
    *,
    kind: str,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    at: datetime,
) -> GovSession:
    _secretariat(actor, _("Only the secretariat convenes a session."))
    return gov.open_session(
        s, kind=kind, title=title, opens_at=opens_at, closes_at=closes_at, actor=actor.name, at=at
    )


def register(
    s: Session, actor: Actor, session_id: str, *, at: datetime, proxy_for: str | None = None
) -> Delegation:
    code = _admin(actor, _("A member's administrator registers its delegation."))
    return gov.register(s, session_id, code, at=at, actor=actor.name, proxy_for=proxy_for)


# -- proposals and votes -----------------------------------------------------------------


def table(
    s: Session, actor: Actor, session_id: str, draft: gov.ProposalDraft, *, at: datetime
) -> Proposal:
    if actor.is_secretariat:
        proposer = gov.SECRETARIAT
    else:
        proposer = _admin(
            actor, _("A member's administrator or the secretariat tables a proposal.")
        )
    return gov.table(s, session_id, draft, proposer=proposer, actor=actor.name, at=at)


def amend(
    s: Session, actor: Actor, proposal_id: str, draft: gov.ProposalDraft, *, at: datetime
) -> Proposal:
    code = _admin(actor, _("A member's administrator proposes an amendment."))
    return gov.amend(s, proposal_id, draft, member=code, actor=actor.name, at=at)


def accept(s: Session, actor: Actor, amendment_id: str, *, at: datetime) -> Proposal:
    if actor.is_secretariat:
        proposer = gov.SECRETARIAT
    else:
        proposer = _admin(actor, _("The proposer's administrator accepts an amendment."))
    return gov.accept_amendment(s, amendment_id, proposer=proposer, actor=actor.name, at=at)


def open_vote(
    s: Session, actor: Actor, proposal_id: str, *, closes_at: datetime, at: datetime
) -> Proposal:
    _secretariat(actor, _("Only the secretariat puts a proposal to the vote."))
    return gov.open_vote(s, proposal_id, closes_at=closes_at, actor=actor.name, at=at)


def cast(
    s: Session,
    actor: Actor,
    proposal_id: str,
    choice: str,
    *,
    at: datetime,
    reason: str | None = None,
    on_behalf_of: str | None = None,
) -> Vote:
    code = _admin(actor, _("Only a member's administrator casts its member's vote."))
    return gov.cast(
        s,
        proposal_id,
        member=code,
        choice=choice,
        actor=actor.name,
        at=at,
        reason=(reason or "").strip() or None,
        on_behalf_of=on_behalf_of,
    )


# -- commitments -------------------------------------------------------------------------


def propose_commitment(
    s: Session,
    actor: Actor,
    *,
    title: str,
    parties: Sequence[str],
    text: str,
    clauses: Sequence[str],
    review_months: int,
    at: datetime,
) -> Commitment:
    code = _admin(actor, _("A party's administrator proposes a commitment."))
    return commitments.propose(
        s,
        title=title,
        parties=parties,
        text=text,
        clauses=clauses,
        review_months=review_months,
        member=code,
        actor=actor.name,
        at=at,
    )


def adopt_commitment(s: Session, actor: Actor, commitment_id: str, *, at: datetime) -> Commitment:
    code = _admin(actor, _("A party's administrator adopts a commitment."))
    return commitments.adopt(s, commitment_id, member=code, actor=actor.name, at=at)


def register_commitment(
    s: Session, actor: Actor, commitment_id: str, *, at: datetime
) -> Commitment:
    _secretariat(actor, _("Only the secretariat registers a commitment."))
    return commitments.register(s, commitment_id, actor=actor.name, at=at)


def set_commitment_status(
    s: Session, actor: Actor, commitment_id: str, status: str, *, reason: str, at: datetime
) -> Commitment:
    _secretariat(actor, _("Only the secretariat records a commitment's status."))
    if not reason.strip():
        raise InputError(_("Give a reason: it is recorded in the ledger."))
    return commitments.set_status(
        s, commitment_id, status, actor=actor.name, at=at, reason=reason.strip()
    )


def link_commitment(
    s: Session,
    actor: Actor,
    commitment_id: str,
    clause: str,
    *,
    at: datetime,
    request_id: str | None = None,
    event_ids: Sequence[str] = (),
) -> CommitmentLink:
    if actor.member is None:
        raise ForbiddenError(_("A party links requests or events to a commitment."))
    return commitments.link(
        s,
        commitment_id,
        clause,
        member=actor.member,
        actor=actor.name,
        at=at,
        request_id=request_id,
        event_ids=event_ids,
    )
