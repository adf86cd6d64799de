"""Migration 0010 marks the store files that hold rows of no time of their own (#3)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
from alembic import command
from sqlalchemy import create_engine, text

from tests.conftest import NOW
from wuzhen.db.database import alembic_config, upgrade

EVENTS_TIMED = "events/day=2026-11-28/a-00001.parquet"
EVENTS_MIXED = "events/day=2026-11-29/a-00002.parquet"
REJECTS = "rejects/day=2026-11-29/a-00003.parquet"
LOST = "events/day=2026-11-27/a-00004.parquet"  # listed, but not on disk


def _write(store: Path, rel: str, times: list[datetime | None]) -> None:
    path = store / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame({"time.source": times}, schema={"time.source": pl.Datetime("us", "UTC")})
    frame.write_parquet(path)


def test_the_migration_marks_files_with_rows_of_no_time(database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    store = tmp_path / "store"
    try:
        upgrade(engine, "0009")
        _write(store, EVENTS_TIMED, [NOW, NOW])
        _write(store, EVENTS_MIXED, [NOW, None])
        with engine.begin() as c:
            for rel in (EVENTS_TIMED, EVENTS_MIXED, REJECTS, LOST):
                c.execute(
                    text(
                        "INSERT INTO store_files (dataset, day, path, rows, ingest_id, live)"
                        " VALUES (:d, :day, :p, 2, 'a', :live)"
                    ),
                    {"d": rel.split("/")[0], "day": rel.split("/")[1][4:], "p": rel, "live": True},
                )
        upgrade(engine, store_dir=store)
        with engine.begin() as c:
            flags = dict(c.execute(text("SELECT path, timeless FROM store_files")).all())
        assert {p: bool(v) for p, v in flags.items()} == {
            EVENTS_TIMED: False,
            EVENTS_MIXED: True,
            REJECTS: True,
            LOST: False,
        }
        with engine.begin() as c:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = c
            command.downgrade(cfg, "0009")
        with engine.begin() as c:
            columns = c.execute(text("SELECT * FROM store_files")).keys()
        assert "timeless" not in columns
    finally:
        engine.dispose()
