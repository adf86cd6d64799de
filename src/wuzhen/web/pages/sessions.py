"""Sessions: the list (the secretariat convenes one there) and a session's page: its agenda,
registered delegations and quorum, its minutes from the ledger, and the forms to register a
delegation (a member's administrator) and to table a proposal (an administrator or the
secretariat)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from wuzhen import rules
from wuzhen.governance import acts
from wuzhen.governance import service as gov
from wuzhen.governance import views as gov_views
from wuzhen.web._auth import MaybeUser, UserPost, node_of
from wuzhen.web._governance import actor, draft_of, field, time_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


@router.get("/sessions")
def sessions_page(request: Request, user: MaybeUser) -> Response:
    with node_of(request).db.session() as s:
        rows = gov_views.sessions(s)
    context = {"sessions": rows, "json_url": "/api/v1/sessions"}
    return render(request, "sessions.html", context)


@router.post("/sessions")
async def convene(request: Request, user: UserPost) -> Response:
    form = await request.form()
    node = node_of(request)
    with node.db.session() as s:
        g = acts.convene(
            s,
            actor(user),
            kind=field(form, "kind"),
            title=field(form, "title"),
            opens_at=time_of(field(form, "opens"), "opens"),
            closes_at=time_of(field(form, "closes"), "closes"),
            at=node.clock.now(),
        )
        sid = g.id
    return RedirectResponse(f"/sessions/{sid}", status_code=303)


@router.get("/sessions/{session_id}")
def session_page(request: Request, user: MaybeUser, session_id: str) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        detail = gov_views.session_detail(s, session_id)
        minutes = gov_views.minutes(s, session_id)
        voters = sorted(gov.voters(s))
        methods = rules.get(s, "governance.methods")
    administers = user.member if user is not None and user.is_admin else None
    context = {
        "session": detail,
        "minutes": minutes,
        "voters": voters,
        "methods": methods,
        "rule_keys": list(rules.SPECS),
        "administers": administers,
        "registered": any(d["member"] == administers for d in detail["delegations"]),
        "may_table": user is not None and (user.is_secretariat or administers is not None),
        "open": node.clock.now() <= detail["closes_at"],
        "json_url": f"/api/v1/sessions/{session_id}",
    }
    return render(request, "session.html", context)


@router.post("/sessions/{session_id}/delegations")
async def register(request: Request, user: UserPost, session_id: str) -> Response:
    form = await request.form()
    node = node_of(request)
    proxy = field(form, "proxy_for").upper() or None
    with node.db.session() as s:
        acts.register(s, actor(user), session_id, at=node.clock.now(), proxy_for=proxy)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)


@router.post("/sessions/{session_id}/proposals")
async def table(request: Request, user: UserPost, session_id: str) -> Response:
    form = await request.form()
    node = node_of(request)
    with node.db.session() as s:
        p = acts.table(s, actor(user), session_id, draft_of(form), at=node.clock.now())
        pid = p.id
    return RedirectResponse(f"/proposals/{pid}", status_code=303)
