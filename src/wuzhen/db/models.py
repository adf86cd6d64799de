"""Import every domain's tables so the metadata (and Alembic) sees them all."""

from __future__ import annotations


def import_all() -> None:
    import wuzhen.evidence.tables  # noqa: F401
