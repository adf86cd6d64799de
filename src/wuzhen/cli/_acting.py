"""Who a governance command acts as: ``--as USERNAME`` names an active account (a member's
administrator, or a secretariat administrator); without it, the only secretariat
administrator acts (and a member's act needs ``--as``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.accounts.tables import SECRETARIAT, Account
from wuzhen.errors import InputError, NotFoundError
from wuzhen.governance.acts import Actor
from wuzhen.i18n import _

AS_HELP = _(
    "The account acting: a member's administrator, or a secretariat administrator "
    "(default: the only secretariat administrator)."
)


def acting(s: Session, username: str | None) -> Actor:
    stmt = select(Account).where(Account.disabled_at.is_(None))
    if username:
        stmt = stmt.where(Account.username == username.strip().lower())
    else:
        stmt = stmt.where(Account.role == SECRETARIAT)
    found = list(s.scalars(stmt.limit(2)))
    if not found:
        if username:
            raise NotFoundError(_("no active account named {name}").format(name=username))
        raise NotFoundError(
            _("no secretariat administrator: create one, or name the account with --as")
        )
    if len(found) > 1:
        raise InputError(_("several secretariat administrators: name one with --as"))
    return Actor.of(found[0])
