"""Proposals: the list, a proposal's page (its text and changes, amendments, who voted, and
the result once the vote has closed) with the forms to amend it, accept an amendment and put
it to the vote, and the ballot page where a member's administrator casts (or changes) its
member's vote and the vote of the member whose proxy it holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from wuzhen import rules
from wuzhen.errors import ForbiddenError
from wuzhen.governance import acts
from wuzhen.governance import service as gov
from wuzhen.governance import views as gov_views
from wuzhen.i18n import _
from wuzhen.web._auth import MaybeUser, MemberUser, UserPost, node_of
from wuzhen.web._governance import actor, draft_of, field, time_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()
STATES = ("tabled", "voting", "adopted", "rejected", "accepted")


@router.get("/proposals")
def proposals_page(
    request: Request, user: MaybeUser, state: Annotated[str, Query(max_length=16)] = ""
) -> Response:
    with node_of(request).db.session() as s:
        rows = gov_views.proposals(s, state=state if state in STATES else None)
    json_url = "/api/v1/proposals" + (f"?state={state}" if state in STATES else "")
    context = {"proposals": rows, "state": state, "states": STATES, "json_url": json_url}
    return render(request, "proposals.html", context)


@router.get("/proposals/{proposal_id}")
def proposal_page(request: Request, user: MaybeUser, proposal_id: str) -> Response:
    """Anyone may read it; the result and each member's choice only after the close (and
    the choices never for a secret ballot): the page shows what the API shows."""
    node = node_of(request)
    with node.db.session() as s:
        detail = gov_views.proposal_detail(s, proposal_id)
        parent = gov_views.proposal_detail(s, detail["parent"]) if detail["parent"] else None
        voters = gov.voters(s)
    administers = user.member if user is not None and user.is_admin else None
    me = "secretariat" if user is not None and user.is_secretariat else administers
    context = {
        "p": detail,
        "parent": parent,
        "administers": administers,
        "may_vote": administers in voters and detail["state"] == gov.VOTING,
        "may_amend": administers is not None
        and detail["state"] == gov.TABLED
        and detail["parent"] is None,
        "may_accept": parent is not None
        and detail["state"] == gov.TABLED
        and me is not None
        and parent["proposer"] == me,
        "may_open": user is not None and user.is_secretariat and detail["state"] == gov.TABLED,
        "rule_keys": list(rules.SPECS),
        "json_url": f"/api/v1/proposals/{proposal_id}",
    }
    return render(request, "proposal.html", context)


@router.post("/proposals/{proposal_id}/amendments")
async def amend(request: Request, user: UserPost, proposal_id: str) -> Response:
    form = await request.form()
    node = node_of(request)
    with node.db.session() as s:
        a = acts.amend(
            s, actor(user), proposal_id, draft_of(form, amendment=True), at=node.clock.now()
        )
        aid = a.id
    return RedirectResponse(f"/proposals/{aid}", status_code=303)


@router.post("/proposals/{proposal_id}/accept")
def accept(request: Request, user: UserPost, proposal_id: str) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        parent = acts.accept(s, actor(user), proposal_id, at=node.clock.now())
        pid = parent.id
    return RedirectResponse(f"/proposals/{pid}", status_code=303)


@router.post("/proposals/{proposal_id}/open-vote")
async def open_vote(request: Request, user: UserPost, proposal_id: str) -> Response:
    form = await request.form()
    node = node_of(request)
    closes = time_of(field(form, "closes"), _("Vote closes"))
    with node.db.session() as s:
        acts.open_vote(s, actor(user), proposal_id, closes_at=closes, at=node.clock.now())
    return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)


def _administrator(user: MemberUser) -> str:
    if not user.is_admin or user.member is None:
        raise ForbiddenError(_("Only a member's administrator casts its member's vote."))
    return user.member


@router.get("/proposals/{proposal_id}/ballot")
def ballot_page(
    request: Request,
    user: MemberUser,
    proposal_id: str,
    done: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    member = _administrator(user)
    with node_of(request).db.session() as s:
        detail = gov_views.proposal_detail(s, proposal_id)
        ballot = gov_views.ballot(s, proposal_id, member)
    context = {
        "p": detail,
        "ballot": ballot,
        "done": done,
        "json_url": f"/api/v1/votes/ballot?proposal={proposal_id}",
    }
    return render(request, "ballot.html", context)


@router.post("/proposals/{proposal_id}/ballot")
async def cast(request: Request, user: UserPost, proposal_id: str) -> Response:
    form = await request.form()
    node = node_of(request)
    on_behalf = field(form, "on_behalf_of").upper() or None
    with node.db.session() as s:
        acts.cast(
            s,
            actor(user),
            proposal_id,
            field(form, "choice"),
            at=node.clock.now(),
            reason=field(form, "reason"),
            on_behalf_of=on_behalf,
        )
    who = on_behalf or user.member or ""
    return RedirectResponse(f"/proposals/{proposal_id}/ballot?done={who}", status_code=303)
