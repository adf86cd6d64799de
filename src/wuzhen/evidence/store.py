"""The event store: Parquet datasets (events, rejects) partitioned by day.

Layout under ``<data dir>/store``::

    events/day=2026-11-29/<writer id>-<n>.parquet
    rejects/day=2026-11-29/<writer id>-<n>.parquet
    notices/day=2026-11-29/<ingest id>.parquet       (see :mod:`wuzhen.notices.ids`)

A file is visible to readers only while the relational store's manifest (``store_files``)
lists it as live, and rows are added to the manifest in the same transaction that records the
ingest. Files written by a run that never committed are orphans, removed by the next writer.
One writer at a time per data directory (an exclusive lock file).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from wuzhen import filelock
from wuzhen.db import Database
from wuzhen.evidence.tables import StoreFile
from wuzhen.schema import arrow_schema
from wuzhen.schema.fields import FIELDS

log = logging.getLogger(__name__)

EVENTS = "events"
REJECTS = "rejects"
NOTICES = "notices"  # the event ids notices freeze, one file per ingest
DATASETS = (EVENTS, REJECTS)
#: The records a file held that were stored before, from another file: which files hold each
#: stored row besides the one that brought it (a withdrawn file's rows stay with them).
DUPLICATES = "duplicates"
#: The datasets of day partitions that hold evidence files' rows (retention removes them).
BY_DAY = (*DATASETS, DUPLICATES)
ROWS_PER_FILE = 2_000_000
ROW_GROUP = 125_000  # rows, or
ROW_GROUP_BYTES = 32 * 1024 * 1024  # of rows in memory, whichever comes first
MAX_BUFFERED = 256 * 1024 * 1024  # bytes of rows waiting to fill a row group
MAX_QUEUED = 1  # row groups waiting for the writing thread


def rejects_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("event.id", pa.string(), nullable=False),
            pa.field("evidence.id", pa.string(), nullable=False),
            pa.field("evidence.record", pa.int64(), nullable=False),
            pa.field("evidence.format", pa.string(), nullable=False),
            pa.field("owner", pa.string(), nullable=False),
            pa.field("time.observation", pa.timestamp("us", tz="UTC"), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
            pa.field("raw", pa.string(), nullable=False),
        ]
    )


def duplicates_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("event.id", pa.string(), nullable=False),  # the stored row's id
            pa.field("dataset", pa.string(), nullable=False),  # events or rejects
            pa.field("evidence.id", pa.string(), nullable=False),  # the file that held it too
            pa.field("evidence.record", pa.int64(), nullable=False),
            pa.field("evidence.format", pa.string(), nullable=False),
            pa.field("time.observation", pa.timestamp("us", tz="UTC"), nullable=False),
        ]
    )


def schema_of(dataset: str) -> pa.Schema:
    if dataset == EVENTS:
        return arrow_schema()
    return rejects_schema() if dataset == REJECTS else duplicates_schema()


#: Columns written dictionary-encoded: those with few distinct values. The others (ids,
#: addresses, raw text) are written plain: trying a dictionary on them only to fall back costs
#: about a fifth of the encoding time (1M dataplane events: 1.45 s -> 1.20 s).
DICTIONARY = {
    EVENTS: [f.name for f in FIELDS if f.dictionary],
    REJECTS: ["evidence.id", "evidence.format", "owner", "time.observation", "reason"],
    DUPLICATES: ["dataset", "evidence.id", "evidence.format", "time.observation"],
}

#: Columns written with statistics (each row group's least and greatest value): those queries
#: filter by whose values cluster, one per file (its evidence, owner, feed) or in time order,
#: or few per file (a country's report), so that readers skip row groups. In the others
#: (ids, addresses, raw text) every row group spans nearly all values: their statistics skip
#: nothing and cost a tenth of the writing (a 125,000-row dataplane row group: 84 -> 77 ms).
STATISTICS = {
    EVENTS: [
        "evidence.id",
        "evidence.record",
        "evidence.format",
        "owner",
        "time.source",
        "time.observation",
        "feed.name",
        "feed.provider",
        "tlp",
        "source.asn",
        "source.registration.cc",
        "classification.taxonomy",
        "classification.type",
        "classification.identifier",
        "route.member",
    ],
    REJECTS: ["evidence.id", "evidence.record", "evidence.format", "owner", "time.observation"],
    DUPLICATES: ["evidence.id"],
}

#: Columns written as deltas: a file's record numbers, which only grow (1M dataplane events:
#: 1.02 MB in 20 ms as plain numbers, 6 KB in 5 ms as deltas). Times and numbers that repeat
#: (syslog seconds, ports) are smaller and quicker plain, under zstd.
ENCODING = {dataset: {"evidence.record": "DELTA_BINARY_PACKED"} for dataset in BY_DAY}


class EventStore:
    """Reading the committed datasets, and the writer's lock."""

    def __init__(self, root: Path, db: Database) -> None:
        self.root = root
        self.db = db

    def live_files(self, dataset: str, days: Iterable[str] | None = None) -> list[Path]:
        """The committed, live files of ``dataset`` (optionally only some day partitions)."""
        stmt = select(StoreFile.path).where(StoreFile.dataset == dataset, StoreFile.live)
        if days is not None:
            day_list = sorted(set(days))
            if not day_list:
                return []
            stmt = stmt.where(StoreFile.day.in_(day_list))
        with self.db.session() as s:
            return [self.root / p for p in s.scalars(stmt.order_by(StoreFile.path))]

    def scan(self, dataset: str, days: Iterable[str] | None = None) -> pl.LazyFrame:
        """A lazy frame over the committed rows of ``dataset``."""
        files = self.live_files(dataset, days)
        if not files:
            empty = pl.from_arrow(schema_of(dataset).empty_table())
            assert isinstance(empty, pl.DataFrame)
            return empty.lazy()
        return pl.scan_parquet(files, hive_partitioning=False)

    def live_snapshot(self) -> LiveFiles:
        """The committed, live files of every dataset as they are now, by day."""
        with self.db.session() as s:
            rows = s.execute(
                select(StoreFile.dataset, StoreFile.day, StoreFile.path, StoreFile.timeless).where(
                    StoreFile.live
                )
            )
            found: dict[tuple[str, str], list[Path]] = {}
            yearly: dict[tuple[str, str], list[Path]] = {}
            timeless: dict[str, list[Path]] = {}
            for dataset, day, path, no_time in rows:
                found.setdefault((dataset, day), []).append(self.root / path)
                yearly.setdefault((dataset, day[5:]), []).append(self.root / path)
                if no_time:
                    timeless.setdefault(dataset, []).append(self.root / path)
        return LiveFiles(found, yearly, timeless)

    @contextlib.contextmanager
    def writer_lock(self, wait: float = filelock.WAIT_SECONDS) -> Iterator[None]:
        """Hold the data directory's single-writer lock, waiting up to ``wait`` seconds."""
        busy = f"another process is writing to {self.root}; try again later"
        with filelock.exclusive(self.root / ".writer.lock", busy, wait):
            self.remove_orphans()
            yield

    def remove_orphans(self) -> int:
        """Delete data files no committed manifest row keeps live (call with the lock held)."""
        with self.db.session() as s:
            live = set(s.scalars(select(StoreFile.path).where(StoreFile.live)))
        removed = 0
        for dataset in (*BY_DAY, NOTICES):
            base = self.root / dataset
            if not base.exists():
                continue
            for path in base.glob("day=*/*.parquet*"):
                rel = path.relative_to(self.root).as_posix()
                if rel not in live:
                    path.unlink(missing_ok=True)
                    removed += 1
        shutil.rmtree(self.root / ".tmp", ignore_errors=True)  # a killed run's spill files
        if removed:
            log.info("removed %s orphaned store files", removed)
        return removed


@dataclass(frozen=True, slots=True)
class LiveFiles:
    """The committed files of a store at one moment, by dataset and day partition: what an
    ingest deduplicates against (it holds the writer's lock, so none is committed meanwhile;
    one query for the run, not one for each batch of each file)."""

    files: dict[tuple[str, str], list[Path]]
    yearly: dict[tuple[str, str], list[Path]]  # by dataset and month-day (MM-DD): every year's
    timeless: dict[str, list[Path]]  # by dataset: the files with rows of no time of their own

    def holding(
        self, dataset: str, days: Iterable[date], timeless: bool, any_year: bool = False
    ) -> list[Path]:
        """The files that may hold a row with the id of a row of ``days`` (``timeless``: some
        of them have no time of their own; ``any_year``: their year was inferred or given,
        and may be another than before).

        An id is its owner, record and occurrence, not its time: a record read again may get
        another day. A time read with another ``--timezone`` moves by a day at most, so the
        days either side are searched too; a row of no time of its own takes its day from when
        it was observed, so every file holding such rows is searched for those; a time without
        a year (syslog's) may be read into another year (read a year later, or with
        ``--year``), so those days are searched in every year.
        """
        near = [d + timedelta(days=k) for d in days for k in (-1, 0, 1)]
        if any_year:
            month_days = {d.isoformat()[5:] for d in near}
            found = {p for md in month_days for p in self.yearly.get((dataset, md), [])}
        else:
            found = {p for d in near for p in self.files.get((dataset, d.isoformat()), [])}
        if timeless:
            found.update(self.timeless.get(dataset, []))
        return sorted(found)


def has_timeless_rows(dataset: str, frame: pl.DataFrame) -> bool:
    """Whether some row of ``frame`` has no time of its own (every reject; an event without
    ``time.source``): its day partition is the day it was read. (A duplicate's day is its
    stored row's: no ingest looks it up by its id.)"""
    if dataset == EVENTS:
        return frame["time.source"].has_nulls()
    return dataset == REJECTS


def stored_ids(files: list[Path], ids: pl.Series) -> pl.Series:
    """Which of ``ids`` the Parquet ``files`` hold."""
    if not files or ids.is_empty():
        return pl.Series("event.id", [], pl.String)
    found = (
        pl.scan_parquet(files, hive_partitioning=False)
        .select("event.id")
        .filter(pl.col("event.id").is_in(ids.implode()))
        .collect()
    )
    return found["event.id"]


@dataclass(slots=True)
class _Pending:
    """Rows of one partition waiting to fill a row group."""

    parts: list[pl.DataFrame] = field(default_factory=list)
    rows: int = 0
    size: int = 0  # bytes in memory
    timeless: bool = False  # some row has no time of its own (see StoreFile.timeless)


@dataclass(slots=True)
class _Open:
    """A file of one partition being written."""

    writer: pq.ParquetWriter
    path: str  # relative to the store root
    rows: int = 0
    timeless: bool = False


class StagedWriter:
    """Writes an ingest's rows into day partitions under names no reader sees yet.

    Rows are buffered per day partition and written as row groups of ``ROW_GROUP`` rows (or
    ``ROW_GROUP_BYTES``, for wide rows), so a log spanning many days is not written as many
    small pieces; at most ``MAX_BUFFERED`` bytes of rows wait in memory (the largest buffer is
    written first when more arrive). Encoding and
    writing Parquet runs on a thread of its own, in order, while the caller goes on; at most
    ``MAX_QUEUED`` row groups wait for it.
    """

    def __init__(self, store: EventStore, writer_id: str) -> None:
        self.store = store
        self.writer_id = writer_id
        self._open: dict[tuple[str, str], _Open] = {}
        self._pending: dict[tuple[str, str], _Pending] = {}  # rows waiting, per partition
        self._seq = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        self._queued: deque[Future[None]] = deque()
        self._closing: list[pq.ParquetWriter] = []  # closed on the thread, or by abort
        self.files: list[dict[str, Any]] = []  # manifest rows to commit

    def write(
        self, dataset: str, day_column: str, frame: pl.DataFrame, *, timeless: bool = False
    ) -> None:
        """Append rows, split by their day (a column of dates or of their ``YYYY-MM-DD`` text,
        not stored); ``timeless``: their time is not their own, though they have one (see
        ``StoreFile.timeless``)."""
        if frame.height == 0:
            return
        days = frame[day_column]
        if days.min() == days.max():  # one day, as most batches are: no copy of the rows
            parts = {(days[0],): frame}
        else:
            parts = frame.partition_by(day_column, as_dict=True, maintain_order=False)
        for (day,), part in parts.items():
            key = (dataset, str(day))
            pending = self._pending.setdefault(key, _Pending())
            pending.parts.append(part.drop(day_column))
            pending.rows += part.height
            pending.size += int(part.estimated_size())
            pending.timeless |= timeless or has_timeless_rows(dataset, part)
            if pending.rows >= ROW_GROUP or pending.size >= ROW_GROUP_BYTES:
                self._flush(key)
        while sum(p.size for p in self._pending.values()) > MAX_BUFFERED:
            self._flush(max(self._pending, key=lambda k: self._pending[k].size))

    def _flush(self, key: tuple[str, str]) -> None:
        pending = self._pending.pop(key, None)
        if pending is None:
            return
        dataset, day = key
        entry = self._open.get(key)
        if entry is not None and entry.rows >= ROWS_PER_FILE:
            self._close(key)
            entry = None
        if entry is None:
            self._seq += 1
            rel = f"{dataset}/day={day}/{self.writer_id}-{self._seq:05d}.parquet"
            path = self.store.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(
                path,
                _as_views(schema_of(dataset)),
                compression="zstd",
                use_dictionary=DICTIONARY[dataset],
                write_statistics=STATISTICS[dataset],
                column_encoding=ENCODING[dataset],
                store_schema=False,  # read back as the dataset's schema, text as strings
            )
            entry = self._open[key] = _Open(writer, rel)
        entry.rows += pending.rows
        entry.timeless |= pending.timeless
        self._submit(_append, entry.writer, pending.parts)

    def _close(self, key: tuple[str, str]) -> None:
        entry = self._open.pop(key)
        dataset, day = key
        self.files.append(
            {
                "dataset": dataset,
                "day": day,
                "path": entry.path,
                "rows": entry.rows,
                "timeless": entry.timeless,
            }
        )
        self._closing.append(entry.writer)
        self._submit(_close, entry.writer, self.store.root / entry.path)

    def _submit(self, job: Callable[..., None], *args: Any) -> None:
        """Queue a job for the writing thread; wait while too many are queued (and raise what
        a finished job raised)."""
        while self._queued and (self._queued[0].done() or len(self._queued) >= MAX_QUEUED):
            self._queued.popleft().result()
        self._queued.append(self._thread.submit(job, *args))

    def finish(self) -> list[dict[str, Any]]:
        """Close every file; the returned manifest rows make them visible once committed."""
        try:
            for key in list(self._pending):
                self._flush(key)
            for key in list(self._open):
                self._close(key)
            while self._queued:
                self._queued.popleft().result()
        finally:
            self._thread.shutdown(wait=True)
        return self.files

    def abort_unless_committed(self, committed: Callable[[], bool]) -> None:
        """After a failure: :meth:`abort`, unless the commit that lists the files went through.
        An interrupt (Ctrl-C) can arrive once the database has committed (psycopg finishes a
        COMMIT before it raises one), and deleting the files then would leave the store listing
        files that are gone. When that cannot be told (the database cannot be reached), the
        files stay: those no commit lists are removed by the next writer (``remove_orphans``)."""
        try:
            done = committed()
        except Exception:
            log.exception("cannot tell whether the commit went through: files kept")
            done = True
        if not done:
            self.abort()

    def abort(self) -> None:
        """Close and delete everything written (the run failed)."""
        self._pending.clear()
        self._thread.shutdown(wait=True, cancel_futures=True)
        self._queued.clear()
        for writer in self._closing:  # a close the thread did not get to
            with contextlib.suppress(Exception):
                writer.close()
        for entry in self._open.values():
            with contextlib.suppress(Exception):
                entry.writer.close()
            (self.store.root / entry.path).unlink(missing_ok=True)
        self._open.clear()
        for f in self.files:
            (self.store.root / f["path"]).unlink(missing_ok=True)
        self.files = []


def _as_views(schema: pa.Schema) -> pa.Schema:
    """``schema`` with text as string views: Polars' own layout, which Parquet writes as the
    same strings (converting it to Arrow strings first cost a third of the writing time)."""
    return pa.schema(
        pa.field(f.name, pa.string_view(), f.nullable) if f.type == pa.string() else f
        for f in schema
    )


def _append(writer: pq.ParquetWriter, parts: list[pl.DataFrame]) -> None:
    # the parts as chunks of one table: Parquet writes them as one row group as fast, without
    # the copy that joining them first costs (7-9 ms a 125,000-row dataplane row group)
    table = pl.concat(parts, rechunk=False).to_arrow(compat_level=pl.CompatLevel.newest())
    writer.write_table(table.cast(writer.schema), row_group_size=ROW_GROUP)


def _close(writer: pq.ParquetWriter, path: Path) -> None:
    writer.close()
    with path.open("rb") as fh:
        os.fsync(fh.fileno())
