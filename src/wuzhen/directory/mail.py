"""The reachability check's e-mail: each contact asked in the latest check gets one message
asking its member to confirm it, with a link to the directory. Sent once (``mailed_at``),
after the server accepted it; :func:`wuzhen.tick.tick` runs :func:`send_asks`.

The message is the ping: it carries the contact's own name and the link, nothing else.
"""

from __future__ import annotations

import logging
import smtplib
import textwrap
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
from wuzhen.directory.service import latest
from wuzhen.directory.tables import ContactCheck, ContactCheckAnswer
from wuzhen.i18n import _
from wuzhen.members.tables import Contact
from wuzhen.notices.mail import smtp_connection

log = logging.getLogger(__name__)
WIDTH = 72


@dataclass(slots=True)
class AskReport:
    check: str | None = None
    sent: list[int] = field(default_factory=list)  # contact ids
    failed: dict[int, str] = field(default_factory=dict)
    unsent: int = 0
    error: str | None = None


def directory_link(settings: Settings) -> str:
    return f"{settings.base_url.rstrip('/')}/directory"


def compose(
    contact: Contact, check: ContactCheck, settings: Settings, at: datetime
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = _(
        "[Wuzhen] Please confirm that this point of contact of {code} is reachable"
    ).format(code=contact.member)
    msg["From"] = settings.mail_from
    msg["To"] = formataddr((contact.name, contact.email))
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(
        idstring=f"check.{check.id}.{contact.id}",
        domain=urlsplit(settings.base_url).hostname or "localhost",
    )
    msg["Auto-Submitted"] = "auto-generated"
    paragraphs = [
        _("Dear {name},").format(name=contact.name),
        _(
            "The secretariat of the compact is checking that every member's points of contact "
            "can be reached. You are listed as a {kind} contact of {code}. An administrator of "
            "{code} confirms it, signed in, in the directory:"
        ).format(kind=contact.kind, code=contact.member),
    ]
    lines = [textwrap.fill(p, width=WIDTH, break_on_hyphens=False) for p in paragraphs]
    lines.insert(1, "")
    lines += [
        "  " + directory_link(settings),
        "",
        textwrap.fill(
            _("The directory shows when each contact was last confirmed and how fast."),
            width=WIDTH,
        ),
        "-- ",
        _("Wuzhen node at {url}").format(url=settings.base_url),
    ]
    msg.set_content("\n".join(lines) + "\n")
    return msg


def _plan(session: Session) -> tuple[ContactCheck | None, list[tuple[ContactCheckAnswer, Contact]]]:
    check = latest(session)
    if check is None:
        return None, []
    rows = session.execute(
        select(ContactCheckAnswer, Contact)
        .join(Contact, Contact.id == ContactCheckAnswer.contact)
        .where(
            ContactCheckAnswer.check_id == check.id,
            ContactCheckAnswer.mailed_at.is_(None),
            ContactCheckAnswer.confirmed_at.is_(None),
        )
        .order_by(ContactCheckAnswer.id)
    ).all()
    return check, [(a, c) for a, c in rows]


def send_asks(db: Database, settings: Settings, at: datetime) -> AskReport:
    """Mail every contact of the latest check not yet mailed (nor already confirmed)."""
    report = AskReport()
    with db.session() as s:
        check, plan = _plan(s)
    if check is None or not plan:
        return report
    report.check = check.id
    if not settings.smtp_host:
        report.unsent = len(plan)
        return report
    try:
        with smtp_connection(settings) as smtp:
            for answer, contact in plan:
                try:
                    smtp.send_message(compose(contact, check, settings, at))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as err:
                    report.failed[contact.id] = str(err)
                    continue
                with db.session() as s:
                    done = s.execute(
                        update(ContactCheckAnswer)
                        .where(
                            ContactCheckAnswer.id == answer.id,
                            ContactCheckAnswer.mailed_at.is_(None),
                        )
                        .values(mailed_at=at)
                    )
                    if getattr(done, "rowcount", 0):
                        report.sent.append(contact.id)
    except (smtplib.SMTPException, OSError) as err:
        report.error = _("cannot send mail through {host}:{port}: {err}").format(
            host=settings.smtp_host, port=settings.smtp_port, err=err
        )
        log.warning("%s", report.error)
    if report.sent:
        with db.session() as s:
            ledger.append(
                s,
                at=at,
                actor="system",
                action="contacts.check_mailed",
                subject=f"contact-check:{check.id}",
                data={"contacts": report.sent},
            )
    return report
