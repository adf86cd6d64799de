"""Development indicators: operator-defined indicators, values per member and year, targets.

A value carries where it comes from (``source``, and the source's release date when known)
and the time it describes (``dated``: the year, or a narrower date such as ``2015-07``).
One value per member, indicator and year: a later import of another value replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class IndicatorDefinition(Base):
    """An indicator the node's operator defined (built-in ones live in the code)."""

    __tablename__ = "indicator_definitions"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("member", "indicator", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member: Mapped[str] = mapped_column(ForeignKey("members.code"), index=True)
    indicator: Mapped[str] = mapped_column(String(48), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    dated: Mapped[str] = mapped_column(String(10))  # 2015, 2015-07 or 2015-07-31
    source: Mapped[str] = mapped_column(String(300))
    source_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Target(Base):
    """A member's goal for one of its indicators, to reach by a deadline year."""

    __tablename__ = "development_targets"
    __table_args__ = (UniqueConstraint("member", "indicator", "deadline_year"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    member: Mapped[str] = mapped_column(ForeignKey("members.code"), index=True)
    indicator: Mapped[str] = mapped_column(String(48))
    value: Mapped[float] = mapped_column(Float)
    deadline_year: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    set_by: Mapped[str] = mapped_column(String(64))
