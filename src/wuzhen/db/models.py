"""Import every domain's tables so the metadata (and Alembic) sees them all."""

from __future__ import annotations


def import_all() -> None:
    import wuzhen.accounts.tables
    import wuzhen.cooperation.tables
    import wuzhen.development.tables
    import wuzhen.directory.tables
    import wuzhen.evidence.tables
    import wuzhen.governance.tables
    import wuzhen.ledger.tables
    import wuzhen.members.tables
    import wuzhen.nodeid
    import wuzhen.notices.tables
    import wuzhen.rules.tables  # noqa: F401
