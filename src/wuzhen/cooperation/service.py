"""The life of a request, every step ledgered, only the two parties involved.

    draft -send-> sent -acknowledge-> acknowledged -start-> in-progress -execute-> executed
    acknowledged | in-progress -postpone-> postponed -start-> in-progress
    acknowledged | in-progress | postponed -consult-> consultation
    consultation -resume-> in-progress;  consultation -refuse-> refused
    in-progress | consultation -partial-> partially-executed
    any open state, or a draft -withdraw (requester)-> withdrawn

A refusal comes only after consultation. A refusal or partial execution cites one or more
grounds from the rule ``requests.refusal_grounds`` plus a written reason; a refusal citing
only "other" is flagged (the transparency report lists it). Deadlines are fixed when the
request is sent, from the rules in force then; overdue is computed when read.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wuzhen import ledger, rules
from wuzhen.cooperation.kinds import DETAILS, KINDS, OFFENCES, URGENCIES, deadline_rule
from wuzhen.cooperation.tables import Attachment, Request
from wuzhen.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members.service import member as get_member
from wuzhen.members.tables import ACTIVE
from wuzhen.notices.service import digest
from wuzhen.schema.tlp import OWNER_ONLY, RANK, TLP

DRAFT, SENT, ACKNOWLEDGED, IN_PROGRESS = "draft", "sent", "acknowledged", "in-progress"
POSTPONED, CONSULTATION = "postponed", "consultation"
EXECUTED, PARTIAL, REFUSED, WITHDRAWN = "executed", "partially-executed", "refused", "withdrawn"
FINAL = (EXECUTED, PARTIAL, REFUSED, WITHDRAWN)
OPEN = (SENT, ACKNOWLEDGED, IN_PROGRESS, POSTPONED, CONSULTATION)

#: action -> (states it may start from, state it leads to, which party may take it)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "send": ((DRAFT,), SENT, "requester"),
    "acknowledge": ((SENT,), ACKNOWLEDGED, "requested"),
    "start": ((ACKNOWLEDGED, POSTPONED), IN_PROGRESS, "requested"),
    "postpone": ((ACKNOWLEDGED, IN_PROGRESS), POSTPONED, "requested"),
    "consult": ((ACKNOWLEDGED, IN_PROGRESS, POSTPONED), CONSULTATION, "requested"),
    "resume": ((CONSULTATION,), IN_PROGRESS, "requested"),
    "execute": ((IN_PROGRESS,), EXECUTED, "requested"),
    "partial": ((IN_PROGRESS, CONSULTATION), PARTIAL, "requested"),
    "refuse": ((CONSULTATION,), REFUSED, "requested"),
    "withdraw": ((DRAFT, *OPEN), WITHDRAWN, "requester"),
}


@dataclass(frozen=True, slots=True)
class Draft:
    """What a requesting member states when it files a request."""

    kind: str
    requested: str
    offence: str
    title: str
    details: dict[str, Any]
    urgency: str = "normal"
    tlp: str | None = None  # default: the rule for this kind
    commitment_clause: str | None = None


def _party(req: Request, member: str) -> str | None:
    if member == req.requester:
        return "requester"
    if member == req.requested:
        return "requested"
    return None


def get(session: Session, request_id: str, member: str) -> Request:
    """A request, for one of its two parties only (to anyone else it does not exist)."""
    req = session.get(Request, request_id)
    if req is None or _party(req, member) is None:
        msg = f"no request {request_id}"
        raise NotFoundError(msg)
    if req.state == DRAFT and member != req.requester:
        msg = f"no request {request_id}"
        raise NotFoundError(msg)
    return req


def create(session: Session, draft: Draft, *, member: str, account: str, at: datetime) -> Request:
    """A new request in draft, by ``member`` (the requesting member)."""
    if draft.kind not in KINDS:
        msg = f"request type must be one of {', '.join(KINDS)}"
        raise InputError(msg)
    if draft.offence not in OFFENCES:
        msg = f"offence must be one of {', '.join(OFFENCES)}"
        raise InputError(msg)
    if draft.urgency not in URGENCIES:
        msg = f"urgency must be one of {', '.join(URGENCIES)}"
        raise InputError(msg)
    if not draft.title.strip():
        msg = "a request needs a title"
        raise InputError(msg)
    target = get_member(session, draft.requested)
    if target.status != ACTIVE or target.code == member:
        msg = "requests go to another active member"
        raise InputError(msg)
    try:
        details = DETAILS[draft.kind].model_validate(draft.details)
    except ValidationError as err:
        first = err.errors()[0]
        msg = f"{draft.kind}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        raise InputError(msg) from err
    tlp = draft.tlp or rules.get(session, "requests.default_tlp")[draft.kind]
    tlp = TLP.parse(tlp).value
    req = Request(
        id=secrets.token_hex(8),
        kind=draft.kind,
        requester=member,
        requested=target.code,
        offence=draft.offence,
        urgency=draft.urgency,
        tlp=tlp,
        title=draft.title.strip(),
        details=details.model_dump(mode="json"),
        state=DRAFT,
        created_at=at,
        created_by=account,
        grounds=[],
        other_only=False,
        commitment_clause=draft.commitment_clause,
        deadline_rule=deadline_rule(draft.kind, details),
    )
    session.add(req)
    _ledger(
        session,
        req,
        "request.drafted",
        account,
        at,
        {
            "kind": req.kind,
            "requester": member,
            "requested": req.requested,
            "offence": req.offence,
            "urgency": req.urgency,
            "tlp": tlp,
        },
    )
    return req


def _ledger(
    session: Session, req: Request, action: str, account: str, at: datetime, data: dict[str, Any]
) -> None:
    # Requests are confidential to their parties: their ledger entries are not public.
    ledger.append(
        session,
        at=at,
        actor=f"account:{account}",
        action=action,
        subject=f"request:{req.id}",
        data=data,
        public=False,
    )


def _move(
    session: Session,
    req: Request,
    action: str,
    member: str,
    account: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> Request:
    starts, ends, party = TRANSITIONS[action]
    if _party(req, member) != party:
        msg = f"only the {party} member may {action} this request"
        raise ForbiddenError(msg)
    if req.state not in starts:
        msg = f"a request that is {req.state} cannot be asked to {action}"
        raise ConflictError(msg)
    before = req.state
    req.state = ends
    _ledger(
        session, req, f"request.{action}", account, at, {"from": before, "to": ends, **(data or {})}
    )
    return req


def send(session: Session, request_id: str, *, member: str, account: str, at: datetime) -> Request:
    """Send a draft: its deadlines are fixed now, from the rules in force."""
    req = get(session, request_id, member)
    pending = session.scalar(
        select(Attachment.id)
        .where(
            Attachment.request == req.id,
            Attachment.above_marking,
            Attachment.confirmed_at.is_(None),
        )
        .limit(1)
    )
    if pending is not None:
        msg = "attached events await their owner's confirmation"
        raise ConflictError(msg)
    ack_hours = rules.get(session, "requests.acknowledge_within")[req.urgency]
    assert req.deadline_rule is not None
    hours = rules.get(session, req.deadline_rule)
    req.sent_at = at
    req.acknowledge_by = at + timedelta(hours=ack_hours)
    req.due_at = at + timedelta(hours=hours)
    return _move(
        session,
        req,
        "send",
        member,
        account,
        at,
        {
            "due": req.due_at.isoformat(),
            "acknowledge_by": req.acknowledge_by.isoformat(),
            "deadline_rule": req.deadline_rule,
            "hours": hours,
        },
    )


def act(
    session: Session,
    request_id: str,
    action: str,
    *,
    member: str,
    account: str,
    at: datetime,
    reason: str = "",
    until: datetime | None = None,
) -> Request:
    """Acknowledge, start, postpone, consult, resume, execute or withdraw a request."""
    if action not in TRANSITIONS or action in ("send", "partial", "refuse"):
        msg = f"unknown action {action!r}"
        raise InputError(msg)
    req = get(session, request_id, member)
    data: dict[str, Any] = {}
    if action in ("postpone", "consult") and not reason.strip():
        msg = f"to {action} a request, give the reason"
        raise InputError(msg)
    if action == "postpone":
        if until is None or until <= at:
            msg = "a postponement needs a date in the future"
            raise InputError(msg)
        req.postponed_until = until
        data["until"] = until.isoformat()
    _move(session, req, action, member, account, at, data)
    if reason.strip():
        req.outcome_reason = reason.strip() if action == "withdraw" else req.outcome_reason
    if action == "acknowledge":
        req.acknowledged_at = at
    if action in ("execute", "withdraw"):
        req.outcome_at = at
    if action == "execute" and req.kind == "preservation":
        days = rules.get(session, "requests.preservation_days")
        req.preserved_until = at + timedelta(days=days)
    return req


def answer_with_grounds(
    session: Session,
    request_id: str,
    action: str,
    *,
    member: str,
    account: str,
    at: datetime,
    grounds: Sequence[str],
    reason: str,
    other_text: str = "",
) -> Request:
    """Refuse (after consultation) or execute partially, citing grounds and a reason."""
    if action not in ("refuse", "partial"):
        msg = f"unknown action {action!r}"
        raise InputError(msg)
    allowed = {g["code"] for g in rules.get(session, "requests.refusal_grounds")}
    cited = sorted(set(grounds))
    if not cited:
        msg = "cite at least one ground from the list"
        raise InputError(msg)
    unknown = [g for g in cited if g not in allowed]
    if unknown:
        msg = f"not grounds the compact accepts: {', '.join(unknown)}"
        raise InputError(msg)
    if not reason.strip():
        msg = "give a written reason"
        raise InputError(msg)
    if "other" in cited and not other_text.strip():
        msg = "the ground 'other' needs its text"
        raise InputError(msg)
    req = get(session, request_id, member)
    _move(session, req, action, member, account, at, {"grounds": cited})
    req.grounds = cited
    req.outcome_reason = reason.strip() + (
        f"\n\nOther: {other_text.strip()}" if other_text.strip() else ""
    )
    req.other_only = action == "refuse" and cited == ["other"]
    req.outcome_at = at
    return req


def extend_preservation(
    session: Session, request_id: str, *, member: str, account: str, at: datetime
) -> Request:
    """The requester extends the preservation of data by the rule's number of days."""
    req = get(session, request_id, member)
    if req.kind != "preservation" or req.state != EXECUTED or req.preserved_until is None:
        msg = "only executed preservation requests can be extended"
        raise ConflictError(msg)
    if member != req.requester:
        msg = "the requesting member extends a preservation"
        raise ForbiddenError(msg)
    days = rules.get(session, "requests.preservation_days")
    req.preserved_until = max(req.preserved_until, at) + timedelta(days=days)
    _ledger(
        session,
        req,
        "request.preservation_extended",
        account,
        at,
        {"until": req.preserved_until.isoformat()},
    )
    return req


def give_feedback(
    session: Session,
    request_id: str,
    *,
    member: str,
    account: str,
    at: datetime,
    useful: bool,
    comment: str = "",
) -> Request:
    req = get(session, request_id, member)
    if member != req.requester:
        msg = "the requesting member gives feedback"
        raise ForbiddenError(msg)
    if req.state not in (EXECUTED, PARTIAL, REFUSED):
        msg = "feedback follows an outcome"
        raise ConflictError(msg)
    req.useful, req.feedback = useful, comment.strip() or None
    _ledger(session, req, "request.feedback", account, at, {"useful": useful})
    return req


# -- attached evidence -------------------------------------------------------------------


#: Key of an attached row: whether the requested member may see the event by its marking
#: alone (:func:`wuzhen.visibility.may_see`, no request counted), i.e. attaching it shows it
#: to no one new.
SEEN_BY_REQUESTED = "seen_by_requested"


def _needs_owner(row: dict[str, Any], req: Request, member: str) -> bool:
    """Whether the attached event ``row`` may go to the requested member only with its
    owner's confirmation: the one rule of who consents to what a request shares.

    The owner attaching its own event decides itself (``confirm_markings``) when the event is
    marked above the request's TLP. Another member's event needs its owner's confirmation when
    it is marked above the request's TLP, or when its marking does not already show it to the
    requested member (attaching must not widen its audience); an AMBER+STRICT or RED event
    cannot be passed on by anyone but its owner, so it is refused.
    """
    tlp = str(row["tlp"])
    above = RANK[tlp] > RANK[req.tlp]
    if row["owner"] == member or row.get(SEEN_BY_REQUESTED, False):
        return above
    if tlp in OWNER_ONLY:
        msg = (
            f"{tlp} events stay with their owner ({row['owner']}): only it may attach them "
            "to a request"
        )
        raise ForbiddenError(msg)
    return True


def attach(
    session: Session,
    request_id: str,
    events: Sequence[dict[str, Any]],
    *,
    member: str,
    account: str,
    at: datetime,
    confirm_markings: bool = False,
) -> list[Attachment]:
    """Attach events (rows the requester may see: ``event.id``, ``owner``, ``tlp`` and
    :data:`SEEN_BY_REQUESTED`), frozen.

    Events that need their owner's confirmation (:func:`_needs_owner`) are confirmed here
    when the requester owns them (``confirm_markings``) and asked of the owner otherwise; a
    draft waiting for a confirmation cannot be sent, and a request shares with the requested
    member only what the owner let go (:func:`granted_event_ids`).
    """
    req = get(session, request_id, member)
    if member != req.requester or req.state != DRAFT:
        msg = "the requester attaches evidence to its draft"
        raise ConflictError(msg)
    if not events:
        msg = "no events to attach"
        raise InputError(msg)
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_owner.setdefault(str(e["owner"]), []).append(e)
    # Every row is judged (and a refusal raised) before anything is attached.
    needs = {o: [_needs_owner(r, req, member) for r in rows] for o, rows in by_owner.items()}
    made = []
    for owner, rows in sorted(by_owner.items()):
        ids = sorted({str(r["event.id"]) for r in rows})
        needed = any(needs[owner])
        if needed and owner == member and not confirm_markings:
            msg = (
                f"{len(ids)} events are marked above the request's {req.tlp}: "
                "confirm that they may go to the requested member"
            )
            raise ConflictError(msg)
        a = Attachment(
            request=req.id,
            event_ids=ids,
            digest=digest(ids),
            owner=owner,
            above_marking=needed,
            attached_at=at,
            confirmed_at=at if needed and owner == member else None,
        )
        session.add(a)
        session.flush()
        _ledger(
            session,
            req,
            "request.evidence_attached",
            account,
            at,
            {
                "attachment": a.id,
                "owner": owner,
                "events": len(ids),
                "digest": a.digest,
                "above_marking": needed,
            },
        )
        if needed and owner == member:
            _ledger(session, req, "request.marking_confirmed", account, at, {"attachment": a.id})
        made.append(a)
    return made


def confirm_attachment(
    session: Session, attachment_id: int, *, member: str, account: str, at: datetime
) -> Attachment:
    """The owner of attached events that wait for its confirmation lets them go."""
    a = session.get(Attachment, attachment_id)
    if a is None or a.owner != member:
        msg = f"no attachment {attachment_id}"
        raise NotFoundError(msg)
    req = session.get(Request, a.request)
    assert req is not None
    if a.confirmed_at is None:
        a.confirmed_at = at
        _ledger(session, req, "request.marking_confirmed", account, at, {"attachment": a.id})
    return a


def attachments(session: Session, request_id: str, member: str) -> list[Attachment]:
    req = get(session, request_id, member)
    return list(
        session.scalars(
            select(Attachment).where(Attachment.request == req.id).order_by(Attachment.id)
        )
    )


def granted_event_ids(session: Session, member: str) -> list[str]:
    """Events attached to requests sent to ``member`` that their owner let go: attached by
    the owner itself, or confirmed by it. Shared with ``member`` through the request.

    Another member's events attached without their owner's confirmation are not shared (the
    requested member sees them only if their marking shows them to it anyway), whatever was
    decided when they were attached.
    """
    rows = session.scalars(
        select(Attachment)
        .join(Request, Request.id == Attachment.request)
        .where(
            Request.requested == member,
            Request.state != DRAFT,
            or_(Attachment.owner == Request.requester, Attachment.confirmed_at.is_not(None)),
        )
    )
    return sorted({i for a in rows for i in a.event_ids})


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clocks:
    """Time-dependent state of a request, computed when read."""

    acknowledge_overdue: bool
    overdue: bool
    seconds_to_acknowledge: int | None
    seconds_to_outcome: int | None


def clocks(req: Request, now: datetime) -> Clocks:
    open_ = req.state in OPEN
    due = req.due_at
    if due is not None and req.postponed_until is not None and req.state == POSTPONED:
        due = max(due, req.postponed_until)
    return Clocks(
        acknowledge_overdue=req.state == SENT
        and req.acknowledge_by is not None
        and now > req.acknowledge_by,
        overdue=open_ and due is not None and now > due,
        seconds_to_acknowledge=int((req.acknowledged_at - req.sent_at).total_seconds())
        if req.acknowledged_at and req.sent_at
        else None,
        seconds_to_outcome=int((req.outcome_at - req.sent_at).total_seconds())
        if req.outcome_at and req.sent_at and req.state != WITHDRAWN
        else None,
    )


def inbox(session: Session, member: str) -> list[Request]:
    """Requests sent to ``member`` (drafts of others are never shown)."""
    return list(
        session.scalars(
            select(Request)
            .where(Request.requested == member, Request.state != DRAFT)
            .order_by(Request.sent_at.desc())
        )
    )


def outbox(session: Session, member: str) -> list[Request]:
    return list(
        session.scalars(
            select(Request).where(Request.requester == member).order_by(Request.created_at.desc())
        )
    )


def timeline(session: Session, request_id: str, member: str) -> list[dict[str, Any]]:
    """The request's history: a view over the ledger."""
    req = get(session, request_id, member)
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.subject == f"request:{req.id}")
        .order_by(LedgerEntry.seq)
    )
    return [
        {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, **e.data} for e in entries
    ]


def due_for_escalation(session: Session, now: datetime) -> list[Request]:
    """Overdue requests whose escalation delay has passed and that were not escalated yet."""
    delay = timedelta(hours=rules.get(session, "requests.escalation_delay_hours"))
    candidates = session.scalars(
        select(Request).where(
            Request.state.in_(OPEN), Request.escalated_at.is_(None), Request.due_at.is_not(None)
        )
    )
    return [
        r
        for r in candidates
        if clocks(r, now).overdue and r.due_at is not None and now >= r.due_at + delay
    ]


def mark_escalated(session: Session, req: Request, at: datetime) -> None:
    req.escalated_at = at
    ledger.append(
        session,
        at=at,
        actor="system",
        action="request.escalated",
        subject=f"request:{req.id}",
        data={"requested": req.requested},
        public=False,
    )
