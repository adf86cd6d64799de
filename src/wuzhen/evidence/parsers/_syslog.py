"""Syslog lines: the header (time, host, program, pid) split from the message, in columns.

Accepted headers: BSD / RFC 3164 (``Jan  5 01:31:41 host sshd[123]: ...``, optionally with a
``<PRI>`` prefix and fractional seconds), ISO 8601 / RFC 3339 as rsyslog and journalctl write
it (``2024-01-05T01:31:41.123+00:00 host sshd[123]: ...``), and RFC 5424
(``<34>1 2024-01-05T01:31:41Z host sshd 123 - - ...``). BSD timestamps carry no year or zone:
see :func:`wuzhen.evidence.parsers._base.syslog_time`.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import timedelta

import polars as pl

from wuzhen.evidence.parsers._base import (
    LINE,
    RECORD,
    ParseContext,
    parse_time,
    syslog_time,
    time_gap,
)
from wuzhen.evidence.parsers._syslog_scan import LOCAL, UNSURE, Scanned, YearRule, scan, substrings

BSD_OR_ISO = (
    r"^(?:<\d{1,3}>)?(?:(?P<bsd>[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?))"
    r" +(?P<log_host>\S+) +(?P<prog>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: ?(?P<msg>.*)$"
)
# STRUCTURED-DATA (RFC 5424 6.3): "-", or SD-ELEMENTs one after another, each
# "[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE) "]", where a value may hold
# escaped '"', '\' and ']'; else, as a sender may not keep to that, one [...] as it comes
SD_ELEMENT = r'\[[^\s\]"=]+(?: [^\s\]"=]+="(?:[^"\\]|\\.)*")*\]'
RFC5424 = (
    r"^<\d{1,3}>1 (?P<iso>\S+) (?P<log_host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ "
    rf"(?:-|(?:{SD_ELEMENT})+|\[.*?\]) ?\x{{FEFF}}?(?P<msg>.*)$"  # a UTF-8 MSG: BOM first (6.4)
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
PROBLEM = "syslog_problem"
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
    """Add ``syslog_ok`` (bool), ``time.source``, ``log_host``, ``prog``, ``pid``, ``msg``, and
    ``syslog_problem``: why a line with a syslog header is no syslog line (its time does not
    exist in the ingest's zone, or is a 29 February the ``--year`` given has none of), null
    elsewhere (see :func:`unread_reason`).

    Fast path: BSD and ISO headers are read by one compiled pass over the bytes
    (:mod:`wuzhen.evidence.parsers._syslog_scan`); only the lines it is not sure of go
    through the full regular expressions (all of a sniffer's sample: ``ctx.sample``).
    """
    if ctx.sample:
        return _ok(_slow(frame, ctx))
    s = scan(frame[LINE], _year_rule(ctx))
    times, gap = _times(s, ctx.timezone)
    out = frame.with_columns(
        times.alias("time.source"),
        pl.when(gap).then(pl.lit(time_gap(ctx.timezone))).alias(PROBLEM),
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


def _times(s: Scanned, timezone: str) -> tuple[pl.Series, pl.Series]:
    """The scanned times as UTC timestamps (null where the line was not read), and where a
    local time does not exist in ``timezone``."""
    wall = pl.Series(s.micros).cast(pl.Datetime("us"))
    utc = wall.dt.replace_time_zone("UTC")
    gap = pl.zeros(len(wall), pl.Boolean, eager=True)
    if timezone != "UTC" and (s.kind == LOCAL).any():
        local = wall.dt.replace_time_zone(
            timezone, non_existent="null", ambiguous="earliest"
        ).dt.convert_time_zone("UTC")
        is_local = pl.Series(s.kind == LOCAL)
        utc = pl.select(pl.when(is_local).then(local).otherwise(utc)).to_series()
        gap = is_local & local.is_null()
    return utc.set(pl.Series(s.kind == UNSURE), None), gap


def _slow(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    line = pl.col(LINE)
    a = frame.select(line.str.extract_groups(BSD_OR_ISO).alias("a"))["a"].struct.unnest()
    needs_5424 = a["msg"].is_null() & frame[LINE].str.starts_with("<")
    if needs_5424.any():
        b = frame.select(line.str.extract_groups(RFC5424).alias("b"))["b"].struct.unnest()
        a = a.with_columns(
            [pl.when(needs_5424).then(b[c]).otherwise(a[c]).alias(c) for c in ("iso", *COLUMNS)]
        )

    def times(ctx: ParseContext) -> pl.Expr:
        return pl.coalesce(
            syslog_time(a["bsd"], ctx),
            parse_time(pl.col("iso"), ISO_FORMATS, ctx.timezone),
        )

    time = times(ctx)
    gap = pl.lit(value=False)  # a local time the zone skips (UTC skips none)
    if ctx.timezone != "UTC":
        gap = time.is_null() & times(replace(ctx, timezone="UTC")).is_not_null()
    no_day = pl.lit(value=False)  # 29 February of a year given that has none
    if ctx.year is not None and not calendar.isleap(ctx.year):
        no_day = time.is_null() & pl.col("bsd").str.contains(r"^Feb {1,2}0?29 ")
    problem = (
        pl.when(gap)
        .then(pl.lit(time_gap(ctx.timezone)))
        .when(no_day)
        .then(pl.lit(f"29 February does not exist in {ctx.year}"))
    )
    parsed = a.select(
        time.alias("time.source"),
        problem.alias(PROBLEM),
        "log_host",
        "prog",
        pl.col("pid").cast(pl.Int64, strict=False),
        "msg",
    )
    return frame.with_columns(parsed)


def unread_reason(reason: str) -> pl.Expr:
    """The reason a line :func:`split_syslog` could not read is rejected: ``reason``, unless
    the line has a syslog header whose time does not exist (``syslog_problem``)."""
    return pl.coalesce(pl.col(PROBLEM), pl.lit(reason))
