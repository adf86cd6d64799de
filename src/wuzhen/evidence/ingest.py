"""The ingest run: evidence files in, committed events and rejects out, nothing lost.

For each file: detect (or take) the format, read batches of records, and pass each batch
through parse -> validate -> attribute -> route -> stamp -> fingerprint -> deduplicate ->
write. Every record is accounted for: records = events + duplicates + skipped + rejects.
All files of a run are committed at once (see :mod:`wuzhen.evidence.store`).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import secrets
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl

from wuzhen import rules
from wuzhen.clock import Clock
from wuzhen.db import Database
from wuzhen.errors import InputError, WuzhenError
from wuzhen.evidence import parsers, warmup
from wuzhen.evidence.enrich import REASON, ROUTE_COUNTRY, Attributor, Routing
from wuzhen.evidence.fingerprint import event_ids, hex_ids, record_hashes
from wuzhen.evidence.inputs import (
    DAMAGED,
    EMPTY,
    SAMPLE_BYTES,
    STDIN,
    ZIP_MAGIC,
    Prefixed,
    Readable,
    Survey,
    Unread,
    content,
    detection_sample,
    expand,
    first_bytes,
    holds_nothing,
    shown,
    survey,
)
from wuzhen.evidence.occurrences import KeySet, Occurrences
from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    Parser,
    batch_records,
    readable_records,
)
from wuzhen.evidence.store import (
    DUPLICATES,
    EVENTS,
    REJECTS,
    EventStore,
    LiveFiles,
    StagedWriter,
    has_timeless_rows,
    stored_ids,
)
from wuzhen.evidence.tables import Evidence, Ingest, StoreFile
from wuzhen.lines import Block, iter_blocks, marked_lines, split_block
from wuzhen.members.service import routing_table
from wuzhen.notices import ids as notice_ids
from wuzhen.notices.service import make_notices
from wuzhen.schema import conform, validate
from wuzhen.schema.taxonomy import TAXONOMY_OF_TYPE
from wuzhen.schema.tlp import OWNER_ONLY, TLP, marking, stricter

log = logging.getLogger(__name__)

WORKERS = max(1, min(4, os.cpu_count() or 1))  # batches prepared at the same time
DAY = "__day"
EVENT_PART = 0
REJECT_PART = 1


@dataclass(frozen=True, slots=True)
class IngestOptions:
    owner: str
    format: str | None = None
    tlp: TLP = TLP.AMBER  # for records that carry no marking
    restrict: TLP | None = None  # no event is marked less restrictively than this
    feed_name: str | None = None
    feed_provider: str | None = None
    year: int | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.year is not None and not 1 <= self.year <= 9999:
            msg = f"year {self.year}: give a year from 1 to 9999"
            raise InputError(msg)
        if not _known_zone(self.timezone):
            msg = (
                f"time zone {self.timezone!r} is not known: give a zone name "
                "(Europe/Berlin, UTC) or an offset (+05:30)"
            )
            raise InputError(msg)


def _known_zone(name: str) -> bool:
    """A zone the parsers can read times in: an IANA name, or a UTC offset (``+05:30``)."""
    try:
        pl.Series([0], dtype=pl.Datetime("us")).dt.replace_time_zone(name)
    except pl.exceptions.PolarsError:
        return False
    return True


@dataclass(slots=True)
class FileSummary:
    path: str
    evidence_id: str
    format: str = ""
    sha256: str = ""
    size: int = 0
    records: int = 0
    events: int = 0
    duplicates: int = 0
    skipped: int = 0
    rejects: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    reject_reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "evidence_id": self.evidence_id,
            "sha256": self.sha256,
            "format": self.format,
            "size": self.size,
            "records": self.records,
            "events": self.events,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "rejects": self.rejects,
            "skipped_reasons": dict(self.skipped_reasons),
            "reject_reasons": dict(self.reject_reasons),
        }


@dataclass(slots=True)
class Routes:
    """Where an ingest's new events went: to each member (the owner included), to none
    (``unrouted``: no member answers for the source's country, or, ``no_country`` of them, the
    source has no country: a private, reserved or unknown address, or no address), or nowhere
    by their marking (AMBER+STRICT and RED stay with the owner)."""

    members: Counter[str] = field(default_factory=Counter)
    unrouted: int = 0
    no_country: int = 0
    kept: int = 0

    def add(self, events: pl.DataFrame) -> None:
        if events.height == 0:
            return
        kept = events["tlp"].is_in(OWNER_ONLY)
        member = events["route.member"]  # null where unrouted, and where kept (see route)
        country = events[ROUTE_COUNTRY[events["route.basis"][0]]]
        self.kept += int(kept.sum())
        self.unrouted += int((member.is_null() & ~kept).sum())
        self.no_country += int((country.is_null() & ~kept).sum())
        self.members.update(dict(member.drop_nulls().value_counts().iter_rows()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "members": dict(self.members.most_common()),
            "unrouted": self.unrouted,
            "no_country": self.no_country,
            "kept": self.kept,
        }


@dataclass(slots=True)
class IngestReport:
    ingest_id: str
    files: list[FileSummary]
    unread: list[Unread] = field(default_factory=list)  # found in directories, not read
    routes: Routes = field(default_factory=Routes)  # of the events stored

    def totals(self) -> dict[str, int]:
        keys = ("records", "events", "duplicates", "skipped", "rejects")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}


Progress = Callable[[str, int], None]  # (file name, bytes of it consumed so far)


class _Tap:
    """Reads a binary stream while hashing and counting what passes through."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.count += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


class Pipeline:
    """Runs ingests against one data directory."""

    def __init__(
        self,
        store: EventStore,
        db: Database,
        clock: Clock,
        attributor: Attributor,
        *,
        owner_only: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.db = db
        self.clock = clock
        self.attributor = attributor
        # formats whose publishers forbid passing their data on (see feeds.owner_only_formats)
        self.owner_only = owner_only

    def warm_up(self, stopping: threading.Event | None = None) -> None:
        """Load what every ingest needs before its first record (see :mod:`.warmup`)."""
        warmup.warm_up(self.attributor, stopping)

    def ingest(
        self,
        paths: Sequence[str | Path] | Survey,
        options: IngestOptions,
        progress: Progress | None = None,
        names: Mapping[str, str] | None = None,
    ) -> IngestReport:
        """Ingest the files ``paths`` name (or that :func:`.inputs.survey` found); ``names``:
        the name each path is recorded and reported by, where not its own (an upload's, as its
        sender named it, not where the server saved it). A file found
        in a directory that turns out damaged past its first bytes (a gzip file cut short, say:
        logrotate still writing it) is listed as not read, as one damaged from its start is,
        and the others are ingested again without it (its rows are not taken apart from the
        run's); a named one fails the ingest."""
        found = paths if isinstance(paths, Survey) else survey(expand(paths), options.format)
        while True:
            try:
                return self._ingest(found, options, progress, names or {})
            except Unreadable as err:
                if err.path not in found.walked or not found.rereadable():
                    raise
                found = found.without(err.path, err.reason)

    def _ingest(
        self,
        found: Survey,
        options: IngestOptions,
        progress: Progress | None,
        names: Mapping[str, str],
    ) -> IngestReport:
        files = found.files
        ingest_id = secrets.token_hex(8)
        started = self.clock.now()
        unread = [Unread(names.get(u.path, u.path), u.reason) for u in found.unread]
        report = IngestReport(ingest_id, [], unread)
        if not files:  # only empty files: nothing to read, nothing to commit
            return report
        with self.db.session() as s:
            routing = Routing(basis=rules.get(s, "routing.basis"), table=routing_table(s))
        with self.store.writer_lock():
            run = _Run(
                writer=StagedWriter(self.store, ingest_id),
                routed=notice_ids.Routed(options.owner),
                observed=started,
                routing=routing,
                live=self.store.live_snapshot(),
                routes=report.routes,
            )
            try:
                for i, (name, fmt) in enumerate(files):
                    shown_as = names.get(name) or shown(name)
                    summary = FileSummary(path=shown_as, evidence_id=secrets.token_hex(8))
                    last = i == len(files) - 1
                    # not kept: a file's occurrence counts go before the next file (or commit)
                    if _FileRun(self, options, summary, run, last).execute(name, fmt, progress):
                        report.files.append(summary)
                    else:  # standard input that held nothing
                        report.unread.append(Unread(summary.path, EMPTY))
                if not report.files:
                    run.writer.abort()
                    return report
                now = self.clock.now()
                manifest, members = self._finish(run.writer, run.routed, ingest_id, now)
                self._commit(report, options, started, now, manifest, members)
            except BaseException:
                run.writer.abort_unless_committed(lambda: self._committed(ingest_id))
                raise
            finally:
                run.close()
        return report

    def _finish(
        self, writer: StagedWriter, routed: notice_ids.Routed, ingest_id: str, at: datetime
    ) -> tuple[list[dict[str, Any]], list[notice_ids.Frozen]]:
        """Close the written files, and freeze the notices' ids: from memory while the files
        close (when the routed events fit there), else from the files once closed."""
        root = self.store.root
        rel = notice_ids.path_of(ingest_id, at.date().isoformat())
        try:
            if routed.in_memory:
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="notices") as pool:
                    frozen = pool.submit(routed.freeze, root, rel)
                    manifest = writer.finish()
                    return manifest, frozen.result()
            manifest = writer.finish()
            events = [root / row["path"] for row in manifest if row["dataset"] == EVENTS]
            return manifest, notice_ids.freeze(root, rel, events, routed.owner)
        except BaseException:
            (root / rel).unlink(missing_ok=True)
            raise

    def _committed(self, ingest_id: str) -> bool:
        with self.db.session() as s:
            return s.get(Ingest, ingest_id) is not None

    def _commit(
        self,
        report: IngestReport,
        options: IngestOptions,
        started: datetime,
        now: datetime,
        manifest: list[dict[str, Any]],
        members: list[notice_ids.Frozen],
    ) -> None:
        with self.db.session() as s:
            s.add(
                Ingest(
                    id=report.ingest_id,
                    owner=options.owner,
                    started_at=started,
                    committed_at=now,
                    options=_options_json(options),
                )
            )
            s.flush()
            for f in report.files:
                s.add(
                    Evidence(
                        id=f.evidence_id,
                        ingest_id=report.ingest_id,
                        sha256=f.sha256,
                        owner=options.owner,
                        name=f.path,
                        format=f.format,
                        feed=options.feed_name,
                        size=f.size,
                        records=f.records,
                        events=f.events,
                        duplicates=f.duplicates,
                        skipped=f.skipped,
                        skipped_reasons=dict(f.skipped_reasons),
                        rejects=f.rejects,
                        ingested_at=now,
                    )
                )
            notice_files = make_notices(
                s,
                ingest_id=report.ingest_id,
                owner=options.owner,
                at=now,
                root=self.store.root,
                members=members,
            )
            manifest.extend(notice_files)  # the writer's own list: an abort removes them too
            for row in manifest:
                s.add(StoreFile(ingest_id=report.ingest_id, live=True, **row))


def _options_json(options: IngestOptions) -> dict[str, Any]:
    return {
        "format": options.format,
        "tlp": options.tlp.value,
        "restrict": options.restrict.value if options.restrict else None,
        "feed_name": options.feed_name,
        "feed_provider": options.feed_provider,
        "year": options.year,
        "timezone": options.timezone,
    }


@dataclass(slots=True)
class _Run:
    """What the files of one ingest share: they are read one after another, in order."""

    writer: StagedWriter
    routed: notice_ids.Routed  # what the notices freeze
    observed: datetime
    routing: Routing
    live: LiveFiles  # the committed files (unchanged while the run holds the writer's lock)
    routes: Routes
    seen_ids: KeySet = field(default_factory=KeySet)  # event ids of the run's earlier files
    pools: dict[int, ThreadPoolExecutor] = field(default_factory=dict)

    def pool(self, workers: int) -> ThreadPoolExecutor:
        """Threads preparing batches, ``workers`` of them, started once for every file."""
        if workers not in self.pools:
            self.pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="ingest")
        return self.pools[workers]

    def close(self) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=True, cancel_futures=True)


class _FileRun:
    """One evidence file through the pipeline."""

    def __init__(
        self,
        pipeline: Pipeline,
        options: IngestOptions,
        summary: FileSummary,
        run: _Run,
        last: bool,
    ) -> None:
        self.p = pipeline
        self.run = run
        self.options = options
        self.summary = summary
        self.last = last
        self.occurrences = Occurrences()
        self.ctx = ParseContext(now=run.observed, year=options.year, timezone=options.timezone)
        self.restrict = options.restrict  # no event of the file is marked less restrictively
        self.file_ids: list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = []

    def execute(self, name: str, fmt: str | None, progress: Progress | None) -> bool:
        """Read the file through the pipeline; False: it held nothing (standard input, which
        is not sampled before: see :func:`.inputs.survey`), and nothing was recorded."""
        raw: BinaryIO
        stream: Readable | None = None
        if name == STDIN:
            import sys

            raw = sys.stdin.buffer
        else:
            raw = Path(name).open("rb")  # noqa: SIM115 - closed below
        try:
            tap = _Tap(raw)
            head = tap.read(SAMPLE_BYTES)
            stream = content(name, head, tap)
            if head[:4] in ZIP_MAGIC:
                tap.drain()  # the archive's digest and size; its file is read from the path
            sample = first_bytes(name, stream)
            if holds_nothing(sample):
                return False
            if fmt:
                parser = parsers.get(fmt)
            else:  # standard input
                parser = parsers.detect(detection_sample(sample), origin=name)
            self.summary.format = parser.name
            if parser.name in self.p.owner_only:  # its feed's terms, named or not
                self.restrict = stricter(self.restrict, TLP.AMBER_STRICT)
            body = Prefixed(sample, stream)

            def done() -> None:
                if progress is not None:
                    progress(name, tap.count)

            self._run_batches(parser, body, done)
            tap.drain()
            self.summary.sha256 = tap.sha256.hexdigest()
            self.summary.size = tap.count
        except (*DAMAGED, OSError, EOFError) as err:
            raise Unreadable(name, f"cannot read: {err}") from err
        finally:
            if stream is not None:
                stream.close()
            if name != STDIN:
                raw.close()
        if not self.last:
            for h1, h2 in self.file_ids:
                self.run.seen_ids.add(h1, h2)
        self.file_ids = []
        return True

    def _records(self, parser: Parser, body: Any) -> Iterator[pl.DataFrame | Block]:
        """A document's records, or the blocks of lines a worker splits into records."""
        if parser.mode == "document":
            records = parser.split_document(body.read())
            if "__bad" not in records.columns:
                records = records.with_columns(pl.lit(None, pl.String).alias("__bad"))
            yield records
            return
        yield from iter_blocks(body)

    def _run_batches(self, parser: Parser, body: Any, done: Callable[[], None]) -> None:
        """Prepare batches on worker threads (in order of reading), finish them in order.

        Preparing (parse, validate, attribute, route, hash) is independent per batch. A parser
        that keeps state from one batch to the next (it overrides ``new_state``) gets each
        batch's state from its ``state_marker`` lines: this thread parses the marked lines of
        each batch in order, and the batch is prepared from a copy of the state before them.
        Without a marker, batches are prepared one after another, in file order, by a single
        worker (still overlapping the finishing of the batch before). Finishing (occurrence
        numbers, fingerprints, deduplication, writing) always runs in file order on this
        thread.
        """
        state = parser.new_state()
        stateful = type(parser).new_state is not Parser.new_state
        workers = 1 if stateful and parser.state_marker is None else WORKERS
        carried = stateful and workers > 1  # here, past each batch (else by the one worker)
        pool = self.run.pool(workers)
        pending: deque[Future[_Prepared | None]] = deque()
        try:
            for records in self._records(parser, body):
                if carried and isinstance(records, Block):
                    batch_state = copy.deepcopy(state)
                    pending.append(pool.submit(self._prepare, parser, batch_state, records))
                    self._advance(parser, state, records)  # while the batch is prepared
                else:
                    pending.append(pool.submit(self._prepare, parser, state, records))
                while len(pending) > workers:
                    self._finish(pending.popleft().result())
                    done()
            while pending:
                self._finish(pending.popleft().result())
                done()
        finally:  # a failed file leaves no batch of its own running into the next
            for future in pending:
                future.cancel()
            wait(pending)

    def _advance(self, parser: Parser, state: Any, block: Block) -> None:
        """Bring ``state`` past ``block``: parse its lines that can change it (the rest of the
        result is not kept: the batch is parsed whole on a worker)."""
        assert parser.state_marker is not None
        found = marked_lines(block, parser.state_marker)
        if found is not None:
            lines, numbers = found
            records = batch_records(split_block(lines)).with_columns(pl.Series(RECORD, numbers))
            parser.parse(readable_records(records)[1], state, self.ctx)

    # -- one batch -----------------------------------------------------------------------

    def _prepare(
        self, parser: Parser, state: Any, records: pl.DataFrame | Block
    ) -> _Prepared | None:
        """Everything about a batch that does not depend on the batches before it."""
        if isinstance(records, Block):
            records = batch_records(split_block(records))
        unreadable, readable = readable_records(records)
        n_records = unreadable.height + readable.height
        if n_records == 0:
            return None
        result = parser.parse(readable, state, self.ctx)
        rejects = [
            unreadable.select(RECORD, pl.col(LINE).alias("raw"), pl.col("__bad").alias("reason")),
            result.rejects,
        ]
        events = result.events
        if "classification.type" in events.columns:
            events = events.with_columns(
                pl.col("classification.type")
                .replace_strict(TAXONOMY_OF_TYPE, default=None, return_dtype=pl.String)
                .alias("classification.taxonomy")
            )
        events, invalid = validate(events)
        rejects.append(invalid.select(RECORD, "raw", pl.col("__reject_reason").alias("reason")))
        events = self.p.attributor.attribute(events)
        rejects.append(
            events.filter(pl.col(REASON).is_not_null()).select(
                RECORD, "raw", pl.col(REASON).alias("reason")
            )
        )
        events = events.filter(pl.col(REASON).is_null()).drop(REASON)
        events = self._stamp(events, parser)
        events = self.p.attributor.route(events, self.run.routing)
        reject_frame = pl.concat(rejects)
        self._check(n_records, events, result.skipped, reject_frame)
        keys = (
            pl.concat(
                [
                    events.select(RECORD, "raw", pl.lit(EVENT_PART, pl.Int32).alias("part")),
                    reject_frame.select(RECORD, "raw", pl.lit(REJECT_PART, pl.Int32).alias("part")),
                ]
            )
            .with_row_index("__i")
            .sort(RECORD)
        )
        h1, h2 = record_hashes(keys["raw"])
        return _Prepared(parser.name, n_records, events, result.skipped, reject_frame, keys, h1, h2)

    def _finish(self, batch: _Prepared | None) -> None:
        """The steps that depend on earlier batches, in file order."""
        if batch is None:
            return
        s = self.summary
        s.records += batch.n_records
        s.skipped += batch.skipped.height
        s.rejects += batch.rejects.height
        s.skipped_reasons.update(dict(batch.skipped["reason"].value_counts().iter_rows()))
        s.reject_reasons.update(dict(batch.rejects["reason"].value_counts().iter_rows()))
        self._store(batch)

    def _stamp(self, events: pl.DataFrame, parser: Parser) -> pl.DataFrame:
        o = self.options
        if "time.source" not in events.columns:  # a format whose records carry no time
            events = events.with_columns(
                pl.lit(None, pl.Datetime("us", "UTC")).alias("time.source")
            )
        tlp = pl.col("tlp") if "tlp" in events.columns else pl.lit(None, pl.String)
        feed_name = (
            pl.col("feed.name") if "feed.name" in events.columns else pl.lit(None, pl.String)
        )
        feed_provider = (
            pl.col("feed.provider")
            if "feed.provider" in events.columns
            else pl.lit(None, pl.String)
        )
        return events.with_columns(
            pl.lit(o.owner).alias("owner"),
            pl.lit(self.summary.evidence_id).alias("evidence.id"),
            pl.lit(parser.name).alias("evidence.format"),
            pl.lit(self.run.observed).dt.cast_time_unit("us").alias("time.observation"),
            marking(pl.coalesce(tlp, pl.lit(o.tlp.value)), self.restrict).alias("tlp"),
            pl.coalesce(feed_name, pl.lit(o.feed_name, pl.String)).alias("feed.name"),
            pl.coalesce(feed_provider, pl.lit(o.feed_provider, pl.String)).alias("feed.provider"),
        )

    def _check(
        self, n_records: int, events: pl.DataFrame, skipped: pl.DataFrame, rejects: pl.DataFrame
    ) -> None:
        accounted = events.height + skipped.height + rejects.height
        if accounted != n_records or events[RECORD].n_unique() != events.height:
            msg = (
                f"{self.summary.path}: parser {self.summary.format} accounted for "
                f"{accounted} of {n_records} records; this is a bug, nothing was stored"
            )
            raise WuzhenError(msg)

    def _store(self, batch: _Prepared) -> None:
        occurrence = self.occurrences.number(batch.h1, batch.h2)
        keys = batch.keys
        i1, i2 = event_ids(
            self.options.owner, batch.h1, batch.h2, occurrence, keys["part"].to_numpy()
        )
        ids = pl.DataFrame(
            {"__i": keys["__i"], "event.id": pl.Series(hex_ids(i1, i2)), "__h1": i1, "__h2": i2}
        ).sort("__i")
        events = batch.events
        n_events = events.height
        event_ids_frame = ids.slice(0, n_events)
        reject_ids_frame = ids.slice(n_events)
        events = events.with_columns(event_ids_frame["event.id"])
        new_events = self._new(EVENTS, events, event_ids_frame, self._event_day())
        self.summary.events += new_events
        self.summary.duplicates += n_events - new_events
        rejects = batch.rejects.with_columns(
            reject_ids_frame["event.id"],
            pl.lit(self.summary.evidence_id).alias("evidence.id"),
            pl.lit(batch.format).alias("evidence.format"),
            pl.lit(self.options.owner).alias("owner"),
            pl.lit(self.run.observed).dt.cast_time_unit("us").alias("time.observation"),
        )
        self._new(REJECTS, rejects, reject_ids_frame, pl.col("time.observation").dt.date())

    def _event_day(self) -> pl.Expr:
        # a date, not its text: strftime costs 150 ns a row, and only the partitions' names
        # need the text
        return pl.coalesce(pl.col("time.source"), pl.col("time.observation")).dt.date()

    def _new(self, dataset: str, frame: pl.DataFrame, ids: pl.DataFrame, day: pl.Expr) -> int:
        """Write the rows of ``frame`` not stored before; return how many."""
        if frame.height == 0:
            return 0
        frame = frame.with_columns(day.alias(DAY))
        h1 = ids["__h1"].to_numpy()
        h2 = ids["__h2"].to_numpy()
        dup = self.run.seen_ids.contains(h1, h2)
        days = frame[DAY].unique().to_list()
        parser = parsers.get(self.summary.format)
        dated_by_file = parser.dated_by_file and dataset == EVENTS
        timeless = dated_by_file or has_timeless_rows(dataset, frame)
        any_year = self.options.year is not None or parser.yearless
        files = self.run.live.holding(dataset, days, timeless, any_year)
        stored = stored_ids(files, frame["event.id"])
        if stored.len():
            dup |= frame["event.id"].is_in(stored.implode()).to_numpy()
        keep = ~dup
        if dup.any():  # the files that hold a stored row, besides the one that brought it
            held = frame.filter(pl.Series(dup)).select(
                "event.id",
                pl.lit(dataset).alias("dataset"),
                "evidence.id",
                RECORD,
                "evidence.format",
                "time.observation",
                DAY,
            )
            self.run.writer.write(DUPLICATES, DAY, held)
        fresh = frame.filter(pl.Series(keep))
        if fresh.height:
            rows = conform(fresh.drop(DAY)) if dataset == EVENTS else fresh.select(_REJECT_COLUMNS)
            rows = rows.with_columns(fresh[DAY])
            self.run.writer.write(dataset, DAY, rows, timeless=dated_by_file)
            if dataset == EVENTS:
                self.run.routed.add(rows, DAY, h1[keep], h2[keep])
                self.run.routes.add(rows)
        if not self.last:  # later files of the run deduplicate against these
            self.file_ids.append((h1[keep], h2[keep]))
        return int(keep.sum())


class Unreadable(InputError):
    """A file that cannot be read to its end (damaged, or its device failed)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A batch after its independent stages, waiting for its turn to be stored."""

    format: str
    n_records: int
    events: pl.DataFrame
    skipped: pl.DataFrame
    rejects: pl.DataFrame
    keys: pl.DataFrame  # record, raw, part, __i: what is fingerprinted, in record order
    h1: np.ndarray[Any, Any]
    h2: np.ndarray[Any, Any]


_REJECT_COLUMNS = [
    "event.id",
    "evidence.id",
    RECORD,
    "evidence.format",
    "owner",
    "time.observation",
    "reason",
    "raw",
]
