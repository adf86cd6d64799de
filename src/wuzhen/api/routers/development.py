"""``/indicators`` and ``/targets``: development indicators and members' targets.

Reading is public. A member's administrator sets and removes its own member's targets;
indicator values arrive by import (``wuzhen indicators import``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from wuzhen.api.deps import AccountDep, NodeDep
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.development import service
from wuzhen.development.catalogue import indicators
from wuzhen.errors import ForbiddenError
from wuzhen.i18n import _

router = APIRouter(tags=["development"], responses=ERRORS)
CODE = r"^[a-z][a-z0-9-]{1,47}$"


class IndicatorPublic(BaseModel):
    code: str
    name: str
    unit: str
    builtin: bool
    wdi: list[str]
    sdg: list[str]
    sdg_indicator: str


class ValuePublic(BaseModel):
    member: str
    indicator: str
    year: int
    value: float
    dated: str = Field(description="The time the figure describes: 2015, 2015-07, ...")
    source: str
    source_date: str | None = Field(description="When the source published it, if known.")


class ValuePage(Page[ValuePublic]):
    pass


class TargetPublic(BaseModel):
    id: str
    member: str
    indicator: str
    value: float
    deadline_year: int
    note: str
    set_at: str
    status: str = Field(description="met, missed, on-track, off-track, unknown or no-data")
    latest_year: int | None
    latest_value: float | None
    gap: float | None
    needed_per_year: float | None
    trend_per_year: float | None
    projected: float | None
    observations: int


class TargetCreate(Strict):
    indicator: str = Field(pattern=CODE)
    value: float = Field(ge=-1e15, le=1e15)
    deadline_year: int = Field(ge=1990, le=2100)
    note: str = Field(default="", max_length=2000)


@router.get(
    "/indicators/catalogue", response_model=list[IndicatorPublic], summary="Indicators known"
)
def catalogue(node: NodeDep) -> list[IndicatorPublic]:
    with node.db.session() as s:
        return [
            IndicatorPublic(
                code=i.code,
                name=_(i.name),
                unit=i.unit,
                builtin=i.builtin,
                wdi=list(i.wdi),
                sdg=list(i.sdg),
                sdg_indicator=i.sdg_indicator,
            )
            for i in indicators(s)
        ]


@router.get("/indicators", response_model=ValuePage, summary="Indicator values (public)")
def indicator_values(
    node: NodeDep,
    page: PageDep,
    member: Annotated[str | None, Query(pattern=CC_PATTERN)] = None,
    indicator: Annotated[str | None, Query(pattern=CODE)] = None,
) -> ValuePage:
    with node.db.session() as s:
        frame = service.values(s, member=member, indicator_code=indicator)
    items = [ValuePublic(**r) for r in frame.to_dicts()]
    return ValuePage(
        items=page.slice(items), total=len(items), limit=page.limit, offset=page.offset
    )


@router.get("/targets", response_model=list[TargetPublic], summary="Targets and progress")
def list_targets(
    node: NodeDep, member: Annotated[str | None, Query(pattern=CC_PATTERN)] = None
) -> list[TargetPublic]:
    with node.db.session() as s:
        views = service.targets(s, node.clock.now(), member)
        return [TargetPublic(**v.as_dict()) for v in views]


def _admin_member(caller: AccountDep) -> str:
    if caller.member is None or not caller.is_admin:
        raise ForbiddenError(_("Only a member's administrators set its targets."))
    return caller.member


@router.post("/targets", response_model=TargetPublic, status_code=201, summary="Set a target")
def set_target(node: NodeDep, caller: AccountDep, body: TargetCreate) -> TargetPublic:
    code = _admin_member(caller)
    now = node.clock.now()
    with node.db.session() as s:
        row = service.set_target(
            s,
            code,
            body.indicator,
            body.value,
            body.deadline_year,
            actor=caller.actor,
            at=now,
            note=body.note,
        )
        view = next(v for v in service.targets(s, now, code) if v.target.id == row.id)
        return TargetPublic(**view.as_dict())


@router.delete("/targets/{target_id}", status_code=204, summary="Remove a target")
def remove_target(
    node: NodeDep,
    caller: AccountDep,
    target_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
) -> Response:
    code = _admin_member(caller)
    with node.db.session() as s:
        service.remove_target(s, target_id, code, actor=caller.actor, at=node.clock.now())
    return Response(status_code=204)
