"""The register of commitments between members, and what the data says of each.

A commitment is adopted by its parties and registered by the secretariat (or adopted by a
resolution). Requests made under a clause and events alleged to breach it are linked to it;
its page shows the requests under it, each party's response times and the outcomes, computed
from the data by the same code for every commitment.
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.cooperation.service import clocks
from wuzhen.cooperation.tables import Request
from wuzhen.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.governance.tables import Commitment, CommitmentLink, Resolution
from wuzhen.members import service as members
from wuzhen.notices.service import digest

PROPOSED, IN_FORCE = "proposed", "in-force"
STATUSES = ("in-force", "under-review", "suspended", "ended")


def _log(
    session: Session, at: datetime, actor: str, action: str, c: Commitment, data: dict[str, Any]
) -> None:
    ledger.append(
        session, at=at, actor=actor, action=action, subject=f"commitment:{c.id}", data=data
    )


def get(session: Session, commitment_id: str) -> Commitment:
    c = session.get(Commitment, commitment_id)
    if c is None:
        msg = f"no commitment {commitment_id}"
        raise NotFoundError(msg)
    return c


def propose(
    session: Session,
    *,
    title: str,
    parties: Sequence[str],
    text: str,
    clauses: Sequence[str],
    review_months: int,
    member: str,
    actor: str,
    at: datetime,
) -> Commitment:
    """A party puts a commitment text to the other parties."""
    codes = sorted({members.member(session, p).code for p in parties})
    if member not in codes:
        msg = "a commitment is proposed by one of its parties"
        raise ForbiddenError(msg)
    if len(codes) < 2 or not title.strip() or not clauses:
        msg = "a commitment has a title, two or more parties and at least one clause"
        raise InputError(msg)
    c = Commitment(
        id=secrets.token_hex(8),
        title=title.strip(),
        parties=codes,
        text=text,
        clauses=[{"id": str(i + 1), "text": t} for i, t in enumerate(clauses)],
        review_months=review_months,
        status=PROPOSED,
        adopted_by=[member],
    )
    session.add(c)
    _log(session, at, actor, "commitment.proposed", c, {"parties": codes, "by": member})
    return c


def adopt(
    session: Session, commitment_id: str, *, member: str, actor: str, at: datetime
) -> Commitment:
    c = get(session, commitment_id)
    if member not in c.parties:
        msg = "only a party adopts a commitment"
        raise ForbiddenError(msg)
    if c.status != PROPOSED:
        msg = "the commitment is not awaiting adoption"
        raise ConflictError(msg)
    c.adopted_by = sorted({*c.adopted_by, member})
    _log(session, at, actor, "commitment.adopted", c, {"party": member})
    return c


def register(session: Session, commitment_id: str, *, actor: str, at: datetime) -> Commitment:
    """The secretariat registers a commitment every party has adopted: it is in force."""
    c = get(session, commitment_id)
    if c.status != PROPOSED or sorted(c.adopted_by) != sorted(c.parties):
        msg = "every party adopts a commitment before it is registered"
        raise ConflictError(msg)
    c.status, c.registered_at, c.in_force_at = IN_FORCE, at, at
    _log(session, at, actor, "commitment.registered", c, {})
    return c


def register_from_resolution(
    session: Session, change: dict[str, Any], r: Resolution, at: datetime
) -> Commitment:
    c = Commitment(
        id=secrets.token_hex(8),
        title=change["title"],
        parties=change["parties"],
        text=change["text"],
        clauses=change["clauses"],
        review_months=change["review_months"],
        status=IN_FORCE,
        adopted_by=change["parties"],
        registered_at=at,
        in_force_at=at,
        resolution=r.id,
    )
    session.add(c)
    _log(
        session,
        at,
        f"resolution:{r.id}",
        "commitment.registered",
        c,
        {"resolution": r.id, "parties": c.parties},
    )
    return c


def set_status(
    session: Session, commitment_id: str, status: str, *, actor: str, at: datetime, reason: str
) -> Commitment:
    if status not in STATUSES:
        msg = f"a commitment's status is one of {', '.join(STATUSES)}"
        raise InputError(msg)
    c = get(session, commitment_id)
    if c.status == PROPOSED:
        msg = "register the commitment first"
        raise ConflictError(msg)
    before, c.status = c.status, status
    _log(
        session, at, actor, "commitment.status", c, {"from": before, "to": status, "reason": reason}
    )
    return c


def link(
    session: Session,
    commitment_id: str,
    clause: str,
    *,
    member: str,
    actor: str,
    at: datetime,
    request_id: str | None = None,
    event_ids: Sequence[str] = (),
) -> CommitmentLink:
    """A party links a request made under a clause, or events alleged to breach it."""
    c = get(session, commitment_id)
    if member not in c.parties:
        msg = "only a party links to a commitment"
        raise ForbiddenError(msg)
    if clause not in {cl["id"] for cl in c.clauses}:
        msg = f"the commitment has no clause {clause}"
        raise InputError(msg)
    if (request_id is None) == (not event_ids):
        msg = "link either a request or events"
        raise InputError(msg)
    if request_id is not None:
        req = session.get(Request, request_id)
        if req is None or member not in (req.requester, req.requested):
            msg = f"no request {request_id}"
            raise NotFoundError(msg)
        req.commitment_clause = f"{c.id}:{clause}"
        row = CommitmentLink(
            commitment=c.id,
            clause=clause,
            kind="request",
            ref=request_id,
            event_ids=[],
            member=member,
            linked_at=at,
        )
    else:
        ids = sorted(set(event_ids))
        row = CommitmentLink(
            commitment=c.id,
            clause=clause,
            kind="events",
            ref=digest(ids),
            event_ids=ids,
            member=member,
            linked_at=at,
        )
    session.add(row)
    _log(
        session,
        at,
        actor,
        "commitment.linked",
        c,
        {"clause": clause, "kind": row.kind, "ref": row.ref, "by": member},
    )
    return row


def report(session: Session, commitment_id: str, now: datetime) -> dict[str, Any]:
    """Requests under the commitment, each party's response times, and the outcomes."""
    c = get(session, commitment_id)
    reqs = list(
        session.scalars(
            select(Request).where(
                Request.commitment_clause.like(f"{c.id}:%"), Request.state != "draft"
            )
        )
    )
    parties: dict[str, dict[str, Any]] = {}
    for party in c.parties:
        received = [r for r in reqs if r.requested == party]
        acks = [t for r in received if (t := clocks(r, now).seconds_to_acknowledge) is not None]
        outs = [t for r in received if (t := clocks(r, now).seconds_to_outcome) is not None]
        outcomes: dict[str, int] = {}
        for r in received:
            outcomes[r.state] = outcomes.get(r.state, 0) + 1
        parties[party] = {
            "received": len(received),
            "sent": sum(r.requester == party for r in reqs),
            "median_seconds_to_acknowledge": statistics.median(acks) if acks else None,
            "median_seconds_to_outcome": statistics.median(outs) if outs else None,
            "overdue": sum(clocks(r, now).overdue for r in received),
            "outcomes": outcomes,
        }
    links = list(
        session.scalars(
            select(CommitmentLink)
            .where(CommitmentLink.commitment == c.id)
            .order_by(CommitmentLink.id)
        )
    )
    return {
        "commitment": c.id,
        "title": c.title,
        "status": c.status,
        "requests": [
            {
                "id": r.id,
                "clause": (r.commitment_clause or ":").split(":")[1],
                "requester": r.requester,
                "requested": r.requested,
                "kind": r.kind,
                "state": r.state,
            }
            for r in reqs
        ],
        "parties": parties,
        "alleged_breaches": [
            {"clause": li.clause, "events": len(li.event_ids), "digest": li.ref, "by": li.member}
            for li in links
            if li.kind == "events"
        ],
    }
