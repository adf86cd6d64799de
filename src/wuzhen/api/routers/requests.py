"""``/requests``: cross-border cooperation requests between two members.

A request exists for its two parties only (a draft for its author only): to any other
caller, the secretariat included, a request, its evidence and its timeline are answered
like ones that do not exist (404). The secretariat sees counts by type and state
(``/requests/counts``), never contents. Attached events are named by id and read through the
visibility function, as the caller sees them; the requested member sees them because the
request shares them with it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from wuzhen.api import reads
from wuzhen.api.deps import (
    AccountDep,
    Caller,
    MemberAccountDep,
    NodeDep,
    SecretariatDep,
    StateDep,
    VersionsDep,
)
from wuzhen.api.exports import ExportFormat, export_response
from wuzhen.api.models import CC_PATTERN, ERRORS, PageDep
from wuzhen.api.request_models import (
    AttachBody,
    AttachmentPublic,
    ConfirmationPublic,
    CountRow,
    FeedbackBody,
    GroundsBody,
    PostponeBody,
    ReasonBody,
    RequestCounts,
    RequestCreate,
    RequestDetail,
    RequestPage,
    TimelineEntry,
    attachment_public,
    detail,
    summary,
    timeline,
)
from wuzhen.cooperation import evidence, queries, service
from wuzhen.cooperation.tables import Request
from wuzhen.errors import NotFoundError
from wuzhen.i18n import _
from wuzhen.node import Node

router = APIRouter(prefix="/requests", tags=["requests"], responses=ERRORS)
RequestId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
AttachmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class Box(enum.StrEnum):
    inbox = "inbox"
    outbox = "outbox"


def _party(caller: Caller, request_id: str) -> str:
    """The caller's member; an account of no member (the secretariat) sees no request."""
    if caller.member is None:
        raise NotFoundError(_("No request {id}.").format(id=request_id))
    return caller.member


def _detail(s: Session, node: Node, req: Request, member: str) -> RequestDetail:
    return detail(s, req, member, service.attachments(s, req.id, member), node.clock.now())


@router.post("", response_model=RequestDetail, status_code=201, summary="File a request (draft)")
def create_request(
    node: NodeDep,
    caller: MemberAccountDep,
    state: StateDep,
    versions: VersionsDep,
    body: RequestCreate,
) -> RequestDetail:
    now = node.clock.now()
    draft = service.Draft(
        kind=body.kind,
        requested=body.requested.upper(),
        offence=body.offence,
        title=body.title,
        details=body.details,
        urgency=body.urgency,
        tlp=body.tlp,
        commitment_clause=body.commitment_clause,
    )
    with node.db.session() as s:
        req = service.create(s, draft, member=caller.code, account=caller.account_id, at=now)
        if body.events:
            evidence.attach_events(
                s,
                reads.scan(state, versions, None),
                req.id,
                body.events,
                viewer=caller.viewer,
                account=caller.account_id,
                at=now,
                confirm_markings=body.confirm_markings,
            )
        return _detail(s, node, req, caller.code)


@router.get("", response_model=RequestPage, summary="The caller member's inbox or outbox")
def list_requests(
    node: NodeDep,
    caller: MemberAccountDep,
    page: PageDep,
    box: Annotated[Box, Query(description="inbox: sent to you; outbox: filed by you.")] = (
        Box.inbox
    ),
    kind: Annotated[str | None, Query(max_length=32, description="A request type.")] = None,
    state: Annotated[
        str | None, Query(max_length=32, description="A state, or open, or closed.")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="Past a deadline (acknowledgement or outcome).")
    ] = None,
    counterpart: Annotated[
        str | None, Query(pattern=CC_PATTERN, description="The other member.")
    ] = None,
) -> RequestPage:
    now = node.clock.now()
    where = queries.RequestFilter(box.value, kind, state, overdue, counterpart)
    with node.db.session() as s:
        rows = queries.listing(s, caller.code, where, now)
    items = [summary(r, now) for r in page.slice(rows)]
    return RequestPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get(
    "/counts",
    response_model=RequestCounts,
    summary="Requests by type and state (the secretariat; no contents)",
)
def request_counts(node: NodeDep, caller: SecretariatDep) -> RequestCounts:
    with node.db.session() as s:
        rows = queries.counts(s)
    items = [CountRow(kind=k, state=st, requests=n) for k, st, n in rows]
    return RequestCounts(items=items, total=sum(r.requests for r in items))


@router.get(
    "/confirmations",
    response_model=list[ConfirmationPublic],
    summary="Your events attached to others' requests, awaiting your confirmation",
)
def pending_confirmations(node: NodeDep, caller: MemberAccountDep) -> list[ConfirmationPublic]:
    with node.db.session() as s:
        rows = queries.awaiting_confirmation(s, caller.code)
    return [
        ConfirmationPublic(
            attachment=attachment_public(p.attachment),
            request=p.attachment.request,
            requester=p.requester,
            requested=p.requested,
            tlp=p.tlp,
        )
        for p in rows
    ]


@router.post(
    "/attachments/{attachment_id}/confirm",
    response_model=AttachmentPublic,
    summary="As the owner of attached events, let them go with the request",
)
def confirm_attachment(
    node: NodeDep, caller: MemberAccountDep, attachment_id: AttachmentId
) -> AttachmentPublic:
    with node.db.session() as s:
        a = service.confirm_attachment(
            s, attachment_id, member=caller.code, account=caller.account_id, at=node.clock.now()
        )
        return attachment_public(a)


@router.get("/{request_id}", response_model=RequestDetail, summary="One request, with its clocks")
def get_request(node: NodeDep, caller: AccountDep, request_id: RequestId) -> RequestDetail:
    member = _party(caller, request_id)
    with node.db.session() as s:
        return _detail(s, node, service.get(s, request_id, member), member)


@router.get(
    "/{request_id}/timeline",
    response_model=list[TimelineEntry],
    summary="The request's history (a view over the ledger)",
)
def request_timeline(
    node: NodeDep, caller: AccountDep, request_id: RequestId
) -> list[TimelineEntry]:
    member = _party(caller, request_id)
    with node.db.session() as s:
        return timeline(s, service.timeline(s, request_id, member))


@router.get(
    "/{request_id}/attachments",
    response_model=list[AttachmentPublic],
    summary="The events attached, frozen (ids and digests)",
)
def list_attachments(
    node: NodeDep, caller: AccountDep, request_id: RequestId
) -> list[AttachmentPublic]:
    member = _party(caller, request_id)
    with node.db.session() as s:
        return [attachment_public(a) for a in service.attachments(s, request_id, member)]


@router.post(
    "/{request_id}/attachments",
    response_model=list[AttachmentPublic],
    status_code=201,
    summary="Attach events you may see to your draft, by id",
)
def attach(
    node: NodeDep,
    caller: AccountDep,
    state: StateDep,
    versions: VersionsDep,
    request_id: RequestId,
    body: AttachBody,
) -> list[AttachmentPublic]:
    _party(caller, request_id)
    with node.db.session() as s:
        made = evidence.attach_events(
            s,
            reads.scan(state, versions, None),
            request_id,
            body.event_ids,
            viewer=caller.viewer,
            account=caller.account_id,
            at=node.clock.now(),
            confirm_markings=body.confirm_markings,
        )
        return [attachment_public(a) for a in made]


@router.get(
    "/{request_id}/events",
    summary="Download the attached events (as the caller sees them)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def attached_events(
    node: NodeDep,
    caller: AccountDep,
    state: StateDep,
    versions: VersionsDep,
    request_id: RequestId,
    format: Annotated[ExportFormat, Query(description="csv, jsonl or stix (2.1).")] = (
        ExportFormat.csv
    ),
) -> Response:
    _party(caller, request_id)
    with node.db.session() as s:
        events = evidence.attached_events(
            s, reads.scan(state, versions, None), request_id, caller.viewer
        )
    return export_response(node, events, format, f"request-{request_id}", caller.code)


# -- the lifecycle -----------------------------------------------------------------------


def _acting(
    node: Node, caller: Caller, request_id: str, act: Callable[[Session, str, str], Any]
) -> RequestDetail:
    """Run ``act(session, member, account)`` and answer the request as it is now."""
    member = _party(caller, request_id)
    with node.db.session() as s:
        act(s, member, caller.account_id)
        return _detail(s, node, service.get(s, request_id, member), member)


@router.post("/{request_id}/send", response_model=RequestDetail, summary="Send your draft")
def send_request(node: NodeDep, caller: AccountDep, request_id: RequestId) -> RequestDetail:
    return _acting(
        node,
        caller,
        request_id,
        lambda s, m, a: service.send(s, request_id, member=m, account=a, at=node.clock.now()),
    )


def _plain(action: str, summary_text: str) -> None:
    """``POST /{id}/<action>`` with an optional reason."""

    def handler(
        node: NodeDep, caller: AccountDep, request_id: RequestId, body: ReasonBody | None = None
    ) -> RequestDetail:
        reason = body.reason if body else ""
        return _acting(
            node,
            caller,
            request_id,
            lambda s, m, a: service.act(
                s, request_id, action, member=m, account=a, at=node.clock.now(), reason=reason
            ),
        )

    handler.__name__ = f"{action}_request"
    router.post(f"/{{request_id}}/{action}", response_model=RequestDetail, summary=summary_text)(
        handler
    )


_plain("acknowledge", "Acknowledge a request sent to you")
_plain("start", "Start work on a request (also after a postponement)")
_plain("consult", "Consult the requester before refusing (give the reason)")
_plain("resume", "Resume work after consultation")
_plain("execute", "Record that the request was carried out")
_plain("withdraw", "Withdraw your request")


@router.post("/{request_id}/postpone", response_model=RequestDetail, summary="Postpone a request")
def postpone_request(
    node: NodeDep, caller: AccountDep, request_id: RequestId, body: PostponeBody
) -> RequestDetail:
    until = reads.utc(body.until)
    return _acting(
        node,
        caller,
        request_id,
        lambda s, m, a: service.act(
            s,
            request_id,
            "postpone",
            member=m,
            account=a,
            at=node.clock.now(),
            reason=body.reason,
            until=until,
        ),
    )


def _grounds(action: str, summary_text: str) -> None:
    def handler(
        node: NodeDep, caller: AccountDep, request_id: RequestId, body: GroundsBody
    ) -> RequestDetail:
        return _acting(
            node,
            caller,
            request_id,
            lambda s, m, a: service.answer_with_grounds(
                s,
                request_id,
                action,
                member=m,
                account=a,
                at=node.clock.now(),
                grounds=body.grounds,
                reason=body.reason,
                other_text=body.other_text,
            ),
        )

    handler.__name__ = f"{action}_request"
    router.post(f"/{{request_id}}/{action}", response_model=RequestDetail, summary=summary_text)(
        handler
    )


_grounds("partial", "Record a partial execution, citing grounds and a reason")
_grounds("refuse", "Refuse after consultation, citing grounds and a reason")


@router.post(
    "/{request_id}/extend",
    response_model=RequestDetail,
    summary="Extend the preservation of data (the requester)",
)
def extend_request(node: NodeDep, caller: AccountDep, request_id: RequestId) -> RequestDetail:
    return _acting(
        node,
        caller,
        request_id,
        lambda s, m, a: service.extend_preservation(
            s, request_id, member=m, account=a, at=node.clock.now()
        ),
    )


@router.post(
    "/{request_id}/feedback",
    response_model=RequestDetail,
    summary="Say whether the outcome was useful (the requester)",
)
def request_feedback(
    node: NodeDep, caller: AccountDep, request_id: RequestId, body: FeedbackBody
) -> RequestDetail:
    return _acting(
        node,
        caller,
        request_id,
        lambda s, m, a: service.give_feedback(
            s,
            request_id,
            member=m,
            account=a,
            at=node.clock.now(),
            useful=body.useful,
            comment=body.comment,
        ),
    )
