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


def test_the_migration_marks_files_of_lists_dated_by_their_header(
    database_url: str, tmp_path: Path
) -> None:
    """Migration 0011: a Spamhaus DROP or DShield list's events take the list's time; the files
    their ingests wrote are searched whatever their day."""
    engine = create_engine(database_url)
    try:
        upgrade(engine, "0010")
        with engine.begin() as c:
            for ingest, fmt in (("drop", "spamhaus-drop"), ("ssh", "openssh")):
                c.execute(
                    text(
                        "INSERT INTO ingests (id, owner, started_at, committed_at, options)"
                        " VALUES (:i, 'CN', :t, :t, '{}')"
                    ),
                    {"i": ingest, "t": NOW},
                )
                c.execute(
                    text(
                        "INSERT INTO evidence (id, ingest_id, sha256, owner, name, format, size,"
                        " records, events, duplicates, skipped, skipped_reasons, rejects,"
                        " ingested_at) VALUES (:i, :i, 'x', 'CN', 'f', :f, 1, 1, 1, 0, 0, '{}',"
                        " 0, :t)"
                    ),
                    {"i": ingest, "f": fmt, "t": NOW},
                )
                for dataset in ("events", "rejects"):
                    c.execute(
                        text(
                            "INSERT INTO store_files (dataset, day, path, rows, ingest_id, live,"
                            " timeless) VALUES (:d, '2026-11-28', :p, 1, :i, :live, :no)"
                        ),
                        {
                            "d": dataset,
                            "p": f"{dataset}/{ingest}",
                            "i": ingest,
                            "live": True,
                            "no": dataset == "rejects",
                        },
                    )
        upgrade(engine, store_dir=tmp_path)
        with engine.begin() as c:
            flags = dict(c.execute(text("SELECT path, timeless FROM store_files")).all())
        assert {p: bool(v) for p, v in flags.items()} == {
            "events/drop": True,
            "rejects/drop": True,
            "events/ssh": False,
            "rejects/ssh": True,
        }
    finally:
        engine.dispose()
