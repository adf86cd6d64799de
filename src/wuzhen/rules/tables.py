"""The current value of every rule (the history is the ledger)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class Rule(Base):
    __tablename__ = "rules"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int] = mapped_column(BigInteger)  # the entry that set this value
