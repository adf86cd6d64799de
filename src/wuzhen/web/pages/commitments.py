"""Commitments: the register (a party's administrator proposes one there) and a commitment's
page: its text and clauses, each party's response times and outcomes computed from the data,
the requests under it (to its parties), and the forms to adopt it (its parties'
administrators), register it and record its status (the secretariat), and link a request
made under a clause (its parties)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from wuzhen.governance import acts
from wuzhen.governance import views as gov_views
from wuzhen.governance.commitments import STATUSES
from wuzhen.web._auth import MaybeUser, UserPost, node_of
from wuzhen.web._governance import actor, field
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


@router.get("/commitments")
def commitments_page(request: Request, user: MaybeUser) -> Response:
    with node_of(request).db.session() as s:
        rows = gov_views.commitment_list(s)
    context = {
        "commitments": rows,
        "administers": user.member if user is not None and user.is_admin else None,
        "json_url": "/api/v1/commitments",
    }
    return render(request, "commitments.html", context)


@router.post("/commitments")
async def propose(request: Request, user: UserPost) -> Response:
    form = await request.form()
    node = node_of(request)
    parties = [p.strip().upper() for p in field(form, "parties").replace(",", " ").split()]
    clauses = [c.strip() for c in field(form, "clauses").splitlines() if c.strip()]
    months = field(form, "review_months")
    with node.db.session() as s:
        c = acts.propose_commitment(
            s,
            actor(user),
            title=field(form, "title"),
            parties=sorted({*parties, user.member or ""} - {""}),
            text=field(form, "text"),
            clauses=clauses,
            review_months=int(months) if months.isdigit() and len(months) < 4 else 12,
            at=node.clock.now(),
        )
        cid = c.id
    return RedirectResponse(f"/commitments/{cid}", status_code=303)


@router.get("/commitments/{commitment_id}")
def commitment_page(request: Request, user: MaybeUser, commitment_id: str) -> Response:
    node = node_of(request)
    member = user.member if user is not None else None
    with node.db.session() as s:
        detail = gov_views.commitment_detail(s, commitment_id, node.clock.now(), member)
    administers = user.member if user is not None and user.is_admin else None
    context = {
        "c": detail,
        "party": member in detail["parties"],
        "may_adopt": administers in detail["parties"]
        and detail["status"] == "proposed"
        and administers not in detail["adopted_by"],
        "secretariat": user is not None and user.is_secretariat,
        "statuses": STATUSES,
        "json_url": f"/api/v1/commitments/{commitment_id}",
    }
    return render(request, "commitment.html", context)


@router.post("/commitments/{commitment_id}/adopt")
def adopt(request: Request, user: UserPost, commitment_id: str) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        acts.adopt_commitment(s, actor(user), commitment_id, at=node.clock.now())
    return RedirectResponse(f"/commitments/{commitment_id}", status_code=303)


@router.post("/commitments/{commitment_id}/register")
def register(request: Request, user: UserPost, commitment_id: str) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        acts.register_commitment(s, actor(user), commitment_id, at=node.clock.now())
    return RedirectResponse(f"/commitments/{commitment_id}", status_code=303)


@router.post("/commitments/{commitment_id}/status")
async def set_status(request: Request, user: UserPost, commitment_id: str) -> Response:
    form = await request.form()
    node = node_of(request)
    with node.db.session() as s:
        acts.set_commitment_status(
            s,
            actor(user),
            commitment_id,
            field(form, "status"),
            reason=field(form, "reason"),
            at=node.clock.now(),
        )
    return RedirectResponse(f"/commitments/{commitment_id}", status_code=303)


@router.post("/commitments/{commitment_id}/links")
async def link(request: Request, user: UserPost, commitment_id: str) -> Response:
    form = await request.form()
    node = node_of(request)
    with node.db.session() as s:
        acts.link_commitment(
            s,
            actor(user),
            commitment_id,
            field(form, "clause"),
            at=node.clock.now(),
            request_id=field(form, "request_id") or None,
        )
    return RedirectResponse(f"/commitments/{commitment_id}", status_code=303)
