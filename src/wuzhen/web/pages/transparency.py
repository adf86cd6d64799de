"""The public transparency report page (``/transparency``): the same report the API serves
at ``/api/v1/transparency`` and the command line publishes, with its charts; a member pair
can be picked to see both directions side by side. ``/transparency.csv`` is its CSV."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from wuzhen import i18n
from wuzhen.api.routers.transparency import PERIOD, report_for
from wuzhen.transparency.render import body, style, to_csv
from wuzhen.web._auth import MaybeUser, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()
Period = Annotated[str | None, Query(pattern=PERIOD, max_length=16)]
Code = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")]


def _report(request: Request, period: str | None) -> tuple[str, dict[str, Any]]:
    node = node_of(request)
    state = request.app.state.api
    chosen = period or str(node.clock.now().year)
    return chosen, report_for(node, state, state.versions(), chosen)


@router.get("/transparency")
def transparency(
    request: Request, user: MaybeUser, period: Period = None, a: Code = None, b: Code = None
) -> Response:
    chosen, report = _report(request, period)
    pair = (a.upper(), b.upper()) if a and b and a.upper() != b.upper() else None
    members = [(m["code"], m["name"]) for m in report["members"]]
    context = {
        "period": chosen,
        "body": body(report, i18n.language(), pair),
        "css": style(),
        "members": members,
        "a": pair[0] if pair else "",
        "b": pair[1] if pair else "",
        "csv_url": "/transparency.csv?" + urlencode({"period": chosen}),
        "json_url": "/api/v1/transparency?" + urlencode({"period": chosen}),
    }
    return render(request, "transparency.html", context)


@router.get("/transparency.csv")
def transparency_csv(request: Request, user: MaybeUser, period: Period = None) -> Response:
    chosen, report = _report(request, period)
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="transparency-{chosen}.csv"'},
    )
