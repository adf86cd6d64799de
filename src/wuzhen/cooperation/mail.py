"""Requests by e-mail: new requests, answered requests and escalations of overdue ones.

- **new**: a request was sent; to the requested member's confirmed technical contacts;
- **outcome**: a request was executed, partially executed or refused; to the requesting
  member's confirmed technical contacts;
- **escalation**: a request is overdue past the escalation delay (rule
  ``requests.escalation_delay_hours``); to the requested member's confirmed *policy*
  contacts, and the request is marked escalated (ledgered).

A message carries the request's type, urgency, deadline (and, for an answer, its outcome)
and a link to the request, nothing else: no title, no details, no grounds, no events. The
request is read signed in, where only its two parties see it.

Like notices, delivery is at least once: a message is recorded (``request_mails``, ledgered
``request.emailed`` with contact ids only) after the server accepted it. A member with no
confirmed contact of the kind needed gets nothing yet (counted as not onboarded) and its
messages go once it confirms one. :func:`wuzhen.tick.tick` runs :func:`send_pending` and
:func:`escalate`.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.config import Settings
from wuzhen.cooperation.queries import OUTCOMES, local, timezone_of
from wuzhen.cooperation.service import DRAFT, WITHDRAWN, due_for_escalation, mark_escalated
from wuzhen.cooperation.tables import Request, RequestMail
from wuzhen.db import Database
from wuzhen.i18n import _
from wuzhen.members.tables import Contact, Member
from wuzhen.notices.mail import smtp_connection, wrap

log = logging.getLogger(__name__)

NEW, OUTCOME, ESCALATION = "new", "outcome", "escalation"


@dataclass(slots=True)
class RequestMailReport:
    """What one run did: messages sent (request id, what), waiting, refused, or why none."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    not_onboarded: Counter[str] = field(default_factory=Counter)  # member -> messages waiting
    failed: dict[str, str] = field(default_factory=dict)  # "<request>/<what>" -> the answer
    unsent: int = 0  # messages that would go, but no SMTP server is configured
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Outgoing:
    request: Request
    what: str
    member: str  # whose contacts receive it
    member_name: str
    to: list[Contact]
    timezone: str


def contacts_of(session: Session, member: str, kind: str) -> list[Contact]:
    """The member's confirmed contacts of ``kind``."""
    return list(
        session.scalars(
            select(Contact)
            .where(
                Contact.member == member, Contact.kind == kind, Contact.confirmed_at.is_not(None)
            )
            .order_by(Contact.id)
        )
    )


def request_link(settings: Settings, request_id: str) -> str:
    return f"{settings.base_url.rstrip('/')}/requests/{request_id}"


def _mailed(session: Session) -> set[tuple[str, str]]:
    return {(r, w) for r, w in session.execute(select(RequestMail.request, RequestMail.what))}


def _plan(session: Session, report: RequestMailReport) -> list[_Outgoing]:
    done = _mailed(session)
    sent = session.scalars(
        select(Request)
        .where(Request.sent_at.is_not(None), Request.state.not_in([DRAFT, WITHDRAWN]))
        .order_by(Request.sent_at, Request.id)
    ).all()
    wanted: list[tuple[Request, str, str]] = []
    for r in sent:
        if (r.id, NEW) not in done:
            wanted.append((r, NEW, r.requested))
        if r.state in OUTCOMES and (r.id, OUTCOME) not in done:
            wanted.append((r, OUTCOME, r.requester))
    return _addressed(session, wanted, "technical", report)


def _addressed(
    session: Session,
    wanted: Sequence[tuple[Request, str, str]],
    kind: str,
    report: RequestMailReport,
) -> list[_Outgoing]:
    codes = {member for _r, _w, member in wanted}
    names = {m.code: m.name for m in session.scalars(select(Member).where(Member.code.in_(codes)))}
    to: dict[str, list[Contact]] = {c: contacts_of(session, c, kind) for c in codes}
    zones = {c: timezone_of(session, c) for c in {r.requested for r, _w, _m in wanted}}
    plan = []
    for req, what, member in wanted:
        if not to[member]:
            report.not_onboarded[member] += 1
            continue
        plan.append(
            _Outgoing(
                req, what, member, names.get(member, member), to[member], zones[req.requested]
            )
        )
    return plan


def compose(out: _Outgoing, settings: Settings, at: datetime) -> EmailMessage:
    """The message: type, urgency, deadline, outcome for an answer, and the link."""
    req = out.request
    kind, urgency = req.kind, req.urgency
    due = req.due_at.strftime("%Y-%m-%d %H:%M UTC") if req.due_at else "-"
    subjects = {
        NEW: _("[Wuzhen] New {kind} request ({urgency}), due {due}"),
        OUTCOME: _("[Wuzhen] Your {kind} request was answered: {outcome}"),
        ESCALATION: _("[Wuzhen] Overdue {kind} request ({urgency}), was due {due}"),
    }
    msg = EmailMessage()
    msg["Subject"] = subjects[out.what].format(
        kind=kind, urgency=urgency, due=due, outcome=req.state
    )
    msg["From"] = settings.mail_from
    msg["To"] = ", ".join(formataddr((c.name, c.email)) for c in out.to)
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(
        idstring=f"request.{req.id}.{out.what}",
        domain=urlsplit(settings.base_url).hostname or "localhost",
    )
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_body(out, settings, due))
    return msg


def _body(out: _Outgoing, settings: Settings, due: str) -> str:
    req = out.request
    kind = "policy" if out.what == ESCALATION else "technical"
    greeting = (
        _("To the policy contacts of {member} ({code}),")
        if kind == "policy"
        else _("To the technical contacts of {member} ({code}),")
    )
    opening = {
        NEW: _("A member of the compact sent {code} a cooperation request."),
        OUTCOME: _("The cooperation request {code} sent has been answered."),
        ESCALATION: _(
            "A cooperation request sent to {code} is past its deadline and has not been "
            "answered; this message escalates it to you."
        ),
    }[out.what]
    zoned = local(req.due_at, out.timezone)
    lines = [
        greeting.format(member=out.member_name, code=out.member),
        "",
        wrap(opening.format(code=out.member)),
        "",
        f"  {_('Type'):<12} {req.kind}",
        f"  {_('Urgency'):<12} {req.urgency}",
        f"  {_('Deadline'):<12} {due}",
    ]
    if zoned is not None and out.timezone != "UTC":
        lines.append(f"  {'':<12} {zoned.strftime('%Y-%m-%d %H:%M')} {out.timezone}")
    if out.what == OUTCOME:
        lines.append(f"  {_('Outcome'):<12} {req.state}")
    lines += [
        "",
        wrap(_("Read the request and act on it, signed in:")),
        "  " + request_link(settings, req.id),
        "",
        wrap(
            _(
                "This message carries no content of the request. Only the accounts of the "
                "two members concerned can read it."
            )
        ),
        "-- ",
        _("Wuzhen node at {url}").format(url=settings.base_url),
    ]
    return "\n".join(lines) + "\n"


def _record(session: Session, out: _Outgoing, at: datetime) -> bool:
    if session.get(RequestMail, (out.request.id, out.what)) is not None:
        return False  # recorded by a run that raced this one
    req = session.get(Request, out.request.id)
    assert req is not None
    ids = [c.id for c in out.to]
    session.add(RequestMail(request=req.id, what=out.what, sent_at=at, contacts=ids))
    ledger.append(
        session,
        at=at,
        actor="system",
        action="request.emailed",
        subject=f"request:{req.id}",
        data={"what": out.what, "member": out.member, "contacts": ids},
        public=False,
    )
    if out.what == ESCALATION and req.escalated_at is None:
        mark_escalated(session, req, at)
    return True


def _deliver(
    db: Database, settings: Settings, plan: list[_Outgoing], at: datetime, report: RequestMailReport
) -> None:
    if not plan:
        return
    if not settings.smtp_host:
        log.info("no SMTP server configured (WUZHEN_SMTP_HOST): %s request mails wait", len(plan))
        report.unsent = len(plan)
        return
    try:
        with smtp_connection(settings) as smtp:
            for out in plan:
                try:
                    smtp.send_message(compose(out, settings, at))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as err:
                    log.warning("request %s mail not accepted: %s", out.request.id, err)
                    report.failed[f"{out.request.id}/{out.what}"] = str(err)
                    continue
                with db.session() as s:
                    if _record(s, out, at):
                        report.sent.append((out.request.id, out.what))
    except (smtplib.SMTPException, OSError) as err:
        report.error = _("cannot send mail through {host}:{port}: {err}").format(
            host=settings.smtp_host, port=settings.smtp_port, err=err
        )
        log.warning("%s", report.error)


def send_pending(db: Database, settings: Settings, at: datetime) -> RequestMailReport:
    """E-mail every new and answered request not e-mailed yet."""
    report = RequestMailReport()
    with db.session() as s:
        plan = _plan(s, report)
    _deliver(db, settings, plan, at, report)
    return report


def escalate(db: Database, settings: Settings, at: datetime) -> RequestMailReport:
    """Alert the policy contacts of the requested member of every request overdue past the
    escalation delay, once; the request is marked escalated when the message went."""
    report = RequestMailReport()
    with db.session() as s:
        due = due_for_escalation(s, at)
        plan = _addressed(s, [(r, ESCALATION, r.requested) for r in due], "policy", report)
    _deliver(db, settings, plan, at, report)
    return report


__all__ = [
    "ESCALATION",
    "NEW",
    "OUTCOME",
    "RequestMailReport",
    "compose",
    "contacts_of",
    "escalate",
    "request_link",
    "send_pending",
]
