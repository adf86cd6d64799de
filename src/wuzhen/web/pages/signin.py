"""Signing in and out, and accepting an invitation (which signs the new account in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wuzhen.accounts.service import accept, authenticate, end_session, start_session
from wuzhen.api.errors import status_of
from wuzhen.errors import AuthError, WuzhenError
from wuzhen.i18n import _
from wuzhen.web._auth import (
    MaybeUser,
    UserPost,
    check_form_token,
    clear_session,
    form_token,
    keep_form,
    node_of,
    set_session,
)
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


def _safe_next(target: str) -> str:
    """Only paths of this site (no scheme, no host, no ``//``) are followed after sign-in."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/signin")
def signin_form(
    request: Request, user: MaybeUser, back: Annotated[str, Query(alias="next")] = "/"
) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(back), status_code=303)
    form_token(request)
    page = render(request, "signin.html", {"next": _safe_next(back), "error": None})
    return keep_form(request, page)


@router.post("/signin")
async def signin(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    back: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    await check_form_token(request)
    node = node_of(request)
    error = None
    # The failure is caught inside the transaction, so the throttle's counters are kept.
    with node.db.session() as s:
        try:
            account = authenticate(s, username, password, node.clock.now())
            issued = start_session(s, account, node.clock.now())
        except AuthError as err:
            error = str(err)
    if error is not None:
        form_token(request)
        page = render(
            request,
            "signin.html",
            {"next": _safe_next(back), "error": error, "username": username},
            status=401,
        )
        return keep_form(request, page)
    response = RedirectResponse(_safe_next(back), status_code=303)
    set_session(response, issued.cookie)
    return response


@router.post("/signout")
def signout(request: Request, user: UserPost) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        end_session(s, user.cookie)
    response = RedirectResponse("/signin", status_code=303)
    clear_session(response)
    return response


@router.get("/invite/{token}")
def invitation_form(request: Request, token: str) -> Response:
    form_token(request)
    return keep_form(request, render(request, "invite.html", {"token": token, "error": None}))


@router.post("/invite/{token}")
async def invitation_accept(
    request: Request,
    token: str,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    password_again: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
) -> Response:
    await check_form_token(request)
    node = node_of(request)
    error, status = None, 200
    if password != password_again:
        error, status = _("The two passwords differ."), 422
    else:
        try:
            with node.db.session() as s:
                account = accept(
                    s,
                    token,
                    username=username,
                    password=password,
                    display_name=display_name,
                    at=node.clock.now(),
                )
                issued = start_session(s, account, node.clock.now())
        except WuzhenError as err:
            error, status = str(err), status_of(err)
    if error is not None:
        form_token(request)
        context = {"token": token, "error": error, "username": username}
        return keep_form(request, render(request, "invite.html", context, status=status))
    response = RedirectResponse("/", status_code=303)
    set_session(response, issued.cookie)
    return response
