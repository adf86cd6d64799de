"""Notices by e-mail, to the recipient member's confirmed technical contacts.

The message says what a member needs to decide to look: the notice's counts by
classification, source ASN and day, and a link to the notice page. It carries nothing else
of the events, and never an address: the member reads and downloads the events signed in,
where the visibility rules apply. A member with no confirmed technical contact gets no mail
and is shown as "not onboarded" (never as unresponsive); its notices are e-mailed once it
confirms one.

Delivery is at least once: a notice is marked e-mailed (``notices.emailed_at``, ledgered
``notice.emailed`` with ids only) after the server accepted the message, so a crash between
the two sends it again on the next run. :func:`wuzhen.tick.tick` runs :func:`send_pending`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import textwrap
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.config import Settings
from wuzhen.db import Database
from wuzhen.i18n import _
from wuzhen.members.tables import Contact, Member
from wuzhen.notices.tables import Notice

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30.0
WIDTH = 72  # lines of the message body
EMAILED = "emailed"
PENDING = "pending"
NOT_ONBOARDED = "not-onboarded"


@dataclass(slots=True)
class MailReport:
    """What one run did: notices sent, waiting for a contact, refused, or why none went."""

    sent: list[str] = field(default_factory=list)  # notice ids
    not_onboarded: Counter[str] = field(default_factory=Counter)  # member -> notices waiting
    failed: dict[str, str] = field(default_factory=dict)  # notice id -> the server's answer
    unsent: int = 0  # notices that would go, but no SMTP server is configured
    error: str | None = None  # the server could not be reached or refused the session


def technical_contacts(session: Session, member: str) -> list[Contact]:
    """The member's confirmed technical contacts: who receives its notices."""
    return list(
        session.scalars(
            select(Contact)
            .where(
                Contact.member == member,
                Contact.kind == "technical",
                Contact.confirmed_at.is_not(None),
            )
            .order_by(Contact.id)
        )
    )


def status(session: Session, notices: Sequence[Notice]) -> dict[str, str]:
    """Each notice's delivery: ``emailed``, ``pending`` or ``not-onboarded``."""
    waiting = {n.member for n in notices if n.emailed_at is None}
    onboarded = set(
        session.scalars(
            select(Contact.member).where(
                Contact.member.in_(waiting),
                Contact.kind == "technical",
                Contact.confirmed_at.is_not(None),
            )
        )
    )
    return {
        n.id: EMAILED
        if n.emailed_at is not None
        else PENDING
        if n.member in onboarded
        else NOT_ONBOARDED
        for n in notices
    }


def notice_link(settings: Settings, notice_id: str) -> str:
    return f"{settings.base_url.rstrip('/')}/notices/{notice_id}"


def compose(
    notice: Notice,
    *,
    member_name: str,
    owner_name: str,
    to: Sequence[Contact],
    settings: Settings,
    at: datetime,
) -> EmailMessage:
    """The message for ``notice``: counts and a link, nothing else of the events."""
    msg = EmailMessage()
    msg["Subject"] = _("[Wuzhen] Notice {id}: {n} events concerning {member}").format(
        id=notice.id, n=notice.events, member=member_name
    )
    msg["From"] = settings.mail_from
    msg["To"] = ", ".join(formataddr((c.name, c.email)) for c in to)
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(
        idstring=f"notice.{notice.id}", domain=urlsplit(settings.base_url).hostname or "localhost"
    )
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_body(notice, member_name, owner_name, settings))
    return msg


def _body(notice: Notice, member_name: str, owner_name: str, settings: Settings) -> str:
    counts = notice.counts
    lines = [
        _("To the technical contacts of {member} ({code}),").format(
            member=member_name, code=notice.member
        ),
        "",
        wrap(
            _(
                "Evidence of {owner} ({owner_code}) ingested on {day} holds {n} events concerning "
                "networks {code} answers for."
            ).format(
                owner=owner_name,
                owner_code=notice.owner,
                day=notice.created_at.date().isoformat(),
                n=notice.events,
                code=notice.member,
            )
        ),
        "",
    ]
    sections = (
        (_("Events by classification"), counts.get("by_classification", {}), ""),
        (_("Events by source ASN (the largest)"), counts.get("by_asn", {}), "AS"),
        (_("Events by day"), counts.get("by_day", {}), ""),
    )
    for title, by, prefix in sections:
        if not by:
            continue
        lines.append(title + ":")
        lines.extend(f"  {prefix + key:<28} {n:>8}" for key, n in by.items())
        lines.append("")
    lines += [
        wrap(_("See the notice, download its events (CSV, STIX 2.1), acknowledge or contest it:")),
        "  " + notice_link(settings, notice.id),
        "",
        wrap(
            _(
                "This message carries counts only. The events are shown to your member's "
                "accounts when signed in."
            )
        ),
        "-- ",
        _("Wuzhen node at {url}").format(url=settings.base_url),
    ]
    return "\n".join(lines) + "\n"


def wrap(paragraph: str) -> str:
    """A paragraph of a message body, filled to :data:`WIDTH` (words and links never cut)."""
    return textwrap.fill(paragraph, width=WIDTH, break_long_words=False, break_on_hyphens=False)


@contextmanager
def smtp_connection(settings: Settings) -> Iterator[smtplib.SMTP]:
    """A connection to the configured server: STARTTLS and login when the settings say so."""
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        yield smtp


@dataclass(frozen=True, slots=True)
class _Outgoing:
    notice: Notice
    member_name: str
    owner_name: str
    to: list[Contact]


def _plan(session: Session, report: MailReport) -> list[_Outgoing]:
    waiting = list(
        session.scalars(
            select(Notice).where(Notice.emailed_at.is_(None)).order_by(Notice.created_at, Notice.id)
        )
    )
    codes = {n.member for n in waiting} | {n.owner for n in waiting}
    names = {m.code: m.name for m in session.scalars(select(Member).where(Member.code.in_(codes)))}
    contacts: dict[str, list[Contact]] = {}
    plan = []
    for notice in waiting:
        if notice.member not in contacts:
            contacts[notice.member] = technical_contacts(session, notice.member)
        to = contacts[notice.member]
        if not to:
            report.not_onboarded[notice.member] += 1
            continue
        plan.append(
            _Outgoing(
                notice,
                names.get(notice.member, notice.member),
                names.get(notice.owner, notice.owner),
                to,
            )
        )
    return plan


def _mark_emailed(session: Session, out: _Outgoing, at: datetime) -> bool:
    done = session.execute(
        update(Notice)
        .where(Notice.id == out.notice.id, Notice.emailed_at.is_(None))
        .values(emailed_at=at)
    )
    if not getattr(done, "rowcount", 0):
        return False  # marked by a run that raced this one: its entry is in the ledger
    ledger.append(
        session,
        at=at,
        actor="system",
        action="notice.emailed",
        subject=f"notice:{out.notice.id}",
        data={"member": out.notice.member, "contacts": [c.id for c in out.to]},
    )
    return True


def send_pending(db: Database, settings: Settings, at: datetime) -> MailReport:
    """E-mail every notice not yet e-mailed whose member has a confirmed technical contact."""
    report = MailReport()
    with db.session() as s:
        plan = _plan(s, report)
    if not plan:
        return report
    if not settings.smtp_host:
        log.info("no SMTP server configured (WUZHEN_SMTP_HOST): %s notices wait", len(plan))
        report.unsent = len(plan)
        return report
    try:
        with smtp_connection(settings) as smtp:
            for out in plan:
                message = compose(
                    out.notice,
                    member_name=out.member_name,
                    owner_name=out.owner_name,
                    to=out.to,
                    settings=settings,
                    at=at,
                )
                try:
                    smtp.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as err:
                    log.warning("notice %s not accepted by the server: %s", out.notice.id, err)
                    report.failed[out.notice.id] = str(err)
                    continue
                with db.session() as s:
                    if _mark_emailed(s, out, at):
                        report.sent.append(out.notice.id)
    except (smtplib.SMTPException, OSError) as err:
        report.error = _("cannot send mail through {host}:{port}: {err}").format(
            host=settings.smtp_host, port=settings.smtp_port, err=err
        )
        log.warning("%s", report.error)
    return report


__all__ = [
    "EMAILED",
    "NOT_ONBOARDED",
    "PENDING",
    "MailReport",
    "compose",
    "notice_link",
    "send_pending",
    "smtp_connection",
    "status",
    "technical_contacts",
]
