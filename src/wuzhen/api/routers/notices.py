"""``/notices``: the caller member's inbox, each notice's counts and events, acknowledging,
contesting, and the inbox as a feed.

A notice is shown to the member it is addressed to and to the owner of its evidence; to
anyone else it does not exist (404). Its events are read through the visibility function like
any other read, so a re-routed or withdrawn event leaves the notice's download.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from wuzhen.api import feed, reads
from wuzhen.api.deps import MemberAccountDep, NodeDep, StateDep, VersionsDep
from wuzhen.api.exports import ExportFormat, export_response
from wuzhen.api.models import ERRORS, Page, PageDep, Strict
from wuzhen.api.routers.contests import ContestPublic, contest_public
from wuzhen.evidence.query import EventFilter
from wuzhen.notices import ids as notice_ids
from wuzhen.notices import service
from wuzhen.notices.service import GROUNDS
from wuzhen.notices.tables import Notice

router = APIRouter(prefix="/notices", tags=["notices"], responses=ERRORS)
NoticeId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
FEED_ENTRIES = 50


class NoticePublic(BaseModel):
    id: str
    member: str = Field(description="The member the notice is addressed to.")
    owner: str = Field(description="The member whose evidence the events came from.")
    ingest_id: str
    created_at: datetime
    events: int
    digest: str = Field(description="SHA-256 of the sorted event ids, one per line.")
    emailed_at: datetime | None
    acknowledged_at: datetime | None


class NoticeDetail(NoticePublic):
    counts: dict[str, Any] = Field(description="Counts by classification, ASN and day.")


class EventIdPage(Page[str]):
    """Event ids of a notice, in the order of its digest (sorted)."""


class NoticePage(Page[NoticePublic]):
    pass


class ContestCreate(Strict):
    grounds: str = Field(json_schema_extra={"enum": list(GROUNDS)})
    reason: str = Field(min_length=1, max_length=4000)
    event_ids: list[Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]] | None = Field(
        default=None, max_length=1_000_000, description="Default: every event of the notice."
    )


class FeedFormat(enum.StrEnum):
    atom = "atom"
    json = "json"


def _public(n: Notice) -> NoticePublic:
    return NoticePublic(
        id=n.id,
        member=n.member,
        owner=n.owner,
        ingest_id=n.ingest_id,
        created_at=n.created_at,
        events=n.events,
        digest=n.digest,
        emailed_at=n.emailed_at,
        acknowledged_at=n.acknowledged_at,
    )


def _detail(n: Notice) -> NoticeDetail:
    return NoticeDetail(**_public(n).model_dump(), counts=dict(n.counts))


@router.get("", response_model=NoticePage, summary="The caller member's inbox, newest first")
def list_notices(node: NodeDep, caller: MemberAccountDep, page: PageDep) -> NoticePage:
    with node.db.session() as s:
        rows = service.inbox(s, caller.code)
        items = [_public(n) for n in page.slice(rows)]
    return NoticePage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get(
    "/feed",
    summary="The caller member's inbox as a feed (Atom or JSON Feed)",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}, "application/feed+json": {}}}},
)
def notices_feed(
    node: NodeDep,
    caller: MemberAccountDep,
    format: Annotated[FeedFormat, Query()] = FeedFormat.atom,
) -> Response:
    with node.db.session() as s:
        rows = service.inbox(s, caller.code)[:FEED_ENTRIES]
    base = node.settings.base_url.rstrip("/")
    if format is FeedFormat.json:
        return Response(feed.json_feed(caller.code, rows, base), media_type="application/feed+json")
    body = feed.atom(caller.code, rows, base, node.clock.now())
    return Response(body, media_type="application/atom+xml")


@router.get("/{notice_id}", response_model=NoticeDetail, summary="One notice, with its counts")
def get_notice(node: NodeDep, caller: MemberAccountDep, notice_id: NoticeId) -> NoticeDetail:
    with node.db.session() as s:
        return _detail(service.notice_for(s, notice_id, caller.code))


@router.get(
    "/{notice_id}/event-ids",
    response_model=EventIdPage,
    summary="The event ids a notice froze, sorted (their digest is the notice's)",
)
def notice_event_ids(
    node: NodeDep, caller: MemberAccountDep, notice_id: NoticeId, page: PageDep
) -> EventIdPage:
    with node.db.session() as s:
        n = service.notice_for(s, notice_id, caller.code)
        ids = notice_ids.of_notice(s, node.store.root, n)
    items = ids.slice(page.offset, page.limit).collect()[notice_ids.ID].to_list()
    return EventIdPage(items=items, total=n.events, limit=page.limit, offset=page.offset)


@router.post(
    "/{notice_id}/acknowledge", response_model=NoticeDetail, summary="Acknowledge a notice"
)
def acknowledge_notice(
    node: NodeDep, caller: MemberAccountDep, notice_id: NoticeId
) -> NoticeDetail:
    with node.db.session() as s:
        n = service.acknowledge(
            s, notice_id, member=caller.code, account=caller.account_id, at=node.clock.now()
        )
        return _detail(n)


@router.post(
    "/{notice_id}/contest",
    response_model=ContestPublic,
    status_code=201,
    summary="Contest events of a notice (all of them by default)",
)
def contest_notice(
    node: NodeDep, caller: MemberAccountDep, notice_id: NoticeId, body: ContestCreate
) -> ContestPublic:
    with node.db.session() as s:
        c = service.contest(
            s,
            node.store.root,
            member=caller.code,
            account=caller.account_id,
            grounds=body.grounds,
            reason=body.reason,
            at=node.clock.now(),
            notice_id=notice_id,
            event_ids=body.event_ids or (),
        )
        return contest_public(c)


@router.get(
    "/{notice_id}/events",
    summary="Download a notice's events (those the caller may still see)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def notice_events(
    node: NodeDep,
    caller: MemberAccountDep,
    state: StateDep,
    versions: VersionsDep,
    notice_id: NoticeId,
    format: Annotated[ExportFormat, Query(description="csv, jsonl or stix (2.1).")] = (
        ExportFormat.csv
    ),
) -> Response:
    with node.db.session() as s:
        n = service.notice_for(s, notice_id, caller.code)
        ids = notice_ids.of_notice(s, node.store.root, n)
        rows = reads.visible(s, state, versions, caller.viewer, EventFilter(), ids=ids)
    events = state.query(reads.newest_first(rows).collect)
    return export_response(node, events, format, f"notice-{n.id}", caller.code)
