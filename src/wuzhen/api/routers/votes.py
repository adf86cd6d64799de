"""``/votes``: one member, one vote, cast by the member's administrator (analysts and the
secretariat are refused), changeable until the vote closes; with ``on_behalf_of``, the vote of
the member whose proxy the caller's delegation holds. Who voted is public at once; how each
member voted only after the close, and never for a secret ballot."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from wuzhen.api.deps import AccountDep, NodeDep
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.api.routers._governance import ID_PATTERN, actor_of
from wuzhen.errors import ForbiddenError
from wuzhen.governance import acts, views
from wuzhen.governance.tables import Vote
from wuzhen.i18n import _

router = APIRouter(prefix="/votes", tags=["votes"], responses=ERRORS)


class VoteCast(Strict):
    proposal: str = Field(pattern=ID_PATTERN)
    choice: str = Field(
        max_length=16,
        json_schema_extra={"enum": ["yes", "no", "abstain", "object"]},
        description="yes, no or abstain; for consensus: yes, abstain or object.",
    )
    reason: str | None = Field(
        default=None, max_length=4000, description="Required for an objection."
    )
    on_behalf_of: str | None = Field(
        default=None, pattern=CC_PATTERN, description="The member whose proxy the caller holds."
    )


class VoteReceipt(BaseModel):
    """That the vote is recorded (not how: a receipt never repeats the choice)."""

    proposal: str
    member: str = Field(description="The member whose vote this is.")
    cast_by: str = Field(description="The member whose delegation cast it.")
    cast_at: datetime
    changed: bool = Field(description="Whether it replaced the member's earlier vote.")


class VotePublic(BaseModel):
    member: str
    choice: str | None = Field(
        description="How it voted: after the close, and never for a secret ballot."
    )


class VotePage(Page[VotePublic]):
    pass


@router.post(
    "",
    response_model=VoteReceipt,
    status_code=201,
    summary="Cast or change the member's vote (its administrator)",
    responses={200: {"description": "The member's earlier vote was changed."}},
)
def cast(node: NodeDep, caller: AccountDep, body: VoteCast, response: Response) -> VoteReceipt:
    with node.db.session() as s:
        voter = (body.on_behalf_of or caller.member or "").upper()
        changed = s.get(Vote, (body.proposal, voter)) is not None
        v = acts.cast(
            s,
            actor_of(caller),
            body.proposal,
            body.choice,
            at=node.clock.now(),
            reason=body.reason,
            on_behalf_of=body.on_behalf_of,
        )
        receipt = VoteReceipt(
            proposal=v.proposal,
            member=v.member,
            cast_by=v.cast_by,
            cast_at=v.cast_at,
            changed=changed,
        )
    if changed:
        response.status_code = 200
    return receipt


class OwnVote(BaseModel):
    member: str
    voted: bool
    choice: str | None = Field(description="Never shown for a secret ballot.")


class BallotPublic(BaseModel):
    """What the caller's member's administrator needs to vote on a proposal."""

    member: str
    registered: bool = Field(description="Its delegation is registered for the session.")
    voting_rights: bool
    open: bool = Field(description="The proposal is open for voting.")
    own: OwnVote | None
    proxy: OwnVote | None = Field(description="The member whose proxy it holds, if any.")


@router.get(
    "/ballot",
    response_model=BallotPublic,
    summary="The caller's ballot on a proposal (a member's administrator)",
)
def get_ballot(
    node: NodeDep,
    caller: AccountDep,
    proposal: Annotated[str, Query(pattern=ID_PATTERN)],
) -> BallotPublic:
    if not caller.is_admin or caller.member is None:
        raise ForbiddenError(_("Only a member's administrator casts its member's vote."))
    with node.db.session() as s:
        return BallotPublic.model_validate(views.ballot(s, proposal, caller.member))


@router.get("", response_model=VotePage, summary="Who voted on a proposal (and how, once public)")
def list_votes(
    node: NodeDep,
    page: PageDep,
    proposal: Annotated[str, Query(pattern=ID_PATTERN)],
) -> VotePage:
    with node.db.session() as s:
        detail = views.proposal_detail(s, proposal)
    result = detail["result"] or {}
    choices = result.get("choices", {})
    rows = [VotePublic(member=m, choice=choices.get(m)) for m in detail["voted"]]
    return VotePage(items=page.slice(rows), total=len(rows), limit=page.limit, offset=page.offset)
