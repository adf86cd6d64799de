"""``/accounts``, ``/invitations`` and ``/session``: who may sign in, as what, and how.

The secretariat invites a member's first administrator; after that, only the member's own
administrators invite and disable its accounts. Nobody reads, resets or acts as another
account: there is no endpoint for it, and accounts outside the caller's member (or, for the
secretariat, outside the secretariat) are answered as if they did not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from wuzhen.accounts import service
from wuzhen.accounts.tables import Account
from wuzhen.api.deps import SESSION_COOKIE, AccountDep, CallerDep, NodeDep, StateDep
from wuzhen.api.models import CC_PATTERN, ERRORS, Page, PageDep, Strict
from wuzhen.errors import AuthError, ForbiddenError, NotFoundError
from wuzhen.i18n import _

router = APIRouter(tags=["accounts"], responses=ERRORS)
AccountId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class AccountPublic(BaseModel):
    id: str
    username: str
    display_name: str
    role: str = Field(description="secretariat, admin (member administrator) or analyst")
    member: str | None
    created_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None


class AccountPage(Page[AccountPublic]):
    pass


class PasswordChange(Strict):
    current: Password
    new: Password


class InvitationCreate(Strict):
    member: str = Field(pattern=CC_PATTERN)
    role: Literal["admin", "analyst"]


class InvitationIssued(BaseModel):
    id: str
    member: str | None
    role: str
    expires_at: datetime
    token: str = Field(description="Shown once: give it to the person invited.")


class InvitationAccept(Strict):
    token: str = Field(min_length=1, max_length=256)
    username: str = Field(min_length=1, max_length=64)
    password: Password
    display_name: str = Field(default="", max_length=128)


class SignIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: Password


class SessionIssued(BaseModel):
    csrf_token: str = Field(description="Send as X-CSRF-Token with every change.")
    account: AccountPublic


def account_public(a: Account) -> AccountPublic:
    return AccountPublic(
        id=a.id,
        username=a.username,
        display_name=a.display_name,
        role=a.role,
        member=a.member,
        created_at=a.created_at,
        last_login_at=a.last_login_at,
        disabled_at=a.disabled_at,
    )


def _visible(actor: Account, target: Account | None) -> bool:
    if target is None:
        return False
    if actor.member is None:
        return target.member is None
    return target.member == actor.member


@router.get("/accounts/me", response_model=AccountPublic, summary="The caller's account")
def me(node: NodeDep, caller: AccountDep) -> AccountPublic:
    with node.db.session() as s:
        return account_public(caller.load(s))


@router.post("/accounts/me/password", status_code=204, summary="Change the caller's password")
def change_password(node: NodeDep, caller: AccountDep, body: PasswordChange) -> Response:
    with node.db.session() as s:
        service.change_password(
            s, caller.load(s), current=body.current, new=body.new, at=node.clock.now()
        )
    return Response(status_code=204)


@router.get("/accounts", response_model=AccountPage, summary="Accounts the caller may see")
def list_accounts(node: NodeDep, caller: AccountDep, page: PageDep) -> AccountPage:
    with node.db.session() as s:
        rows = service.accounts_of(s, caller.load(s))
        items = [account_public(a) for a in page.slice(rows)]
    return AccountPage(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get("/accounts/{account_id}", response_model=AccountPublic, summary="One account")
def get_account(node: NodeDep, caller: AccountDep, account_id: AccountId) -> AccountPublic:
    with node.db.session() as s:
        target = s.get(Account, account_id)
        if target is None or not _visible(caller.load(s), target):
            raise NotFoundError(_("No account {id}.").format(id=account_id))
        return account_public(target)


@router.post(
    "/accounts/{account_id}/disable", response_model=AccountPublic, summary="Disable an account"
)
def disable_account(node: NodeDep, caller: AccountDep, account_id: AccountId) -> AccountPublic:
    with node.db.session() as s:
        actor = caller.load(s)
        if not _visible(actor, s.get(Account, account_id)):
            raise NotFoundError(_("No account {id}.").format(id=account_id))
        return account_public(service.disable(s, actor, account_id, node.clock.now()))


@router.post(
    "/invitations",
    response_model=InvitationIssued,
    status_code=201,
    summary="Invite an account (secretariat: a member's first administrator)",
)
def invite(node: NodeDep, caller: AccountDep, body: InvitationCreate) -> InvitationIssued:
    if not (caller.is_secretariat or caller.is_admin):
        raise ForbiddenError(_("Only administrators invite accounts."))
    with node.db.session() as s:
        issued = service.invite(
            s, caller.load(s), member=body.member, role=body.role, at=node.clock.now()
        )
        inv = issued.invitation
        return InvitationIssued(
            id=inv.id,
            member=inv.member,
            role=inv.role,
            expires_at=inv.expires_at,
            token=issued.token,
        )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _throttled(state: StateDep, request: Request) -> None:
    wait = state.throttle.wait(_client(request), state.node.clock.now())
    if wait:
        raise HTTPException(
            429,
            _("Too many failed attempts from this address; try again in {n} seconds.").format(
                n=wait
            ),
            headers={"Retry-After": str(wait)},
        )


@router.post(
    "/invitations/accept",
    response_model=AccountPublic,
    status_code=201,
    summary="Create the invited account (public, with the invitation's token)",
)
def accept_invitation(
    node: NodeDep, state: StateDep, request: Request, body: InvitationAccept
) -> AccountPublic:
    _throttled(state, request)
    try:
        with node.db.session() as s:
            account = service.accept(
                s,
                body.token,
                username=body.username,
                password=body.password,
                display_name=body.display_name,
                at=node.clock.now(),
            )
            return account_public(account)
    except AuthError:
        state.throttle.failed(_client(request), node.clock.now())
        raise


def _sign_in(node: NodeDep, body: SignIn) -> tuple[Account, service.IssuedSession]:
    now = node.clock.now()
    failure: AuthError | None = None
    with node.db.session() as s:
        try:
            account = service.authenticate(s, body.username, body.password, now)
            return account, service.start_session(s, account, now)
        except AuthError as err:
            failure = err  # the session commits: the failure counts against the account
    assert failure is not None
    raise failure


@router.post("/session", response_model=SessionIssued, summary="Sign in (sets the cookie)")
async def sign_in(
    node: NodeDep, state: StateDep, request: Request, response: Response, body: SignIn
) -> SessionIssued:
    _throttled(state, request)
    try:
        account, issued = await run_in_threadpool(_sign_in, node, body)
    except AuthError:
        state.throttle.failed(_client(request), node.clock.now())
        raise
    response.set_cookie(
        SESSION_COOKIE,
        issued.cookie,
        max_age=int(service.SESSION_TTL.total_seconds()),
        secure=True,
        httponly=True,
        samesite="strict",
        path="/",
    )
    return SessionIssued(csrf_token=issued.csrf, account=account_public(account))


@router.delete("/session", status_code=204, summary="Sign out (ends the cookie's session)")
def sign_out(node: NodeDep, caller: CallerDep) -> Response:
    if caller.cookie:
        with node.db.session() as s:
            service.end_session(s, caller.cookie)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response
