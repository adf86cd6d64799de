"""``/members``: the states of the registry, their status and onboarding (public), details
edited by the member's administrators or the secretariat. Admission and suspension happen only
by resolution (table a proposal: ``POST /proposals``); the direct paths are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from wuzhen.api.deps import AccountDep, NodeDep, manages
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.errors import ForbiddenError
from wuzhen.i18n import _
from wuzhen.members import service
from wuzhen.members.tables import Member

router = APIRouter(prefix="/members", tags=["members"], responses=ERRORS)
Code = Annotated[str, Path(pattern=CC_PATTERN, description="ISO 3166 alpha-2 code.")]


class MemberPublic(BaseModel):
    code: str
    iso3: str
    m49: str
    name: str
    region: str
    subregion: str
    un_status: str = Field(description="member or observer of the United Nations")
    status: str = Field(description="candidate, active or suspended")
    answers_for: list[str] = Field(description="Country codes this member answers for.")
    voting_rights: bool
    admitted_at: datetime | None
    suspended_at: datetime | None
    details: dict[str, Any]
    onboarded: bool = Field(
        description="Has a confirmed technical contact (else shown as not onboarded)."
    )


class MemberPage(Page[MemberPublic]):
    pass


class MemberUpdate(Strict):
    """Details to change (fields left out stay as they are)."""

    cert_name: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=2000)


def _public(s: Any, m: Member) -> MemberPublic:
    return MemberPublic(
        code=m.code,
        iso3=m.iso3,
        m49=m.m49,
        name=m.name,
        region=m.region,
        subregion=m.subregion,
        un_status=m.un_status,
        status=m.status,
        answers_for=list(m.answers_for),
        voting_rights=m.voting_rights,
        admitted_at=m.admitted_at,
        suspended_at=m.suspended_at,
        details=dict(m.details),
        onboarded=service.onboarded(s, m.code),
    )


@router.get("", response_model=MemberPage, summary="States of the registry and their status")
def list_members(
    node: NodeDep,
    page: PageDep,
    status: Annotated[Literal["candidate", "active", "suspended"] | None, Query()] = None,
) -> MemberPage:
    stmt = select(Member)
    if status:
        stmt = stmt.where(Member.status == status)
    with node.db.session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(Member.code).offset(page.offset).limit(page.limit))
        items = [_public(s, m) for m in rows]
    return MemberPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{code}", response_model=MemberPublic, summary="One member")
def get_member(node: NodeDep, code: Code) -> MemberPublic:
    with node.db.session() as s:
        return _public(s, service.member(s, code))


@router.patch("/{code}", response_model=MemberPublic, summary="Change a member's details")
def update_member(
    node: NodeDep, caller: AccountDep, code: Code, body: MemberUpdate
) -> MemberPublic:
    if not manages(caller, code):
        raise ForbiddenError(_("Only the member's administrators or the secretariat may."))
    changes = body.model_dump(exclude_unset=True)
    with node.db.session() as s:
        m = (
            service.update_details(s, code, changes, actor=caller.actor, at=node.clock.now())
            if changes
            else service.member(s, code)
        )
        return _public(s, m)


BY_RESOLUTION = (
    "Kept to say where to go: admission and suspension happen only by resolution. Table a "
    "proposal (POST /api/v1/proposals) with an admit or suspend change."
)
REFUSED: dict[int | str, dict[str, Any]] = {403: {"description": "Always: only by resolution."}}


def _by_resolution_only(code: str) -> None:
    raise ForbiddenError(
        _(
            "Admission and suspension happen only by resolution: table a proposal "
            "(POST /api/v1/proposals) for {code}."
        ).format(code=code.upper())
    )


@router.post(
    "/{code}/admit",
    summary="Refused: admission happens only by resolution",
    description=BY_RESOLUTION,
    deprecated=True,
    responses=REFUSED,
)
def admit_member(caller: AccountDep, code: Code) -> None:
    _by_resolution_only(code)


@router.post(
    "/{code}/suspend",
    summary="Refused: suspension happens only by resolution",
    description=BY_RESOLUTION,
    deprecated=True,
    responses=REFUSED,
)
def suspend_member(caller: AccountDep, code: Code) -> None:
    _by_resolution_only(code)
