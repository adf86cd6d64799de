"""The home page: a member's dashboard (inbox, events routed to it per day, top source ASNs);
for the secretariat and the public, where to go."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from wuzhen.notices.service import inbox
from wuzhen.web._auth import MaybeUser, node_of
from wuzhen.web._events import api_query, last_days, routed_to
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()
DAYS = 30


@router.get("/")
def home(request: Request, user: MaybeUser) -> Response:
    if user is None or user.member is None:
        return render(request, "home.html")
    node = node_of(request)
    with node.db.session() as s:
        notices = inbox(s, user.member)
    period = last_days(node, user.member, DAYS)
    per_day, asns = routed_to(node, user.viewer, period)
    top = [(int(asn), name or "", int(n)) for asn, n, name in asns.iter_rows()]
    return render(
        request,
        "dashboard.html",
        {
            "notices": notices,
            "per_day": [(d.isoformat(), int(n)) for d, n in per_day.iter_rows()],
            "asns": top,
            "asns_points": [(f"AS{asn} {name}".strip(), n) for asn, name, n in top],
            "days": DAYS,
            "since": per_day["day"][0].isoformat(),
            "json_url": "/api/v1/notices",
            "events_json": "/api/v1/events?" + api_query(period),
        },
    )
