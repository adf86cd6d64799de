"""Ledger tables: the entries, and the chain head appends serialize on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class LedgerEntry(Base):
    __tablename__ = "ledger"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))  # "account:<id>", "system", ...
    action: Mapped[str] = mapped_column(String(64), index=True)  # "member.admitted", ...
    subject: Mapped[str] = mapped_column(String(128), index=True)  # "member:CN", "rule:..."
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(Boolean)
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))  # sha256(salt, content)
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))  # sha256(prev, seq, digest)


class LedgerHead(Base):
    """One row: the last entry. Appends lock it, so they happen one at a time."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
