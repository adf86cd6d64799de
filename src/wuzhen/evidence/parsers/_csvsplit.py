"""CSV lines -> Arrow columns: a quote-aware splitter compiled with numba.

A batch of lines (one record each) is split in one pass over its bytes, as Python's ``csv``
module reads them (the ``excel`` dialect, ``strict=False``); then the columns a parser asks
for are cut out as Arrow strings, and other columns can be written as one JSON object per
line. Each line is decoded once; a line whose quoting is broken, or that has more fields than
the header, is reported by its field count (the parser rejects it), never fails the batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

from wuzhen.arrowtext import buffers, text, views

QUOTE, COMMA, BACKSLASH = 34, 44, 92
HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
Ints = npt.NDArray[np.int64]
Bytes = npt.NDArray[np.uint8]
Flags = npt.NDArray[np.bool_]


@njit(cache=True, nogil=True)
def _split(offsets: Ints, data: Bytes, starts: Ints, ends: Ints, decode: Flags,
           counts: npt.NDArray[np.int32]) -> None:  # fmt: skip
    """Find the fields of each line as Python's ``csv`` reads them: ``[line, column]`` spans.

    A field in quotes ends at a quote followed by a comma or the line's end; ``""`` inside it
    is one quote; text after a closing quote is kept (``strict=False``). Plain spans are
    stored as they are; others are marked ``decode`` and keep their raw span. ``counts[i]``
    is line ``i``'s number of fields, or -1 when a quoted field does not end on the line.
    Spans past ``starts.shape[1]`` columns are counted, not kept. A compiled loop over bytes,
    as in :mod:`wuzhen.lines`: the quote state cannot be found by array operations.
    """
    ncols = starts.shape[1]
    for i in range(offsets.shape[0] - 1):
        k = offsets[i]
        end = offsets[i + 1]
        f = 0
        ok = True
        while True:
            first = k
            raw = False
            if k < end and data[k] == QUOTE:
                k += 1
                state = 1  # 1: in quotes, 0: closed, 2: text after the closing quote
                while k < end:
                    if state == 2:
                        if data[k] == COMMA:
                            break
                    elif data[k] == QUOTE:
                        if k + 1 < end and data[k + 1] == QUOTE:
                            raw = True
                            k += 1
                        elif k + 1 == end or data[k + 1] == COMMA:
                            state = 0
                            k += 1
                            break
                        else:
                            raw = True
                            state = 2
                    k += 1
                if state == 1:
                    ok = False
                    break
                s, e = (first, k) if raw else (first + 1, k - 1)
            else:
                while k < end and data[k] != COMMA:
                    k += 1
                s, e = first, k
            if f < ncols:
                starts[i, f] = s
                ends[i, f] = e
                decode[i, f] = raw
            f += 1
            if k >= end:
                break
            k += 1
        counts[i] = f if ok else -1


@njit(cache=True, nogil=True)
def _decode(data: Bytes, s: int, e: int, out: Bytes) -> int:
    """A quoted field's raw span -> its value in ``out``; returns the value's length."""
    p = 0
    k = s + 1
    quoted = True
    while k < e:
        b = data[k]
        k += 1
        if quoted and b == QUOTE:
            if k < e and data[k] == QUOTE:
                k += 1
            else:
                quoted = False
                continue
        out[p] = b
        p += 1
    return p


@njit(cache=True, nogil=True)
def _copy(source: Bytes, start: int, length: int, out: Bytes, p: int) -> int:
    for k in range(length):
        out[p + k] = source[start + k]
    return p + length


@njit(cache=True, nogil=True)
def _column(data: Bytes, starts: Ints, ends: Ints, decode: Flags, j: int, offsets: Ints,
            valid: Flags, scratch: Bytes) -> Bytes:  # fmt: skip
    """Column ``j``'s values as Arrow string offsets and bytes (empty: null)."""
    n = starts.shape[0]
    total = 0
    for i in range(n):
        if decode[i, j]:
            length = _decode(data, starts[i, j], ends[i, j], scratch)
        else:
            length = ends[i, j] - starts[i, j]
        offsets[i] = total
        total += length
        valid[i] = length > 0
    offsets[n] = total
    out = np.empty(total, np.uint8)
    for i in range(n):
        if decode[i, j]:
            _copy(scratch, 0, _decode(data, starts[i, j], ends[i, j], scratch), out, offsets[i])
        else:
            _copy(data, starts[i, j], ends[i, j] - starts[i, j], out, offsets[i])
    return out


@njit(cache=True, nogil=True)
def _escapes(source: Bytes, start: int, length: int) -> int:
    """How many bytes JSON escaping adds to a value."""
    added = 0
    for k in range(start, start + length):
        b = source[k]
        if b in (QUOTE, BACKSLASH):
            added += 1
        elif b < 32:
            added += 5  # \u00XX
    return added


@njit(cache=True, nogil=True)
def _write_escaped(source: Bytes, start: int, length: int, out: Bytes, p: int) -> int:
    for k in range(start, start + length):
        b = source[k]
        if b in (QUOTE, BACKSLASH):
            out[p] = BACKSLASH
            out[p + 1] = b
            p += 2
        elif b < 32:
            out[p] = BACKSLASH
            out[p + 1] = 117  # u
            out[p + 2] = 48
            out[p + 3] = 48
            out[p + 4] = HEX[b >> 4]
            out[p + 5] = HEX[b & 15]
            p += 6
        else:
            out[p] = b
            p += 1
    return p


@njit(cache=True, nogil=True)
def _objects(data: Bytes, starts: Ints, ends: Ints, decode: Flags, picks: Ints, keys: Bytes,
             key_offsets: Ints, zero_empty: Flags, offsets: Ints, valid: Flags,
             scratch: Bytes) -> Bytes:  # fmt: skip
    """Per line, a JSON object of the columns ``picks``, empty values left out.

    ``keys`` holds each member's ``"name":`` text. Values are JSON strings: quotes and
    backslashes escaped, control characters as ``\\u00XX``. The first pass sizes each
    object (and notes the values to copy as they are), the second writes it.
    """
    n = starts.shape[0]
    width = picks.shape[0]
    added = np.empty((n, width), np.int32)  # bytes escaping adds; -1: no member
    total = 0
    for i in range(n):
        size = 0
        for c in range(width):
            j = picks[c]
            if decode[i, j]:
                source, start = scratch, 0
                length = _decode(data, starts[i, j], ends[i, j], scratch)
            else:
                source, start, length = data, starts[i, j], ends[i, j] - starts[i, j]
            if length == 0 or (zero_empty[c] and length == 1 and source[start] == 48):  # "0"
                added[i, c] = -1
                continue
            added[i, c] = _escapes(source, start, length)
            size += 3 + key_offsets[c + 1] - key_offsets[c] + length + added[i, c]
        offsets[i] = total
        valid[i] = size > 0
        total += size + 1 if size else 0
    offsets[n] = total
    out = np.empty(total, np.uint8)
    for i in range(n):
        p = offsets[i]
        opener = 123  # {
        for c in range(width):
            if added[i, c] < 0:
                continue
            j = picks[c]
            if decode[i, j]:
                source, start = scratch, 0
                length = _decode(data, starts[i, j], ends[i, j], scratch)
            else:
                source, start, length = data, starts[i, j], ends[i, j] - starts[i, j]
            out[p] = opener
            opener = COMMA
            p = _copy(keys, key_offsets[c], key_offsets[c + 1] - key_offsets[c], out, p + 1)
            out[p] = QUOTE
            if added[i, c] == 0:
                p = _copy(source, start, length, out, p + 1)
            else:
                p = _write_escaped(source, start, length, out, p + 1)
            out[p] = QUOTE
            p += 1
        if valid[i]:
            out[p] = 125  # }
    return out


def _strings(name: str, offsets: Ints, data: Bytes, valid: Flags) -> pl.Series:
    return pl.Series(name, text(offsets, data, valid))


@dataclass(frozen=True, slots=True)
class Split:
    """The fields of a batch of CSV lines."""

    counts: npt.NDArray[np.int32]  # fields per line; -1: broken quoting
    columns: list[pl.Series]  # the requested columns, as text (empty: null)
    objects: pl.Series  # per line, a JSON object of the other requested columns (or null)


def split(lines: pl.Series, width: int, columns: dict[str, int], members: dict[str, int],
          zero_empty: frozenset[str] = frozenset()) -> Split:  # fmt: skip
    """The fields of ``lines``, CSV rows of ``width`` columns.

    ``columns`` (name -> position) come back as text; ``members`` (name -> position) as one
    JSON object per line (``objects``), leaving out empty values and ``0`` in the
    ``zero_empty`` columns.
    """
    n = lines.len()
    t = buffers(lines)
    offsets, data = t.offsets, t.data
    starts = np.zeros((n, width), np.int64)
    ends = np.zeros((n, width), np.int64)
    decode = np.zeros((n, width), np.bool_)
    counts = np.zeros(n, np.int32)
    _split(offsets, data, starts, ends, decode, counts)
    scratch = np.empty(int(np.max(np.diff(offsets))) if n else 0, np.uint8)
    texts = []
    plain: Flags = ~np.any(decode, axis=0)  # columns whose values are their spans as they are
    starts_t, ends_t = np.ascontiguousarray(starts.T), np.ascontiguousarray(ends.T)
    for name, position in columns.items():  # a loop over the columns
        if plain[position]:  # views into the lines (empty: null)
            at, to = starts_t[position], ends_t[position]
            texts.append(pl.Series(name, views(data, at, to, to > at)))
            continue
        column_offsets = np.empty(n + 1, np.int64)
        valid = np.empty(n, np.bool_)
        values = _column(data, starts, ends, decode, position, column_offsets, valid, scratch)
        texts.append(_strings(name, column_offsets, values, valid))
    names = tuple(members)
    keys, key_offsets = _keys(names)
    object_offsets = np.empty(n + 1, np.int64)
    valid = np.empty(n, np.bool_)
    objects = _objects(
        data, starts, ends, decode, np.array(list(members.values()), np.int64), keys,
        key_offsets, np.array([m in zero_empty for m in names], np.bool_), object_offsets,
        valid, scratch,
    )  # fmt: skip
    return Split(counts, texts, _strings("objects", object_offsets, objects, valid))


@cache
def _keys(names: tuple[str, ...]) -> tuple[Bytes, Ints]:
    """The ``"name":`` text of each extra member, and where each starts."""
    parts = [f"{json.dumps(n)}:".encode() for n in names]
    offsets = np.zeros(len(parts) + 1, np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    return np.frombuffer(b"".join(parts) or b"\0", np.uint8), offsets
