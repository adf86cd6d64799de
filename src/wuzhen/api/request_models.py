"""The shapes of ``/requests``: bodies by direction (``RequestCreate``, the action bodies) and
answers (``RequestSummary``, ``RequestDetail``, ``RequestPage``, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.accounts.tables import Account
from wuzhen.api.models import CC_PATTERN, Page, Strict
from wuzhen.cooperation import queries
from wuzhen.cooperation.kinds import KINDS, OFFENCES, URGENCIES
from wuzhen.cooperation.service import OPEN, POSTPONED, clocks
from wuzhen.cooperation.tables import Attachment, Request
from wuzhen.schema.tlp import VALUES as TLP_VALUES

EVENT_ID = r"^[0-9a-f]{32}$"
EventId = Annotated[str, Field(pattern=EVENT_ID)]
MAX_ATTACH = 10_000


class RequestCreate(Strict):
    """A new request, in draft. ``details`` holds the fields its type requires (see the
    user guide, "Types and required fields")."""

    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    requested: str = Field(pattern=CC_PATTERN, description="The member asked (ISO code).")
    offence: str = Field(json_schema_extra={"enum": list(OFFENCES)})
    title: str = Field(min_length=1, max_length=200)
    details: dict[str, Any] = Field(description="The fields the request's type requires.")
    urgency: str = Field(default="normal", json_schema_extra={"enum": list(URGENCIES)})
    tlp: str | None = Field(
        default=None,
        max_length=16,
        description=f"One of {', '.join(TLP_VALUES)}; default: the rule requests.default_tlp.",
    )
    commitment_clause: str | None = Field(default=None, max_length=32)
    events: list[EventId] = Field(
        default=[], max_length=MAX_ATTACH, description="Events to attach as evidence."
    )
    confirm_markings: bool = Field(
        default=False,
        description="Confirm that your own events marked above the request's TLP may go.",
    )


class ReasonBody(Strict):
    reason: str = Field(default="", max_length=4000)


class PostponeBody(Strict):
    reason: str = Field(min_length=1, max_length=4000)
    until: datetime = Field(description="Postponed until (UTC).")


class GroundsBody(Strict):
    """A refusal (after consultation) or a partial execution."""

    grounds: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=10_000)
    other_text: str = Field(
        default="", max_length=4000, description="Required when the ground is other."
    )


class FeedbackBody(Strict):
    useful: bool
    comment: str = Field(default="", max_length=4000)


class AttachBody(Strict):
    event_ids: list[EventId] = Field(min_length=1, max_length=MAX_ATTACH)
    confirm_markings: bool = False


class ClocksPublic(BaseModel):
    acknowledge_overdue: bool = Field(description="Sent, not acknowledged, past its time.")
    overdue: bool = Field(description="Open and past its deadline (or postponement).")
    seconds_to_acknowledge: int | None
    seconds_to_outcome: int | None
    seconds_left: int | None = Field(description="Until the deadline; negative once past it.")


class RequestSummary(BaseModel):
    id: str
    kind: str
    requester: str
    requested: str
    offence: str
    urgency: str
    tlp: str
    title: str
    state: str
    created_at: datetime
    sent_at: datetime | None
    acknowledge_by: datetime | None
    due_at: datetime | None = Field(description="The deadline, UTC.")
    overdue: bool
    acknowledge_overdue: bool
    escalated_at: datetime | None


class AttachmentPublic(BaseModel):
    id: int
    owner: str = Field(description="Whose events.")
    events: int
    event_ids: list[str]
    digest: str = Field(description="SHA-256 of the sorted event ids, one per line.")
    above_marking: bool = Field(
        description="Needs its owner's confirmation: marked above the request's TLP, or "
        "another member's event the requested member may not see by its marking."
    )
    confirmed_at: datetime | None = Field(description="When the owner let them go.")
    attached_at: datetime


class RequestDetail(RequestSummary):
    details: dict[str, Any]
    deadline_rule: str | None
    acknowledged_at: datetime | None
    postponed_until: datetime | None
    outcome_at: datetime | None
    grounds: list[str]
    outcome_reason: str | None
    other_only: bool = Field(description="Refused citing only the ground other.")
    preserved_until: datetime | None
    useful: bool | None
    feedback: str | None
    commitment_clause: str | None
    clocks: ClocksPublic
    timezone: str = Field(description="The requested member's time zone.")
    due_local: datetime | None = Field(description="The deadline in that time zone.")
    acknowledge_by_local: datetime | None
    attachments: list[AttachmentPublic]
    actions: list[str] = Field(description="What the caller may do now.")


class RequestPage(Page[RequestSummary]):
    pass


class TimelineEntry(BaseModel):
    seq: int
    at: datetime
    action: str
    actor: str
    member: str | None = Field(description="The member of the account that acted.")
    data: dict[str, Any]


class CountRow(BaseModel):
    kind: str
    state: str
    requests: int


class RequestCounts(BaseModel):
    """Requests by type and state (drafts left out): no contents, no members."""

    items: list[CountRow]
    total: int


class ConfirmationPublic(BaseModel):
    """Your events attached to another member's request that wait for your confirmation
    (marked above the request's TLP, or not shown to the requested member by their marking)."""

    attachment: AttachmentPublic
    request: str
    requester: str
    requested: str = Field(description="Who would receive your events.")
    tlp: str = Field(description="The request's marking.")


def attachment_public(a: Attachment) -> AttachmentPublic:
    return AttachmentPublic(
        id=a.id,
        owner=a.owner,
        events=len(a.event_ids),
        event_ids=list(a.event_ids),
        digest=a.digest,
        above_marking=a.above_marking,
        confirmed_at=a.confirmed_at,
        attached_at=a.attached_at,
    )


def summary(req: Request, now: datetime) -> RequestSummary:
    c = clocks(req, now)
    return RequestSummary(
        id=req.id,
        kind=req.kind,
        requester=req.requester,
        requested=req.requested,
        offence=req.offence,
        urgency=req.urgency,
        tlp=req.tlp,
        title=req.title,
        state=req.state,
        created_at=req.created_at,
        sent_at=req.sent_at,
        acknowledge_by=req.acknowledge_by,
        due_at=req.due_at,
        overdue=c.overdue,
        acknowledge_overdue=c.acknowledge_overdue,
        escalated_at=req.escalated_at,
    )


def detail(
    session: Session, req: Request, member: str, attachments: list[Attachment], now: datetime
) -> RequestDetail:
    c = clocks(req, now)
    zone = queries.timezone_of(session, req.requested)
    due = req.due_at
    if due is not None and req.postponed_until is not None and req.state == POSTPONED:
        due = max(due, req.postponed_until)
    left = int((due - now).total_seconds()) if due is not None and req.state in OPEN else None
    return RequestDetail(
        **summary(req, now).model_dump(),
        details=dict(req.details),
        deadline_rule=req.deadline_rule,
        acknowledged_at=req.acknowledged_at,
        postponed_until=req.postponed_until,
        outcome_at=req.outcome_at,
        grounds=list(req.grounds),
        outcome_reason=req.outcome_reason,
        other_only=req.other_only,
        preserved_until=req.preserved_until,
        useful=req.useful,
        feedback=req.feedback,
        commitment_clause=req.commitment_clause,
        clocks=ClocksPublic(
            acknowledge_overdue=c.acknowledge_overdue,
            overdue=c.overdue,
            seconds_to_acknowledge=c.seconds_to_acknowledge,
            seconds_to_outcome=c.seconds_to_outcome,
            seconds_left=left,
        ),
        timezone=zone,
        due_local=queries.local(req.due_at, zone),
        acknowledge_by_local=queries.local(req.acknowledge_by, zone),
        attachments=[attachment_public(a) for a in attachments],
        actions=queries.actions(req, member),
    )


def timeline(session: Session, entries: list[dict[str, Any]]) -> list[TimelineEntry]:
    """Ledger entries of a request, with the member of the account that acted."""
    ids = {
        e["actor"].removeprefix("account:") for e in entries if e["actor"].startswith("account:")
    }
    members = {a.id: a.member for a in session.scalars(select(Account).where(Account.id.in_(ids)))}
    out = []
    for e in entries:
        base = {k: e[k] for k in ("seq", "at", "actor", "action")}
        account = e["actor"].removeprefix("account:") if e["actor"].startswith("account:") else None
        data = {k: v for k, v in e.items() if k not in base}
        out.append(
            TimelineEntry(**base, member=members.get(account) if account else None, data=data)
        )
    return out
