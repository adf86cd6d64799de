"""``/resolutions``: adopted proposals (public), each with its changes and whether they have
been applied (``tick`` applies them at the effective date, citing the resolution)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from wuzhen.api.deps import NodeDep
from wuzhen.api.models import ERRORS, Page, PageDep
from wuzhen.governance import views

router = APIRouter(prefix="/resolutions", tags=["resolutions"], responses=ERRORS)
ResolutionRef = Annotated[
    str,
    Path(pattern=r"^([0-9a-f]{16}|[0-9]{1,9})$", description="The id, or the resolution number."),
]


class ResolutionPublic(BaseModel):
    id: str
    number: int
    proposal: str
    title: str
    adopted_at: datetime
    effective_at: datetime
    applied_at: datetime | None
    applied: bool
    changes: list[dict[str, Any]] = Field(description="What it changes, as tabled.")


class ResolutionPage(Page[ResolutionPublic]):
    pass


@router.get("", response_model=ResolutionPage, summary="Resolutions, newest first")
def list_resolutions(node: NodeDep, page: PageDep) -> ResolutionPage:
    with node.db.session() as s:
        rows = views.resolutions(s)
    items = [ResolutionPublic.model_validate(r) for r in page.slice(rows)]
    return ResolutionPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get("/{resolution}", response_model=ResolutionPublic, summary="A resolution")
def get_resolution(node: NodeDep, resolution: ResolutionRef) -> ResolutionPublic:
    with node.db.session() as s:
        return ResolutionPublic.model_validate(views.resolution(s, resolution))
