"""Reachability checks of the points of contact, and each contact's answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class ContactCheck(Base):
    """One check campaign: every member active when it started is asked."""

    __tablename__ = "contact_checks"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    started_by: Mapped[str] = mapped_column(String(16))  # account id
    note: Mapped[str] = mapped_column(Text, default="")
    members: Mapped[list[str]] = mapped_column(JSON)  # the members asked


class ContactCheckAnswer(Base):
    """One contact asked in a check: when it was asked, mailed, and confirmed.

    ``contact`` is the contact's id, not a foreign key: a contact removed later leaves its
    answer (the directory's history) in place.
    """

    __tablename__ = "contact_check_answers"
    __table_args__ = (UniqueConstraint("check_id", "contact"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("contact_checks.id"), index=True)
    member: Mapped[str] = mapped_column(String(2), index=True)
    contact: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # account id
