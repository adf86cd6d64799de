"""Reachability checks of the points of contact, and the directory they feed.

The secretariat starts a check: every contact of every active member is asked (and e-mailed
by ``tick``, see :mod:`wuzhen.directory.mail`) to confirm it is reachable. A member's
administrator confirms each contact in the UI or the API; the contact's ``confirmed_at`` is
set as when it is confirmed any other way. The directory shows, per member and kind of
contact, when a contact of that kind was last confirmed and, for the latest check the member
was asked in, how fast: the time from the check's start to the first confirmation of that
kind. Starting a check and each answer are ledgered (ids only, never contact data).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.directory.tables import ContactCheck, ContactCheckAnswer
from wuzhen.errors import ConflictError, NotFoundError
from wuzhen.i18n import _
from wuzhen.members.service import CONTACT_KINDS, active, confirm_contact
from wuzhen.members.tables import Contact, Member


def start_check(session: Session, *, account: str, at: datetime, note: str = "") -> ContactCheck:
    """Ask every contact of every active member to confirm it is reachable."""
    members = [m.code for m in active(session)]
    check = ContactCheck(
        id=secrets.token_hex(8),
        started_at=at,
        started_by=account,
        note=note.strip(),
        members=members,
    )
    session.add(check)
    session.flush()
    contacts = session.scalars(
        select(Contact).where(Contact.member.in_(members)).order_by(Contact.member, Contact.id)
    ).all()
    for c in contacts:
        session.add(
            ContactCheckAnswer(
                check_id=check.id, member=c.member, contact=c.id, kind=c.kind, asked_at=at
            )
        )
    ledger.append(
        session,
        at=at,
        actor=f"account:{account}",
        action="contacts.check_started",
        subject=f"contact-check:{check.id}",
        data={"members": len(members), "contacts": len(contacts)},
    )
    return check


def get_check(session: Session, check_id: str) -> ContactCheck:
    found = session.get(ContactCheck, check_id)
    if found is None:
        raise NotFoundError(_("No contact check {id}.").format(id=check_id))
    return found


def checks(session: Session) -> list[ContactCheck]:
    """Every check, the latest first."""
    return list(
        session.scalars(
            select(ContactCheck).order_by(ContactCheck.started_at.desc(), ContactCheck.id)
        )
    )


def latest(session: Session) -> ContactCheck | None:
    return session.scalars(
        select(ContactCheck).order_by(ContactCheck.started_at.desc(), ContactCheck.id).limit(1)
    ).first()


def answers(session: Session, check_id: str, member: str | None = None) -> list[ContactCheckAnswer]:
    stmt = select(ContactCheckAnswer).where(ContactCheckAnswer.check_id == check_id)
    if member is not None:
        stmt = stmt.where(ContactCheckAnswer.member == member)
    return list(
        session.scalars(stmt.order_by(ContactCheckAnswer.member, ContactCheckAnswer.contact))
    )


def confirm(
    session: Session, check_id: str, contact_id: int, *, member: str, account: str, at: datetime
) -> ContactCheckAnswer:
    """``member`` confirms that its contact ``contact_id`` is reachable, answering a check.

    A contact added after the check started can answer it too. Confirming twice changes
    nothing the second time.
    """
    check = get_check(session, check_id)
    contact = session.get(Contact, contact_id)
    if contact is None or contact.member != member:
        raise NotFoundError(_("No contact {id}.").format(id=contact_id))
    if member not in check.members:
        raise ConflictError(_("{member} was not asked in this check.").format(member=member))
    answer = session.scalars(
        select(ContactCheckAnswer).where(
            ContactCheckAnswer.check_id == check.id, ContactCheckAnswer.contact == contact.id
        )
    ).first()
    if answer is None:
        answer = ContactCheckAnswer(
            check_id=check.id, member=member, contact=contact.id, kind=contact.kind, asked_at=at
        )
        session.add(answer)
    if answer.confirmed_at is not None:
        return answer
    answer.confirmed_at, answer.confirmed_by, answer.kind = at, account, contact.kind
    confirm_contact(session, contact.id, actor=f"account:{account}", at=at)
    ledger.append(
        session,
        at=at,
        actor=f"account:{account}",
        action="contacts.check_answered",
        subject=f"contact-check:{check.id}",
        data={
            "member": member,
            "contact": contact.id,
            "kind": contact.kind,
            "seconds": int((at - check.started_at).total_seconds()),
        },
    )
    return answer


# -- the directory -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reachability:
    """One member's contacts of one kind, and how they answered checks."""

    contacts: int
    confirmed: int  # contacts confirmed at least once (and not changed since)
    last_confirmed_at: datetime | None
    check_id: str | None  # the latest check the member was asked in
    asked: int  # contacts of this kind asked in it
    answered: int  # of which confirmed
    first_answer_at: datetime | None
    seconds_to_answer: int | None  # from the check's start to the first confirmation


@dataclass(frozen=True, slots=True)
class DirectoryRow:
    member: str
    name: str
    kinds: dict[str, Reachability]

    @property
    def unanswered(self) -> int:
        return sum(r.asked - r.answered for r in self.kinds.values())


def directory(session: Session, members: list[str] | None = None) -> list[DirectoryRow]:
    """Every active member (or the ``members`` named) with its reachability per kind."""
    found = [m for m in active(session) if members is None or m.code in members]
    codes = [m.code for m in found]
    people: dict[tuple[str, str], list[Contact]] = defaultdict(list)
    for c in session.scalars(select(Contact).where(Contact.member.in_(codes))):
        people[c.member, c.kind].append(c)
    asked_in = _latest_check_of(session, codes)
    replies: dict[tuple[str, str], list[ContactCheckAnswer]] = defaultdict(list)
    check_ids = {c.id for c in asked_in.values()}
    if check_ids:
        for a in session.scalars(
            select(ContactCheckAnswer).where(ContactCheckAnswer.check_id.in_(check_ids))
        ):
            if a.member in asked_in and asked_in[a.member].id == a.check_id:
                replies[a.member, a.kind].append(a)
    rows = []
    for m in found:
        check = asked_in.get(m.code)
        kinds = {}
        for kind in CONTACT_KINDS:
            mine = people[m.code, kind]
            confirmed = [c.confirmed_at for c in mine if c.confirmed_at is not None]
            asked = replies[m.code, kind]
            times = sorted(a.confirmed_at for a in asked if a.confirmed_at is not None)
            first = times[0] if times else None
            kinds[kind] = Reachability(
                contacts=len(mine),
                confirmed=len(confirmed),
                last_confirmed_at=max(confirmed, default=None),
                check_id=check.id if check else None,
                asked=len(asked),
                answered=len(times),
                first_answer_at=first,
                seconds_to_answer=int((first - check.started_at).total_seconds())
                if first is not None and check is not None
                else None,
            )
        rows.append(DirectoryRow(m.code, m.name, kinds))
    return rows


def _latest_check_of(session: Session, codes: list[str]) -> dict[str, ContactCheck]:
    """For each member, the latest check it was asked in."""
    wanted = set(codes)
    out: dict[str, ContactCheck] = {}
    for check in checks(session):
        for code in check.members:
            if code in wanted and code not in out:
                out[code] = check
        if len(out) == len(wanted):
            break
    return out


def member_name(session: Session, code: str) -> str:
    m = session.get(Member, code)
    return m.name if m is not None else code
