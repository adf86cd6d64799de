"""Syslog headers read by one compiled pass over the lines' bytes.

:func:`scan` reads the headers that make up nearly every real log — BSD / RFC 3164
(``Jan  5 01:31:41[.123] host prog[pid]: msg``, optionally after ``<PRI>``) and ISO 8601 as
rsyslog and journalctl write it (``2024-01-05T01:31:41.123+00:00 host prog: msg``) — exactly
as :data:`wuzhen.evidence.parsers._syslog.BSD_OR_ISO` and the time formats there read them.
A line it is not sure of (another header, a non-ASCII byte in the header, a value out of
range) is left for those regular expressions, which stay the reference: the scanner only
ever answers where they would give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

from wuzhen.arrowtext import Column, buffers, views
from wuzhen.evidence.parsers._base import MONTHS

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

UNSURE = 0  # left for the regular expressions
LOCAL = 1  # time without a zone: micros since the epoch as wall-clock time in the zone given
UTC = 2  # time with a zone: micros since the epoch, UTC

# "Jan".."Dec" as the three bytes packed into one integer, in month order.
_MONTHS = np.array(
    [
        (ord(m[0]) << 16) | (ord(m[1]) << 8) | ord(m[2])
        for m in sorted(MONTHS, key=MONTHS.__getitem__)
    ],
    np.int64,
)
_DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Scanned:
    """Per line: what was read (``kind``), the time and where each header part lies."""

    kind: U8  # UNSURE, LOCAL or UTC
    micros: I64
    host: tuple[I64, I64]  # start and end byte of each part, in the lines' data buffer
    prog: tuple[I64, I64]
    msg: tuple[I64, I64]
    pid: I64  # -1: none
    data: U8  # the lines' bytes


@dataclass(frozen=True, slots=True)
class YearRule:
    """The year of BSD timestamps (see :func:`wuzhen.evidence.parsers._base.syslog_time`)."""

    fixed: int  # the operator's year, or 0 to infer it
    now_year: int
    limit_md: int  # month * 100 + day of now + 7 days, when that is still in now's year; else 0


def scan(lines: Column, year: YearRule) -> Scanned:
    t = buffers(lines)
    n = len(t)
    kind = np.zeros(n, np.uint8)
    micros = np.zeros(n, np.int64)
    parts = np.zeros((6, n), np.int64)
    pid = np.full(n, -1, np.int64)
    _scan(t.offsets, t.data, t.valid, year.fixed, year.now_year, year.limit_md, _MONTHS, kind,
          micros, parts, pid)  # fmt: skip
    return Scanned(kind, micros, (parts[0], parts[1]), (parts[2], parts[3]), (parts[4], parts[5]),
                   pid, t.data)  # fmt: skip


def substrings(s: Scanned, part: tuple[I64, I64]) -> pa.Array:
    """One header part of every line as text (views into the lines); null where the line was
    not read."""
    return views(s.data, part[0], part[1], s.kind != UNSURE)


@njit(cache=True, nogil=True, inline="always")
def digits(data: U8, at: int, count: int, end: int) -> int:
    """The value of ``count`` ASCII digits at ``at``, or -1."""
    if at + count > end:
        return -1
    v = 0
    for k in range(count):
        c = data[at + k]
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
    return v


@njit(cache=True, nogil=True, inline="always")
def is_space(c: int) -> bool:
    return c == 32 or 9 <= c <= 13


@njit(cache=True, nogil=True, inline="always")
def days_in_month(y: int, m: int) -> int:
    if m == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        return 29 if leap else 28
    if m in (4, 6, 9, 11):
        return 30
    return 31


@njit(cache=True, nogil=True, inline="always")
def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True, nogil=True, inline="always")
def clock(data: U8, at: int, end: int) -> tuple[int, int]:
    """``HH:MM:SS[.fraction]`` at ``at``: (micros of the day, end), or (-1, at)."""
    hh = digits(data, at, 2, end)
    mm = digits(data, at + 3, 2, end)
    ss = digits(data, at + 6, 2, end)
    if hh < 0 or mm < 0 or ss < 0 or data[at + 2] != 58 or data[at + 5] != 58:
        return -1, at
    if hh > 23 or mm > 59 or ss > 59:
        return -1, at
    k = at + 8
    frac = 0
    if k < end and data[k] == 46:  # "."
        k += 1
        count = 0
        while k < end and 48 <= data[k] <= 57:
            if count < 6:
                frac = frac * 10 + (data[k] - 48)
            count += 1
            k += 1
        if count == 0 or count > 9:
            return -1, at
        for _ in range(6 - min(count, 6)):
            frac *= 10
    return ((hh * 60 + mm) * 60 + ss) * 1_000_000 + frac, k


@njit(cache=True, nogil=True)
def _scan(
    offsets: I64,
    data: U8,
    valid: npt.NDArray[np.bool_],
    fixed_year: int,
    now_year: int,
    limit_md: int,
    months: I64,
    kind: U8,
    micros: I64,
    parts: I64,
    pid: I64,
) -> None:
    for i in range(offsets.shape[0] - 1):
        if not valid[i]:
            continue
        p = offsets[i]
        end = offsets[i + 1]
        # Header bytes must be ASCII: the regular expressions' \s and \S are Unicode-aware.
        # <PRI>
        if p < end and data[p] == 60:
            k = p + 1
            while k < end and k - p <= 3 and 48 <= data[k] <= 57:
                k += 1
            if k == p + 1 or k >= end or data[k] != 62:
                continue
            p = k + 1
        if p + 15 > end:
            continue
        t = -1
        zone = LOCAL
        c0 = data[p]
        if 65 <= c0 <= 90:  # BSD: "Mmm dd HH:MM:SS"
            packed = (np.int64(c0) << 16) | (np.int64(data[p + 1]) << 8) | np.int64(data[p + 2])
            m = 0
            for j in range(12):
                if months[j] == packed:
                    m = j + 1
            if m == 0 or data[p + 3] != 32:
                continue
            k = p + 4
            if data[k] == 32:
                k += 1
            d = digits(data, k, 1, end)
            if d < 0:
                continue
            k += 1
            if k < end and 48 <= data[k] <= 57:
                d = d * 10 + (data[k] - 48)
                k += 1
            if k >= end or data[k] != 32:
                continue
            day_us, k = clock(data, k + 1, end)
            if day_us < 0:
                continue
            if fixed_year:
                y = fixed_year
            elif limit_md and m * 100 + d > limit_md:
                y = now_year - 1
            else:
                y = now_year
            leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
            if m == 2 and d == 29 and not leap and not fixed_year:  # a year given is kept
                y -= y % 4
            if d < 1 or d > days_in_month(y, m):
                continue
            t = days_from_civil(y, m, d) * _DAY_US + day_us
        elif 48 <= c0 <= 57:  # ISO: "YYYY-MM-DD[T ]HH:MM:SS[.f][Z|+HH:MM|+HHMM]"
            y = digits(data, p, 4, end)
            m = digits(data, p + 5, 2, end)
            d = digits(data, p + 8, 2, end)
            if y < 0 or m < 0 or d < 0 or data[p + 4] != 45 or data[p + 7] != 45:
                continue
            sep = data[p + 10] if p + 10 < end else 0
            if sep != 84 and sep != 32:  # "T" or " "
                continue
            if m < 1 or m > 12 or d < 1 or d > days_in_month(y, m):
                continue
            day_us, k = clock(data, p + 11, end)
            if day_us < 0:
                continue
            t = days_from_civil(y, m, d) * _DAY_US + day_us
            if k < end and data[k] == 90:  # "Z"
                if sep != 84:
                    continue  # the time formats read "Z" only after "T"
                zone = UTC
                k += 1
            elif k < end and (data[k] == 43 or data[k] == 45):  # "+" or "-"
                sign = 1 if data[k] == 43 else -1
                oh = digits(data, k + 1, 2, end)
                colon = k + 3 < end and data[k + 3] == 58
                om = digits(data, k + 4 if colon else k + 3, 2, end)
                if oh < 0 or om < 0 or oh > 23 or om > 59 or (sep != 84 and not colon):
                    continue
                t -= sign * (oh * 60 + om) * 60_000_000
                zone = UTC
                k += 6 if colon else 5
        else:
            continue
        # " +host +prog[pid]: ?msg"
        if k >= end or data[k] != 32:
            continue
        while k < end and data[k] == 32:
            k += 1
        h0 = k
        ascii_ok = True
        while k < end and not is_space(data[k]):
            if data[k] >= 128:
                ascii_ok = False
            k += 1
        h1 = k
        if h1 == h0 or k >= end or data[k] != 32 or not ascii_ok:
            continue
        while k < end and data[k] == 32:
            k += 1
        g0 = k
        while k < end and not is_space(data[k]) and data[k] != 91 and data[k] != 58:
            if data[k] >= 128:
                ascii_ok = False
            k += 1
        g1 = k
        if g1 == g0 or k >= end or not ascii_ok:
            continue
        pid_value = -1
        if data[k] == 91:  # "[digits]"
            k += 1
            pid_value = 0
            count = 0
            while k < end and 48 <= data[k] <= 57:
                pid_value = pid_value * 10 + (data[k] - 48)
                count += 1
                k += 1
            if count == 0 or count > 18 or k >= end or data[k] != 93:
                continue
            k += 1
        if k >= end or data[k] != 58:
            continue
        k += 1
        if k < end and data[k] == 32:
            k += 1
        kind[i] = zone
        micros[i] = t
        parts[0, i] = h0
        parts[1, i] = h1
        parts[2, i] = g0
        parts[3, i] = g1
        parts[4, i] = k
        parts[5, i] = end
        pid[i] = pid_value
