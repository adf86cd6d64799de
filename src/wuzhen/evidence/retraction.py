"""Withdrawing an evidence file: its events and rejects leave the store in one commit.

Data files holding rows of the file are rewritten without them under new names; one
transaction then retires the old files, lists the new ones, marks the evidence retracted and
records the act in the ledger (events routed to other members leave their notices' view).
Readers see the old state or the new. The old files are deleted after the commit (or, after a
crash, by the next writer as orphans).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import ColumnElement, Row, or_, select, update
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.clock import Clock
from wuzhen.db import Database
from wuzhen.errors import InputError, NotFoundError
from wuzhen.evidence.store import (
    DATASETS,
    DUPLICATES,
    EVENTS,
    EventStore,
    StagedWriter,
    duplicates_schema,
)
from wuzhen.evidence.tables import Evidence, StoreFile

log = logging.getLogger(__name__)
DAY = "__day"


@dataclass(frozen=True, slots=True)
class Retraction:
    sha256: str
    owner: str
    evidence_ids: tuple[str, ...]
    removed: dict[str, int]  # dataset -> rows removed
    kept: dict[str, int]  # dataset -> rows that stay, held by another file too


MIN_DIGITS = 8  # of a SHA-256 prefix


def _is_digest(value: str) -> bool:
    """Whether ``value`` can be a SHA-256 or a prefix of one that is worth a lookup."""
    return len(value) >= MIN_DIGITS and all(c in "0123456789abcdef" for c in value)


def find_evidence(
    s: Session, value: str, *where: ColumnElement[bool], by_id: bool = False
) -> list[Row[str, str]]:
    """The evidence files ``value`` names (id and SHA-256 of each ingest of them): a SHA-256
    or a unique prefix of at least 8 hex digits, as ``evidence list`` shows it, or, with
    ``by_id``, an evidence id; ``where``: further conditions. Empty when none; an error when
    a prefix names several files."""
    given = value.strip().lower()
    named = [Evidence.id == given] if by_id else []
    if _is_digest(given):
        named.append(Evidence.sha256.startswith(given))
    if not named:
        return []
    rows = list(s.execute(select(Evidence.id, Evidence.sha256).where(or_(*named), *where)))
    rows = [r for r in rows if r.id == given] or rows
    if len({r.sha256 for r in rows}) > 1:
        msg = f"SHA-256 prefix {given} matches several files; give more digits"
        raise InputError(msg)
    return rows


def retract(
    store: EventStore, db: Database, clock: Clock, sha256: str, owner: str, *, actor: str
) -> Retraction:
    """Withdraw every ingest of the file with this SHA-256 (or unique prefix) by ``owner``;
    ``actor``: who does it, as the ledger names them."""
    digest = sha256.strip().lower()
    if not _is_digest(digest):
        msg = "give the file's SHA-256 (at least 8 hex digits)"
        raise InputError(msg)
    with store.writer_lock():
        with db.session() as s:
            rows = find_evidence(
                s, digest, Evidence.owner == owner, Evidence.retracted_at.is_(None)
            )
        if not rows:
            msg = f"no evidence of {owner} with SHA-256 {digest}"
            raise NotFoundError(msg)
        ids = tuple(sorted(r.id for r in rows))
        writer = StagedWriter(store, f"r{secrets.token_hex(7)}")
        removed: dict[str, int] = {}
        kept: dict[str, int] = {}
        retired: list[str] = []
        try:
            gone = pl.col("evidence.id").is_in(list(ids))  # rows the withdrawn files brought
            heirs = {dataset: _heirs(store, dataset, gone) for dataset in DATASETS}
            for dataset in DATASETS:
                rows_out = _rewrite(store, writer, dataset, gone, retired, heirs[dataset])
                kept[dataset] = heirs[dataset].height
                removed[dataset] = rows_out - kept[dataset]
            # what the withdrawn files held, and what the heirs now hold as their own
            inherited = pl.concat(h.select(_held(pl.lit(d))) for d, h in heirs.items())
            settled = gone | _held(pl.col("dataset")).is_in(inherited.to_series().implode())
            _rewrite(store, writer, DUPLICATES, settled, retired)
            manifest = writer.finish()
            now = clock.now()
            with db.session() as s:
                s.execute(
                    update(StoreFile)
                    .where(StoreFile.path.in_(retired))
                    .values(live=False, retired_at=now)
                )
                for row in manifest:
                    s.add(StoreFile(ingest_id=writer.writer_id, live=True, **row))
                s.execute(update(Evidence).where(Evidence.id.in_(ids)).values(retracted_at=now))
                _count_inherited(s, heirs[EVENTS])
                ledger.append(
                    s,
                    at=now,
                    actor=actor,
                    action="evidence.retracted",
                    subject=f"evidence:{rows[0].sha256}",
                    data={"owner": owner, "evidence": list(ids), "removed": removed, "kept": kept},
                )
        except BaseException:
            writer.abort_unless_committed(lambda: _retracted(db, ids[0]))
            raise
        for rel in retired:
            (store.root / rel).unlink(missing_ok=True)
    log.info("retracted evidence %s of %s: %s", rows[0].sha256, owner, removed)
    return Retraction(rows[0].sha256, owner, ids, removed, kept)


def _retracted(db: Database, evidence_id: str) -> bool:
    with db.session() as s:
        return s.scalar(select(Evidence.retracted_at).where(Evidence.id == evidence_id)) is not None


def _heirs(store: EventStore, dataset: str, gone: pl.Expr) -> pl.DataFrame:
    """The rows of ``dataset`` that the withdrawn files brought (``gone``: of their evidence)
    and another live file held too
    (it counted them as duplicates): each row's ``event.id`` with what it takes from the
    first such file (its ``evidence.*`` and ``time.observation``)."""
    files = store.live_files(DUPLICATES)
    columns = ["event.id", "evidence.id", "evidence.record", "evidence.format", "time.observation"]
    if not files:
        empty = pl.from_arrow(duplicates_schema().empty_table())
        assert isinstance(empty, pl.DataFrame)
        return empty.select(columns)
    brought = store.scan(dataset).filter(gone).select("event.id")
    return (
        pl.scan_parquet(files, hive_partitioning=False)
        .filter(pl.col("dataset") == dataset, ~gone)
        .join(brought, on="event.id", how="semi")
        .sort("time.observation", "evidence.id", "evidence.record")
        .unique("event.id", keep="first", maintain_order=True)
        .select(columns)
        .collect()
    )


def _held(dataset: pl.Expr) -> pl.Expr:
    """A duplicate's key: the stored row (its id and dataset) and the file that held it."""
    return pl.concat_str(pl.col("event.id"), dataset, pl.col("evidence.id"), separator="/")


def _count_inherited(s: Session, heirs: pl.DataFrame) -> None:
    """The files that now hold events they had counted as duplicates hold them as events."""
    for evidence_id, n in heirs.group_by("evidence.id").len().iter_rows():
        s.execute(
            update(Evidence)
            .where(Evidence.id == evidence_id)
            .values(events=Evidence.events + n, duplicates=Evidence.duplicates - n)
        )


def _rewrite(
    store: EventStore,
    writer: StagedWriter,
    dataset: str,
    gone: pl.Expr,
    retired: list[str],
    heirs: pl.DataFrame | None = None,
) -> int:
    """Rewrite the files of ``dataset`` holding rows ``gone`` selects without them, but for
    those ``heirs`` has (see :func:`_heirs`): they stay, as the heir's. Returns how many rows
    were selected."""
    files = store.live_files(dataset)
    if not files:
        return 0
    hits = (
        pl.scan_parquet(files, include_file_paths="__file", hive_partitioning=False)
        .filter(gone)
        .group_by("__file")
        .len()
        .collect()
    )
    with store.db.session() as s:
        rows = s.execute(
            select(StoreFile.path, StoreFile.day).where(StoreFile.dataset == dataset)
        ).all()
        day_of = dict(rows)
    total = 0
    for path_text, count in hits.iter_rows():
        rel = Path(path_text).relative_to(store.root).as_posix()
        table = pl.read_parquet(path_text, hive_partitioning=False)
        remaining = table.filter(~gone).with_columns(pl.lit(day_of[rel]).alias(DAY))
        if heirs is not None and heirs.height:
            inherited = _inherit(dataset, table.filter(gone), heirs)
            remaining = pl.concat([remaining, inherited])
        if remaining.height:
            writer.write(dataset, DAY, remaining)
        retired.append(rel)
        total += count
    return total


def _inherit(dataset: str, rows: pl.DataFrame, heirs: pl.DataFrame) -> pl.DataFrame:
    """``rows`` that ``heirs`` has, as the heir's: its evidence and observation time, and the
    day partition that time gives a row without a time of its own."""
    taken = ["evidence.id", "evidence.record", "evidence.format", "time.observation"]
    out = rows.drop(taken).join(heirs, on="event.id", how="inner").select(rows.columns)
    observed = pl.col("time.observation")
    day = pl.coalesce("time.source", observed) if dataset == EVENTS else observed
    return out.with_columns(day.dt.date().cast(pl.String).alias(DAY))
