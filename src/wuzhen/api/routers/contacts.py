"""``/contacts``: members' points of contact. Contact data is personal data, so:

- a member's own accounts, and the secretariat, see all of its contacts, every field;
- other members see its *confirmed technical* contacts only, as a card (kind, name, e-mail,
  phone, languages, time zone, hours): enough to reach its CERT, nothing more;
- the public sees none (401).

The member's administrators and the secretariat add, change, confirm and remove contacts.
A contact of another member is answered like one that does not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from wuzhen.api.deps import AccountDep, Caller, NodeDep, manages
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.errors import ForbiddenError, InputError, NotFoundError
from wuzhen.i18n import _
from wuzhen.members import service
from wuzhen.members.service import ContactFields
from wuzhen.members.tables import Contact

router = APIRouter(prefix="/contacts", tags=["contacts"], responses=ERRORS)
ContactId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Kind = Literal["technical", "policy"]


class ContactPublic(BaseModel):
    """A point of contact. Fields other members do not see are null for them."""

    id: int | None
    member: str
    kind: str
    name: str
    email: str
    phone: str
    languages: list[str]
    timezone: str
    hours: str
    role: str | None
    confirmed_at: datetime | None
    updated_at: datetime | None


class ContactPage(Page[ContactPublic]):
    pass


class ContactCreate(Strict):
    member: str = Field(pattern=CC_PATTERN)
    kind: Kind
    name: str = Field(min_length=1, max_length=128)
    email: str = Field(min_length=3, max_length=254)
    role: str = Field(default="", max_length=128)
    phone: str = Field(default="", max_length=64)
    languages: list[Annotated[str, Field(max_length=16)]] = Field(default=[], max_length=10)
    timezone: str = Field(default="UTC", max_length=64)
    hours: str = Field(default="", max_length=128)

    def fields(self) -> ContactFields:
        return ContactFields(**self.model_dump(exclude={"member"}))


class ContactUpdate(Strict):
    """Fields to change (left out: unchanged). A changed contact needs confirming again."""

    kind: Kind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=128)
    email: str | None = Field(default=None, min_length=3, max_length=254)
    role: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=64)
    languages: list[Annotated[str, Field(max_length=16)]] | None = Field(
        default=None, max_length=10
    )
    timezone: str | None = Field(default=None, max_length=64)
    hours: str | None = Field(default=None, max_length=128)


def _full(c: Contact) -> ContactPublic:
    return ContactPublic(
        id=c.id,
        member=c.member,
        kind=c.kind,
        name=c.name,
        email=c.email,
        phone=c.phone,
        languages=list(c.languages),
        timezone=c.timezone,
        hours=c.hours,
        role=c.role,
        confirmed_at=c.confirmed_at,
        updated_at=c.updated_at,
    )


def _card(c: Contact) -> ContactPublic:
    return _full(c).model_copy(update={"id": None, "role": None, "updated_at": None})


def _managed(s: Session, caller: Caller, contact_id: int) -> Contact:
    c = s.get(Contact, contact_id)
    if c is None or not (caller.is_secretariat or caller.member == c.member):
        raise NotFoundError(_("No contact {id}.").format(id=contact_id))
    if not manages(caller, c.member):
        raise ForbiddenError(_("Only the member's administrators or the secretariat may."))
    return c


@router.get("", response_model=ContactPage, summary="A member's points of contact")
def list_contacts(
    node: NodeDep,
    caller: AccountDep,
    page: PageDep,
    member: Annotated[
        str | None,
        Query(pattern=CC_PATTERN, description="Whose contacts (default: the caller's member)."),
    ] = None,
) -> ContactPage:
    code = (member or caller.member or "").upper()
    if not code:
        raise InputError(_("Name the member: ?member=CODE."))
    with node.db.session() as s:
        service.member(s, code)
        rows = service.contacts(s, code)
        if caller.is_secretariat or caller.member == code:
            items = [_full(c) for c in rows]
        else:
            items = [_card(c) for c in rows if c.kind == "technical" and c.confirmed_at is not None]
    return ContactPage(
        items=page.slice(items), total=len(items), limit=page.limit, offset=page.offset
    )


@router.post("", response_model=ContactPublic, status_code=201, summary="Add a contact")
def add_contact(node: NodeDep, caller: AccountDep, body: ContactCreate) -> ContactPublic:
    if not manages(caller, body.member):
        raise ForbiddenError(_("Only the member's administrators or the secretariat may."))
    with node.db.session() as s:
        c = service.add_contact(
            s, body.member, body.fields(), actor=caller.actor, at=node.clock.now()
        )
        return _full(c)


@router.patch("/{contact_id}", response_model=ContactPublic, summary="Change a contact")
def update_contact(
    node: NodeDep, caller: AccountDep, contact_id: ContactId, body: ContactUpdate
) -> ContactPublic:
    with node.db.session() as s:
        c = _managed(s, caller, contact_id)
        merged = {
            "kind": c.kind,
            "name": c.name,
            "email": c.email,
            "role": c.role,
            "phone": c.phone,
            "languages": list(c.languages),
            "timezone": c.timezone,
            "hours": c.hours,
            **body.model_dump(exclude_unset=True, exclude_none=True),
        }
        c = service.update_contact(
            s, c.id, ContactFields(**merged), actor=caller.actor, at=node.clock.now()
        )
        return _full(c)


@router.post(
    "/{contact_id}/confirm", response_model=ContactPublic, summary="Confirm a contact works"
)
def confirm_contact(node: NodeDep, caller: AccountDep, contact_id: ContactId) -> ContactPublic:
    with node.db.session() as s:
        c = _managed(s, caller, contact_id)
        return _full(service.confirm_contact(s, c.id, actor=caller.actor, at=node.clock.now()))


@router.delete("/{contact_id}", status_code=204, summary="Remove a contact")
def remove_contact(node: NodeDep, caller: AccountDep, contact_id: ContactId) -> Response:
    with node.db.session() as s:
        c = _managed(s, caller, contact_id)
        service.remove_contact(s, c.id, actor=caller.actor, at=node.clock.now())
    return Response(status_code=204)
