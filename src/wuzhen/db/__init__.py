"""The relational store: engine by URL (SQLite in the data directory by default, PostgreSQL by
URL), the declarative base every domain's tables derive from, and migrations (Alembic)."""

from __future__ import annotations

from wuzhen.db.base import Base, UTCDateTime
from wuzhen.db.database import Database, open_database

__all__ = ["Base", "Database", "UTCDateTime", "open_database"]
