"""dataplane.org report lines read by one compiled pass over their bytes.

:func:`scan` reads the lines that make up nearly every report (``ASN | ASname | ipaddr |
[firstseen |] lastseen | category``, in ASCII, with a known time format) exactly as the
Polars expressions of :class:`wuzhen.evidence.parsers.blocklist.Dataplane` read them, and
marks comment lines. A line it is not sure of (a non-ASCII byte at the edge of a field, an
ASN that is neither digits nor ``NA``, a time that is not ``YYYY-MM-DD HH:MM:SS`` in range
from 1970, or any line those expressions would reject) is left to them: they stay the
reference, and the scanner only answers where they would give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

from wuzhen.arrowtext import Column, buffers, views
from wuzhen.evidence.parsers._syslog_scan import (
    clock,
    days_from_civil,
    days_in_month,
    digits,
    is_space,
)

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

UNSURE = 0  # left for the Polars expressions
EVENT = 1  # a record read whole
COMMENT = 2  # a line starting with "#"

_PIPE = 124
_DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Scanned:
    """Per line: what was read (``kind``) and, for each ``EVENT``, its values; text as the
    start and end byte of each part in the lines' data buffer (``data``)."""

    kind: U8  # UNSURE, EVENT or COMMENT
    asn: I64  # -1: NA
    name: tuple[I64, I64]
    ip: tuple[I64, I64]
    category: tuple[I64, I64]
    last_seen: I64  # micros since the epoch, UTC
    first_seen: I64  # the same, or -1: no firstseen column
    data: U8


def scan(lines: Column, first_seen: tuple[str, ...]) -> Scanned:
    """Read ``lines``; ``first_seen``: the categories whose reports have a firstseen column."""
    names = b"".join(c.encode("ascii") for c in first_seen)
    ends = np.cumsum([len(c) for c in first_seen], dtype=np.int64)
    t = buffers(lines)
    n = len(t)
    kind = np.zeros(n, np.uint8)
    asn = np.full(n, -1, np.int64)
    parts = np.zeros((6, n), np.int64)
    seen = np.full((2, n), -1, np.int64)
    _scan(t.offsets, t.data, t.valid, np.frombuffer(names, np.uint8), ends, kind, asn, parts,
          seen)  # fmt: skip
    return Scanned(kind, asn, (parts[0], parts[1]), (parts[2], parts[3]), (parts[4], parts[5]),
                   seen[0], seen[1], t.data)  # fmt: skip


def text(s: Scanned, part: tuple[I64, I64]) -> pa.Array:
    """One part of every line as text (views into the lines); null where no record was read."""
    return views(s.data, part[0], part[1], s.kind == EVENT)


@njit(cache=True, nogil=True, inline="always")
def _strip(data: U8, a: int, b: int) -> tuple[int, int]:
    while a < b and is_space(data[a]):
        a += 1
    while b > a and is_space(data[b - 1]):
        b -= 1
    return a, b


@njit(cache=True, nogil=True, inline="always")
def _one_of(data: U8, a: int, b: int, names: U8, ends: I64) -> bool:
    """``data[a:b]`` is one of the names (``names[ends[j - 1]:ends[j]]``)."""
    start = 0
    for j in range(ends.shape[0]):
        end = ends[j]
        if end - start == b - a:
            same = True
            for q in range(b - a):
                if data[a + q] != names[start + q]:
                    same = False
                    break
            if same:
                return True
        start = end
    return False


@njit(cache=True, nogil=True, inline="always")
def _time(data: U8, a: int, b: int) -> int:
    """``YYYY-MM-DD HH:MM:SS`` (exactly) as micros since the epoch; negative where it is
    not that (or is before 1970: such lines are left to the expressions too)."""
    if b - a != 19 or data[a + 4] != 45 or data[a + 7] != 45 or data[a + 10] != 32:
        return -1
    y = digits(data, a, 4, b)
    m = digits(data, a + 5, 2, b)
    d = digits(data, a + 8, 2, b)
    if y < 1 or m < 1 or m > 12 or d < 1 or d > days_in_month(y, m):
        return -1
    day_us, end = clock(data, a + 11, b)
    if day_us < 0 or end != b:
        return -1
    return days_from_civil(y, m, d) * _DAY_US + day_us


@njit(cache=True, nogil=True)
def _scan(
    offsets: I64,
    data: U8,
    valid: npt.NDArray[np.bool_],
    first_names: U8,
    first_ends: I64,
    kind: U8,
    asn: I64,
    parts: I64,
    seen: I64,
) -> None:
    # Only the ASN (up to the first "|") and the fields after the AS name (up to the fifth
    # "|" from the end) are read: the AS name between them, padded to a width, is half the
    # line. Non-ASCII text matters only where Polars strips Unicode white space and this
    # pass ASCII's: every field but the name is checked to be ASCII, and so are the name's
    # first and last bytes.
    back = np.empty(5, np.int64)  # the "|"s from the end: back[0] the last one
    for i in range(offsets.shape[0] - 1):
        a = offsets[i]
        b = offsets[i + 1]
        if not valid[i] or a == b:
            continue
        if data[a] == 35:  # "#"
            kind[i] = COMMENT
            continue
        head = a
        while head < b and data[head] != _PIPE:
            head += 1
        found = 0
        p = b - 1
        while p > head and found < 5:
            if data[p] == _PIPE:
                back[found] = p
                found += 1
            p -= 1
        if found < 3:
            continue
        # the category: the last field, lower-case letters and digits
        ca, cb = _strip(data, back[0] + 1, b)
        if ca == cb:
            continue
        good = True
        for q in range(ca, cb):
            c = data[q]
            if not (48 <= c <= 57 or 97 <= c <= 122):
                good = False
        if not good:
            continue
        first = _one_of(data, ca, cb, first_names, first_ends)
        k = 4 if first else 3  # fields after the AS name
        if found < k:  # the first "|" must come before the AS name's end
            continue
        # the ASN: digits, or NA
        sa, sb = _strip(data, a, head)
        if sb - sa == 2 and data[sa] == 78 and data[sa + 1] == 65:  # "NA"
            number = -1
        elif 0 < sb - sa <= 18:
            number = digits(data, sa, sb - sa, sb)
            if number < 0:
                continue
        else:
            continue
        # counted from the end: ip, [firstseen,] lastseen, category
        ia, ib = _strip(data, back[k - 1] + 1, back[k - 2])
        dots = False
        for q in range(ia, ib):
            c = data[q]
            if c == 46 or c == 58:
                dots = True
            elif not (48 <= c <= 57 or 65 <= c <= 70 or 97 <= c <= 102):
                good = False
        if not good or not dots:
            continue
        la, lb = _strip(data, back[1] + 1, back[0])
        last = _time(data, la, lb)
        if last < 0:
            continue
        if first:
            fa, fb = _strip(data, back[2] + 1, back[1])
            first_us = _time(data, fa, fb)
            if first_us < 0:
                continue
            seen[1, i] = first_us
        # the AS name: everything between the ASN and the ip ("|" in it included)
        na, nb = _strip(data, head + 1, back[k - 1])
        if na < nb and (data[na] >= 128 or data[nb - 1] >= 128):
            continue
        kind[i] = EVENT
        asn[i] = number
        parts[0, i] = na
        parts[1, i] = nb
        parts[2, i] = ia
        parts[3, i] = ib
        parts[4, i] = ca
        parts[5, i] = cb
        seen[0, i] = last
