"""The signed-in account: its password and its API keys (a new key's token is shown once)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from wuzhen.accounts.service import change_password, create_key, keys_of, revoke_key
from wuzhen.accounts.tables import Account
from wuzhen.api.errors import status_of
from wuzhen.errors import InputError, NotFoundError, WuzhenError
from wuzhen.i18n import _
from wuzhen.web._auth import User, UserPost, WebUser, clear_session, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router

router = page_router()


def _page(request: Request, user: WebUser, status: int = 200, **extra: Any) -> Response:
    with node_of(request).db.session() as s:
        account = s.get(Account, user.id)
        if account is None:
            raise NotFoundError(_("This account no longer exists."))
        keys = keys_of(s, account)
    context = {"keys": keys, "new_token": None, "error": None, "json_url": "/api/v1/keys", **extra}
    return render(request, "account.html", context, status=status)


@router.get("/account")
def account_page(request: Request, user: User) -> Response:
    return _page(request, user)


@router.post("/account/password")
def password(
    request: Request,
    user: UserPost,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    new_again: Annotated[str, Form()],
) -> Response:
    node = node_of(request)
    try:
        if new != new_again:
            raise InputError(_("The two new passwords differ."))
        with node.db.session() as s:
            account = s.get(Account, user.id)
            assert account is not None
            change_password(s, account, current=current, new=new, at=node.clock.now())
    except WuzhenError as err:
        return _page(request, user, status=status_of(err), error=str(err))
    # Changing the password ends every session of the account, this one included.
    response = RedirectResponse("/signin", status_code=303)
    clear_session(response)
    return response


@router.post("/account/keys")
def new_key(request: Request, user: UserPost, name: Annotated[str, Form()]) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        account = s.get(Account, user.id)
        assert account is not None
        issued = create_key(s, account, name=name, at=node.clock.now())
    # The token is shown on this response only: it is stored as a hash.
    return _page(request, user, new_token=issued.token, new_key=issued.key.name)


@router.post("/account/keys/{key_id}/revoke")
def revoke(request: Request, user: UserPost, key_id: str) -> Response:
    node = node_of(request)
    with node.db.session() as s:
        account = s.get(Account, user.id)
        assert account is not None
        revoke_key(s, account, key_id, node.clock.now())
    return RedirectResponse("/account", status_code=303)
