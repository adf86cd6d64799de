"""Models every router shares: the error body, pages, and the pagination parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
CC_PATTERN = r"^[A-Za-z]{2}$"


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code: not_found, forbidden, ...")
    message: str = Field(description="What went wrong, for a person.")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="For invalid requests: one entry per problem found."
    )


class ErrorBody(BaseModel):
    """The one shape of every error response."""

    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    """A slice of a list: ``items`` from ``offset``, at most ``limit`` of ``total``."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Strict(BaseModel):
    """Request bodies refuse fields they do not know (no silent ignoring)."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int

    def slice(self, items: list[T]) -> list[T]:
        return items[self.offset : self.offset + self.limit]


async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="At most this many items.")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=2**31, description="Skip this many items.")] = 0,
) -> PageParams:
    return PageParams(limit, offset)


PageDep = Annotated[PageParams, Depends(page_params)]

_ERROR = {"model": ErrorBody}
#: Error responses documented on every router.
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {**_ERROR, "description": "No valid credentials"},
    403: {**_ERROR, "description": "Not allowed for this caller"},
    404: {**_ERROR, "description": "Not found (or not visible to this caller)"},
    409: {**_ERROR, "description": "Not in a state that allows this"},
    422: {**_ERROR, "description": "Invalid request"},
    429: {**_ERROR, "description": "Too many failed attempts"},
}
