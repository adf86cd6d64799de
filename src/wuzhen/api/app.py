"""The application: the REST API under ``/api/v1`` and, with ``web``, the web UI.

The OpenAPI document is served at ``/api/v1/openapi.json``; ``/api/v1/docs`` lists the
operations on a plain page that needs nothing from outside (no CDN).
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from wuzhen import __version__
from wuzhen.api import errors
from wuzhen.api.deps import SESSION_COOKIE, ApiState, get_caller
from wuzhen.api.routers import (
    accounts,
    attribution,
    commitments,
    contacts,
    contests,
    development,
    directory,
    events,
    evidence,
    keys,
    ledger,
    members,
    notices,
    proposals,
    requests,
    resolutions,
    rules,
    sessions,
    stats,
    transparency,
    votes,
)
from wuzhen.i18n import _
from wuzhen.node import Node

PREFIX = "/api/v1"
OPENAPI = f"{PREFIX}/openapi.json"
ROUTERS = (
    members,
    contacts,
    events,
    evidence,
    notices,
    contests,
    rules,
    sessions,
    proposals,
    votes,
    resolutions,
    commitments,
    ledger,
    accounts,
    keys,
    attribution,
    stats,
    transparency,
    development,
    requests,
    directory,
)
DESCRIPTION = (
    "Wuzhen's REST API. Authenticate with `Authorization: Bearer <API key>` or the web "
    "session cookie (`wuzhen_session`, with `X-CSRF-Token` on changes). Errors share one "
    'shape: `{"error": {"code": ..., "message": ...}}`. Lists take `limit` and `offset`.'
)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key."},
            "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
        }
        schema["security"] = [{}, {"apiKey": []}, {"session": []}]
        app.openapi_schema = schema
    return app.openapi_schema


def _docs_page(app: FastAPI) -> str:
    rows = []
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                f"<td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td></tr>"
            )
    title = html.escape(_("Wuzhen API"))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "</head><body>"
        f"<h1>{title} {html.escape(__version__)}</h1>"
        f'<p><a href="{OPENAPI}">{html.escape(_("OpenAPI document"))}</a></p>'
        f"<table><thead><tr><th>{html.escape(_('Method'))}</th><th>{html.escape(_('Path'))}</th>"
        f"<th>{html.escape(_('What it does'))}</th></tr></thead><tbody>{''.join(rows)}"
        "</tbody></table></body></html>"
    )


def create_app(node: Node, *, web: bool = True) -> FastAPI:
    """The app serving ``node``: the API, and the web UI unless ``web`` is false."""
    state = ApiState(node)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Wuzhen",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=OPENAPI,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.node = node
    app.state.api = state
    # Every API request's credentials are checked, even where the public is served: a
    # revoked key gets 401 rather than silently becoming the public.
    api = APIRouter(prefix=PREFIX, dependencies=[Depends(get_caller)])
    for module in ROUTERS:
        api.include_router(module.router)

    @api.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app))

    app.include_router(api)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    pages: errors.PageErrors | None = None
    if web:
        from wuzhen.web import routes as web_routes

        app.include_router(web_routes.router)
        static = Path(web_routes.__file__).parent / "static"
        app.mount("/static", StaticFiles(directory=static), name="static")
        pages = getattr(web_routes, "error_page", None)
    errors.install(app, pages)
    return app
