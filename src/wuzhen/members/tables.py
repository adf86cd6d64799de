"""Members, their points of contact and their sharing policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime

CANDIDATE = "candidate"  # a state of the registry, not (yet) admitted
ACTIVE = "active"
SUSPENDED = "suspended"


class Member(Base):
    __tablename__ = "members"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # ISO 3166 alpha-2
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    m49: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    region: Mapped[str] = mapped_column(String(64))
    subregion: Mapped[str] = mapped_column(String(64))
    un_status: Mapped[str] = mapped_column(String(16))  # "member" or "observer" of the UN
    answers_for: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=CANDIDATE, index=True)
    voting_rights: Mapped[bool] = mapped_column(Boolean, default=True)
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # CERT name, website


class Contact(Base):
    """A point of contact. Personal data: kept here, never in the ledger or events."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member: Mapped[str] = mapped_column(ForeignKey("members.code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "technical" or "policy"
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(128), default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(64), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hours: Mapped[str] = mapped_column(String(128), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SharingPolicy(Base):
    """What a member's events carry for one recipient ("*": every other member)."""

    __tablename__ = "sharing_policies"

    member: Mapped[str] = mapped_column(ForeignKey("members.code"), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(2), primary_key=True)
    raw: Mapped[bool] = mapped_column(Boolean, default=False)
    destination: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
