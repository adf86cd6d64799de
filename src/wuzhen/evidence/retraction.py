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
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import ColumnElement, Row, or_, select, update
from sqlalchemy.orm import Session

from wuzhen import ledger
from wuzhen.clock import Clock
from wuzhen.db import Database
from wuzhen.errors import InputError, NotFoundError
from wuzhen.evidence.store import DATASETS, EventStore, StagedWriter
from wuzhen.evidence.tables import Evidence, StoreFile

log = logging.getLogger(__name__)
DAY = "__day"


@dataclass(frozen=True, slots=True)
class Retraction:
    sha256: str
    owner: str
    evidence_ids: tuple[str, ...]
    removed: dict[str, int]  # dataset -> rows removed


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
        retired: list[str] = []
        try:
            for dataset in DATASETS:
                removed[dataset] = _rewrite(store, writer, dataset, ids, retired)
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
                ledger.append(
                    s,
                    at=now,
                    actor=actor,
                    action="evidence.retracted",
                    subject=f"evidence:{rows[0].sha256}",
                    data={"owner": owner, "evidence": list(ids), "removed": removed},
                )
        except BaseException:
            writer.abort()
            raise
        for rel in retired:
            (store.root / rel).unlink(missing_ok=True)
    log.info("retracted evidence %s of %s: %s", rows[0].sha256, owner, removed)
    return Retraction(sha256=rows[0].sha256, owner=owner, evidence_ids=ids, removed=removed)


def _rewrite(
    store: EventStore, writer: StagedWriter, dataset: str, ids: tuple[str, ...], retired: list[str]
) -> int:
    files = store.live_files(dataset)
    if not files:
        return 0
    hits = (
        pl.scan_parquet(files, include_file_paths="__file", hive_partitioning=False)
        .filter(pl.col("evidence.id").is_in(list(ids)))
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
        table = pq.read_table(path_text)
        keep = pc.invert(pc.is_in(table["evidence.id"], pa.array(list(ids))))
        remaining = table.filter(keep)
        if remaining.num_rows:
            day = pa.repeat(pa.scalar(day_of[rel], pa.string()), remaining.num_rows)
            frame = pl.from_arrow(remaining.append_column(DAY, day))
            assert isinstance(frame, pl.DataFrame)
            writer.write(dataset, DAY, frame)
        retired.append(rel)
        total += count
    return total
