"""``/contests``: contests the caller's member opened or that concern its evidence; the
owner resolves them (re-routed, withdrawn, upheld). Contests are opened from a notice
(``POST /notices/{id}/contest``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from wuzhen.api.deps import MemberAccountDep, NodeDep
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.errors import ForbiddenError
from wuzhen.i18n import _
from wuzhen.notices import service
from wuzhen.notices.service import OUTCOMES
from wuzhen.notices.tables import Contest

router = APIRouter(prefix="/contests", tags=["contests"], responses=ERRORS)


class ContestPublic(BaseModel):
    id: str
    member: str = Field(description="The member that contests.")
    owner: str = Field(description="The member whose evidence the events came from.")
    notice_id: str | None
    events: int
    event_ids: list[str]
    grounds: str
    reason: str
    created_at: datetime
    outcome: str | None
    outcome_note: str | None
    resolved_at: datetime | None


class ContestPage(Page[ContestPublic]):
    pass


class ContestResolve(Strict):
    outcome: str = Field(json_schema_extra={"enum": list(OUTCOMES)})
    note: str = Field(default="", max_length=4000)
    reroute_to: str | None = Field(
        default=None, pattern=CC_PATTERN, description="With outcome rerouted: the new member."
    )


def contest_public(c: Contest) -> ContestPublic:
    return ContestPublic(
        id=c.id,
        member=c.member,
        owner=c.owner,
        notice_id=c.notice_id,
        events=len(c.event_ids),
        event_ids=list(c.event_ids),
        grounds=c.grounds,
        reason=c.reason,
        created_at=c.created_at,
        outcome=c.outcome,
        outcome_note=c.outcome_note,
        resolved_at=c.resolved_at,
    )


@router.get("", response_model=ContestPage, summary="Contests by or about the caller's member")
def list_contests(node: NodeDep, caller: MemberAccountDep, page: PageDep) -> ContestPage:
    with node.db.session() as s:
        rows = service.contests_of(s, caller.code)
        items = [contest_public(c) for c in page.slice(rows)]
    return ContestPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post(
    "/{contest_id}/resolve", response_model=ContestPublic, summary="Resolve a contest (owner)"
)
def resolve_contest(
    node: NodeDep,
    caller: MemberAccountDep,
    contest_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
    body: ContestResolve,
) -> ContestPublic:
    with node.db.session() as s:
        found = s.get(Contest, contest_id)
        if found is not None and found.member == caller.member != found.owner:
            raise ForbiddenError(_("The owner of the evidence resolves a contest."))
        c = service.resolve(
            s,
            contest_id,
            owner=caller.code,
            account=caller.account_id,
            outcome=body.outcome,
            note=body.note,
            at=node.clock.now(),
            reroute_to=body.reroute_to.upper() if body.reroute_to else None,
        )
        return contest_public(c)
