"""``/commitments``: the register of commitments between members (public), each with what
the data says of it: each party's response times and the outcomes of requests under it, the
events alleged to breach it (counted), and, for its parties only, the requests themselves.

A party's administrator proposes and adopts a commitment; the secretariat registers it once
every party has adopted it, and records its status; any account of a party links a request
made under a clause, or events (it can see) alleged to breach one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from wuzhen.api.deps import AccountDep, CallerDep, NodeDep
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.api.routers._governance import GovId, actor_of
from wuzhen.errors import InputError
from wuzhen.governance import acts, commitments, views
from wuzhen.governance.commitments import STATUSES
from wuzhen.i18n import _
from wuzhen.node import Node

router = APIRouter(prefix="/commitments", tags=["commitments"], responses=ERRORS)
CC = Annotated[str, Field(pattern=CC_PATTERN)]


class CommitmentPublic(BaseModel):
    id: str
    title: str
    parties: list[str]
    status: str = Field(description="proposed, " + ", ".join(STATUSES))
    adopted_by: list[str] = Field(description="Parties that adopted it.")
    in_force_at: datetime | None
    registered_at: datetime | None
    review_months: int = Field(description="Reviewed every this many months.")
    resolution: str | None = Field(description="The resolution that adopted it, if any.")


class CommitmentPage(Page[CommitmentPublic]):
    pass


class Clause(BaseModel):
    id: str
    text: str


class CommitmentDetail(CommitmentPublic):
    text: str
    clauses: list[Clause]
    parties_report: dict[str, dict[str, Any]] = Field(
        description="Per party: requests received and sent, median seconds to acknowledge "
        "and to an outcome, overdue requests, outcomes."
    )
    requests: list[dict[str, Any]] | None = Field(
        description="The requests under it (shown to its parties only; null to others)."
    )
    alleged_breaches: list[dict[str, Any]]


class CommitmentCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    parties: list[CC] = Field(min_length=2, max_length=200, description="The caller's included.")
    text: str = Field(default="", max_length=20_000)
    clauses: list[Annotated[str, Field(min_length=1, max_length=4000)]] = Field(
        min_length=1, max_length=100
    )
    review_months: int = Field(default=12, ge=1, le=120)


class StatusChange(Strict):
    status: str = Field(json_schema_extra={"enum": list(STATUSES)})
    reason: str = Field(min_length=1, max_length=4000)


class LinkCreate(Strict):
    clause: str = Field(min_length=1, max_length=16)
    request_id: str | None = Field(default=None, max_length=64)
    event_ids: list[Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]] = Field(
        default_factory=list, max_length=10_000
    )


class LinkPublic(BaseModel):
    commitment: str
    clause: str
    kind: str = Field(description="request or events")
    ref: str = Field(description="The request's id, or the digest of the events' ids.")
    events: int
    member: str
    linked_at: datetime


def _detail(node: Node, commitment_id: str, member: str | None) -> CommitmentDetail:
    with node.db.session() as s:
        found = views.commitment_detail(s, commitment_id, node.clock.now(), member)
    return CommitmentDetail.model_validate(found)


@router.get("", response_model=CommitmentPage, summary="The register of commitments")
def list_commitments(node: NodeDep, page: PageDep) -> CommitmentPage:
    with node.db.session() as s:
        rows = views.commitment_list(s)
    items = [CommitmentPublic.model_validate(r) for r in page.slice(rows)]
    return CommitmentPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post(
    "",
    response_model=CommitmentDetail,
    status_code=201,
    summary="Propose a commitment (a party's administrator)",
)
def propose(node: NodeDep, caller: AccountDep, body: CommitmentCreate) -> CommitmentDetail:
    with node.db.session() as s:
        c = acts.propose_commitment(
            s,
            actor_of(caller),
            title=body.title,
            parties=[p.upper() for p in body.parties],
            text=body.text,
            clauses=body.clauses,
            review_months=body.review_months,
            at=node.clock.now(),
        )
        cid = c.id
    return _detail(node, cid, caller.member)


@router.get("/{commitment_id}", response_model=CommitmentDetail, summary="A commitment")
def get_commitment(node: NodeDep, caller: CallerDep, commitment_id: GovId) -> CommitmentDetail:
    return _detail(node, commitment_id, caller.member)


@router.post(
    "/{commitment_id}/adopt",
    response_model=CommitmentDetail,
    summary="Adopt a commitment (a party's administrator)",
)
def adopt(node: NodeDep, caller: AccountDep, commitment_id: GovId) -> CommitmentDetail:
    with node.db.session() as s:
        acts.adopt_commitment(s, actor_of(caller), commitment_id, at=node.clock.now())
    return _detail(node, commitment_id, caller.member)


@router.post(
    "/{commitment_id}/register",
    response_model=CommitmentDetail,
    summary="Register a commitment every party adopted (secretariat)",
)
def register(node: NodeDep, caller: AccountDep, commitment_id: GovId) -> CommitmentDetail:
    with node.db.session() as s:
        acts.register_commitment(s, actor_of(caller), commitment_id, at=node.clock.now())
    return _detail(node, commitment_id, caller.member)


@router.post(
    "/{commitment_id}/status",
    response_model=CommitmentDetail,
    summary="Record a commitment's status (secretariat)",
)
def set_status(
    node: NodeDep, caller: AccountDep, commitment_id: GovId, body: StatusChange
) -> CommitmentDetail:
    with node.db.session() as s:
        acts.set_commitment_status(
            s, actor_of(caller), commitment_id, body.status, reason=body.reason, at=node.clock.now()
        )
    return _detail(node, commitment_id, caller.member)


@router.post(
    "/{commitment_id}/links",
    response_model=LinkPublic,
    status_code=201,
    summary="Link a request made under a clause, or events alleged to breach it (a party)",
)
def link(node: NodeDep, caller: AccountDep, commitment_id: GovId, body: LinkCreate) -> LinkPublic:
    actor = actor_of(caller)
    if (body.request_id is None) == (not body.event_ids):
        raise InputError(_("Link either a request or events."))
    ids = list(body.event_ids)
    with node.db.session() as s:
        party = caller.member in commitments.get(s, commitment_id).parties
    if ids and party:  # a party links only events it can see (others are refused below)
        ids = views.visible_event_ids(node, caller.viewer, ids)
    with node.db.session() as s:
        row = acts.link_commitment(
            s,
            actor,
            commitment_id,
            body.clause,
            at=node.clock.now(),
            request_id=body.request_id,
            event_ids=ids,
        )
        return LinkPublic(
            commitment=row.commitment,
            clause=row.clause,
            kind=row.kind,
            ref=row.ref,
            events=len(row.event_ids),
            member=row.member,
            linked_at=row.linked_at,
        )
