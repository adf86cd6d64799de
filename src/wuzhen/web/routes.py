"""The web UI's router: every page; and the error page for paths outside the API.

``create_app`` includes :data:`router`, mounts the static files at ``/static`` and renders
errors of non-API paths (unknown page, wrong method) with :func:`error_page`. Pages are left
out of the OpenAPI document (the API documents the same data).
"""

from __future__ import annotations

from wuzhen.web._render import error_page
from wuzhen.web._route import page_router
from wuzhen.web.pages import (
    account,
    commitments,
    dashboard,
    development,
    directory,
    events,
    notices,
    proposals,
    public,
    requests,
    rules,
    secretariat,
    secretariat_members,
    sessions,
    signin,
    transparency,
    upload,
)

router = page_router()
for _module in (
    signin,
    dashboard,
    events,
    notices,
    public,
    account,
    upload,
    secretariat,
    secretariat_members,
    transparency,
    development,
    sessions,
    proposals,
    rules,
    commitments,
    requests,
    directory,
):
    router.include_router(_module.router)

__all__ = ["error_page", "router"]
