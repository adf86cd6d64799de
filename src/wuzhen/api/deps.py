"""Who is calling, as dependency types.

A caller authenticates with ``Authorization: Bearer <API key>`` or with the web session
cookie ``wuzhen_session``. A request authenticated by the cookie that changes anything (POST,
PUT, PATCH, DELETE) must also carry the session's CSRF token, in the ``X-CSRF-Token`` header
or a ``csrf_token`` form field; API-key requests need none (a browser never adds the header
by itself). A request with no credentials is the public. Credentials that are wrong (an
unknown or revoked key, a malformed header) are refused with 401 even where the public would
be served, so a client learns that its key stopped working; a stale cookie counts as none.

Key lookups are cached per ledger version (revoking a key or disabling an account is
ledgered); each key is re-checked, and its last-used time recorded, at least every
``KEY_RECHECK``.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Literal, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from wuzhen.accounts.service import authenticate_key, session_account, sha256
from wuzhen.accounts.service import viewer as viewer_of
from wuzhen.accounts.tables import ADMIN, SECRETARIAT, Account
from wuzhen.api.cache import LRU, LiveFiles, VersionReader, Versions
from wuzhen.api.throttle import FailureThrottle
from wuzhen.errors import AuthError, ForbiddenError
from wuzhen.i18n import _
from wuzhen.node import Node
from wuzhen.visibility import Viewer

T = TypeVar("T")
SESSION_COOKIE = "wuzhen_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_RECHECK = timedelta(minutes=1)
RESULTS_BYTES = 64 * 1024 * 1024  # cached answers, all together
HEAVY = 2  # event-store queries run at once (each uses every core); the others wait
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking. ``account`` is an id (load the row in your own transaction)."""

    viewer: Viewer
    via: Literal["public", "key", "session"] = "public"
    account: str | None = None
    role: str | None = None
    member: str | None = None
    csrf: str | None = field(default=None, repr=False)
    cookie: str | None = field(default=None, repr=False)

    @property
    def actor(self) -> str:
        """How the ledger names this caller."""
        return f"account:{self.account}" if self.account else "public"

    @property
    def code(self) -> str:
        """The caller's member (for members' accounts only: see ``MemberAccountDep``)."""
        if self.member is None:
            raise ForbiddenError(_("Only members' accounts may do this."))
        return self.member

    @property
    def account_id(self) -> str:
        if self.account is None:
            raise AuthError(_("Sign in or give an API key."))
        return self.account

    @property
    def is_secretariat(self) -> bool:
        return self.role == SECRETARIAT

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def load(self, session: Session) -> Account:
        """This caller's account row, in ``session``."""
        row = session.get(Account, self.account) if self.account else None
        if row is None or row.disabled_at is not None:
            raise AuthError(_("Sign in or give an API key."))
        return row


PUBLIC = Caller(Viewer.public())


def _caller_of(
    account: Account,
    via: Literal["key", "session"],
    csrf: str | None = None,
    cookie: str | None = None,
) -> Caller:
    return Caller(viewer_of(account), via, account.id, account.role, account.member, csrf, cookie)


class ApiState:
    """What the API keeps in memory for one node: caches and the sign-in throttle."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.files = LiveFiles(node.store.root, node.db)
        self.version_reader = VersionReader(node.db)
        self.throttle = FailureThrottle()
        self.results: LRU[bytes] = LRU(1024, max_weight=RESULTS_BYTES, weigh=len)
        self.heavy = threading.BoundedSemaphore(HEAVY)
        self._inflight: dict[Hashable, asyncio.Task[bytes]] = {}
        self._keys: LRU[tuple[int, datetime, Caller]] = LRU(4096)

    def query(self, work: Callable[[], T]) -> T:
        """Run an event-store query (in a worker thread), at most ``HEAVY`` at once."""
        with self.heavy:
            return work()

    async def cached(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The answer cached under ``key``, else computed once however many requests ask for
        it meanwhile (the computation is not cancelled if the first asker goes away)."""
        hit = self.results.get(key)
        if hit is not None:
            return hit
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._compute(key, compute))
            self._inflight[key] = task
        return await asyncio.shield(task)

    async def _compute(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        try:
            return self.results.put(key, await run_in_threadpool(self.query, compute))
        finally:
            self._inflight.pop(key, None)

    def versions(self) -> Versions:
        return self.version_reader.read()

    def close(self) -> None:
        self.results.clear()
        self._keys.clear()

    def key_caller(self, token: str, versions: Versions) -> Caller | None:
        """The cached caller of an API key, if still valid for ``versions``."""
        now = self.node.clock.now()
        hit = self._keys.get(sha256(token))
        if hit is None:
            return None
        seq, checked, caller = hit
        if seq != versions.ledger or now - checked >= KEY_RECHECK:
            return None
        return caller

    def check_key(self, token: str, versions: Versions) -> Caller:
        """Authenticate an API key against the store (and record its use)."""
        now = self.node.clock.now()
        with self.node.db.session() as s:
            account = authenticate_key(s, token, now)
            caller = _caller_of(account, "key")
        self._keys.put(sha256(token), (versions.ledger, now, caller))
        return caller

    def forget_keys(self) -> None:
        self._keys.clear()


async def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


async def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


StateDep = Annotated[ApiState, Depends(api_state)]
NodeDep = Annotated[Node, Depends(get_node)]


async def get_versions(request: Request) -> Versions:
    """The versions, read once per request (on the event loop: a read of two small rows,
    and readers never wait for writers)."""
    versions: Versions | None = getattr(request.state, "versions", None)
    if versions is None:
        versions = request.state.versions = request.app.state.api.versions()
    return versions


VersionsDep = Annotated[Versions, Depends(get_versions)]


def _session_caller(state: ApiState, cookie: str) -> Caller:
    node = state.node
    try:
        with node.db.session() as s:
            account, csrf = session_account(s, cookie, node.clock.now())
            return _caller_of(account, "session", csrf=csrf, cookie=cookie)
    except AuthError:
        return PUBLIC


async def _check_csrf(request: Request, expected: str) -> None:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise ForbiddenError(
            _("A signed-in browser must send its CSRF token (X-CSRF-Token) to change anything.")
        )


async def get_caller(request: Request) -> Caller:
    # Plain calls rather than sub-dependencies: this runs on every request.
    state: ApiState = request.app.state.api
    versions = await get_versions(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _sep, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthError(_("Use the header Authorization: Bearer <API key>."))
        cached = state.key_caller(token, versions)
        if cached is not None:
            return cached
        return await run_in_threadpool(state.check_key, token, versions)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return PUBLIC
    caller = await run_in_threadpool(_session_caller, state, cookie)
    if caller.via == "session" and request.method in UNSAFE:
        assert caller.csrf is not None
        await _check_csrf(request, caller.csrf)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_viewer(caller: CallerDep) -> Viewer:
    return caller.viewer


async def require_account(caller: CallerDep) -> Caller:
    if caller.account is None:
        raise AuthError(_("Sign in or give an API key."))
    return caller


AccountDep = Annotated[Caller, Depends(require_account)]


async def require_member(caller: CallerDep) -> Caller:
    if caller.account is None:
        raise AuthError(_("Sign in or give an API key."))
    if caller.member is None:
        raise ForbiddenError(
            _("Only members' accounts may do this; the secretariat sees aggregates only.")
        )
    return caller


async def require_secretariat(caller: CallerDep) -> Caller:
    if caller.account is None:
        raise AuthError(_("Sign in or give an API key."))
    if not caller.is_secretariat:
        raise ForbiddenError(_("Only the secretariat may do this."))
    return caller


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
MemberAccountDep = Annotated[Caller, Depends(require_member)]
SecretariatDep = Annotated[Caller, Depends(require_secretariat)]


def manages(caller: Caller, member: str) -> bool:
    """Whether ``caller`` edits ``member``'s details and contacts: the secretariat, or the
    member's own administrators."""
    return caller.is_secretariat or (caller.is_admin and caller.member == member.upper())
