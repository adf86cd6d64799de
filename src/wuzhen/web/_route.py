"""Page routes: Wuzhen's errors become error pages; visitors not signed in go to sign-in."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from wuzhen.errors import AuthError, InputError, WuzhenError
from wuzhen.i18n import _
from wuzhen.web._render import page_for


class PageRoute(APIRoute):
    """A page: Wuzhen's errors become an error page with the error's status; a visitor who
    is not signed in is sent to the sign-in page and brought back."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except AuthError as err:
                if getattr(request.state, "web_user", None) is None:
                    back = request.url.path if request.method == "GET" else "/"
                    return RedirectResponse(f"/signin?next={quote(back)}", status_code=303)
                return page_for(request, err)
            except WuzhenError as err:
                return page_for(request, err)
            except RequestValidationError as err:
                fields = ", ".join(str(e.get("loc", ("",))[-1]) for e in err.errors())
                message = _("Some fields are missing or invalid: {fields}").format(fields=fields)
                return page_for(request, InputError(message))

        return page


def page_router(**options: Any) -> APIRouter:
    """A router of pages (left out of the OpenAPI document: the API documents the data)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, **options)
