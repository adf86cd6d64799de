"""``/stats/origins``: where attacks come from, as aggregates (public).

An origin is a distinct (source address, classification, day), counted over the events whose
marking lets them into published aggregates (not AMBER+STRICT or RED), over whole days (a
shorter span would single out cases). Counts below the compact's small-count threshold (rule
``transparency.small_count_threshold``) are given as a range, so that single cases cannot be
picked out; the figures derived from them are withheld too.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from wuzhen import rules
from wuzhen.api import reads
from wuzhen.api.deps import NodeDep, StateDep, VersionsDep
from wuzhen.api.models import ERRORS
from wuzhen.errors import InputError
from wuzhen.evidence.query import EventFilter
from wuzhen.evidence.stats import origins_by_asn, origins_by_jurisdiction
from wuzhen.i18n import _

router = APIRouter(prefix="/stats", tags=["stats"], responses=ERRORS)


class By(enum.StrEnum):
    jurisdiction = "jurisdiction"
    asn = "asn"


class OriginRow(BaseModel):
    jurisdiction: str | None = Field(description="By jurisdiction: the state, or unrouted.")
    asn: int | None = Field(description="By ASN: the announcing AS.")
    as_name: str | None
    origins: int | None = Field(description="Null when below the small-count threshold.")
    origins_range: str | None = Field(description="Below the threshold: the range, e.g. 1-4.")
    ipv4: int | None = Field(description="IPv4 addresses registered to the jurisdiction.")
    per_million_ipv4: float | None


class OriginsPublic(BaseModel):
    by: By
    threshold: int
    items: list[OriginRow]


def _row(r: dict[str, Any], threshold: int) -> OriginRow:
    n = int(r["origins"])
    small = n < threshold
    per_million = r.get("per_million_ipv4")
    return OriginRow(
        jurisdiction=r.get("jurisdiction"),
        asn=r.get("source.asn"),
        as_name=r.get("source.as_name"),
        origins=None if small else n,
        origins_range=f"1-{threshold - 1}" if small else None,
        ipv4=r.get("ipv4"),
        per_million_ipv4=None if small or per_million is None else float(per_million),
    )


def _day_start(at: datetime | None, *, later: bool = False) -> datetime | None:
    """The start of ``at``'s day (UTC); ``later``: of the next day, unless ``at`` is one."""
    if at is None:
        return None
    start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1) if later and start != at else start


@router.get("/origins", response_model=OriginsPublic, summary="Top origins of attacks")
def origins(
    node: NodeDep,
    state: StateDep,
    versions: VersionsDep,
    by: Annotated[By, Query()] = By.jurisdiction,
    top: Annotated[int, Query(ge=1, le=300)] = 20,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    classification: Annotated[str | None, Query(max_length=64)] = None,
) -> OriginsPublic:
    where = EventFilter(
        since=_day_start(reads.utc(since)),
        until=_day_start(reads.utc(until), later=True),
        classification=classification,
    )
    if where.since and where.until and where.until - where.since > timedelta(days=reads.MAX_DAYS):
        raise InputError(_("Choose a span of at most {n} days.").format(n=reads.MAX_DAYS))
    key = ("origins", versions, by, top, where)
    cached = state.results.get(key)
    if cached is not None:
        return OriginsPublic.model_validate_json(cached)
    with node.db.session() as s:
        threshold = int(rules.get(s, "transparency.small_count_threshold"))
    frame: pl.DataFrame
    if by is By.jurisdiction:
        frame = origins_by_jurisdiction(
            node.store,
            node.attributor.snapshot,
            node.attributor.states,
            where,
            top,
            published=True,
        )
    else:
        frame = origins_by_asn(node.store, where, top, published=True)
    result = OriginsPublic(
        by=by, threshold=threshold, items=[_row(r, threshold) for r in frame.to_dicts()]
    )
    state.results.put(key, result.model_dump_json().encode())
    return result
