"""Reading requests for the API, the web UI and the command line: filtered inboxes and
outboxes, the actions a party may take now, the requested member's time zone, the
secretariat's counts, and attachments awaiting their owner's confirmation.

Everything here reads through :func:`wuzhen.cooperation.service.get` (or the same party
conditions): a request exists for its two parties only, and a draft for its author only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wuzhen.cooperation.kinds import KINDS
from wuzhen.cooperation.service import (
    DRAFT,
    EXECUTED,
    FINAL,
    OPEN,
    PARTIAL,
    REFUSED,
    TRANSITIONS,
    clocks,
)
from wuzhen.cooperation.tables import Attachment, Request
from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.members.tables import Contact

INBOX, OUTBOX = "inbox", "outbox"
BOXES = (INBOX, OUTBOX)
STATES = (DRAFT, *OPEN, *FINAL)
#: State filters naming several states.
STATE_GROUPS: dict[str, tuple[str, ...]] = {"open": OPEN, "closed": FINAL}
OUTCOMES = (EXECUTED, PARTIAL, REFUSED)


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """Which of a member's requests to list; every filter given must hold."""

    box: str = INBOX
    kind: str | None = None
    state: str | None = None  # a state, or "open" / "closed"
    overdue: bool | None = None
    counterpart: str | None = None  # the other party's member code

    def check(self) -> None:
        if self.box not in BOXES:
            raise InputError(_("The box is inbox or outbox."))
        if self.kind is not None and self.kind not in KINDS:
            raise InputError(_("Unknown request type {kind}.").format(kind=self.kind))
        if self.state is not None and self.state not in (*STATES, *STATE_GROUPS):
            raise InputError(_("Unknown request state {state}.").format(state=self.state))


def listing(session: Session, member: str, where: RequestFilter, now: datetime) -> list[Request]:
    """The requests of ``member``'s inbox (sent to it) or outbox (filed by it), newest
    first. Overdue is computed at ``now``, like every clock."""
    where.check()
    if where.box == INBOX:
        stmt = select(Request).where(Request.requested == member, Request.state != DRAFT)
        stmt = stmt.order_by(Request.sent_at.desc(), Request.id)
        other = Request.requester
    else:
        stmt = select(Request).where(Request.requester == member)
        stmt = stmt.order_by(Request.created_at.desc(), Request.id)
        other = Request.requested
    if where.kind:
        stmt = stmt.where(Request.kind == where.kind)
    if where.state in STATE_GROUPS:
        stmt = stmt.where(Request.state.in_(STATE_GROUPS[where.state]))
    elif where.state:
        stmt = stmt.where(Request.state == where.state)
    if where.counterpart:
        stmt = stmt.where(other == where.counterpart.upper())
    rows = list(session.scalars(stmt))
    if where.overdue is not None:
        rows = [r for r in rows if _late(r, now) == where.overdue]
    return rows


def _late(req: Request, now: datetime) -> bool:
    c = clocks(req, now)
    return c.overdue or c.acknowledge_overdue


def counterpart(req: Request, member: str) -> str:
    return req.requested if member == req.requester else req.requester


def actions(req: Request, member: str) -> list[str]:
    """What ``member`` may do to ``req`` now (its role in the request and the state)."""
    party = "requester" if member == req.requester else "requested"
    allowed = [
        action
        for action, (starts, _end, who) in TRANSITIONS.items()
        if who == party and req.state in starts
    ]
    if party == "requester":
        if req.state == DRAFT:
            allowed.append("attach")
        if req.kind == "preservation" and req.state == EXECUTED and req.preserved_until:
            allowed.append("extend")
        if req.state in OUTCOMES:
            allowed.append("feedback")
    return allowed


def timezone_of(session: Session, member: str) -> str:
    """The member's time zone: its (first confirmed) technical contact's, else UTC."""
    rows = session.execute(
        select(Contact.timezone, Contact.confirmed_at)
        .where(Contact.member == member, Contact.kind == "technical")
        .order_by(Contact.confirmed_at.is_(None), Contact.id)
    ).all()
    for zone, _confirmed in rows:
        if zone and _zone(zone) is not None:
            return str(zone)
    return "UTC"


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local(value: datetime | None, zone: str) -> datetime | None:
    """``value`` (UTC) as the clock reads in ``zone``."""
    if value is None:
        return None
    found = _zone(zone)
    return value.astimezone(found) if found is not None else value


def counts(session: Session) -> list[tuple[str, str, int]]:
    """(type, state, number of requests), drafts left out: what the secretariat sees."""
    rows = session.execute(
        select(Request.kind, Request.state, func.count())
        .where(Request.state != DRAFT)
        .group_by(Request.kind, Request.state)
        .order_by(Request.kind, Request.state)
    ).all()
    return [(str(k), str(s), int(n)) for k, s, n in rows]


@dataclass(frozen=True, slots=True)
class PendingConfirmation:
    """Events of ``owner`` attached to another member's request that need its confirmation
    (marked above the request's marking, or not visible to the requested member otherwise):
    what the owner needs to decide (never the request's contents)."""

    attachment: Attachment
    requester: str
    requested: str
    tlp: str


def awaiting_confirmation(session: Session, owner: str) -> list[PendingConfirmation]:
    """Attachments of ``owner``'s events that wait for its confirmation."""
    rows = session.execute(
        select(Attachment, Request.requester, Request.requested, Request.tlp)
        .join(Request, Request.id == Attachment.request)
        .where(
            Attachment.owner == owner,
            Attachment.above_marking,
            Attachment.confirmed_at.is_(None),
            Request.state == DRAFT,
        )
        .order_by(Attachment.attached_at, Attachment.id)
    ).all()
    return [PendingConfirmation(a, str(r), str(d), str(t)) for a, r, d, t in rows]


def attached_ids(attachments: Sequence[Attachment]) -> list[str]:
    return sorted({i for a in attachments for i in a.event_ids})
