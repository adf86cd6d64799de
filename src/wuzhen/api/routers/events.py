"""``/events``: the events the caller's member may see, with the filters of ``wuzhen events``.

Only members' accounts read events (the public and the secretariat see aggregates). An event
the caller may not see is answered exactly like one that does not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from wuzhen.api import reads
from wuzhen.api.deps import MemberAccountDep, NodeDep, StateDep, VersionsDep
from wuzhen.api.event_model import EventPage, EventPublic
from wuzhen.api.exports import ExportFormat, export_response
from wuzhen.api.models import CC_PATTERN, DEFAULT_LIMIT, ERRORS, MAX_LIMIT
from wuzhen.errors import NotFoundError
from wuzhen.evidence.enrich import Attributor
from wuzhen.evidence.query import EventFilter
from wuzhen.i18n import _

router = APIRouter(prefix="/events", tags=["events"], responses=ERRORS)
EXPORT_MAX = 1_000_000
EVENT_ID = r"^[0-9a-f]{32}$"


#: A state as ``wuzhen events`` takes it: alpha-2, alpha-3 or numeric (``CN``, ``CHN``, ``156``)
STATE_CODE = r"^(?:[A-Za-z]{2,3}|[0-9]{3})$"


class EventQuery(BaseModel):
    """The filters of ``wuzhen events``; every one given must hold."""

    since: datetime | None = Field(default=None, description="At or after this time (UTC).")
    until: datetime | None = Field(default=None, description="Before this time (UTC).")
    member: str | None = Field(
        default=None,
        pattern=STATE_CODE,
        description="Routed to this member (ISO 3166 alpha-2, alpha-3 or numeric code).",
    )
    country: str | None = Field(
        default=None, pattern=CC_PATTERN, description="Source registered in this country."
    )
    asn: int | None = Field(
        default=None, ge=0, le=2**32 - 1, description="Source announced by this AS."
    )
    classification: str | None = Field(
        default=None, max_length=64, description="RSIT classification type or taxonomy."
    )
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Text in the source, description, identifier or raw record.",
    )
    owner: str | None = Field(
        default=None,
        pattern=STATE_CODE,
        description="Evidence owned by this member (alpha-2, alpha-3 or numeric code).",
    )
    evidence: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{16}$", description="From this evidence file."
    )

    def where(self, attributor: Attributor) -> EventFilter:
        states = attributor.states
        return EventFilter(
            since=reads.utc(self.since),
            until=reads.utc(self.until),
            member=states.iso2(self.member, "member") if self.member else None,
            country=attributor.country(self.country, "country") if self.country else None,
            asn=self.asn,
            classification=self.classification,
            text=self.text,
            owner=states.iso2(self.owner, "owner") if self.owner else None,
            evidence=(self.evidence,) if self.evidence else (),
        )


class EventPageQuery(EventQuery):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="At most.")
    offset: int = Field(default=0, ge=0, le=2**31, description="Skip this many events.")


class EventExportQuery(EventQuery):
    format: ExportFormat = Field(default=ExportFormat.csv, description="csv, jsonl or stix.")
    limit: int | None = Field(default=None, ge=1, le=EXPORT_MAX, description="At most.")


@router.get("", response_model=EventPage, summary="Events the caller may see, newest first")
async def list_events(
    caller: MemberAccountDep,
    state: StateDep,
    versions: VersionsDep,
    query: Annotated[EventPageQuery, Query()],
) -> Any:
    # Results are cached per (versions, member, query): see wuzhen.api.cache.
    where, limit, offset = query.where(state.node.attributor), query.limit, query.offset
    key = ("events", versions, caller.viewer.member, where, limit, offset)

    def compute() -> bytes:
        with state.node.db.session() as s:  # released before the scan: it needs no session
            rows = reads.visible(s, state, versions, caller.viewer, where)
        total = rows.select(pl.len()).collect().item()
        items = reads.newest_first(rows).slice(offset, limit).collect()
        return reads.page_json(items, int(total), limit, offset)

    body = await state.cached(key, compute)
    return Response(body, media_type="application/json")


@router.get(
    "/export",
    summary="Download the events the caller may see",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def export_events(
    caller: MemberAccountDep,
    node: NodeDep,
    state: StateDep,
    versions: VersionsDep,
    query: Annotated[EventExportQuery, Query()],
) -> Response:
    where = query.where(node.attributor)
    with node.db.session() as s:
        rows = reads.newest_first(reads.visible(s, state, versions, caller.viewer, where))
    events = state.query((rows.head(query.limit) if query.limit else rows).collect)
    return export_response(node, events, query.format, "events", caller.code)


@router.get("/{event_id}", response_model=EventPublic, summary="One event")
def get_event(
    caller: MemberAccountDep,
    node: NodeDep,
    state: StateDep,
    versions: VersionsDep,
    event_id: Annotated[str, Path(pattern=EVENT_ID)],
) -> Any:
    with node.db.session() as s:
        rows = reads.visible(s, state, versions, caller.viewer, EventFilter(), ids=[event_id])
    found = state.query(rows.collect)
    if found.is_empty():
        raise NotFoundError(_("No event {id}.").format(id=event_id))
    return Response(found.head(1).write_json()[1:-1], media_type="application/json")
