"""Governance as one service: sessions, proposals and amendments, votes and resolutions,
and the time-dependent steps that tie them together (:func:`tick`).

Each noun has its module (:mod:`~wuzhen.governance.sessions`,
:mod:`~wuzhen.governance.proposals`, :mod:`~wuzhen.governance.votes`,
:mod:`~wuzhen.governance.resolutions`); this module re-exports what callers use of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from wuzhen.governance.proposals import (
    ACCEPTED,
    ADOPTED,
    CHANGE_TYPES,
    REJECTED,
    SECRETARIAT,
    TABLED,
    VOTING,
    WITHDRAWN,
    ProposalDraft,
    accept_amendment,
    amend,
    check_changes,
    proposal,
    table,
)
from wuzhen.governance.resolutions import apply, due_resolutions
from wuzhen.governance.sessions import gov_session, minutes, open_session, present, register, voters
from wuzhen.governance.tables import Vote
from wuzhen.governance.votes import (
    SECRET,
    cast,
    close,
    due_votes,
    open_vote,
    visible_result,
    who_voted,
)

__all__ = [
    "ACCEPTED",
    "ADOPTED",
    "CHANGE_TYPES",
    "REJECTED",
    "SECRET",
    "SECRETARIAT",
    "TABLED",
    "VOTING",
    "WITHDRAWN",
    "ProposalDraft",
    "Vote",
    "accept_amendment",
    "amend",
    "apply",
    "cast",
    "check_changes",
    "close",
    "due_resolutions",
    "due_votes",
    "gov_session",
    "minutes",
    "open_session",
    "open_vote",
    "present",
    "proposal",
    "register",
    "table",
    "tick",
    "visible_result",
    "voters",
    "who_voted",
]


def tick(session: Session, at: datetime) -> dict[str, int]:
    """The time-dependent steps of governance: close votes that are due, then carry out the
    resolutions whose effective date has come. Idempotent."""
    closed = 0
    for p in due_votes(session, at):
        close(session, p.id, at=at)
        closed += 1
    applied = 0
    for r in due_resolutions(session, at):
        apply(session, r, at)
        applied += 1
    return {"votes_closed": closed, "resolutions_applied": applied}
