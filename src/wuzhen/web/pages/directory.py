"""The points-of-contact directory: every member's reachability (when its contacts were last
confirmed, how fast it answered the latest check), a member's contact cards, the
secretariat's form to start a check, and a member administrator's confirmations.

Contact cards follow ``/api/v1/contacts``: a member's own accounts and the secretariat see
all of its contacts; other members see its confirmed technical contacts only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wuzhen.directory import service
from wuzhen.errors import ForbiddenError
from wuzhen.i18n import _
from wuzhen.members.service import contacts, member
from wuzhen.web._auth import SecretariatPost, User, UserPost, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


@router.get("/directory")
def directory_page(
    request: Request, user: User, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    needle = q.strip().lower()
    with node_of(request).db.session() as s:
        rows = [
            r
            for r in service.directory(s)
            if not needle or needle in r.name.lower() or needle == r.member.lower()
        ]
        check = service.latest(s)
        answers = service.answers(s, check.id) if check else []
        mine = [a for a in answers if user.member and a.member == user.member]
        people = {c.id: c for c in contacts(s, user.member)} if user.member else {}
    return render(
        request,
        "directory.html",
        {
            "rows": rows,
            "q": q,
            "check": check,
            "asked": len(answers),
            "answered": sum(a.confirmed_at is not None for a in answers),
            "mine": [(a, people.get(a.contact)) for a in mine],
            "unasked": [
                c
                for c in people.values()
                if check and user.member in check.members and c.id not in {a.contact for a in mine}
            ],
            "json_url": "/api/v1/contacts/directory",
        },
    )


@router.get("/directory/{code}")
def member_directory_page(request: Request, user: User, code: str) -> Response:
    with node_of(request).db.session() as s:
        m = member(s, code)
        found = service.directory(s, [m.code])
        every = contacts(s, m.code)
    if user.is_secretariat or user.member == m.code:
        cards = every
    else:
        cards = [c for c in every if c.kind == "technical" and c.confirmed_at is not None]
    return render(
        request,
        "directory_member.html",
        {
            "member": m,
            "row": found[0] if found else None,
            "cards": cards,
            "json_url": f"/api/v1/contacts/directory?member={m.code}",
        },
    )


@router.post("/directory/checks")
def start_check(
    request: Request, user: SecretariatPost, note: Annotated[str, Form()] = ""
) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        service.start_check(s, account=user.id, at=node.clock.now(), note=note)
    return RedirectResponse("/directory", status_code=303)


@router.post("/directory/checks/{check_id}/confirm")
def confirm(
    request: Request, user: UserPost, check_id: str, contact: Annotated[list[int], Form()]
) -> Response:
    if user.member is None or not user.is_admin:
        raise ForbiddenError(_("Only the member's administrators confirm its contacts."))
    node = node_of(request)
    with node.db.session() as s:
        for contact_id in sorted(set(contact)):
            service.confirm(
                s, check_id, contact_id, member=user.member, account=user.id, at=node.clock.now()
            )
    return RedirectResponse("/directory", status_code=303)
