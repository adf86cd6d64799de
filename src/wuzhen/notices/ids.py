"""The event ids each notice freezes, kept in the event store beside the events.

An ingest that routes events to other members writes one Parquet file of the ids, sorted by
member and id, and counts them (by classification, source ASN and day)::

    notices/day=<day of the ingest>/<ingest id>.parquet      columns: member, event.id

A notice is the rows of its member in its ingest's file. The ingest collects its routed events
as it writes them (:class:`Routed`: the member, what is counted, and the id as its two
numbers); while they fit in ``MEMORY_BUDGET`` the file is written from memory while the
events' last files are still being written, sorting the ids as numbers a member at a time and
writing each row group as soon as it is sorted. Beyond it, DuckDB reads the
written events back and sorts under a memory limit (spilling to a temporary directory in the
store), so a notice of any size is made in bounded memory. The relational store keeps each
notice's count and digest, and lists the file in the store's manifest (dataset ``notices``) in
the transaction that commits the ingest. Readers get the ids as a lazy frame, to join with the
events or to page through.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from wuzhen.arrowtext import buffers
from wuzhen.evidence.fingerprint import U64, hex_ids
from wuzhen.evidence.store import NOTICES
from wuzhen.evidence.tables import StoreFile
from wuzhen.notices.tables import Notice

MEMORY_LIMIT = "512MB"  # DuckDB's sort spills to disk beyond this
MEMORY_BUDGET = 128 * 1024 * 1024  # bytes of routed events an ingest keeps to freeze from memory
ROW_GROUP = 131072
TOP_ASNS = 20
BATCH = 1 << 20  # ids hashed at a time
ID = "event.id"


@dataclass(frozen=True, slots=True)
class Frozen:
    """One member's ids in an ingest's file: how many, their digest, and their counts by
    classification, source ASN (the largest ``TOP_ASNS``) and day, most first."""

    member: str
    events: int
    digest: str
    counts: dict[str, dict[str, int]]


def path_of(ingest_id: str, day: str) -> str:
    """Where an ingest's notice ids are kept, relative to the store root."""
    return f"{NOTICES}/day={day}/{ingest_id}.parquet"


# Each count's column, and its grouping set's GROUPING(classification, asn, day): a bit set
# for each column aggregated away.
COUNTS = {
    "by_classification": (0b011, "classification.type"),
    "by_asn": (0b101, "source.asn"),
    "by_day": (0b110, "day"),
}


_COUNTED = ("classification.type", "source.asn")  # and the day


@dataclass(frozen=True, slots=True)
class _Part:
    """One batch's routed events: each one's member (an index into the batch's members, in
    their order) and id (its two numbers, byte-swapped: sorting them as numbers sorts the ids'
    hex text, at a third of the cost; the text is written again from them once sorted)."""

    members: list[str]
    rank: npt.NDArray[np.integer[Any]]
    k1: U64
    k2: U64


class Routed:
    """An ingest's events routed to members other than its owner, collected as they are
    written (:class:`_Part`), with each batch's counts by member, classification, source ASN
    and day, summed at the end (counting the whole run at the end took 0.2 s of the ingest's
    last second). Collecting stops (``in_memory`` turns false) once they exceed
    ``MEMORY_BUDGET``: :func:`freeze` then reads the written events back instead."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._parts: list[_Part] | None = []
        self._counts: list[pl.DataFrame] = []
        self._size = 0

    @property
    def in_memory(self) -> bool:
        return self._parts is not None

    def add(self, events: pl.DataFrame, day: str, h1: U64, h2: U64) -> None:
        """Note the routed ones of ``events`` (stored rows, ``day`` the column of their day),
        whose ids are ``h1``, ``h2``."""
        if self._parts is None:
            return
        routed = (pl.col("route.state") == "routed") & (pl.col("route.member") != self.owner)
        mask = events.select(routed.fill_null(False)).to_series()
        if not mask.any():
            return
        part = events.select(
            pl.col("route.member").alias("member"), *_COUNTED, pl.col(day).alias("day")
        ).filter(mask)
        members = part["member"].unique().sort()
        rank = part["member"].cast(pl.Enum(members)).to_physical().to_numpy()
        taken = mask.to_numpy()
        self._parts.append(
            _Part(members.to_list(), rank, h1[taken].byteswap(), h2[taken].byteswap())
        )
        self._counts.append(part.group_by("member", *_COUNTED, "day").len())
        self._size += rank.nbytes + 16 * len(rank) + int(self._counts[-1].estimated_size())
        if self._size > MEMORY_BUDGET:
            self._parts, self._counts = None, []

    def freeze(self, root: Path, rel: str) -> list[Frozen]:
        """As :func:`freeze`, from memory (``in_memory`` must hold)."""
        assert self._parts is not None
        if not self._parts:
            return []
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        # each row group is written on a thread of its own as soon as it is sorted, while
        # the next is sorted (sorting all, then writing all, took half as long again: 1.46M
        # ids, 0.48-0.67 s, now 0.30-0.38 s)
        with (
            pq.ParquetWriter(target, _SCHEMA, **_WRITE) as writer,
            ThreadPoolExecutor(max_workers=1) as pool,
        ):
            counted = pool.submit(self._counted)
            written: list[Future[None]] = []

            def write(batch: pa.RecordBatch) -> pa.RecordBatch:
                written.append(pool.submit(writer.write_batch, batch))
                return batch

            digests = list(_digests(map(write, _sorted(self._parts))))
            for job in written:
                job.result()
            counts = counted.result()
        return _with_counts(digests, counts)

    def _counted(self) -> dict[str, dict[str, dict[str, int]]]:
        """The batches' counts summed: name -> member -> value -> events."""
        batches = pl.concat(self._counts)
        counts = {}
        for name, (_g, column) in COUNTS.items():
            grouped = batches.group_by("member", column).agg(pl.col("len").sum())
            if column == "day":  # the dates' text, as the counts give it
                grouped = grouped.with_columns(pl.col(column).cast(pl.String))
            counts[name] = _by_member(grouped, column)
        return counts


_SCHEMA = pa.schema([("member", pa.large_string()), (ID, pa.large_string())])
# the member is the only column worth a dictionary and statistics (readers filter by it);
# the ids are random hex (level 1: higher levels barely shrink them, at half the speed)
_WRITE: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 1,
    "use_dictionary": ["member"],
    "write_statistics": ["member"],
}


def _sorted(parts: Sequence[_Part]) -> Iterator[pa.RecordBatch]:
    """The members and ids (as hex) of ``parts`` sorted by member, then id, in batches of
    ``ROW_GROUP`` rows, each given as soon as it is sorted: the ids are put in member order
    (a radix sort of the members' ranks), then each member's are sorted by their first number
    (by both where two share it: rare)."""
    names = sorted({m for p in parts for m in p.members})
    rank = np.concatenate(
        [np.searchsorted(names, p.members).astype(np.uint16)[p.rank] for p in parts]
    )
    by_member = np.argsort(rank, kind="stable")
    ends = np.cumsum(np.bincount(rank, minlength=len(names)))
    rank = rank[by_member]
    k1 = np.concatenate([p.k1 for p in parts])[by_member]
    k2 = np.concatenate([p.k2 for p in parts])[by_member]
    members = pa.array(names, pa.large_string())
    start = done = 0
    for end in ends.tolist():
        first = k1[start:end]
        order = np.argsort(first)
        in_order = first[order]
        if (in_order[1:] == in_order[:-1]).any():  # two of its ids share their first number
            order = np.lexsort((k2[start:end], first))
            in_order = first[order]
        k2[start:end] = k2[start:end][order]
        k1[start:end] = in_order
        start = end
        while done < start and (start - done >= ROW_GROUP or start == len(rank)):
            upto = min(done + ROW_GROUP, start)
            yield pa.record_batch(
                [
                    members.take(rank[done:upto]),
                    hex_ids(k1[done:upto].byteswap(), k2[done:upto].byteswap()),
                ],
                schema=_SCHEMA,
            )
            done = upto


def freeze(root: Path, rel: str, events: Sequence[Path], owner: str) -> list[Frozen]:
    """Write the ids of the events in ``events`` routed to members other than ``owner`` into
    ``root / rel``, sorted by member and id (no file when there are none), and count them:
    one DuckDB connection, memory-limited. Returns each member's, in member order."""
    target = root / rel
    spill = root / ".tmp" / target.stem
    spill.mkdir(parents=True, exist_ok=True)  # DuckDB makes only the last level
    files = ", ".join(_literal(str(p)) for p in events)
    routed = f"""
        SELECT "route.member" AS member, "event.id", "classification.type", "source.asn",
               strftime(coalesce("time.source", "time.observation"), '%Y-%m-%d') AS day
        FROM read_parquet([{files}])
        WHERE "route.state" = 'routed' AND "route.member" IS NOT NULL
          AND "route.member" <> {_literal(owner)}
    """
    try:
        with duckdb.connect() as con:
            con.execute(f"SET memory_limit = {_literal(MEMORY_LIMIT)}")
            con.execute(f"SET temp_directory = {_literal(str(spill))}")
            con.execute("SET preserve_insertion_order = false")
            con.execute("SET TimeZone = 'UTC'")
            target.parent.mkdir(parents=True, exist_ok=True)
            row = con.execute(
                f'COPY (SELECT member, "event.id" FROM ({routed}) ORDER BY member, "event.id") '
                f"TO {_literal(str(target))} "
                # level 1: the ids are random hex, which higher levels barely shrink more
                # (27 -> 25 MB for 1.45M ids) at half the speed
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, "
                f"ROW_GROUP_SIZE {ROW_GROUP})"
            ).fetchone()
            if not (row and row[0]):
                target.unlink(missing_ok=True)
                return []
            grouped = con.sql(
                f"""SELECT member, "classification.type", "source.asn", day, count(*) AS len,
                           GROUPING("classification.type", "source.asn", day) AS g
                    FROM ({routed})
                    GROUP BY GROUPING SETS ((member, "classification.type"),
                                            (member, "source.asn"), (member, day))"""
            ).pl()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    counts = {
        name: _by_member(grouped.filter(pl.col("g") == g), column)
        for name, (g, column) in COUNTS.items()
    }
    return _with_counts(_digests(_batches(target)), counts)


def _with_counts(
    digests: Iterable[tuple[str, int, str]], counts: dict[str, dict[str, dict[str, int]]]
) -> list[Frozen]:
    """Each member's count and digest (as :func:`digests` gives them), with its ``counts``
    (name -> member -> value -> events)."""
    return [
        Frozen(member, n, sha, {name: per.get(member, {}) for name, per in counts.items()})
        for member, n, sha in digests
    ]


def _by_member(grouped: pl.DataFrame, column: str) -> dict[str, dict[str, int]]:
    """One grouping set's counts (member, ``column``, len): per member, value -> events, most
    first (ties by value)."""
    if column == "source.asn":  # the largest; events without an AS number are not counted
        # each member's top ones picked before sorting: a fourth of the time of sorting all
        # (a million routed dataplane events: 154,000 ASN counts, 44 -> 11 ms)
        top = (
            grouped.filter(pl.col(column).is_not_null())
            .group_by("member")
            .agg(pl.all().top_k_by(["len", column], k=TOP_ASNS, reverse=[False, True]))
        )
        grouped = top.explode([c for c in top.columns if c != "member"])
    part = grouped.sort(["member", "len", column], descending=[False, True, False])
    out: dict[str, dict[str, int]] = {}
    for member, value, n in part.select("member", column, "len").iter_rows():
        out.setdefault(member, {})[str(value)] = int(n)
    return out


def digests(path: Path) -> Iterator[tuple[str, int, str]]:
    """Each member's count and digest (sha256 of its sorted ids, one per line), read from a
    file :func:`freeze` wrote, in member order, a batch of ids at a time."""
    return _digests(_batches(path))


def _batches(path: Path) -> Iterator[pa.RecordBatch]:
    batches: Iterator[pa.RecordBatch] = pq.ParquetFile(path).iter_batches(
        batch_size=BATCH, columns=["member", ID]
    )
    return batches


def _digests(batches: Iterable[pa.RecordBatch]) -> Iterator[tuple[str, int, str]]:
    """:func:`digests` of the rows of ``batches`` (member, id), sorted by member and id."""
    member: str | None = None
    events = 0
    sha = hashlib.sha256()
    for batch in batches:
        members = pl.Series(batch.column("member"))
        # sorted by member: each member's ids are one run, starting where the member changes
        starts = (members != members.shift(1)).fill_null(True).arg_true().to_list()
        ids = batch.column(ID)
        for at, end in zip(starts, [*starts[1:], batch.num_rows], strict=True):
            who, n = members[at], end - at
            if who == member:
                sha.update(b"\n")
            else:
                if member is not None:
                    yield member, events, sha.hexdigest()
                member, events, sha = who, 0, hashlib.sha256()
            sha.update(_lines(ids.slice(at, n)))
            events += n
    if member is not None:
        yield member, events, sha.hexdigest()


def _lines(ids: pa.Array) -> bytes | memoryview:
    """``ids`` (one run: never empty) one per line, without a last line end: each id and a line
    end side by side in one buffer when the ids are all as long (event ids are), else joined
    as text."""
    t = buffers(ids)
    lengths = np.diff(t.offsets)
    if not (lengths == lengths[0]).all():  # not event ids: rare, and small
        return "\n".join(ids.drop_null().to_pylist()).encode()
    width = int(lengths[0])
    table = np.empty((len(lengths), width + 1), np.uint8)
    table[:, :width] = t.data[t.offsets[0] : t.offsets[-1]].reshape(-1, width)
    table[:, width] = ord("\n")
    return table.reshape(-1)[:-1].data


def of_notice(session: Session, root: Path, notice: Notice) -> pl.LazyFrame:
    """The ids ``notice`` froze, sorted, as one column (``root``: the event store's)."""
    rel = session.scalar(
        select(StoreFile.path).where(
            StoreFile.dataset == NOTICES, StoreFile.ingest_id == notice.ingest_id, StoreFile.live
        )
    )
    if rel is None:
        return pl.LazyFrame(schema={ID: pl.String})
    return (
        pl.scan_parquet(root / rel, hive_partitioning=False)
        .filter(pl.col("member") == notice.member)
        .select(ID)
    )


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
