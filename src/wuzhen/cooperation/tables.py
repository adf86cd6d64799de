"""Requests and the evidence attached to them.

The request row holds current state and the timestamps the clocks need; its timeline is the
ledger (subject ``request:<id>``). Attached events are frozen: their ids and a digest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class Request(Base):
    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    requester: Mapped[str] = mapped_column(String(2), index=True)  # member code
    requested: Mapped[str] = mapped_column(String(2), index=True)  # member code
    offence: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    tlp: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(16))  # account id
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # deadlines, fixed when sent from the rules in force then
    acknowledge_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deadline_rule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    postponed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    grounds: Mapped[list[str]] = mapped_column(JSON, default=list)  # refusal / partial grounds
    outcome_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    other_only: Mapped[bool] = mapped_column(Boolean, default=False)  # refusal citing only other
    preserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    useful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # requester's feedback
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    commitment_clause: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Attachment(Base):
    """Events attached to a request as evidence, frozen when attached."""

    __tablename__ = "request_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    event_ids: Mapped[list[str]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(2))  # whose events
    # needs its owner's confirmation (wuzhen.cooperation.service._needs_owner): marked above
    # the request's TLP, or another member's event the requested member may not see otherwise
    above_marking: Mapped[bool] = mapped_column(Boolean)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RequestMail(Base):
    """A message about a request that the mail server accepted: ``new`` (to the requested
    member), ``outcome`` (to the requester) or ``escalation`` (to the requested member's
    policy contacts). Sent once each, by ``tick``."""

    __tablename__ = "request_mails"

    request: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    what: Mapped[str] = mapped_column(String(16), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    contacts: Mapped[list[int]] = mapped_column(JSON)  # contact ids, never addresses
