"""One place that turns errors into HTTP responses, all with one body shape::

    {"error": {"code": "not_found", "message": "no notice 1234"}}

Wuzhen's errors map by kind (NotFoundError 404, AuthError 401, ForbiddenError 403,
ConflictError 409, InputError 422, anything else 500); FastAPI's request validation errors
and Starlette's HTTP errors (unknown path, wrong method) take the same shape. Unexpected
exceptions are logged and answered with a 500 that names nothing internal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wuzhen.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    WuzhenError,
)
from wuzhen.i18n import _

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
STATUS: tuple[tuple[type[WuzhenError], int], ...] = (
    (NotFoundError, 404),
    (AuthError, 401),
    (ForbiddenError, 403),
    (ConflictError, 409),
    (InputError, 422),
)
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}

#: Renders errors of pages outside the API (the web UI): (request, status, message) -> page.
PageErrors = Callable[[Request, int, str], Response]


def status_of(err: WuzhenError) -> int:
    for kind, status in STATUS:
        if isinstance(err, kind):
            return status
    return 500


def error_response(
    status: int,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": CODES.get(status, f"http_{status}"), "message": message}
    if details is not None:
        body["details"] = details
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse({"error": body}, status_code=status, headers=all_headers)


def _problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "location": ".".join(str(p) for p in e.get("loc", ())),
            "problem": str(e.get("msg", "")),
        }
        for e in exc.errors()
    ]


def install(app: FastAPI, pages: PageErrors | None = None) -> None:
    """Install the handlers (``pages`` renders errors of non-API paths, when given)."""

    def respond(request: Request, status: int, message: str, **kw: Any) -> Response:
        if pages is not None and not request.url.path.startswith(API_PREFIX):
            return pages(request, status, message)
        return error_response(status, message, **kw)

    async def wuzhen_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WuzhenError)
        status = status_of(exc)
        if status >= 500:
            log.error("error serving %s %s", request.method, request.url.path, exc_info=exc)
            return respond(request, status, _("The server could not do this; it is logged."))
        return respond(request, status, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = str(exc.detail) if exc.detail else CODES.get(exc.status_code, "error")
        return respond(request, exc.status_code, message, headers=exc.headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = _problems(exc)
        first = problems[0] if problems else {"location": "", "problem": ""}
        message = _("Invalid request: {location}: {problem}").format(**first)
        return respond(request, 422, message, details=problems)

    app.add_exception_handler(WuzhenError, wuzhen_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(CatchAll)


class CatchAll:
    """Answers an unexpected exception with the 500 error body (logged), instead of letting
    it reach the server, when no response has started yet."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            log.exception("unexpected error serving %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = error_response(500, _("The server could not do this; it is logged."))
            await response(scope, receive, send)
