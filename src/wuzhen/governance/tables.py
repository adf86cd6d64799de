"""Sessions, delegations, proposals, amendments, votes, resolutions, commitments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class Session(Base):
    """The annual conference or an extraordinary session."""

    __tablename__ = "gov_sessions"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "annual" or "extraordinary"
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Delegation(Base):
    """A member registered for a session (present), optionally holding one proxy."""

    __tablename__ = "gov_delegations"

    session: Mapped[str] = mapped_column(ForeignKey("gov_sessions.id"), primary_key=True)
    member: Mapped[str] = mapped_column(String(2), primary_key=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    proxy_for: Mapped[str | None] = mapped_column(String(2), nullable=True)


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    session: Mapped[str] = mapped_column(ForeignKey("gov_sessions.id"), index=True)
    parent: Mapped[str | None] = mapped_column(String(16), nullable=True)  # for an amendment
    proposer: Mapped[str] = mapped_column(String(16))  # member code or "secretariat"
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(16))  # simple, two-thirds, consensus
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), index=True)
    tabled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    vote_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    vote_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Vote(Base):
    """A member's vote on a proposal (changeable until the vote closes)."""

    __tablename__ = "votes"

    proposal: Mapped[str] = mapped_column(ForeignKey("proposals.id"), primary_key=True)
    member: Mapped[str] = mapped_column(String(2), primary_key=True)
    choice: Mapped[str] = mapped_column(String(8))  # yes, no, abstain, object
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    cast_by: Mapped[str] = mapped_column(String(2))  # the member whose delegate cast it
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Resolution(Base):
    """An adopted proposal; its changes apply at its effective date (by tick)."""

    __tablename__ = "resolutions"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    proposal: Mapped[str] = mapped_column(ForeignKey("proposals.id"), unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    adopted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class Commitment(Base):
    """An agreement between two or more members, registered by the secretariat."""

    __tablename__ = "commitments"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    parties: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    clauses: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # {"id": "1", "text": ...}
    in_force_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    review_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # proposed, in-force, under-review, ...
    adopted_by: Mapped[list[str]] = mapped_column(JSON, default=list)  # parties that adopted it
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)


class CommitmentLink(Base):
    """A request made under a clause, or events alleged to breach it."""

    __tablename__ = "commitment_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commitment: Mapped[str] = mapped_column(ForeignKey("commitments.id"), index=True)
    clause: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # "request" or "events"
    ref: Mapped[str] = mapped_column(String(64))  # request id, or digest of event ids
    event_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    member: Mapped[str] = mapped_column(String(2))  # who linked it
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
