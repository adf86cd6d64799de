"""Who is asking: the session cookie, the roles pages need, and CSRF checks.

A signed-in browser holds the ``wuzhen_session`` cookie (Secure, HttpOnly, SameSite=Strict);
the account's services keep only its hash. Every form carries the session's CSRF token in
the hidden field ``csrf_token`` and every POST checks it. Forms shown before a session exists
(sign-in, invitation) use a per-browser token in the ``wuzhen_form`` cookie instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from wuzhen.accounts.service import SESSION_TTL, session_account
from wuzhen.accounts.service import viewer as viewer_of
from wuzhen.accounts.tables import ADMIN, SECRETARIAT, Account
from wuzhen.errors import AuthError, ForbiddenError
from wuzhen.i18n import _
from wuzhen.node import Node
from wuzhen.visibility import Viewer

SESSION_COOKIE = "wuzhen_session"
FORM_COOKIE = "wuzhen_form"
CSRF_FIELD = "csrf_token"


def node_of(request: Request) -> Node:
    """The node the app serves (``app.state.node``)."""
    node: Node = request.app.state.node
    return node


@dataclass(frozen=True, slots=True)
class WebUser:
    """A signed-in account (loaded for this request) and its session's CSRF token."""

    account: Account
    csrf: str
    cookie: str

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def member(self) -> str | None:
        return self.account.member

    @property
    def is_secretariat(self) -> bool:
        return self.account.role == SECRETARIAT

    @property
    def is_admin(self) -> bool:
        return self.account.role == ADMIN

    @property
    def viewer(self) -> Viewer:
        return viewer_of(self.account)

    @property
    def actor(self) -> str:
        """How the ledger names this account."""
        return f"account:{self.account.id}"


def optional_user(request: Request) -> WebUser | None:
    """The signed-in account, or None (an expired or unknown cookie counts as none)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    node = node_of(request)
    try:
        with node.db.session() as s:
            account, csrf = session_account(s, cookie, node.clock.now())
    except AuthError:
        return None
    user = WebUser(account, csrf, cookie)
    request.state.web_user = user
    return user


def signed_in(user: Annotated[WebUser | None, Depends(optional_user)]) -> WebUser:
    if user is None:
        raise AuthError(_("Sign in to see this page."))
    return user


def member_user(user: Annotated[WebUser, Depends(signed_in)]) -> WebUser:
    if user.member is None:
        raise ForbiddenError(
            _("This page is for members' accounts; the secretariat sees aggregates only.")
        )
    return user


def secretariat_user(user: Annotated[WebUser, Depends(signed_in)]) -> WebUser:
    if not user.is_secretariat:
        raise ForbiddenError(_("This page is for the secretariat."))
    return user


async def check_csrf(request: Request, expected: str) -> None:
    """The form's ``csrf_token`` must equal ``expected`` (compared in constant time)."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not secrets.compare_digest(given, expected):
        raise ForbiddenError(
            _("This form has expired or did not come from this site; reload the page and retry.")
        )


async def _user_post(request: Request, user: Annotated[WebUser, Depends(signed_in)]) -> WebUser:
    await check_csrf(request, user.csrf)
    return user


async def _member_post(request: Request, user: Annotated[WebUser, Depends(member_user)]) -> WebUser:
    await check_csrf(request, user.csrf)
    return user


async def _secretariat_post(
    request: Request, user: Annotated[WebUser, Depends(secretariat_user)]
) -> WebUser:
    await check_csrf(request, user.csrf)
    return user


User = Annotated[WebUser, Depends(signed_in)]
MaybeUser = Annotated[WebUser | None, Depends(optional_user)]
MemberUser = Annotated[WebUser, Depends(member_user)]
SecretariatUser = Annotated[WebUser, Depends(secretariat_user)]
UserPost = Annotated[WebUser, Depends(_user_post)]
MemberPost = Annotated[WebUser, Depends(_member_post)]
SecretariatPost = Annotated[WebUser, Depends(_secretariat_post)]


# -- before a session exists -------------------------------------------------------------


def form_token(request: Request) -> str:
    """The browser's pre-session form token (made if it has none); set by :func:`keep_form`."""
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    request.state.form_token = token
    return token


def keep_form(request: Request, response: Response) -> Response:
    """Set the pre-session token cookie on ``response`` (so its forms can be checked)."""
    token = getattr(request.state, "form_token", None)
    if token:
        response.set_cookie(
            FORM_COOKIE, token, secure=True, httponly=True, samesite="strict", path="/"
        )
    return response


async def check_form_token(request: Request) -> None:
    await check_csrf(request, request.cookies.get(FORM_COOKIE, ""))


def set_session(response: Response, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        secure=True,
        httponly=True,
        samesite="strict",
        path="/",
    )
    response.delete_cookie(FORM_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
