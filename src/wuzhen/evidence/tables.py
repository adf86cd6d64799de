"""Relational tables of the evidence pipeline: ingest runs, evidence files, store files.

``store_files`` is the event store's manifest: a data file is visible to readers only while a
committed row says it is live. An ingest's files become visible in the same transaction that
records its evidence, so a crash leaves the old state or the new.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from wuzhen.db.base import Base, UTCDateTime


class Ingest(Base):
    """One run of the pipeline over one or more evidence files, committed at once."""

    __tablename__ = "ingests"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner: Mapped[str] = mapped_column(String(2))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Evidence(Base):
    """One evidence file as ingested once, with its record accounting."""

    __tablename__ = "evidence"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    ingest_id: Mapped[str] = mapped_column(ForeignKey("ingests.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    owner: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str] = mapped_column(String(1024))
    format: Mapped[str] = mapped_column(String(64))
    feed: Mapped[str | None] = mapped_column(String(128), nullable=True)
    size: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(BigInteger)
    duplicates: Mapped[int] = mapped_column(BigInteger)
    skipped: Mapped[int] = mapped_column(BigInteger)
    skipped_reasons: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    rejects: Mapped[int] = mapped_column(BigInteger)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StoreFile(Base):
    """A Parquet file of the event store and whether readers may see it."""

    __tablename__ = "store_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(16))  # "events", "rejects" or "notices"
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD partition
    path: Mapped[str] = mapped_column(String(512), unique=True)  # relative to the store root
    rows: Mapped[int] = mapped_column(BigInteger)
    ingest_id: Mapped[str] = mapped_column(String(16))  # the run (or rewrite) that wrote it
    live: Mapped[bool] = mapped_column(Boolean, default=True)
    # rows whose day is not their own: their observation's (no time of their own, and every
    # reject) or their list's (a header's time): an ingest deduplicates against every such
    # file, whatever its day
    timeless: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_store_files_live", "dataset", "live", "day"),)
