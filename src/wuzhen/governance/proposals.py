"""Proposals and amendments: tabled on a session's agenda by a member with voting rights or
the secretariat, with the changes they would make checked when tabled (a proposal whose rule
change the rule's type refuses, for instance removing an entrenched refusal ground, is
refused then). An amendment is a proposal with a parent: its proposer's acceptance, or a
vote, takes it in."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from wuzhen import ledger, rules
from wuzhen.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.governance.sessions import gov_session, voters
from wuzhen.governance.tables import Proposal
from wuzhen.members import service as members
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
CHANGE_TYPES = ("rule", "admit", "suspend", "voting-rights", "commitment")


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
        id=secrets.token_hex(8),
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
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="proposal.amendment_tabled" if parent else "proposal.tabled",
        subject=f"proposal:{parent or p.id}",
        data={
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
    incorporate(parent, amendment)
    amendment.state, amendment.closed_at = ACCEPTED, at
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="proposal.amendment_accepted",
        subject=f"proposal:{parent.id}",
        data={"amendment": amendment.id},
    )
    return parent


def incorporate(parent: Proposal, amendment: Proposal) -> None:
    """Take an amendment's title, text and changes into the proposal it amends."""
    parent.text = amendment.text
    parent.changes = amendment.changes
    parent.title = amendment.title
