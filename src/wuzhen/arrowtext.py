"""Arrow text columns as numpy buffers for compiled loops, and numpy buffers back to text.

A compiled kernel (numba) reads a column of text as one byte buffer and the offsets of each
value in it, and writes new text the same way, or names parts of what it read (start and end),
which :func:`views` hands to Polars as string views into the same bytes. This is the one place
that converts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
Flags = npt.NDArray[np.bool_]
Views = npt.NDArray[np.uint64]  # Arrow's string views, one row of two words per value
Column: TypeAlias = "pa.Array | pa.ChunkedArray | pl.Series"  # text, Arrow's or Polars'


@dataclass(frozen=True, slots=True)
class Text:
    """Value ``i`` is ``data[offsets[i]:offsets[i + 1]]``, or null where not ``valid[i]``."""

    offsets: I64
    data: U8
    valid: Flags

    def __len__(self) -> int:
        return int(self.valid.shape[0])


def as_large_string(values: pa.Array | pa.ChunkedArray) -> pa.LargeStringArray:
    """One contiguous ``large_string`` array (64-bit offsets) holding ``values``."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.large_string())
    return values


def _arrow(values: Column) -> pa.Array | pa.ChunkedArray:
    """``values`` as Arrow arrays; Polars' text as Polars holds it (string views, no copy)."""
    if isinstance(values, pl.Series):
        return values.to_arrow(compat_level=pl.CompatLevel.newest())
    return values


def buffers(values: Column) -> Text:
    """The buffers of a text column (no copy when it is one ``large_string`` array already).

    ``offsets`` and ``data`` are always read-only, as they are over Polars' and Arrow's
    immutable buffers: numba compiles a kernel once per argument type, and read-only is part
    of the type, so text built in Python (mutable buffers) would otherwise compile every
    kernel it reaches a second time, seconds each, in the middle of an ingest.

    String views whose values lie end to end in their one buffer (Polars' text of a batch of
    lines, which keeps the lines where :mod:`wuzhen.lines` cut them) are read where they are;
    other views are copied into Arrow strings first (8 MiB of lines: about 3 ms)."""
    values = _arrow(values)
    in_place = _end_to_end(values)
    if in_place is not None:
        return in_place
    arr = as_large_string(values)
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], np.int64, count=n + 1, offset=arr.offset * 8)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(1, np.uint8)
    offsets.flags.writeable = False
    data.flags.writeable = False
    valid = (
        arr.is_valid().to_numpy(zero_copy_only=False) if arr.null_count else np.ones(n, np.bool_)
    )
    return Text(offsets, data, valid)


def _end_to_end(values: pa.Array | pa.ChunkedArray) -> Text | None:
    """:func:`buffers` of string views that lie end to end in one buffer, without a copy;
    None for any other column. The offsets start at 0 in a view of the buffer's bytes, as
    in an array of Arrow strings of their own."""
    found = single_buffer_views(values)
    if found is None:
        return None
    views, data = found
    n = views.shape[0] // 16
    offsets = np.empty(n + 1, np.int64)
    if not _view_offsets(views, offsets) or offsets[n] == offsets[0]:
        return None
    base = int(offsets[0])
    offsets -= base
    offsets.flags.writeable = False
    valid = (
        values.is_valid().to_numpy(zero_copy_only=False)
        if values.null_count
        else np.ones(n, np.bool_)
    )
    return Text(offsets, data[base : base + int(offsets[n])], valid)


@njit(cache=True, nogil=True)
def _view_offsets(views: U8, offsets: I64) -> bool:
    """Fill ``offsets`` with where each value of ``views`` (16 bytes a value, nulls zeroed)
    starts and ends in the one data buffer, if they lie there end to end: each value that is
    not empty held in the buffer (not in its view: 12 bytes or fewer) and starting where the
    one before ended. False (``offsets`` unfinished) if they do not."""
    end = -1  # where the values so far end; none yet
    for i in range(offsets.shape[0] - 1):
        at = 16 * i
        length = u32(views, at)
        if length == 0:
            offsets[i + 1] = end
            continue
        if length <= INLINE:
            return False
        start = u32(views, at + 12)
        if end < 0:
            offsets[: i + 1] = start  # the empty values before the first
        elif start != end:
            return False
        end = start + length
        offsets[i + 1] = end
    return end >= 0


@njit(cache=True, nogil=True, inline="always")
def u32(data: U8, at: int) -> int:
    """The little-endian 32-bit number at ``data[at:at + 4]``."""
    return (
        int(data[at])
        | (int(data[at + 1]) << 8)
        | (int(data[at + 2]) << 16)
        | (int(data[at + 3]) << 24)
    )


def single_buffer_views(values: Column) -> tuple[U8, U8] | None:
    """The views (16 bytes a value, as one byte buffer; a null's zeroed) and data buffer of a
    string-view column whose values live in at most one buffer, without copying; None for
    any other column (Arrow strings, or views into several buffers)."""
    values = _arrow(values)
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks != 1:
            return None
        values = values.chunk(0)
    if values.type != pa.string_view():
        return None
    bufs = values.buffers()
    if len(bufs) > 3:
        return None
    n = len(values)
    views = np.frombuffer(bufs[1], np.uint8, count=16 * n, offset=16 * values.offset)
    if values.null_count:
        views = views.reshape(n, 16).copy()
        views[~values.is_valid().to_numpy(zero_copy_only=False)] = 0
        views = views.reshape(-1)
    has_data = len(bufs) == 3 and bufs[2] is not None
    data = np.frombuffer(bufs[2], np.uint8) if has_data else np.zeros(1, np.uint8)
    views.flags.writeable = False
    data.flags.writeable = False
    return views, data


def text(offsets: I64, data: U8, valid: Flags) -> pa.LargeStringArray:
    """Text a kernel wrote: ``offsets`` from 0 into ``data``, null where not ``valid``."""
    n = valid.shape[0]
    return pa.LargeStringArray.from_buffers(
        n,
        pa.py_buffer(offsets),
        pa.py_buffer(data),
        pa.py_buffer(np.packbits(valid, bitorder="little")),
        null_count=int(n - np.count_nonzero(valid)),
    )


#: Arrow's string views address their bytes with 32-bit offsets (and keep up to 12 bytes in
#: the view itself)
VIEW_LIMIT = 2**31 - 1
INLINE = 12


def views(data: U8, starts: I64, ends: I64, valid: Flags) -> pa.Array:
    """Text ``data[starts[i]:ends[i]]`` for each ``i`` (null where not ``valid``), as string
    views into ``data`` itself: 16 bytes a value are written, none of its bytes copied (five
    times faster than :func:`slices` for a batch's sshd messages). Polars keeps text this way;
    the column holds ``data`` alive. ``data`` beyond 2 GiB is copied by :func:`slices`."""
    n = starts.shape[0]
    if data.shape[0] > VIEW_LIMIT:
        return slices(data, starts, ends, valid)
    out = np.empty((n, 2), np.uint64)
    _views(data, starts, ends, valid, out)
    return view_array(out, valid, data)


@njit(cache=True, nogil=True)
def _views(data: U8, starts: I64, ends: I64, valid: Flags, out: Views) -> None:
    for i in range(starts.shape[0]):
        if valid[i]:
            put_view(out, i, data, starts[i], ends[i], 0)
        else:
            out[i, 0] = 0
            out[i, 1] = 0


@njit(cache=True, nogil=True, inline="always")
def put_view(views: Views, row: int, data: U8, a: int, b: int, buffer: int) -> None:
    """Write into ``views[row]`` (16 bytes as two 64-bit words) Arrow's view of ``data[a:b]``,
    ``data`` being the array's data buffer number ``buffer``: the value's length (4 bytes),
    then the value itself when it fits in 12 bytes, else its first 4 bytes, the buffer's
    number and the offset there (``a`` below :data:`VIEW_LIMIT`); little-endian, as Arrow's
    buffers are. Two stores of words the bytes are shifted into, not sixteen of bytes: the
    JSON scan of an EVE batch takes a tenth less time so, 1.65M views a fifth less."""
    length = b - a
    if length > INLINE:
        prefix = (
            np.uint64(data[a])
            | (np.uint64(data[a + 1]) << np.uint64(8))
            | (np.uint64(data[a + 2]) << np.uint64(16))
            | (np.uint64(data[a + 3]) << np.uint64(24))
        )
        views[row, 0] = np.uint64(length) | (prefix << np.uint64(32))
        views[row, 1] = np.uint64(buffer) | (np.uint64(a) << np.uint64(32))
        return
    w0 = np.uint64(length)
    w1 = np.uint64(0)
    for k in range(length):
        byte = np.uint64(data[a + k])
        if k < 4:
            w0 |= byte << np.uint64(32 + 8 * k)
        else:
            w1 |= byte << np.uint64(8 * (k - 4))
    views[row, 0] = w0
    views[row, 1] = w1


def view_array(views: Views, valid: Flags, *data: U8) -> pa.Array:
    """A string-view array from views a kernel wrote (``views``: one row of two 64-bit words
    per value, as :func:`put_view` writes them) into the buffers ``data``, null where not
    ``valid``."""
    n = valid.shape[0]
    return pa.Array.from_buffers(
        pa.string_view(),
        n,
        [
            pa.py_buffer(np.packbits(valid, bitorder="little")),
            pa.py_buffer(views),
            *(pa.py_buffer(d) for d in data),
        ],
        null_count=int(n - np.count_nonzero(valid)),
    )


def slices(data: U8, starts: I64, ends: I64, valid: Flags) -> pa.LargeStringArray:
    """Text made of ``data[starts[i]:ends[i]]`` for each ``i``, null where not ``valid``,
    copied into a buffer of its own."""
    lengths = np.where(valid, ends - starts, 0)
    out_offsets = np.zeros(len(starts) + 1, np.int64)
    np.cumsum(lengths, out=out_offsets[1:])
    out = np.empty(max(int(out_offsets[-1]), 1), np.uint8)
    _gather(data, starts, out_offsets, out)
    return text(out_offsets, out, valid)


@njit(cache=True, nogil=True)
def _gather(data: U8, starts: I64, out_offsets: I64, out: U8) -> None:
    for i in range(starts.shape[0]):
        a = starts[i]
        o0 = out_offsets[i]
        o1 = out_offsets[i + 1]
        out[o0:o1] = data[a : a + (o1 - o0)]  # a slice copy: twice the speed of a byte loop
