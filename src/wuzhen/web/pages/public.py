"""Public pages (no account needed): attribution look-up and the members directory."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import polars as pl
from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from wuzhen.errors import InputError
from wuzhen.i18n import _
from wuzhen.jurisdiction import attribute_values
from wuzhen.members.service import onboarded
from wuzhen.members.tables import CANDIDATE, Member
from wuzhen.web._auth import MaybeUser, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()
MAX_VALUES = 20


@router.get("/attribution")
def attribution(
    request: Request, user: MaybeUser, q: Annotated[str, Query(max_length=4000)] = ""
) -> Response:
    values = q.split()
    if len(values) > MAX_VALUES:
        raise InputError(_("Look up at most 20 values at a time."))
    results: list[dict[str, object]] = []
    notice = ""
    if values:
        attributor = node_of(request).attributor
        frame = attribute_values(
            pl.Series(values, dtype=pl.String), attributor.snapshot, attributor.states
        )
        results = frame.to_dicts()
        notice = str(attributor.snapshot.meta.get("notice", ""))
    json_url = (
        "/api/v1/attribution?" + urlencode([("value", v) for v in values]) if values else None
    )
    context = {"q": q, "results": results, "notice": notice, "json_url": json_url}
    return render(request, "attribution.html", context)


@router.get("/members")
def directory(request: Request, user: MaybeUser) -> Response:
    """Every admitted (or suspended) member: name, region, status, onboarded or not."""
    with node_of(request).db.session() as s:
        members = list(
            s.scalars(select(Member).where(Member.status != CANDIDATE).order_by(Member.name))
        )
        rows = [(m, onboarded(s, m.code)) for m in members]
    return render(request, "members.html", {"rows": rows, "json_url": "/api/v1/members"})
