"""Reading and changing rules; every change is a ledgered act with a reason.

Rules change only by resolution (issue 7): :func:`change` refuses a change that does not name
the resolution carrying it out; governance applies a resolution's changes at its effective
date (``tick``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.errors import ForbiddenError, InputError, NotFoundError
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.rules.specs import SPECS
from wuzhen.rules.tables import Rule

#: What a direct change (one naming no resolution) is refused with.
BY_RESOLUTION_ONLY = "rules change only by resolution: table a proposal"


def ensure_defaults(session: Session, at: datetime) -> list[str]:
    """Store every rule that has no value yet at its default (ledgered); return their keys."""
    have = set(session.scalars(select(Rule.key)))
    added = []
    for key, spec in SPECS.items():
        if key in have:
            continue
        entry = ledger.append(
            session,
            at=at,
            actor="system",
            action="rule.initialized",
            subject=f"rule:{key}",
            data={"key": key, "value": spec.default},
        )
        session.add(Rule(key=key, value=spec.default, changed_at=at, ledger_seq=entry.seq))
        added.append(key)
    session.flush()
    return added


def get(session: Session, key: str) -> Any:
    """The value in force for ``key`` (its default if never stored)."""
    if key not in SPECS:
        msg = f"unknown rule {key!r}"
        raise NotFoundError(msg)
    value = session.scalar(select(Rule.value).where(Rule.key == key))
    return SPECS[key].default if value is None else value


def current(session: Session) -> dict[str, Any]:
    stored = {r.key: r.value for r in session.scalars(select(Rule))}
    return {key: stored.get(key, spec.default) for key, spec in SPECS.items()}


@dataclass(frozen=True, slots=True)
class RuleChange:
    key: str
    old: Any
    new: Any
    ledger_seq: int


def change(
    session: Session,
    key: str,
    value: Any,
    *,
    reason: str,
    actor: str,
    at: datetime,
    resolution: str | None = None,
) -> RuleChange:
    """Set a rule's value, ledgered with the reason and the resolution carrying it out.

    Refused (:class:`ForbiddenError`) without ``resolution``: rules change only by resolution.
    """
    if not resolution:
        raise ForbiddenError(BY_RESOLUTION_ONLY)
    if key not in SPECS:
        msg = f"unknown rule {key!r}"
        raise NotFoundError(msg)
    if not reason.strip():
        msg = "a rule change needs a reason"
        raise InputError(msg)
    try:
        new = SPECS[key].validate(value)
    except ValidationError as err:
        msg = f"rule {key}: {err.errors()[0]['msg']}"
        raise InputError(msg) from err
    old = get(session, key)
    data: dict[str, Any] = {
        "key": key,
        "old": old,
        "new": new,
        "reason": reason.strip(),
        "resolution": resolution,
    }
    entry = ledger.append(
        session, at=at, actor=actor, action="rule.changed", subject=f"rule:{key}", data=data
    )
    row = session.get(Rule, key)
    if row is None:
        session.add(Rule(key=key, value=new, changed_at=at, ledger_seq=entry.seq))
    else:
        row.value, row.changed_at, row.ledger_seq = new, at, entry.seq
    session.flush()
    return RuleChange(key, old, new, entry.seq)


def history(session: Session, key: str) -> list[dict[str, Any]]:
    """Every value the rule has had, oldest first: a view over the ledger."""
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.subject == f"rule:{key}").order_by(LedgerEntry.seq)
    )
    return [
        {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, **e.data} for e in entries
    ]
