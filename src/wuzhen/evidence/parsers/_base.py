"""What every parser is, and the column tools parsers share.

A parser turns a frame of records (``evidence.record``: the record's number in its file;
``line``: its text, never blank) into a :class:`ParseResult`: events (registry fields, plus
``evidence.record`` and ``raw``), skipped records (valid but not evidence of abuse, with a
reason) and rejects (unreadable, with a reason). Every input record lands in exactly one of the
three, except that one record may yield several events (numbered by ``_part``).

Parsers are frame-to-frame functions written as Polars (or DuckDB) expressions: no Python
loop over records.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from wuzhen.evidence.parsers import _json_scan
from wuzhen.evidence.parsers._json_members import json_objects
from wuzhen.lines import LineBatch

RECORD = "evidence.record"
PART = "_part"
LINE = "line"


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser may need beyond the records: the clock and the operator's hints."""

    now: datetime  # the ingest's observation time (UTC)
    year: int | None = None  # year for timestamps that carry none (syslog); None: infer
    timezone: str = "UTC"  # zone of timestamps that carry none
    #: reading a detection sample: a few lines, read without the compiled passes (loading
    #: one into a process costs more than reading those lines with expressions)
    sample: bool = False


def sample_context() -> ParseContext:
    """The context sniffers read their sample in."""
    return ParseContext(now=datetime.now(UTC), sample=True)


@dataclass(frozen=True, slots=True)
class ParseResult:
    events: pl.DataFrame
    skipped: pl.DataFrame  # evidence.record, reason
    rejects: pl.DataFrame  # evidence.record, raw, reason

    @classmethod
    def build(
        cls,
        events: pl.DataFrame | None = None,
        skipped: list[pl.DataFrame] | None = None,
        rejects: list[pl.DataFrame] | None = None,
    ) -> ParseResult:
        return cls(
            events=events if events is not None else pl.DataFrame(schema={RECORD: pl.Int64}),
            skipped=pl.concat(
                [s.select(RECORD, "reason") for s in skipped or []] or [EMPTY_SKIPPED]
            ),
            rejects=pl.concat(
                [r.select(RECORD, "raw", "reason") for r in rejects or []] or [EMPTY_REJECTS]
            ),
        )


EMPTY_SKIPPED = pl.DataFrame(schema={RECORD: pl.Int64, "reason": pl.String})
EMPTY_REJECTS = pl.DataFrame(schema={RECORD: pl.Int64, "raw": pl.String, "reason": pl.String})


class Parser(ABC):
    """One evidence format."""

    name: ClassVar[str]  # identifier used by --format, e.g. "openssh"
    title: ClassVar[str]  # human name, e.g. "OpenSSH (syslog / auth.log)"
    #: "lines": records are lines, read in batches; "document": the whole file is split into
    #: records by :meth:`split_document` first.
    mode: ClassVar[str] = "lines"

    @abstractmethod
    def sniff(self, sample: list[str]) -> int:
        """How sure (0-100) this parser is that ``sample`` (the first lines) is its format."""

    #: Text that some line holds (one of these) in every sample this parser's :meth:`sniff`
    #: can claim (a score of 30 or more): without it, format detection does not ask. A sniff
    #: reads the sample with the format's own expressions, 1-7 ms; most files are not most
    #: formats. Empty: always asked.
    marks: ClassVar[tuple[str, ...]] = ()

    def may_read(self, sample: list[str]) -> bool:
        """Whether ``sample`` holds one of :attr:`marks` (or there are none)."""
        return not self.marks or any(m in line for line in sample for m in self.marks)

    #: Whether the records' time is their file's (a list's ``Last-Modified`` header), not
    #: their own: the next copy of the list gives the same record another day, so an ingest
    #: deduplicates these as rows of no time of their own (see ``StoreFile.timeless``).
    dated_by_file: ClassVar[bool] = False

    #: Whether records may carry times without a year (a BSD syslog header), which an
    #: ingest infers or takes from ``--year``: a record read again may get another year.
    yearless: ClassVar[bool] = False

    #: Parsers with state: a byte string every line that can change the state holds (starting
    #: with ``\n``: every such line starts with the rest). Then batches are parsed in parallel,
    #: each from the state that :meth:`parse` of the marked lines of the batches before it left.
    #: None: batches are parsed one after another.
    state_marker: ClassVar[bytes | None] = None

    def new_state(self) -> Any:
        """Per-file state carried from batch to batch (headers, for example)."""
        return None

    @abstractmethod
    def parse(self, records: pl.DataFrame, state: Any, ctx: ParseContext) -> ParseResult:
        """Turn records (``evidence.record``, ``line``) into events, skipped and rejects."""

    def split_document(self, data: bytes) -> pl.DataFrame:
        """Document formats: the file's records as (``evidence.record``, ``line``).

        Never raises on bad input: a document that cannot be split becomes one record with a
        ``__bad`` column giving the reason (it is rejected with its text kept).
        """
        msg = f"{self.name} reads lines, not documents"
        raise TypeError(msg)


# -- shared column tools -----------------------------------------------------------------


def skip(frame: pl.DataFrame, reason: str | pl.Expr) -> pl.DataFrame:
    """Skipped records: ``reason`` as a literal or an expression over ``frame``."""
    expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.select(pl.col(RECORD), expr.cast(pl.String).alias("reason"))


def reject(frame: pl.DataFrame, reason: str | pl.Expr) -> pl.DataFrame:
    """Rejected records, keeping the raw text."""
    expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.select(
        pl.col(RECORD), pl.col(LINE).alias("raw"), expr.cast(pl.String).alias("reason")
    )


def as_int(expr: pl.Expr, dtype: type[pl.DataType] | pl.DataType = pl.Int32) -> pl.Expr:
    """Digits to an integer; anything else null."""
    return expr.str.strip_chars().cast(pl.Int64, strict=False).cast(dtype, strict=False)


def time_gap(zone: str) -> str:
    """The reason for a time without an offset that ``zone`` skips (its clocks jump over it)."""
    return f"time does not exist in {zone} (a daylight-saving gap)"


def parse_time(expr: pl.Expr, formats: list[str], tz: str = "UTC") -> pl.Expr:
    """The first of ``formats`` that parses each value, as a UTC timestamp (null if none).

    Formats with an offset (``%z``, ``%:z``) are read at that offset, formats ending in a
    literal ``Z`` in UTC, and formats without a zone in ``tz``.
    """
    candidates = []
    for fmt in formats:
        parsed = expr.str.to_datetime(fmt, strict=False, time_unit="us")
        if not _OFFSET.search(fmt):
            zone = "UTC" if fmt.endswith("Z") and not fmt.endswith("%Z") else tz
            parsed = parsed.dt.replace_time_zone(zone, non_existent="null", ambiguous="earliest")
        candidates.append(parsed.dt.convert_time_zone("UTC"))
    return pl.coalesce(candidates)


_OFFSET = re.compile(r"%(?::{1,2}|#)?z")

MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def syslog_time(month_day_time: pl.Series, ctx: ParseContext) -> pl.Series:
    """RFC 3164 timestamps (``Jan  5 14:02:01``) carry no year.

    The year is ``ctx.year`` if given; otherwise the observation year, or the year before for
    dates that would lie more than a week in the future (a log from December read in January).
    29 February of a year inferred that has none is taken from the leap year before (of a year
    given, it is no time: the operator said which year). Computed in steps
    (each intermediate column once).
    """
    limit = ctx.now + timedelta(days=7)
    frame = (
        pl.DataFrame({"t": month_day_time})
        .lazy()
        .with_columns(pl.col("t").str.replace("  ", " ", literal=True))
        .with_columns(
            pl.col("t")
            .str.slice(0, 3)
            .replace_strict(MONTHS, default=None, return_dtype=pl.Int32)
            .alias("m"),
            pl.col("t").str.extract(r"^\S+ (\d{1,2}) ", 1).cast(pl.Int32, strict=False).alias("d"),
        )
    )
    if ctx.year is not None:
        frame = frame.with_columns(pl.lit(ctx.year, pl.Int32).alias("y"))
    elif limit.year == ctx.now.year:
        future = pl.col("m") * 100 + pl.col("d") > limit.month * 100 + limit.day
        frame = frame.with_columns(
            (pl.lit(ctx.now.year, pl.Int32) - future.cast(pl.Int32)).alias("y")
        )
    else:
        frame = frame.with_columns(pl.lit(ctx.now.year, pl.Int32).alias("y"))
    y = pl.col("y")
    not_leap = (y % 4 != 0) | ((y % 100 == 0) & (y % 400 != 0))
    frame = frame.with_columns(
        pl.when((pl.col("m") == 2) & (pl.col("d") == 29) & not_leap & (ctx.year is None))
        .then(y - y % 4)
        .otherwise(y)
        .alias("y")
    ).select(
        pl.concat_str(pl.col("y").cast(pl.String), pl.lit(" "), pl.col("t"))
        .str.to_datetime("%Y %b %d %H:%M:%S%.f", strict=False, time_unit="us")
        .dt.replace_time_zone(ctx.timezone, non_existent="null", ambiguous="earliest")
        .dt.convert_time_zone("UTC")
        .alias("time")
    )
    return frame.collect().to_series()


def extra_json(**fields: pl.Expr) -> pl.Expr:
    """A JSON object of the given fields (nulls left out), or null when all are null."""
    # One compiled pass writes the objects of text, integer and boolean fields (62,000 sshd
    # events: 4.3 ms, against 6.9 for Polars' encoder and a second pass cutting the null
    # members out, which other fields still take): one column operation whatever the number
    # of fields.
    return pl.struct(e.alias(k) for k, e in fields.items()).map_batches(
        json_objects, return_dtype=pl.String, is_elementwise=True
    )


# -- JSON records --------------------------------------------------------------------------

_lock = threading.Lock()
_base: duckdb.DuckDBPyConnection | None = None


#: What DuckDB raises on a document it cannot read: its own errors, and UnicodeDecodeError
#: when its error message quotes the input cut inside a UTF-8 character.
UNREADABLE = (duckdb.Error, UnicodeDecodeError)


def duck() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on one in-memory DuckDB database, for JSON and queries of frames.

    Each call gets its own cursor, so threads never share one, and no connection is tied to
    a thread's lifetime (a thread-local connection destroyed when a long-lived worker thread
    exits can abort the interpreter).
    """
    global _base  # one database per process, created on first use
    with _lock:
        if _base is None:
            _base = duckdb.connect()
        return _base.cursor()


def json_struct_type(spec: dict[str, Any]) -> str:
    """DuckDB json_transform structure with every leaf as VARCHAR."""

    def leaves(node: dict[str, Any]) -> dict[str, Any]:
        return {k: leaves(v) if isinstance(v, dict) else "VARCHAR" for k, v in node.items()}

    return json.dumps(leaves(spec))


JSON_CHUNK = 8192  # rows per Arrow record batch handed to DuckDB


@dataclass(frozen=True, slots=True)
class JsonRecords:
    """JSON objects decoded from lines: which lines are objects, and the requested fields."""

    is_object: pl.Series  # bool: the line is a JSON object
    is_json: pl.Series  # bool: the line is valid JSON (of any kind)
    fields: pl.DataFrame  # one column per requested path ("a.b"), as text; null if absent
    extra_paths: list[str] = field(default_factory=list)


def decode_json(lines: pl.Series, spec: dict[str, Any]) -> JsonRecords:
    """Decode JSON lines once, taking the fields named in ``spec`` (nested dicts of paths).

    Leaf values come back as text (objects and arrays as their JSON text), so a type that
    differs from the format's documentation never fails the batch: parsers cast non-strictly.
    A compiled pass reads the lines it is sure of (nearly all: see ``_json_scan``); DuckDB
    decodes the rest, and is the reference for both.
    """
    plan = _json_plan(spec)
    scanned = _json_scan.scan(lines, plan)
    if scanned is None:
        return _decode_duckdb(lines, spec)
    fields = pl.DataFrame([pl.Series(path, a) for path, a in scanned.fields.items()])
    status = scanned.status
    is_object = status == _json_scan.OBJECT
    is_json = status != _json_scan.UNSURE
    unsure = np.flatnonzero(~is_json)
    if unsure.size:
        sure = np.flatnonzero(is_json)
        slow = _decode_duckdb(lines.gather(unsure), spec)
        is_object[unsure] = slow.is_object.to_numpy()
        is_json[unsure] = slow.is_json.to_numpy()
        position = np.empty(len(status), np.int64)  # of each line in the sure-then-unsure frame
        position[np.concatenate([sure, unsure])] = np.arange(len(status))
        fields = pl.concat([fields[sure], slow.fields])[position]
    return JsonRecords(is_object=pl.Series(is_object), is_json=pl.Series(is_json), fields=fields)


@functools.cache
def _json_plan_of(key: str) -> _json_scan.Spec:
    return _json_scan.compile_spec(json.loads(key))


def _json_plan(spec: dict[str, Any]) -> _json_scan.Spec:
    return _json_plan_of(json.dumps(spec))


def _decode_duckdb(lines: pl.Series, spec: dict[str, Any]) -> JsonRecords:
    """:func:`decode_json` by DuckDB alone."""
    t = pa.table({"l": lines.to_arrow()})
    if t.num_rows > JSON_CHUNK:
        # DuckDB scans an Arrow table one record batch per thread: cut it so all cores work.
        t = pa.Table.from_batches(t.to_batches(max_chunksize=JSON_CHUNK))
    structure = json_struct_type(spec).replace("'", "''")
    rel = duck().sql(
        # Each line is validated once; valid JSON is an object exactly when its first
        # non-blank character is "{" (cheaper than json_type, which parses again). CASE, not
        # AND: DuckDB does not short-circuit AND, and json_transform raises on invalid text.
        "SELECT v, o, CASE WHEN o THEN json_transform(l, "
        f"'{structure}') END AS j FROM (SELECT l, v, v AND starts_with(ltrim(l, "
        "' \t\n\r'), '{') AS o FROM (SELECT l, json_valid(l) AS v FROM t))"
    )
    out = pl.from_arrow(rel.to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    flat = _flatten(out.select("j").unnest("j"))
    return JsonRecords(
        is_object=out["o"].fill_null(False),
        is_json=out["v"].fill_null(False),
        fields=flat,
    )


def _flatten(frame: pl.DataFrame, prefix: str = "") -> pl.DataFrame:
    cols = []
    for name, dtype in frame.schema.items():
        full = f"{prefix}{name}"
        if isinstance(dtype, pl.Struct):
            inner = _flatten(frame.select(pl.col(name)).unnest(name), f"{full}.")
            cols.extend(inner.get_columns())
        else:
            cols.append(frame[name].alias(full))
    return pl.DataFrame(cols)


# -- documents -----------------------------------------------------------------------------

MAX_BAD_DOCUMENT = 1024 * 1024  # text kept of a document that cannot be read


def bad_document(text: str, reason: str) -> pl.DataFrame:
    """A document that cannot be split: one record with the reason in ``__bad`` (rejected
    with its text kept, cut to 1 MiB)."""
    if len(text) > MAX_BAD_DOCUMENT:
        text = text[:MAX_BAD_DOCUMENT]
        reason += " (kept cut to 1 MiB)"
    return pl.DataFrame(
        {RECORD: [1], LINE: [text], "__bad": [reason]},
        schema={RECORD: pl.Int64, LINE: pl.String, "__bad": pl.String},
    )


def document_records(lines: pl.Series) -> pl.DataFrame:
    """A document's records, numbered from 1, none bad (``__bad`` null)."""
    n = lines.len()
    return pl.DataFrame(
        {
            RECORD: pl.int_range(1, n + 1, eager=True, dtype=pl.Int64),
            # A JSON null element comes back as SQL NULL: keep it as the text "null".
            LINE: lines.cast(pl.String).fill_null("null"),
            "__bad": pl.Series([None] * n, dtype=pl.String),
        }
    )


def split_json_array(data: bytes) -> pl.DataFrame:
    """A JSON array's elements, one record each, re-serialized compactly (DuckDB splits the
    array and Arrow flattens the list: no Python loop over the elements)."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    query = (
        "SELECT CASE WHEN json_valid($d) AND json_type($d) = 'ARRAY' "
        "THEN CAST(CAST($d AS JSON) AS JSON[]) END AS items"
    )
    try:
        items = duck().sql(query, params={"d": text}).to_arrow_table().column("items")
    except UNREADABLE:
        return bad_document(text, _no_array(text))
    if items.null_count:
        return bad_document(text, _no_array(text))
    return document_records(pl.Series(items.combine_chunks().flatten()))


NOT_AN_ARRAY = "document is not a JSON array"
CUT_ARRAY = "JSON array cut off before its end (not complete JSON)"
BROKEN_ARRAY = "JSON array that is not valid JSON"


def _no_array(text: str) -> str:
    """Why ``text`` is no JSON array: an array begun but never closed was cut off (a copy or a
    write that stopped early); one closed but unreadable is broken inside."""
    body = text.strip(" \t\r\n\x00")
    if not body.startswith("["):
        return NOT_AN_ARRAY
    return BROKEN_ARRAY if body.endswith("]") else CUT_ARRAY


def sample_lines(sample: list[str]) -> pl.Series:
    """The non-blank lines of a sniff sample."""
    return pl.Series(LINE, [s for s in sample if s.strip()], dtype=pl.String)


def sample_records(sample: list[str]) -> pl.DataFrame:
    """The lines of a sniff sample that are not comments (``#``), as records."""
    lines = [line for line in sample if not line.startswith("#")]
    return pl.DataFrame(
        {LINE: lines, RECORD: range(1, len(lines) + 1)},
        schema={LINE: pl.String, RECORD: pl.Int64},
    )


def readable_records(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A batch's records without blank lines: (those that cannot be read, with ``__bad`` the
    reason; those a parser reads)."""
    # a line with something other than white space (stripping the lines to see that copied
    # every line: 692 MB of Suricata EVE)
    records = records.filter(pl.col(LINE).str.contains(r"\S"))
    bad = pl.col("__bad").is_not_null()
    return records.filter(bad), records.filter(~bad).drop("__bad")


def batch_records(batch: LineBatch) -> pl.DataFrame:
    """A batch of lines as records: number, text, and ``__bad``, why a line cannot be read
    (null for the lines a parser reads)."""
    n = len(batch)
    frame = pl.DataFrame(
        {
            RECORD: np.arange(batch.first_line, batch.first_line + n, dtype=np.int64),
            LINE: pl.Series(LINE, batch.lines).cast(pl.String),
        }
    )
    bad = pl.lit(None, pl.String)
    if batch.invalid_utf8.any() or batch.too_long.any():
        bad = (
            pl.when(pl.Series(batch.too_long))
            .then(pl.lit("line longer than 1 MiB (kept cut)"))
            .when(pl.Series(batch.invalid_utf8))
            .then(pl.lit("not valid UTF-8 text"))
            .otherwise(None)
        )
    return frame.with_columns(bad.alias("__bad"))
