"""``/sessions``: the annual conference and extraordinary sessions (public): agenda,
registered delegations, quorum and minutes (from the ledger). The secretariat convenes a
session; a member's administrator registers its delegation, holding at most one proxy."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from wuzhen.api.deps import AccountDep, NodeDep
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.api.routers._governance import GovId, actor_of, at_utc
from wuzhen.api.routers.proposals import ProposalPublic
from wuzhen.governance import acts, views

router = APIRouter(prefix="/sessions", tags=["sessions"], responses=ERRORS)


class SessionPublic(BaseModel):
    id: str
    kind: str = Field(description="annual or extraordinary")
    title: str
    opens_at: datetime
    closes_at: datetime
    created_at: datetime


class SessionPage(Page[SessionPublic]):
    pass


class DelegationPublic(BaseModel):
    member: str
    proxy_for: str | None = Field(description="The member whose proxy this delegation holds.")
    registered_at: datetime


class Quorum(BaseModel):
    eligible: int = Field(description="Members with voting rights.")
    fraction: float = Field(description="The rule governance.quorum_fraction.")
    needed: int = Field(description="Members that must be present (delegations and proxies).")
    present: int
    met: bool


class SessionDetail(SessionPublic):
    agenda: list[ProposalPublic] = Field(description="Proposals tabled (not amendments).")
    delegations: list[DelegationPublic]
    quorum: Quorum


class SessionCreate(Strict):
    kind: Literal["annual", "extraordinary"]
    title: str = Field(min_length=1, max_length=200)
    opens_at: datetime
    closes_at: datetime


class DelegationCreate(Strict):
    proxy_for: str | None = Field(
        default=None, pattern=CC_PATTERN, description="Hold this member's proxy (at most one)."
    )


class MinutesEntry(BaseModel):
    seq: int = Field(description="The ledger entry.")
    at: datetime
    action: str
    subject: str
    data: dict[str, Any]


class MinutesPage(Page[MinutesEntry]):
    pass


@router.get("", response_model=SessionPage, summary="Sessions, newest first")
def list_sessions(node: NodeDep, page: PageDep) -> SessionPage:
    with node.db.session() as s:
        rows = views.sessions(s)
    items = [SessionPublic.model_validate(r) for r in page.slice(rows)]
    return SessionPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.post(
    "", response_model=SessionDetail, status_code=201, summary="Convene a session (secretariat)"
)
def convene(node: NodeDep, caller: AccountDep, body: SessionCreate) -> SessionDetail:
    with node.db.session() as s:
        g = acts.convene(
            s,
            actor_of(caller),
            kind=body.kind,
            title=body.title,
            opens_at=at_utc(body.opens_at),
            closes_at=at_utc(body.closes_at),
            at=node.clock.now(),
        )
        s.flush()
        return SessionDetail.model_validate(views.session_detail(s, g.id))


@router.get(
    "/{session_id}",
    response_model=SessionDetail,
    summary="A session: agenda, delegations, quorum",
)
def get_session(node: NodeDep, session_id: GovId) -> SessionDetail:
    with node.db.session() as s:
        return SessionDetail.model_validate(views.session_detail(s, session_id))


@router.post(
    "/{session_id}/delegations",
    response_model=DelegationPublic,
    status_code=201,
    summary="Register the caller's member's delegation (its administrator)",
)
def register(
    node: NodeDep, caller: AccountDep, session_id: GovId, body: DelegationCreate
) -> DelegationPublic:
    with node.db.session() as s:
        d = acts.register(
            s,
            actor_of(caller),
            session_id,
            at=node.clock.now(),
            proxy_for=body.proxy_for.upper() if body.proxy_for else None,
        )
        return DelegationPublic(
            member=d.member, proxy_for=d.proxy_for, registered_at=d.registered_at
        )


@router.get(
    "/{session_id}/minutes",
    response_model=MinutesPage,
    summary="The session's minutes, from the ledger",
)
def get_minutes(node: NodeDep, session_id: GovId, page: PageDep) -> MinutesPage:
    with node.db.session() as s:
        entries = views.minutes(s, session_id)
    base = ("seq", "at", "action", "subject")
    items = [
        MinutesEntry(
            seq=e["seq"],
            at=e["at"],
            action=e["action"],
            subject=e["subject"],
            data={k: v for k, v in e.items() if k not in base},
        )
        for e in page.slice(entries)
    ]
    return MinutesPage(items=items, total=len(entries), limit=page.limit, offset=page.offset)
