"""Notices and contests.

Each ingest groups the events routed to each member other than the owner into one notice
for that member, made in the same transaction that commits the ingest. The notice freezes
the event ids (kept in the event store, :mod:`wuzhen.notices.ids`) and a digest of them. The
member acknowledges it (the time to acknowledge is recorded), or contests events (wrong
jurisdiction, false positive); the owner then re-routes, withdraws or upholds them. Every
step is ledgered.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.evidence.store import NOTICES
from wuzhen.notices import ids as notice_ids
from wuzhen.notices.tables import Contest, Notice, RouteChange

GROUNDS = ("wrong-jurisdiction", "false-positive")
OUTCOMES = ("rerouted", "withdrawn", "upheld")


def digest(event_ids: Sequence[str]) -> str:
    """The digest freezing a set of events: sha256 of their sorted ids, one per line."""
    return hashlib.sha256("\n".join(sorted(event_ids)).encode()).hexdigest()


def make_notices(
    session: Session,
    *,
    ingest_id: str,
    owner: str,
    root: Path,
    members: Sequence[notice_ids.Frozen],
    at: datetime,
) -> list[dict[str, Any]]:
    """One notice per member other than the owner that events of this ingest are routed to.

    ``members``: what :mod:`wuzhen.notices.ids` froze for this ingest, at ``at``, into its file
    under ``root``. Returns the store manifest row of that file (none when nothing is routed
    to another member); the caller commits it with the notices. On failure the file is
    removed."""
    day = at.date().isoformat()
    rel = notice_ids.path_of(ingest_id, day)
    try:
        changes = []
        for frozen in members:
            notice = Notice(
                id=secrets.token_hex(8),
                member=frozen.member,
                owner=owner,
                ingest_id=ingest_id,
                created_at=at,
                events=frozen.events,
                digest=frozen.digest,
                counts={"events": frozen.events, **frozen.counts},
            )
            session.add(notice)
            changes.append(
                ledger.Change(
                    "notice.created",
                    f"notice:{notice.id}",
                    {
                        "member": notice.member,
                        "owner": owner,
                        "ingest": ingest_id,
                        "events": frozen.events,
                        "digest": frozen.digest,
                    },
                )
            )
        ledger.append_all(session, at=at, actor="system", changes=changes)
    except BaseException:
        (root / rel).unlink(missing_ok=True)
        raise
    rows = sum(f.events for f in members)
    return [{"dataset": NOTICES, "day": day, "path": rel, "rows": rows}] if rows else []


def notice_for(session: Session, notice_id: str, member: str) -> Notice:
    """A notice, for its recipient or its owner only."""
    notice = session.get(Notice, notice_id)
    if notice is None or member not in (notice.member, notice.owner):
        msg = f"no notice {notice_id}"
        raise NotFoundError(msg)
    return notice


def inbox(session: Session, member: str) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.member == member)
            .order_by(Notice.created_at.desc(), Notice.id)
        )
    )


def acknowledge(
    session: Session, notice_id: str, *, member: str, account: str, at: datetime
) -> Notice:
    notice = notice_for(session, notice_id, member)
    if notice.member != member:
        msg = "only the member a notice is addressed to acknowledges it"
        raise ForbiddenError(msg)
    if notice.acknowledged_at is not None:
        msg = f"notice {notice_id} was acknowledged already"
        raise ConflictError(msg)
    notice.acknowledged_at, notice.acknowledged_by = at, account
    ledger.append(
        session,
        at=at,
        actor=f"account:{account}",
        action="notice.acknowledged",
        subject=f"notice:{notice.id}",
        data={"member": member, "seconds": int((at - notice.created_at).total_seconds())},
    )
    return notice


def contest(
    session: Session,
    root: Path,
    *,
    member: str,
    account: str,
    grounds: str,
    reason: str,
    at: datetime,
    notice_id: str | None = None,
    event_ids: Sequence[str] = (),
) -> Contest:
    """The routed member disputes events of a notice it received (all of them by default);
    ``root``: the event store's, where the notice's ids are kept."""
    if grounds not in GROUNDS:
        msg = f"grounds must be one of {', '.join(GROUNDS)}"
        raise InputError(msg)
    if not reason.strip():
        msg = "a contest needs a reason"
        raise InputError(msg)
    if notice_id is None:
        msg = "name the notice the events came with"
        raise InputError(msg)
    notice = notice_for(session, notice_id, member)
    if notice.member != member:
        msg = "only the member events are routed to contests them"
        raise ForbiddenError(msg)
    frozen = notice_ids.of_notice(session, root, notice)
    if event_ids:
        ids = sorted(set(event_ids))
        found = frozen.filter(pl.col(notice_ids.ID).is_in(ids)).select(pl.len()).collect().item()
        if found != len(ids):
            msg = f"{len(ids) - found} of these events are not in notice {notice_id}"
            raise InputError(msg)
    else:
        ids = frozen.collect()[notice_ids.ID].to_list()
    taken = set(
        session.scalars(
            select(RouteChange.event_id).where(
                RouteChange.event_id.in_(ids), RouteChange.state == "contested"
            )
        )
    )
    if taken:
        msg = f"{len(taken)} of these events are contested already"
        raise ConflictError(msg)
    c = Contest(
        id=secrets.token_hex(8),
        member=member,
        owner=notice.owner,
        notice_id=notice.id,
        event_ids=ids,
        grounds=grounds,
        reason=reason.strip(),
        created_at=at,
    )
    session.add(c)
    entry = ledger.append(
        session,
        at=at,
        actor=f"account:{account}",
        action="contest.opened",
        subject=f"contest:{c.id}",
        data={
            "member": member,
            "owner": notice.owner,
            "notice": notice.id,
            "events": len(ids),
            "digest": digest(ids),
            "grounds": grounds,
        },
    )
    _set_routes(session, ids, member, "contested", at, entry.seq)
    return c


def resolve(
    session: Session,
    contest_id: str,
    *,
    owner: str,
    account: str,
    outcome: str,
    note: str,
    at: datetime,
    reroute_to: str | None = None,
) -> Contest:
    """The owner decides: re-route to another member, withdraw, or uphold the route."""
    c = session.get(Contest, contest_id)
    if c is None or owner not in (c.owner, c.member):
        msg = f"no contest {contest_id}"
        raise NotFoundError(msg)
    if owner != c.owner:
        msg = "only the owner of the evidence resolves a contest"
        raise ForbiddenError(msg)
    if c.resolved_at is not None:
        msg = f"contest {contest_id} is resolved already"
        raise ConflictError(msg)
    if outcome not in OUTCOMES:
        msg = f"outcome must be one of {', '.join(OUTCOMES)}"
        raise InputError(msg)
    if (outcome == "rerouted") != (reroute_to is not None):
        msg = "re-routing needs the member to route to (and only re-routing does)"
        raise InputError(msg)
    data: dict[str, Any] = {"outcome": outcome, "events": len(c.event_ids)}
    if reroute_to:
        from wuzhen.members.service import member as get_member

        target = get_member(session, reroute_to)
        if target.status != "active":
            msg = f"{target.code} is not an active member"
            raise ConflictError(msg)
        data["to"] = target.code
    c.outcome, c.outcome_note, c.resolved_at = outcome, note, at
    entry = ledger.append(
        session,
        at=at,
        actor=f"account:{account}",
        action="contest.resolved",
        subject=f"contest:{c.id}",
        data=data,
    )
    if outcome == "rerouted":
        _set_routes(session, c.event_ids, reroute_to, "routed", at, entry.seq)
    elif outcome == "withdrawn":
        _set_routes(session, c.event_ids, None, "retracted", at, entry.seq)
    else:
        _set_routes(session, c.event_ids, c.member, "routed", at, entry.seq)
    return c


def _set_routes(
    session: Session, ids: Sequence[str], member: str | None, state: str, at: datetime, seq: int
) -> None:
    existing = {
        r.event_id: r
        for r in session.scalars(select(RouteChange).where(RouteChange.event_id.in_(list(ids))))
    }
    for event_id in ids:
        row = existing.get(event_id)
        if row is None:
            session.add(
                RouteChange(
                    event_id=event_id, member=member, state=state, changed_at=at, ledger_seq=seq
                )
            )
        else:
            row.member, row.state, row.changed_at, row.ledger_seq = member, state, at, seq
    session.flush()


def contests_of(session: Session, member: str) -> list[Contest]:
    """Contests a member opened or that concern its evidence."""
    return list(
        session.scalars(
            select(Contest)
            .where((Contest.member == member) | (Contest.owner == member))
            .order_by(Contest.created_at.desc())
        )
    )
