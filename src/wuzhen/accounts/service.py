"""Accounts: who may sign in, as what, and how.

- The secretariat's administrators are created on the node (``wuzhen accounts
  create-secretariat``). The secretariat onboards a member by a one-time invitation for its
  first administrator; once the member has an administrator, only the member's own
  administrators invite, disable or manage its accounts. The secretariat cannot read, reset or
  impersonate them.
- Passwords are hashed with Argon2id. Failed sign-ins are throttled per account: after
  ``FREE_FAILURES`` failures the account is locked for a delay that doubles with each further
  failure, up to an hour.
- API keys and web session ids are random tokens shown once and stored as SHA-256; keys are
  revocable and record when they were last used.

Every state change is ledgered with ids only (no user names or secrets).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.accounts.tables import (
    ADMIN,
    ANALYST,
    ROLES,
    SECRETARIAT,
    Account,
    ApiKey,
    Invitation,
    WebSession,
)
from wuzhen.db import Database
from wuzhen.errors import AuthError, ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.members.service import member as get_member
from wuzhen.members.tables import ACTIVE
from wuzhen.visibility import Viewer

FREE_FAILURES = 5
MAX_LOCK = timedelta(hours=1)
INVITATION_TTL = timedelta(days=7)
SESSION_TTL = timedelta(hours=12)
MIN_PASSWORD = 12
KEY_PREFIX = "wz_"

_hasher = PasswordHasher()


@functools.cache
def unknown_user_hash() -> str:
    """A hash verified for unknown user names too, so a failed sign-in takes as long either
    way. Made on first use, not on import (hashing is slow on purpose, and most commands
    sign no one in); a server makes it at start (:mod:`wuzhen.server`), so that its first
    failed sign-in takes no longer than the others."""
    return _hasher.hash("wuzhen-dummy-password")


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_id() -> str:
    return secrets.token_hex(8)


def _enabled(session: Session, account_id: str, refusal: str) -> Account:
    """The account a key or web session belongs to; ``refusal`` if it is gone or disabled."""
    account = session.get(Account, account_id)
    if account is None or account.disabled_at is not None:
        raise AuthError(refusal)
    return account


def _log_own(
    session: Session, account: Account, action: str, data: dict[str, str], at: datetime
) -> None:
    """Ledger what an account's holder did to the account itself."""
    subject = f"account:{account.id}"
    ledger.append(session, at=at, actor=subject, action=action, subject=subject, data=data)


def viewer(account: Account) -> Viewer:
    """What an account sees (see :mod:`wuzhen.visibility`)."""
    if account.role == SECRETARIAT:
        return Viewer("secretariat", None, account.id, account.role)
    assert account.member is not None
    return Viewer.of_member(account.member, account=account.id, role=account.role)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        msg = f"a password needs at least {MIN_PASSWORD} characters"
        raise InputError(msg)


def _check_username(session: Session, username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        msg = "a user name is 1-64 letters, digits or . _ - @"
        raise InputError(msg)
    if session.scalar(select(Account.id).where(Account.username == name)) is not None:
        msg = f"the user name {name!r} is taken"
        raise ConflictError(msg)
    return name


def _create(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    member: str | None,
    display_name: str,
    at: datetime,
    actor: str,
) -> Account:
    _check_password(password)
    name = _check_username(session, username)
    account = Account(
        id=_new_id(),
        member=member,
        role=role,
        username=name,
        display_name=display_name or name,
        password_hash=_hasher.hash(password),
        created_at=at,
        failed_logins=0,
    )
    session.add(account)
    session.flush()
    ledger.append(
        session,
        at=at,
        actor=actor,
        action="account.created",
        subject=f"account:{account.id}",
        data={"role": role, "member": member},
    )
    return account


def create_secretariat(
    session: Session, *, username: str, password: str, at: datetime, display_name: str = ""
) -> Account:
    """A secretariat administrator (created by the node's operator)."""
    return _create(
        session,
        username=username,
        password=password,
        role=SECRETARIAT,
        member=None,
        display_name=display_name,
        at=at,
        actor="operator",
    )


# -- invitations -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown once


def _admins(session: Session, member: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.member == member, Account.role == ADMIN, Account.disabled_at.is_(None))
        )
        or 0
    )


def invite(
    session: Session, actor: Account, *, member: str, role: str, at: datetime
) -> IssuedInvitation:
    """A one-time invitation. The secretariat may invite only a member's first administrator;
    a member's administrators invite accounts of their own member."""
    code = member.upper()
    if role not in (ADMIN, ANALYST):
        msg = "invitations are for member administrators or analysts"
        raise InputError(msg)
    target = get_member(session, code)
    if target.status != ACTIVE:
        msg = f"{code} is not an active member"
        raise ConflictError(msg)
    if actor.role == SECRETARIAT:
        if role != ADMIN or _admins(session, code) > 0:
            msg = (
                "the secretariat only invites a member's first administrator; "
                "after that the member's administrators manage its accounts"
            )
            raise ForbiddenError(msg)
    elif actor.role != ADMIN or actor.member != code:
        msg = "only the member's administrators invite its accounts"
        raise ForbiddenError(msg)
    token = secrets.token_urlsafe(32)
    inv = Invitation(
        id=_new_id(),
        token_sha256=sha256(token),
        member=code,
        role=role,
        created_by=actor.id,
        created_at=at,
        expires_at=at + INVITATION_TTL,
    )
    session.add(inv)
    ledger.append(
        session,
        at=at,
        actor=f"account:{actor.id}",
        action="invitation.created",
        subject=f"member:{code}",
        data={"invitation": inv.id, "role": role},
    )
    return IssuedInvitation(inv, token)


def accept(
    session: Session,
    token: str,
    *,
    username: str,
    password: str,
    at: datetime,
    display_name: str = "",
) -> Account:
    """Create the invited account (an invitation works once, before it expires)."""
    inv = session.scalar(select(Invitation).where(Invitation.token_sha256 == sha256(token)))
    if inv is None or inv.used_at is not None or inv.expires_at <= at:
        msg = "this invitation is unknown, used or expired"
        raise AuthError(msg)
    if inv.role == ADMIN and inv.member and _admins(session, inv.member) > 0:
        creator = session.get(Account, inv.created_by)
        if creator is not None and creator.role == SECRETARIAT:
            msg = "the member has an administrator already; ask them to invite you"
            raise ConflictError(msg)
    account = _create(
        session,
        username=username,
        password=password,
        role=inv.role,
        member=inv.member,
        display_name=display_name,
        at=at,
        actor=f"invitation:{inv.id}",
    )
    inv.used_at, inv.account = at, account.id
    return account


# -- signing in --------------------------------------------------------------------------


def sign_in(db: Database, username: str, password: str, at: datetime) -> Account:
    """:func:`authenticate` in a transaction of its own, so that a failure is counted even
    though the caller gets an error."""
    failure: AuthError | None = None
    with db.session() as session:
        try:
            account = authenticate(session, username, password, at)
        except AuthError as err:
            failure = err
    if failure is not None:
        raise failure
    return account


def authenticate(session: Session, username: str, password: str, at: datetime) -> Account:
    """The account these credentials belong to; failures are counted and throttled.

    The failure count is written in ``session``: commit it even when this raises (as
    :func:`sign_in` does)."""
    account = session.scalar(select(Account).where(Account.username == username.strip().lower()))
    if account is None:
        _verify(unknown_user_hash(), password)
        msg = "wrong user name or password"
        raise AuthError(msg)
    if account.locked_until is not None and account.locked_until > at:
        wait = int((account.locked_until - at).total_seconds()) + 1
        msg = f"too many failed sign-ins; try again in {wait} seconds"
        raise AuthError(msg)
    if account.disabled_at is not None or not _verify(account.password_hash, password):
        account.failed_logins += 1
        over = account.failed_logins - FREE_FAILURES
        if over >= 0:
            account.locked_until = at + min(timedelta(seconds=30 * 2 ** min(over, 10)), MAX_LOCK)
        session.flush()
        msg = "wrong user name or password"
        raise AuthError(msg)
    account.failed_logins, account.locked_until, account.last_login_at = 0, None, at
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


def _verify(hashed: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(hashed, password))
    except (VerificationError, InvalidHashError):
        return False


def change_password(
    session: Session, account: Account, *, current: str, new: str, at: datetime
) -> None:
    """Only the account's holder changes its password (nobody can reset another's)."""
    if not _verify(account.password_hash, current):
        msg = "the current password is wrong"
        raise AuthError(msg)
    _check_password(new)
    account.password_hash = _hasher.hash(new)
    _end_sessions(session, account.id)
    _log_own(session, account, "account.password_changed", {}, at)


def disable(session: Session, actor: Account, account_id: str, at: datetime) -> Account:
    """Administrators disable accounts of their own member; the secretariat, its own."""
    target = session.get(Account, account_id)
    if target is None:
        msg = f"no account {account_id}"
        raise NotFoundError(msg)
    allowed = (actor.role == ADMIN and target.member == actor.member) or (
        actor.role == SECRETARIAT and target.role == SECRETARIAT
    )
    if not allowed:
        msg = "you may not manage this account"
        raise ForbiddenError(msg)
    target.disabled_at = at
    _end_sessions(session, target.id)
    for key in session.scalars(
        select(ApiKey).where(ApiKey.account == target.id, ApiKey.revoked_at.is_(None))
    ):
        key.revoked_at = at
    ledger.append(
        session,
        at=at,
        actor=f"account:{actor.id}",
        action="account.disabled",
        subject=f"account:{target.id}",
        data={},
    )
    return target


def accounts_of(session: Session, actor: Account) -> list[Account]:
    """The accounts ``actor`` may see: its member's (or the secretariat's own)."""
    if actor.role == SECRETARIAT:
        stmt = select(Account).where(Account.role == SECRETARIAT)
    else:
        stmt = select(Account).where(Account.member == actor.member)
    return list(session.scalars(stmt.order_by(Account.username)))


# -- API keys ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown once


def create_key(session: Session, account: Account, *, name: str, at: datetime) -> IssuedKey:
    if not name.strip():
        msg = "name the key (what it is for)"
        raise InputError(msg)
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=_new_id(),
        account=account.id,
        name=name.strip(),
        prefix=token[:10],
        token_sha256=sha256(token),
        created_at=at,
    )
    session.add(key)
    _log_own(session, account, "key.created", {"key": key.id}, at)
    return IssuedKey(key, token)


def keys_of(session: Session, account: Account) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey).where(ApiKey.account == account.id).order_by(ApiKey.created_at)
        )
    )


def revoke_key(session: Session, account: Account, key_id: str, at: datetime) -> ApiKey:
    """An account revokes its own keys (an administrator's disable revokes all of one)."""
    key = session.get(ApiKey, key_id)
    if key is None or key.account != account.id:
        msg = f"no key {key_id}"
        raise NotFoundError(msg)
    if key.revoked_at is None:
        key.revoked_at = at
        _log_own(session, account, "key.revoked", {"key": key.id}, at)
    return key


def authenticate_key(session: Session, token: str, at: datetime) -> Account:
    key = session.scalar(select(ApiKey).where(ApiKey.token_sha256 == sha256(token)))
    if key is None or key.revoked_at is not None:
        msg = "unknown or revoked API key"
        raise AuthError(msg)
    account = _enabled(session, key.account, "unknown or revoked API key")
    key.last_used_at = at
    return account


# -- web sessions ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedSession:
    cookie: str  # the session id, for the cookie only
    csrf: str


def start_session(session: Session, account: Account, at: datetime) -> IssuedSession:
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_sha256=sha256(cookie),
            account=account.id,
            csrf=csrf,
            created_at=at,
            expires_at=at + SESSION_TTL,
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at <= at))
    return IssuedSession(cookie, csrf)


def session_account(session: Session, cookie: str, at: datetime) -> tuple[Account, str]:
    """The account and CSRF token of a live web session."""
    row = session.get(WebSession, sha256(cookie))
    if row is None or row.expires_at <= at:
        msg = "not signed in"
        raise AuthError(msg)
    return _enabled(session, row.account, "not signed in"), row.csrf


def end_session(session: Session, cookie: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_sha256 == sha256(cookie)))


def _end_sessions(session: Session, account_id: str) -> None:
    """Sign the account out of every web session."""
    session.execute(delete(WebSession).where(WebSession.account == account_id))


__all__ = [
    "ADMIN",
    "ANALYST",
    "ROLES",
    "SECRETARIAT",
    "IssuedInvitation",
    "IssuedKey",
    "IssuedSession",
    "accept",
    "accounts_of",
    "authenticate",
    "authenticate_key",
    "change_password",
    "create_key",
    "create_secretariat",
    "disable",
    "end_session",
    "invite",
    "keys_of",
    "revoke_key",
    "session_account",
    "start_session",
    "viewer",
]
