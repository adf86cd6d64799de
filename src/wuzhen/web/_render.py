"""Rendering pages: the Jinja2 environment (with Wuzhen's translations), error pages.

Templates are translated with the same gettext catalog as the rest of Wuzhen: every
user-visible text in a template goes through ``_()`` or ``{% trans %}``. The page's ``lang``
and ``dir`` follow the active language (right-to-left for Arabic).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from wuzhen import i18n
from wuzhen.api.errors import status_of
from wuzhen.errors import WuzhenError
from wuzhen.web import charts

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else value.strftime(fmt) + (" UTC" if "%H" in fmt else "")


def _query(params: dict[str, Any], **changes: Any) -> str:
    """``params`` with ``changes`` applied, as a query string (empty values left out)."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@cache
def environment(language: str) -> Environment:
    """The template environment for ``language`` (one per language, built once)."""
    env = i18n.template_environment(TEMPLATES_DIR, language)
    env.filters["when"] = _when
    env.globals["charts"] = charts
    env.globals["query"] = _query
    env.globals["lang"] = language
    env.globals["dir"] = i18n.direction(language)
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """The page ``template`` rendered for this request."""
    user = getattr(request.state, "web_user", None)
    values = {
        "request": request,
        "user": user,
        "csrf": user.csrf if user is not None else getattr(request.state, "form_token", ""),
        "json_url": None,
        **(context or {}),
    }
    html = environment(i18n.language()).get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A page telling what went wrong (for a 500, only that it is logged)."""
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def page_for(request: Request, err: WuzhenError) -> HTMLResponse:
    """The error page for one of Wuzhen's errors."""
    status = status_of(err)
    if status >= 500:
        log.error("page %s failed", request.url.path, exc_info=err)
    return error_page(request, status, str(err))
