"""Notices, contests, and the route changes made after ingest.

A notice refers to its events by id, frozen when it is made (the ids, kept in the event store
by :mod:`wuzhen.notices.ids`, and their count and digest here): never a live query, never a
copy of the events. Routes are stored with each event at ingest; a later change
(a re-route after a contest, a withdrawal) is a row here, ledgered, applied when reading.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    member: Mapped[str] = mapped_column(String(2), index=True)  # the recipient
    owner: Mapped[str] = mapped_column(String(2))  # whose evidence
    ingest_id: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    events: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the sorted ids
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # by classification, ASN, day
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Contest(Base):
    """A routed member disputes an event or a whole notice."""

    __tablename__ = "contests"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    member: Mapped[str] = mapped_column(String(2), index=True)  # who contests
    owner: Mapped[str] = mapped_column(String(2), index=True)  # whose evidence
    notice_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    event_ids: Mapped[list[str]] = mapped_column(JSON)
    grounds: Mapped[str] = mapped_column(String(32))  # wrong-jurisdiction, false-positive
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(
        String(16), nullable=True
    )  # rerouted, withdrawn, upheld
    outcome_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RouteChange(Base):
    """The route in force for an event, where it differs from the one stored at ingest."""

    __tablename__ = "route_changes"

    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member: Mapped[str | None] = mapped_column(String(2), nullable=True)
    state: Mapped[str] = mapped_column(String(16))  # contested, routed, retracted
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int] = mapped_column(Integer)
