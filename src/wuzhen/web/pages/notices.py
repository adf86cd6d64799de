"""A notice (its counts, its events, downloads, acknowledge, contest) and the contests list
with the owner's resolve form."""

from __future__ import annotations

from typing import Annotated

import polars as pl
from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.notices import ids as notice_ids
from wuzhen.notices.service import (
    GROUNDS,
    OUTCOMES,
    acknowledge,
    contest,
    contests_of,
    notice_for,
    resolve,
)
from wuzhen.notices.tables import Notice
from wuzhen.web._auth import MemberPost, MemberUser, WebUser, node_of
from wuzhen.web._events import of_ids, page_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


def _notice(request: Request, user: WebUser, notice_id: str) -> tuple[Notice, pl.LazyFrame]:
    """The notice, if the member is its recipient or its owner (NotFoundError otherwise), and
    its events as the member sees them, newest first."""
    assert user.member is not None
    node = node_of(request)
    with node.db.session() as s:
        notice = notice_for(s, notice_id, user.member)
        ids = notice_ids.of_notice(s, node.store.root, notice)
    return notice, of_ids(node, user.viewer, ids, list(notice.counts["by_day"]))


@router.get("/notices/{notice_id}")
def notice_page(
    request: Request,
    user: MemberUser,
    notice_id: str,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    notice, events = _notice(request, user, notice_id)
    page = page_of(events, offset)
    counts = notice.counts
    return render(
        request,
        "notice.html",
        {
            "notice": notice,
            "page": page,
            "hidden": notice.events - page.total,
            "by_day": sorted(counts["by_day"].items()),
            "by_asn": list(counts["by_asn"].items()),
            "by_classification": list(counts["by_classification"].items()),
            "recipient": notice.member == user.member,
            "grounds": GROUNDS,
            "json_url": f"/api/v1/notices/{notice.id}",
        },
    )


@router.post("/notices/{notice_id}/acknowledge")
def notice_acknowledge(request: Request, user: MemberPost, notice_id: str) -> Response:
    node = node_of(request)
    assert user.member is not None
    with node.db.session() as s:
        acknowledge(s, notice_id, member=user.member, account=user.id, at=node.clock.now())
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


@router.post("/notices/{notice_id}/contest")
def notice_contest(
    request: Request,
    user: MemberPost,
    notice_id: str,
    grounds: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    scope: Annotated[str, Form()] = "all",
    event: Annotated[list[str] | None, Form()] = None,
) -> Response:
    node = node_of(request)
    assert user.member is not None
    chosen = (event or []) if scope == "selected" else []
    if scope == "selected" and not chosen:
        raise InputError(_("Select the events to contest, or contest them all."))
    with node.db.session() as s:
        contest(
            s,
            node.store.root,
            member=user.member,
            account=user.id,
            grounds=grounds,
            reason=reason,
            at=node.clock.now(),
            notice_id=notice_id,
            event_ids=chosen,
        )
    return RedirectResponse("/contests", status_code=303)


@router.get("/contests")
def contests_page(request: Request, user: MemberUser) -> Response:
    assert user.member is not None
    with node_of(request).db.session() as s:
        contests = contests_of(s, user.member)
    context = {"contests": contests, "outcomes": OUTCOMES, "json_url": "/api/v1/contests"}
    return render(request, "contests.html", context)


@router.post("/contests/{contest_id}/resolve")
def contest_resolve(
    request: Request,
    user: MemberPost,
    contest_id: str,
    outcome: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    reroute_to: Annotated[str, Form()] = "",
) -> Response:
    node = node_of(request)
    assert user.member is not None
    with node.db.session() as s:
        resolve(
            s,
            contest_id,
            owner=user.member,
            account=user.id,
            outcome=outcome,
            note=note,
            at=node.clock.now(),
            reroute_to=(reroute_to.strip().upper() or None) if outcome == "rerouted" else None,
        )
    return RedirectResponse("/contests", status_code=303)
