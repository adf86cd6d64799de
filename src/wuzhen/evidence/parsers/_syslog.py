"""Syslog lines: the header (time, host, program, pid) split from the message, in columns.

Accepted headers: BSD / RFC 3164 (``Jan  5 01:31:41 host sshd[123]: ...``, optionally with a
``<PRI>`` prefix and fractional seconds), ISO 8601 / RFC 3339 as rsyslog and journalctl write
it (``2024-01-05T01:31:41.123+00:00 host sshd[123]: ...``), and RFC 5424
(``<34>1 2024-01-05T01:31:41Z host sshd 123 - - ...``). BSD timestamps carry no year or zone:
see :func:`wuzhen.evidence.parsers._base.syslog_time`.
"""

from __future__ import annotations

import polars as pl

from wuzhen.evidence.parsers._base import LINE, RECORD, ParseContext, parse_time, syslog_time

BSD_OR_ISO = (
    r"^(?:<\d{1,3}>)?(?:(?P<bsd>[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?))"
    r" +(?P<log_host>\S+) +(?P<prog>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: ?(?P<msg>.*)$"
)
RFC5424 = (
    r"^<\d{1,3}>1 (?P<iso>\S+) (?P<log_host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ "
    r"(?:-|\[.*?\]) ?(?P<msg>.*)$"
)
ISO_FORMATS = [
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
]
COLUMNS = ("log_host", "prog", "pid", "msg")


def split_syslog(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """Add ``syslog_ok`` (bool), ``time.source``, ``log_host``, ``prog``, ``pid``, ``msg``.

    Fast path: BSD and ISO headers are cut at fixed positions and by literal splits; only the
    lines the fast path cannot read go through the full regular expressions.
    """
    out = _fast(frame, ctx)
    slow_rows = out["msg"].is_null() | out["time.source"].is_null()
    if slow_rows.any():
        slow = _slow(out.filter(slow_rows), ctx)
        out = pl.concat([out.filter(~slow_rows), slow]).sort(RECORD)
    return out.with_columns(
        (pl.col("msg").is_not_null() & pl.col("time.source").is_not_null()).alias("syslog_ok")
    )


def _fast(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    text = frame[LINE]
    if text.str.starts_with("<").any():
        text = text.str.replace(r"^<\d{1,3}>", "")
    frame = frame.with_columns(
        text.alias("__line"), syslog_time(text.str.slice(0, 15), ctx).alias("__bsd")
    )
    line = pl.col("__line")
    head_rest = line.str.splitn(" ", 2)
    bsd_time = pl.col("__bsd")
    is_bsd = bsd_time.is_not_null() & (line.str.slice(15, 1) == " ")
    iso_time = parse_time(head_rest.struct.field("field_0"), ISO_FORMATS, ctx.timezone)
    rest = pl.when(is_bsd).then(line.str.slice(16)).otherwise(head_rest.struct.field("field_1"))
    step = (
        frame.lazy()
        .with_columns(
            pl.when(is_bsd).then(bsd_time).otherwise(iso_time).alias("time.source"),
            rest.str.splitn(" ", 2).alias("__hr"),
        )
        .with_columns(
            pl.col("__hr").struct.field("field_0").alias("log_host"),
            pl.col("__hr").struct.field("field_1").str.splitn(": ", 2).alias("__tm"),
        )
        .with_columns(
            pl.col("__tm").struct.field("field_0").str.splitn("[", 2).alias("__pp"),
            pl.col("__tm").struct.field("field_1").alias("msg"),
        )
        .with_columns(
            pl.col("__pp").struct.field("field_0").alias("prog"),
            pl.col("__pp").struct.field("field_1").str.strip_suffix("]").alias("__pid"),
        )
    )
    good_tag = (
        pl.col("prog").str.contains(r"^[^\s\[:]+$")
        & (pl.col("__pid").is_null() | pl.col("__pid").str.contains(r"^\d+$"))
    ).fill_null(value=False)
    return (
        step.with_columns(
            pl.col("__pid").cast(pl.Int64, strict=False).alias("pid"),
            pl.when(good_tag).then(pl.col("msg")).alias("msg"),
        )
        .drop("__hr", "__tm", "__pp", "__pid")
        .collect()
    )


def _slow(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    line = pl.col(LINE)
    a = frame.select(line.str.extract_groups(BSD_OR_ISO).alias("a"))["a"].struct.unnest()
    needs_5424 = a["msg"].is_null() & frame[LINE].str.starts_with("<")
    if needs_5424.any():
        b = frame.select(line.str.extract_groups(RFC5424).alias("b"))["b"].struct.unnest()
        a = a.with_columns(
            [pl.when(needs_5424).then(b[c]).otherwise(a[c]).alias(c) for c in ("iso", *COLUMNS)]
        )
    parsed = a.select(
        pl.coalesce(
            syslog_time(a["bsd"], ctx),
            parse_time(pl.col("iso"), ISO_FORMATS, ctx.timezone),
        ).alias("time.source"),
        "log_host",
        "prog",
        pl.col("pid").cast(pl.Int64, strict=False),
        "msg",
    )
    return frame.with_columns(parsed)
