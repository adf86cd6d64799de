"""Member lifecycle, contacts and sharing policies; every change is ledgered.

Admission and suspension happen only by resolution: :func:`admit` and :func:`suspend` refuse
a call that names no resolution. :func:`admit_all` is the founding admission of an empty
compact, refused once any member is active. Contact data is personal data: the ledger records
that a contact changed (its id), never its content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.errors import ForbiddenError, InputError, NotFoundError
from wuzhen.jurisdiction.states import StateRegistry
from wuzhen.members.tables import ACTIVE, CANDIDATE, SUSPENDED, Contact, Member, SharingPolicy
from wuzhen.rules import get as rule

CONTACT_KINDS = ("technical", "policy")
EVERYONE = "*"
#: What a direct admission or suspension (one naming no resolution) is refused with.
BY_RESOLUTION_ONLY = "admission and suspension happen only by resolution: table a proposal"
FOUNDED = "the compact has active members: admission happens only by resolution: table a proposal"


def seed(session: Session, states: StateRegistry, at: datetime) -> int:
    """Add every state of the registry not yet in the store, as a candidate."""
    have = set(session.scalars(select(Member.code)))
    new = [s for s in states.states if s.iso2 not in have]
    for s in new:
        session.add(
            Member(
                code=s.iso2,
                iso3=s.iso3,
                m49=s.m49,
                name=s.name,
                region=s.region,
                subregion=s.subregion,
                un_status=s.status,
                answers_for=list(s.answers_for),
                status=CANDIDATE,
                voting_rights=True,
                details={},
            )
        )
    if new:
        ledger.append(
            session,
            at=at,
            actor="system",
            action="members.registered",
            subject="members",
            data={"codes": sorted(s.iso2 for s in new)},
        )
    session.flush()
    return len(new)


def member(session: Session, code: str) -> Member:
    found = session.get(Member, code.upper())
    if found is None:
        msg = f"no state with code {code!r}"
        raise NotFoundError(msg)
    return found


def admit(
    session: Session,
    code: str,
    *,
    actor: str,
    at: datetime,
    reason: str = "",
    resolution: str | None = None,
) -> Member:
    """Admit a state, carrying out ``resolution`` (refused without one)."""
    if not resolution:
        raise ForbiddenError(BY_RESOLUTION_ONLY)
    m = member(session, code)
    if m.status == ACTIVE:
        msg = f"{m.code} is already an active member"
        raise InputError(msg)
    m.status, m.admitted_at, m.suspended_at = ACTIVE, at, None
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="member.admitted",
        subject=f"member:{m.code}",
        data={"reason": reason, "resolution": resolution},
    )
    return m


def founded(session: Session) -> bool:
    """Whether the compact has had its founding admission: some member is active."""
    return session.scalar(select(Member.code).where(Member.status == ACTIVE).limit(1)) is not None


def admit_all(session: Session, *, actor: str, at: datetime, reason: str) -> int:
    """The founding admission: every candidate state, in one ledgered act, into a compact
    that has no active member yet (the demo starts from a full compact). Refused once any
    member is active: from then on admission happens only by resolution."""
    if founded(session):
        raise ForbiddenError(FOUNDED)
    found = list(session.scalars(select(Member).where(Member.status == CANDIDATE)))
    for m in found:
        m.status, m.admitted_at, m.suspended_at = ACTIVE, at, None
    if found:
        ledger.append(
            session,
            at=at,
            actor=actor,
            action="members.admitted",
            subject="members",
            data={"codes": sorted(m.code for m in found), "reason": reason},
        )
    return len(found)


def suspend(
    session: Session,
    code: str,
    *,
    actor: str,
    at: datetime,
    reason: str,
    resolution: str | None = None,
) -> Member:
    """Suspend a member, carrying out ``resolution`` (refused without one)."""
    if not resolution:
        raise ForbiddenError(BY_RESOLUTION_ONLY)
    m = member(session, code)
    if m.status != ACTIVE:
        msg = f"{m.code} is not an active member"
        raise InputError(msg)
    m.status, m.suspended_at = SUSPENDED, at
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="member.suspended",
        subject=f"member:{m.code}",
        data={"reason": reason, "resolution": resolution},
    )
    return m


def update_details(
    session: Session, code: str, details: dict[str, Any], *, actor: str, at: datetime
) -> Member:
    m = member(session, code)
    m.details = {**m.details, **details}
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="member.details_changed",
        subject=f"member:{m.code}",
        data={"fields": sorted(details)},
    )
    return m


def active(session: Session) -> list[Member]:
    return list(
        session.scalars(select(Member).where(Member.status == ACTIVE).order_by(Member.code))
    )


def routing_table(session: Session) -> pl.DataFrame:
    """Country code -> the active member answering for it (the members' jurisdictions)."""
    rows = [(cc, m.code) for m in active(session) for cc in m.answers_for]
    return pl.DataFrame(rows, schema={"cc": pl.String, "state": pl.String}, orient="row")


# -- contacts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactFields:
    kind: str
    name: str
    email: str
    role: str = ""
    phone: str = ""
    languages: Sequence[str] = ()
    timezone: str = "UTC"
    hours: str = ""

    def check(self) -> None:
        if self.kind not in CONTACT_KINDS:
            msg = f"contact kind must be one of {', '.join(CONTACT_KINDS)}"
            raise InputError(msg)
        if "@" not in self.email or not self.name.strip():
            msg = "a contact needs a name and an e-mail address"
            raise InputError(msg)


def add_contact(
    session: Session, code: str, fields: ContactFields, *, actor: str, at: datetime
) -> Contact:
    fields.check()
    m = member(session, code)
    c = Contact(
        member=m.code,
        kind=fields.kind,
        name=fields.name,
        role=fields.role,
        email=fields.email,
        phone=fields.phone,
        languages=list(fields.languages),
        timezone=fields.timezone,
        hours=fields.hours,
        updated_at=at,
    )
    session.add(c)
    session.flush()
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="contact.added",
        subject=f"member:{m.code}",
        data={"contact": c.id, "kind": c.kind},
    )
    return c


def update_contact(
    session: Session, contact_id: int, fields: ContactFields, *, actor: str, at: datetime
) -> Contact:
    fields.check()
    c = _contact(session, contact_id)
    c.kind, c.name, c.role, c.email, c.phone = (
        fields.kind,
        fields.name,
        fields.role,
        fields.email,
        fields.phone,
    )
    c.languages, c.timezone, c.hours = list(fields.languages), fields.timezone, fields.hours
    c.updated_at = at
    c.confirmed_at = None  # changed details are confirmed again
    _log_contact(session, c, "contact.changed", actor=actor, at=at)
    return c


def confirm_contact(session: Session, contact_id: int, *, actor: str, at: datetime) -> Contact:
    c = _contact(session, contact_id)
    c.confirmed_at = at
    _log_contact(session, c, "contact.confirmed", actor=actor, at=at)
    return c


def remove_contact(session: Session, contact_id: int, *, actor: str, at: datetime) -> None:
    c = _contact(session, contact_id)
    _log_contact(session, c, "contact.removed", actor=actor, at=at)
    session.delete(c)


def _contact(session: Session, contact_id: int) -> Contact:
    found = session.get(Contact, contact_id)
    if found is None:
        msg = f"no contact {contact_id}"
        raise NotFoundError(msg)
    return found


def _log_contact(session: Session, c: Contact, action: str, *, actor: str, at: datetime) -> None:
    """Ledger a change to a contact: which contact (its id), never its content."""
    ledger.append(
        session,
        at=at,
        actor=actor,
        action=action,
        subject=f"member:{c.member}",
        data={"contact": c.id},
    )


def contacts(session: Session, code: str) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact).where(Contact.member == code.upper()).order_by(Contact.kind, Contact.id)
        )
    )


def onboarded(session: Session, code: str) -> bool:
    """A member with no confirmed technical contact is "not onboarded" (never "unresponsive")."""
    return (
        session.scalar(
            select(Contact.id)
            .where(
                Contact.member == code.upper(),
                Contact.kind == "technical",
                Contact.confirmed_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


# -- sharing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sharing:
    """What events of ``owner`` carry when ``recipient`` sees them."""

    raw: bool
    destination: bool


def set_sharing(
    session: Session,
    owner: str,
    recipient: str,
    *,
    raw: bool,
    destination: bool,
    actor: str,
    at: datetime,
) -> SharingPolicy:
    m = member(session, owner)
    recipient = recipient.upper() if recipient != EVERYONE else EVERYONE
    if recipient != EVERYONE:
        member(session, recipient)
    row = session.get(SharingPolicy, (m.code, recipient))
    if row is None:
        row = SharingPolicy(
            member=m.code, recipient=recipient, raw=raw, destination=destination, updated_at=at
        )
        session.add(row)
    else:
        row.raw, row.destination, row.updated_at = raw, destination, at
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="sharing.changed",
        subject=f"member:{m.code}",
        data={"recipient": recipient, "raw": raw, "destination": destination},
    )
    return row


def sharing(session: Session, owner: str, recipient: str) -> Sharing:
    """The policy in force: the owner's entry for this recipient, its "*" entry, else the
    compact's default (a rule)."""
    for key in (recipient, EVERYONE):
        row = session.get(SharingPolicy, (owner, key))
        if row is not None:
            return Sharing(row.raw, row.destination)
    return _default_sharing(session)


def sharing_table(session: Session, recipient: str) -> tuple[pl.DataFrame, Sharing]:
    """What each owner's events carry for ``recipient``: the owners that set a policy for it
    (owner, raw, destination), and the compact's default for all the others."""
    rows = session.scalars(
        select(SharingPolicy).where(SharingPolicy.recipient.in_([recipient, EVERYONE]))
    ).all()
    best: dict[str, SharingPolicy] = {}
    for r in rows:
        if r.member not in best or r.recipient != EVERYONE:
            best[r.member] = r
    data = [(o, p.raw, p.destination) for o, p in best.items()]
    frame = pl.DataFrame(
        data,
        schema={"owner": pl.String, "raw": pl.Boolean, "destination": pl.Boolean},
        orient="row",
    )
    return frame, _default_sharing(session)


def _default_sharing(session: Session) -> Sharing:
    """The compact's default sharing policy (a rule)."""
    default = rule(session, "sharing.default_policy")
    return Sharing(bool(default["raw"]), bool(default["destination"]))


__all__ = [
    "ACTIVE",
    "BY_RESOLUTION_ONLY",
    "CANDIDATE",
    "CONTACT_KINDS",
    "EVERYONE",
    "SUSPENDED",
    "ContactFields",
    "Sharing",
    "active",
    "add_contact",
    "admit",
    "admit_all",
    "confirm_contact",
    "contacts",
    "member",
    "onboarded",
    "remove_contact",
    "routing_table",
    "seed",
    "set_sharing",
    "sharing",
    "sharing_table",
    "suspend",
    "update_contact",
    "update_details",
]
