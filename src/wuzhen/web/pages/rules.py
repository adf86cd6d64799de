"""The rules page (public): each rule's value in force and its history, with the resolution
behind each change; and the resolutions, each with its changes and whether they apply yet."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

from wuzhen.governance import views as gov_views
from wuzhen.web._auth import MaybeUser, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


def rules_context(request: Request) -> dict[str, object]:
    """What the rules page shows (the secretariat's rules page shows the same)."""
    with node_of(request).db.session() as s:
        rows = gov_views.rule_rows(s)
    for row in rows:
        row["shown"] = json.dumps(row["value"], ensure_ascii=False)
    return {"rules": rows, "json_url": "/api/v1/rules"}


@router.get("/rules")
def rules_page(request: Request, user: MaybeUser) -> Response:
    return render(request, "rules.html", rules_context(request))


@router.get("/resolutions")
def resolutions_page(request: Request, user: MaybeUser) -> Response:
    with node_of(request).db.session() as s:
        rows = gov_views.resolutions(s)
    return render(
        request, "resolutions.html", {"resolutions": rows, "json_url": "/api/v1/resolutions"}
    )


@router.get("/resolutions/{ref}")
def resolution_page(request: Request, user: MaybeUser, ref: str) -> Response:
    with node_of(request).db.session() as s:
        row = gov_views.resolution(s, ref)
    context = {"r": row, "json_url": f"/api/v1/resolutions/{row['id']}"}
    return render(request, "resolution.html", context)
