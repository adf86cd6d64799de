"""The events explorer: filters, a page of events, and exports of what the filter selects."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from wuzhen.errors import InputError
from wuzhen.schema.taxonomy import TAXONOMIES, TAXONOMY_OF_TYPE, TYPES
from wuzhen.web._auth import MemberUser, node_of
from wuzhen.web._events import FILTER_FIELDS, api_query, page_of, parse_filter, visible
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


def _params(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "") for k in FILTER_FIELDS}


@router.get("/events")
def explorer(
    request: Request, user: MemberUser, offset: Annotated[int, Query(ge=0)] = 0
) -> Response:
    params = _params(request)
    node = node_of(request)
    choices = {
        "params": params,
        "taxonomies": sorted(TAXONOMIES),
        # a type as taxonomy/type: "other" and "test" alone name their taxonomy
        "types": [(t, f"{TAXONOMY_OF_TYPE[t]}/{t}") for t in sorted(TYPES)],
        "error": "",
    }
    try:
        where = parse_filter(params, node.attributor)
    except InputError as err:  # the form again, as filled in, with what to mend
        return render(request, "events.html", {**choices, "error": str(err)}, status=422)
    page = page_of(visible(node, user.viewer, where), offset)
    return render(
        request,
        "events.html",
        {
            **choices,
            "page": page,
            "api_query": api_query(where),
            "json_url": "/api/v1/events?" + api_query(where, limit=page.size, offset=offset),
        },
    )
