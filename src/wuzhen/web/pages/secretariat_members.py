"""Secretariat pages for members: their status, metadata and points of contact.

Admission and suspension happen only by resolution, so these pages show a member's status
and offer no direct change of it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from wuzhen.members.service import (
    CONTACT_KINDS,
    ContactFields,
    add_contact,
    confirm_contact,
    contacts,
    member,
    onboarded,
    remove_contact,
    update_contact,
    update_details,
)
from wuzhen.members.tables import Contact, Member
from wuzhen.web._auth import SecretariatPost, SecretariatUser, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router(prefix="/secretariat")


@router.get("/members")
def members_page(
    request: Request, user: SecretariatUser, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    needle = q.strip().lower()
    with node_of(request).db.session() as s:
        found = [
            m
            for m in s.scalars(select(Member).order_by(Member.name))
            if not needle or needle in m.name.lower() or needle == m.code.lower()
        ]
    context = {"members": found, "q": q, "json_url": "/api/v1/members"}
    return render(request, "secretariat/members.html", context)


@router.get("/members/{code}")
def member_page(request: Request, user: SecretariatUser, code: str) -> Response:
    with node_of(request).db.session() as s:
        m = member(s, code)
        people = contacts(s, m.code)
        is_onboarded = onboarded(s, m.code)
    return render(
        request,
        "secretariat/member.html",
        {
            "member": m,
            "contacts": people,
            "onboarded": is_onboarded,
            "kinds": CONTACT_KINDS,
            "json_url": f"/api/v1/members/{m.code}",
        },
    )


@router.post("/members/{code}/details")
async def member_details(request: Request, user: SecretariatPost, code: str) -> Response:
    """Fields ``detail.<name>`` change metadata; ``new_key``/``new_value`` add one."""
    form = await request.form()
    details = {
        k.removeprefix("detail."): str(v).strip()
        for k, v in form.multi_items()
        if k.startswith("detail.")
    }
    new_key = str(form.get("new_key", "")).strip()
    if new_key:
        details[new_key] = str(form.get("new_value", "")).strip()
    node = node_of(request)
    with node.db.session() as s:
        update_details(s, code, details, actor=user.actor, at=node.clock.now())
    return RedirectResponse(f"/secretariat/members/{code.upper()}", status_code=303)


def _fields(
    kind: str,
    name: str,
    email: str,
    role: str,
    phone: str,
    languages: str,
    timezone: str,
    hours: str,
) -> ContactFields:
    return ContactFields(
        kind=kind,
        name=name.strip(),
        email=email.strip(),
        role=role.strip(),
        phone=phone.strip(),
        languages=[x.strip() for x in languages.split(",") if x.strip()],
        timezone=timezone.strip() or "UTC",
        hours=hours.strip(),
    )


Text = Annotated[str, Form()]


@router.post("/members/{code}/contacts")
def new_contact(
    request: Request,
    user: SecretariatPost,
    code: str,
    kind: Text,
    name: Text,
    email: Text,
    role: Text = "",
    phone: Text = "",
    languages: Text = "",
    timezone: Text = "UTC",
    hours: Text = "",
) -> Response:
    node = node_of(request)
    fields = _fields(kind, name, email, role, phone, languages, timezone, hours)
    with node.db.session() as s:
        add_contact(s, code, fields, actor=user.actor, at=node.clock.now())
    return RedirectResponse(f"/secretariat/members/{code.upper()}", status_code=303)


@router.post("/contacts/{contact_id}")
def change_contact(
    request: Request,
    user: SecretariatPost,
    contact_id: int,
    kind: Text,
    name: Text,
    email: Text,
    role: Text = "",
    phone: Text = "",
    languages: Text = "",
    timezone: Text = "UTC",
    hours: Text = "",
) -> Response:
    node = node_of(request)
    fields = _fields(kind, name, email, role, phone, languages, timezone, hours)
    with node.db.session() as s:
        c = update_contact(s, contact_id, fields, actor=user.actor, at=node.clock.now())
        code = c.member
    return RedirectResponse(f"/secretariat/members/{code}", status_code=303)


@router.post("/contacts/{contact_id}/confirm")
def confirm(request: Request, user: SecretariatPost, contact_id: int) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        code = confirm_contact(s, contact_id, actor=user.actor, at=node.clock.now()).member
    return RedirectResponse(f"/secretariat/members/{code}", status_code=303)


@router.post("/contacts/{contact_id}/remove")
def remove(request: Request, user: SecretariatPost, contact_id: int) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        found = s.get(Contact, contact_id)
        code = found.member if found is not None else ""
        remove_contact(s, contact_id, actor=user.actor, at=node.clock.now())
    return RedirectResponse(f"/secretariat/members/{code}", status_code=303)
