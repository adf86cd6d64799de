"""Syslog lines: the header (time, host, program, pid) split from the message, in columns.

Accepted headers: BSD / RFC 3164 (``Jan  5 01:31:41 host sshd[123]: ...``, optionally with a
``<PRI>`` prefix and fractional seconds), ISO 8601 / RFC 3339 as rsyslog and journalctl write
it (``2024-01-05T01:31:41.123+00:00 host sshd[123]: ...``), and RFC 5424
(``<34>1 2024-01-05T01:31:41Z host sshd 123 - - ...``). BSD timestamps carry no year or zone:
see :func:`wuzhen.evidence.parsers._base.syslog_time`.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from wuzhen.evidence.parsers._base import LINE, RECORD, ParseContext, parse_time, syslog_time
from wuzhen.evidence.parsers._syslog_scan import LOCAL, UNSURE, Scanned, YearRule, scan, substrings

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
#: journalctl's own lines between records (``-- Boot 1a2b... --``, ``-- Journal begins at ...
#: --``, ``-- No entries --``): no record, so skipped, never rejected
JOURNAL_MARKER = r"^-- .* --$"
JOURNAL_SKIP = "journalctl marker line (not a record)"


def journal_markers(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``frame`` (lines that are no syslog line) split into journalctl's marker lines and the
    others."""
    is_marker = pl.col(LINE).str.contains(JOURNAL_MARKER)
    return frame.filter(is_marker), frame.filter(~is_marker)


def split_syslog(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """Add ``syslog_ok`` (bool), ``time.source``, ``log_host``, ``prog``, ``pid``, ``msg``.

    Fast path: BSD and ISO headers are read by one compiled pass over the bytes
    (:mod:`wuzhen.evidence.parsers._syslog_scan`); only the lines it is not sure of go
    through the full regular expressions (all of a sniffer's sample: ``ctx.sample``).
    """
    if ctx.sample:
        return _ok(_slow(frame, ctx))
    s = scan(frame[LINE], _year_rule(ctx))
    out = frame.with_columns(
        _times(s, ctx.timezone).alias("time.source"),
        pl.Series("log_host", substrings(s, s.host)),
        pl.Series("prog", substrings(s, s.prog)),
        pl.Series("pid", s.pid, pl.Int64).replace(-1, None),
        pl.Series("msg", substrings(s, s.msg)),
    )
    slow_rows = pl.Series(s.kind == UNSURE)
    if slow_rows.any():
        slow = _slow(frame.filter(slow_rows), ctx)
        out = pl.concat([out.filter(~slow_rows), slow]).sort(RECORD)
    return _ok(out)


def _ok(out: pl.DataFrame) -> pl.DataFrame:
    """With ``syslog_ok``: a header and a time were read."""
    return out.with_columns(
        (pl.col("msg").is_not_null() & pl.col("time.source").is_not_null()).alias("syslog_ok")
    )


def _year_rule(ctx: ParseContext) -> YearRule:
    limit = ctx.now + timedelta(days=7)
    same_year = limit.year == ctx.now.year
    return YearRule(
        fixed=ctx.year or 0,
        now_year=ctx.now.year,
        limit_md=limit.month * 100 + limit.day if same_year else 0,
    )


def _times(s: Scanned, timezone: str) -> pl.Series:
    """The scanned times as UTC timestamps (null where the line was not read)."""
    wall = pl.Series(s.micros).cast(pl.Datetime("us"))
    utc = wall.dt.replace_time_zone("UTC")
    if timezone != "UTC" and (s.kind == LOCAL).any():
        local = wall.dt.replace_time_zone(
            timezone, non_existent="null", ambiguous="earliest"
        ).dt.convert_time_zone("UTC")
        utc = pl.select(pl.when(pl.Series(s.kind == LOCAL)).then(local).otherwise(utc)).to_series()
    return utc.set(pl.Series(s.kind == UNSURE), None)


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
