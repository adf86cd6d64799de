"""Addresses in their canonical text, so that one address is one value whoever wrote it.

IPv6 as RFC 5952 writes it: lower case, no leading zeros, the longest run of two or more zero
groups as ``::`` (the first of equal runs), an IPv4-mapped address as ``::ffff:a.b.c.d``, no
zone; IPv4 as a dotted quad (which :mod:`._ipparse` only accepts without leading zeros). Only
rows whose text differs are rewritten: an IPv4 address without blanks around it is canonical
already, so it costs two byte tests; only IPv6 rows and padded ones are written out and
compared.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from numba import njit

from wuzhen.arrowtext import Column, buffers
from wuzhen.jurisdiction._ipparse import Parsed

LONGEST = 45  # ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


@njit(cache=True, nogil=True, inline="always")
def _digit(c: int) -> bool:
    return 48 <= c <= 57


@njit(cache=True, nogil=True)
def _write_v4(value: int, out: npt.NDArray[np.uint8], o: int) -> int:
    for shift in (24, 16, 8, 0):
        octet = (value >> shift) & 0xFF
        if octet >= 100:
            out[o] = 48 + octet // 100
            o += 1
        if octet >= 10:
            out[o] = 48 + (octet // 10) % 10
            o += 1
        out[o] = 48 + octet % 10
        o += 1
        if shift:
            out[o] = 46  # .
            o += 1
    return o


@njit(cache=True, nogil=True)
def _write_group(
    group: int, out: npt.NDArray[np.uint8], o: int, hexd: npt.NDArray[np.uint8]
) -> int:
    started = False
    for shift in (12, 8, 4, 0):
        d = (group >> shift) & 0xF
        if d or started or shift == 0:
            out[o] = hexd[d]
            o += 1
            started = True
    return o


@njit(cache=True, nogil=True)
def _write_v6(
    hi: np.uint64, lo: np.uint64, out: npt.NDArray[np.uint8], o: int, hexd: npt.NDArray[np.uint8]
) -> int:
    groups = np.empty(8, np.int64)
    for k in range(4):
        groups[k] = (hi >> np.uint64(48 - 16 * k)) & np.uint64(0xFFFF)
        groups[k + 4] = (lo >> np.uint64(48 - 16 * k)) & np.uint64(0xFFFF)
    if hi == 0 and groups[4] == 0 and groups[5] == 0xFFFF:  # IPv4-mapped
        for c in (58, 58, 102, 102, 102, 102, 58):  # ::ffff:
            out[o] = c
            o += 1
        return _write_v4(int(lo & np.uint64(0xFFFF_FFFF)), out, o)
    best, best_len, run, run_len = -1, 1, -1, 0  # the longest run of zero groups (2 or more)
    for k in range(8):
        if groups[k] == 0:
            if run_len == 0:
                run = k
            run_len += 1
            if run_len > best_len:
                best, best_len = run, run_len
        else:
            run_len = 0
    k = 0
    while k < 8:
        if k == best:
            out[o] = 58
            out[o + 1] = 58
            o += 2
            k += best_len
            continue
        if k and k != best + best_len:
            out[o] = 58
            o += 1
        o = _write_group(groups[k], out, o, hexd)
        k += 1
    return o


@njit(cache=True, nogil=True)
def _rewrite(
    offsets: npt.NDArray[np.int64],
    data: npt.NDArray[np.uint8],
    kind: npt.NDArray[np.uint8],
    hi: npt.NDArray[np.uint64],
    lo: npt.NDArray[np.uint64],
    changed: npt.NDArray[np.bool_],
    out_offsets: npt.NDArray[np.int64],
    out: npt.NDArray[np.uint8],
    hexd: npt.NDArray[np.uint8],
) -> int:
    """Write the canonical text of each address whose text is not (``changed``), one after
    another in ``out``; returns how many."""
    count = 0
    used = 0
    for i in range(kind.shape[0]):
        if kind[i] == 0:
            continue
        a, b = offsets[i], offsets[i + 1]
        if kind[i] == 4 and _digit(data[a]) and _digit(data[b - 1]):
            continue
        if kind[i] == 4:
            e = _write_v4(int(lo[i]), out, used)
        else:
            e = _write_v6(hi[i], lo[i], out, used, hexd)
        same = e - used == b - a
        k = 0
        while same and k < b - a:
            same = out[used + k] == data[a + k]
            k += 1
        if not same:
            changed[i] = True
            count += 1
            out_offsets[count] = e
            used = e
    return count


def canonical(values: Column, parsed: Parsed) -> pl.Series:
    """``values`` (the text :func:`._ipparse.parse` read as ``parsed``), each address in its
    canonical text; what is no address is left as it is."""
    series = values if isinstance(values, pl.Series) else pl.Series(values)
    t = buffers(values)
    rows = len(parsed)
    changed = np.zeros(rows, np.bool_)
    out_offsets = np.zeros(rows + 1, np.int64)
    out = np.empty(max(rows, 1) * LONGEST, np.uint8)  # pages are taken only as written
    count = _rewrite(
        t.offsets, t.data, parsed.kind, parsed.hi, parsed.lo, changed, out_offsets, out, _HEX
    )
    if count == 0:
        return series
    size = int(out_offsets[count])
    texts = pa.LargeStringArray.from_buffers(
        count, pa.py_buffer(out_offsets[: count + 1]), pa.py_buffer(out[:size].copy())
    )
    return series.scatter(np.flatnonzero(changed), pl.Series(texts))
