"""``/proposals``: proposals and amendments (public reads). A member's administrator or the
secretariat tables a proposal; members' administrators propose amendments, which the proposer
accepts or which go to a vote first; the secretariat puts a proposal to the vote. Who voted
is shown at once, the result only once the vote has closed, and how each member voted never
for a secret ballot."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from wuzhen import rules
from wuzhen.api.deps import AccountDep, NodeDep
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.api.routers._governance import ID_PATTERN, GovId, actor_of, at_utc
from wuzhen.governance import acts, views
from wuzhen.governance.count import METHODS
from wuzhen.governance.service import ProposalDraft
from wuzhen.node import Node

router = APIRouter(prefix="/proposals", tags=["proposals"], responses=ERRORS)
CC = Annotated[str, Field(pattern=CC_PATTERN)]
STATES = ("tabled", "voting", "adopted", "rejected", "accepted", "withdrawn")


class RuleChange(Strict):
    """Set a rule to a new value (validated against the rule's type when tabled)."""

    type: Literal["rule"]
    key: str = Field(max_length=128, json_schema_extra={"enum": list(rules.SPECS)})
    value: Any


class MemberChange(Strict):
    """Admit a state, or suspend a member."""

    type: Literal["admit", "suspend"]
    member: CC


class VotingRightsChange(Strict):
    """Suspend (or restore) a member's voting rights."""

    type: Literal["voting-rights"]
    member: CC
    suspend: bool = True


class CommitmentChange(Strict):
    """Adopt a commitment between members (registered when the resolution takes effect)."""

    type: Literal["commitment"]
    title: str = Field(min_length=1, max_length=200)
    parties: list[CC] = Field(min_length=2, max_length=200)
    text: str = Field(default="", max_length=20_000)
    clauses: list[Annotated[str, Field(min_length=1, max_length=4000)]] = Field(
        min_length=1, max_length=100
    )
    review_months: int = Field(default=12, ge=1, le=120)


Change = Annotated[
    RuleChange | MemberChange | VotingRightsChange | CommitmentChange,
    Field(discriminator="type"),
]


class ProposalPublic(BaseModel):
    id: str
    session: str
    parent: str | None = Field(description="For an amendment: the proposal it amends.")
    proposer: str = Field(description="A member's code, or secretariat.")
    title: str
    method: str = Field(description="simple, two-thirds or consensus")
    secret: bool
    state: str = Field(description=", ".join(STATES))
    tabled_at: datetime
    vote_closes_at: datetime | None


class ProposalPage(Page[ProposalPublic]):
    pass


class ResolutionRef(BaseModel):
    id: str
    number: int


class ProposalDetail(ProposalPublic):
    text: str
    changes: list[dict[str, Any]]
    effective_at: datetime | None
    vote_opens_at: datetime | None
    closed_at: datetime | None
    options: list[str] = Field(description="The choices a ballot on it offers.")
    amendments: list[ProposalPublic]
    voted: list[str] = Field(description="Members that voted (visible while the vote is open).")
    result: dict[str, Any] | None = Field(
        description="The count, once the vote has closed (null before). How each member "
        "voted is in choices, except for a secret ballot."
    )
    resolution: ResolutionRef | None


class AmendmentCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    changes: list[Change] = Field(default_factory=list, max_length=50)


class ProposalCreate(AmendmentCreate):
    session: str = Field(pattern=ID_PATTERN)
    method: str = Field(default="simple", json_schema_extra={"enum": list(METHODS)})
    secret: bool = False
    effective_at: datetime | None = Field(
        default=None, description="When its changes apply (default: when it is adopted)."
    )


class VoteOpen(Strict):
    closes_at: datetime = Field(description="Before the session closes.")


def _detail(node: Node, proposal_id: str) -> ProposalDetail:
    with node.db.session() as s:
        return ProposalDetail.model_validate(views.proposal_detail(s, proposal_id))


@router.get("", response_model=ProposalPage, summary="Proposals and amendments, newest first")
def list_proposals(
    node: NodeDep,
    page: PageDep,
    session: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    state: Annotated[str | None, Query(json_schema_extra={"enum": list(STATES)})] = None,
) -> ProposalPage:
    with node.db.session() as s:
        rows = views.proposals(s, session_id=session, state=state)
    items = [ProposalPublic.model_validate(r) for r in page.slice(rows)]
    return ProposalPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post(
    "",
    response_model=ProposalDetail,
    status_code=201,
    summary="Table a proposal (a member's administrator or the secretariat)",
)
def table(node: NodeDep, caller: AccountDep, body: ProposalCreate) -> ProposalDetail:
    draft = ProposalDraft(
        title=body.title,
        text=body.text,
        changes=[c.model_dump() for c in body.changes],
        method=body.method,
        secret=body.secret,
        effective_at=at_utc(body.effective_at) if body.effective_at else None,
    )
    with node.db.session() as s:
        p = acts.table(s, actor_of(caller), body.session, draft, at=node.clock.now())
        pid = p.id
    return _detail(node, pid)


@router.get("/{proposal_id}", response_model=ProposalDetail, summary="A proposal")
def get_proposal(node: NodeDep, proposal_id: GovId) -> ProposalDetail:
    return _detail(node, proposal_id)


@router.post(
    "/{proposal_id}/amendments",
    response_model=ProposalDetail,
    status_code=201,
    summary="Propose an amendment (a member's administrator)",
)
def amend(
    node: NodeDep, caller: AccountDep, proposal_id: GovId, body: AmendmentCreate
) -> ProposalDetail:
    draft = ProposalDraft(
        title=body.title, text=body.text, changes=[c.model_dump() for c in body.changes]
    )
    with node.db.session() as s:
        a = acts.amend(s, actor_of(caller), proposal_id, draft, at=node.clock.now())
        aid = a.id
    return _detail(node, aid)


@router.post(
    "/{proposal_id}/accept",
    response_model=ProposalDetail,
    summary="Accept an amendment into the proposal it amends (the proposer)",
)
def accept(node: NodeDep, caller: AccountDep, proposal_id: GovId) -> ProposalDetail:
    with node.db.session() as s:
        parent = acts.accept(s, actor_of(caller), proposal_id, at=node.clock.now())
        pid = parent.id
    return _detail(node, pid)


@router.post(
    "/{proposal_id}/open-vote",
    response_model=ProposalDetail,
    summary="Put a proposal or amendment to the vote (secretariat)",
)
def open_vote(
    node: NodeDep, caller: AccountDep, proposal_id: GovId, body: VoteOpen
) -> ProposalDetail:
    with node.db.session() as s:
        acts.open_vote(
            s, actor_of(caller), proposal_id, closes_at=at_utc(body.closes_at), at=node.clock.now()
        )
    return _detail(node, proposal_id)
