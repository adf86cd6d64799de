"""What anyone may see of governance, as plain data: the API serves it as JSON, the web UI
renders it, the command line prints it. One place decides what is shown:

- sessions, their agenda, delegations and quorum, proposals, amendments, resolutions and the
  rules' histories are public (the compact's decisions are);
- who voted on a proposal is public at once; the result only after the vote closes; how each
  member voted only after the close and never for a secret ballot;
- a commitment's text, parties, status and each party's figures are public; the list of the
  requests under it only to its parties (requests are between members).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import rules
from wuzhen.errors import NotFoundError
from wuzhen.governance import commitments
from wuzhen.governance import service as gov
from wuzhen.governance.count import CHOICES
from wuzhen.governance.tables import Commitment, Delegation, Proposal, Resolution, Vote
from wuzhen.governance.tables import Session as GovSession
from wuzhen.i18n import _
from wuzhen.visibility import Viewer, visible_events

if TYPE_CHECKING:
    from wuzhen.node import Node


# -- sessions ----------------------------------------------------------------------------


def session_row(g: GovSession) -> dict[str, Any]:
    return {
        "id": g.id,
        "kind": g.kind,
        "title": g.title,
        "opens_at": g.opens_at,
        "closes_at": g.closes_at,
        "created_at": g.created_at,
    }


def sessions(s: Session) -> list[dict[str, Any]]:
    rows = s.scalars(select(GovSession).order_by(GovSession.opens_at.desc(), GovSession.id))
    return [session_row(g) for g in rows]


def quorum(s: Session, session_id: str) -> dict[str, Any]:
    """Members with voting rights, how many must be present, how many are."""
    eligible = gov.voters(s)
    fraction = float(rules.get(s, "governance.quorum_fraction"))
    needed = math.ceil(fraction * len(eligible))
    present = len(gov.present(s, session_id) & eligible)
    return {
        "eligible": len(eligible),
        "fraction": fraction,
        "needed": needed,
        "present": present,
        "met": bool(eligible) and present >= needed,
    }


def session_detail(s: Session, session_id: str) -> dict[str, Any]:
    g = gov.gov_session(s, session_id)
    top = s.scalars(
        select(Proposal)
        .where(Proposal.session == g.id, Proposal.parent.is_(None))
        .order_by(Proposal.tabled_at, Proposal.id)
    )
    delegations = s.scalars(
        select(Delegation).where(Delegation.session == g.id).order_by(Delegation.member)
    )
    return {
        **session_row(g),
        "agenda": [proposal_row(p) for p in top],
        "delegations": [
            {"member": d.member, "proxy_for": d.proxy_for, "registered_at": d.registered_at}
            for d in delegations
        ],
        "quorum": quorum(s, g.id),
    }


def minutes(s: Session, session_id: str) -> list[dict[str, Any]]:
    return gov.minutes(s, session_id)


# -- proposals ---------------------------------------------------------------------------


def proposal_row(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "session": p.session,
        "parent": p.parent,
        "proposer": p.proposer,
        "title": p.title,
        "method": p.method,
        "secret": p.secret,
        "state": p.state,
        "tabled_at": p.tabled_at,
        "vote_closes_at": p.vote_closes_at,
    }


def proposals(
    s: Session, *, session_id: str | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    stmt = select(Proposal).order_by(Proposal.tabled_at.desc(), Proposal.id)
    if session_id:
        stmt = stmt.where(Proposal.session == session_id)
    if state:
        stmt = stmt.where(Proposal.state == state)
    return [proposal_row(p) for p in s.scalars(stmt)]


def proposal_detail(s: Session, proposal_id: str) -> dict[str, Any]:
    """A proposal as anyone may see it: the result only once its vote has closed."""
    p = gov.proposal(s, proposal_id)
    amendments = s.scalars(
        select(Proposal).where(Proposal.parent == p.id).order_by(Proposal.tabled_at, Proposal.id)
    )
    resolution = s.scalar(select(Resolution).where(Resolution.proposal == p.id))
    return {
        **proposal_row(p),
        "text": p.text,
        "changes": p.changes,
        "effective_at": p.effective_at,
        "vote_opens_at": p.vote_opens_at,
        "closed_at": p.closed_at,
        "options": list(CHOICES[p.method]),
        "amendments": [proposal_row(a) for a in amendments],
        "voted": gov.who_voted(s, p.id),
        "result": gov.visible_result(p),
        "resolution": (
            {"id": resolution.id, "number": resolution.number} if resolution is not None else None
        ),
    }


def ballot(s: Session, proposal_id: str, member: str) -> dict[str, Any]:
    """What a member's administrator needs to vote: whether its delegation is registered,
    the proxy it holds, whether it (and its proxy) voted, and, for an open ballot only, the
    choice it recorded (a secret ballot's choice is shown to nobody, its voter included)."""
    p = gov.proposal(s, proposal_id)
    delegation = s.get(Delegation, (p.session, member))
    proxy = delegation.proxy_for if delegation is not None else None
    voted = set(gov.who_voted(s, p.id))

    def mine(code: str | None) -> dict[str, Any] | None:
        if code is None:
            return None
        row = s.get(Vote, (p.id, code))
        return {
            "member": code,
            "voted": code in voted,
            "choice": row.choice if row is not None and not p.secret else None,
        }

    return {
        "member": member,
        "registered": delegation is not None,
        "voting_rights": member in gov.voters(s),
        "open": p.state == gov.VOTING,
        "own": mine(member),
        "proxy": mine(proxy),
    }


# -- resolutions -------------------------------------------------------------------------


def resolution_row(s: Session, r: Resolution) -> dict[str, Any]:
    p = s.get(Proposal, r.proposal)
    return {
        "id": r.id,
        "number": r.number,
        "proposal": r.proposal,
        "title": p.title if p is not None else "",
        "adopted_at": r.adopted_at,
        "effective_at": r.effective_at,
        "applied_at": r.applied_at,
        "applied": r.applied_at is not None,
        "changes": r.changes,
    }


def resolutions(s: Session) -> list[dict[str, Any]]:
    rows = s.scalars(select(Resolution).order_by(Resolution.number.desc()))
    return [resolution_row(s, r) for r in rows]


def resolution(s: Session, resolution_id: str) -> dict[str, Any]:
    r = s.get(Resolution, resolution_id)
    if r is None:
        r = s.scalar(select(Resolution).where(Resolution.number == _number(resolution_id)))
    if r is None:
        raise NotFoundError(_("No resolution {id}.").format(id=resolution_id))
    return resolution_row(s, r)


def _number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 10 else -1


# -- rules -------------------------------------------------------------------------------


def rule_history(s: Session, key: str) -> list[dict[str, Any]]:
    """Every value the rule has had, oldest first, each with the resolution behind it."""
    numbers: dict[str, int] = dict(s.execute(select(Resolution.id, Resolution.number)).all())
    out = []
    for e in rules.history(s, key):
        ref = e.get("resolution")
        out.append(
            {
                "seq": e["seq"],
                "at": e["at"],
                "actor": e["actor"],
                "action": e["action"],
                "value": e.get("new", e.get("value")),
                "old": e.get("old"),
                "reason": e.get("reason"),
                "resolution": ref,
                "resolution_number": numbers.get(ref) if ref else None,
            }
        )
    return out


def rule_rows(s: Session) -> list[dict[str, Any]]:
    current = rules.current(s)
    return [
        {
            "key": key,
            "value": value,
            "default": rules.SPECS[key].default,
            "description": rules.SPECS[key].description,
            "history": rule_history(s, key),
        }
        for key, value in current.items()
    ]


# -- commitments -------------------------------------------------------------------------


def commitment_row(c: Commitment) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "parties": list(c.parties),
        "status": c.status,
        "adopted_by": list(c.adopted_by),
        "in_force_at": c.in_force_at,
        "registered_at": c.registered_at,
        "review_months": c.review_months,
        "resolution": c.resolution,
    }


def commitment_list(s: Session) -> list[dict[str, Any]]:
    return [commitment_row(c) for c in s.scalars(select(Commitment).order_by(Commitment.title))]


def commitment_detail(
    s: Session, commitment_id: str, now: datetime, member: str | None
) -> dict[str, Any]:
    """The commitment and what the data says of it; the requests listed only to a party."""
    c = commitments.get(s, commitment_id)
    report = commitments.report(s, c.id, now)
    party = member is not None and member in c.parties
    return {
        **commitment_row(c),
        "text": c.text,
        "clauses": list(c.clauses),
        "parties_report": report["parties"],
        "requests": report["requests"] if party else None,
        "alleged_breaches": report["alleged_breaches"],
    }


def visible_event_ids(node: Node, viewer: Viewer, ids: Sequence[str]) -> list[str]:
    """The ``ids`` of events ``viewer`` may see (a party links only evidence it can see);
    :class:`NotFoundError` naming the first it may not."""
    wanted = sorted(set(ids))
    with node.db.session() as s:
        events = node.store.scan("events").filter(pl.col("event.id").is_in(wanted))
        seen = set(visible_events(s, events, viewer).select("event.id").collect()["event.id"])
    missing = [i for i in wanted if i not in seen]
    if missing:
        raise NotFoundError(_("No event {id}.").format(id=missing[0]))
    return wanted
