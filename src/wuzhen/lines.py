"""Read text input as batches of lines, as Arrow string arrays, in bounded memory.

Input is a path (``-`` for standard input), gzip-compressed or not (detected by its magic
bytes). Lines are cut at ``\\n`` (a ``\\r`` before it is dropped) by array operations on raw
blocks, not line by line in Python. Nothing is lost: a line that is not valid UTF-8 is kept
with replacement characters and flagged; a line longer than ``max_line`` bytes is kept cut to
that length and flagged.
"""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

BLOCK_SIZE = 8 * 1024 * 1024
MAX_LINE = 1024 * 1024

Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class LineBatch:
    """Consecutive lines of one input."""

    lines: pa.LargeStringArray
    first_line: int  # 1-based number of lines[0] in the input
    bytes_done: int  # bytes of (decompressed) input consumed up to the end of this batch
    invalid_utf8: Flags  # line was not valid UTF-8 (kept with U+FFFD replacements)
    too_long: Flags  # line was longer than the limit (kept cut)

    def __len__(self) -> int:
        return len(self.lines)


def open_input(source: str | Path) -> BinaryIO:
    """Open a path (or ``-`` for standard input) for binary reading, un-gzipping if needed."""
    raw: BinaryIO = (
        sys.stdin.buffer if str(source) == "-" else Path(source).open("rb")  # noqa: SIM115 - returned to the caller, who closes it
    )
    peek = raw.peek(2)[:2] if isinstance(raw, io.BufferedReader) else b""
    if peek == b"\x1f\x8b":
        return _GzipInput(raw)  # type: ignore[return-value]
    return raw


class _GzipInput(gzip.GzipFile):
    """A gzip reader that also closes the file it reads (``GzipFile`` leaves it open)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


@njit(cache=True, nogil=True)
def _utf8_invalid(offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8], out: Flags) -> int:
    """Mark rows that are not valid UTF-8; return how many."""
    bad_rows = 0
    for i in range(offsets.shape[0] - 1):
        k = offsets[i]
        end = offsets[i + 1]
        bad = False
        while k < end:
            c = data[k]
            if c < 0x80:
                k += 1
                continue
            if 0xC2 <= c <= 0xDF:
                need = 1
                lo, hi = 0x80, 0xBF
            elif 0xE0 <= c <= 0xEF:
                need = 2
                lo = 0xA0 if c == 0xE0 else 0x80
                hi = 0x9F if c == 0xED else 0xBF
            elif 0xF0 <= c <= 0xF4:
                need = 3
                lo = 0x90 if c == 0xF0 else 0x80
                hi = 0x8F if c == 0xF4 else 0xBF
            else:
                bad = True
                break
            if k + need >= end:
                bad = True
                break
            c1 = data[k + 1]
            if c1 < lo or c1 > hi:
                bad = True
                break
            for m in range(2, need + 1):
                cm = data[k + m]
                if cm < 0x80 or cm > 0xBF:
                    bad = True
                    break
            if bad:
                break
            k += need + 1
        out[i] = bad
        if bad:
            bad_rows += 1
    return bad_rows


def _split(block: npt.NDArray[np.uint8], max_line: int) -> tuple[pa.LargeBinaryArray, Flags]:
    """Cut a block that ends at a line boundary into lines without their line endings."""
    nl = _newline_positions(block)
    offsets = np.zeros(nl.shape[0] + 1, np.int64)
    too_long = np.zeros(nl.shape[0], np.bool_)
    data = np.empty(max(block.shape[0], 1), np.uint8)
    size = _cut(block, nl, max_line, offsets, data, too_long)
    arr = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), nl.shape[0], [None, pa.py_buffer(offsets), pa.py_buffer(data[:size])]
    )
    return arr, too_long


@njit(cache=True, nogil=True)
def _cut(
    block: npt.NDArray[np.uint8],
    nl: npt.NDArray[np.int64],
    max_line: int,
    offsets: npt.NDArray[np.int64],
    out: npt.NDArray[np.uint8],
    too_long: Flags,
) -> int:
    """Copy each line (up to each ``\n`` in ``nl``, a ``\r`` before it dropped, cut to
    ``max_line`` bytes) into ``out``; fill ``offsets`` and ``too_long``; return bytes used."""
    start = 0
    used = 0
    for i in range(nl.shape[0]):
        end = nl[i]
        if end > start and block[end - 1] == 13:
            end -= 1
        n = end - start
        if n > max_line:
            n = max_line
            too_long[i] = True
        out[used : used + n] = block[start : start + n]  # a slice copy, not a byte loop
        used += n
        offsets[i + 1] = used
        start = nl[i] + 1
    return used


def _is_ascii(data: npt.NDArray[np.uint8]) -> bool:
    """No byte above 0x7F (eight bytes at a time): such text is valid UTF-8 as it is."""
    whole = data.shape[0] // 8 * 8
    words = data[:whole].view(np.uint64)
    high = np.bitwise_or.reduce(words) if whole else np.uint64(0)
    return bool(high & np.uint64(0x8080808080808080) == 0 and (data[whole:] < 0x80).all())


def _to_text(arr: pa.LargeBinaryArray) -> tuple[pa.LargeStringArray, Flags]:
    bufs = arr.buffers()
    n = len(arr)
    offsets = np.frombuffer(bufs[1], np.int64, count=n + 1)
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    invalid = np.zeros(n, np.bool_)
    if n and not _is_ascii(data) and _utf8_invalid(offsets, data, invalid):
        # Rare path: only batches holding bad bytes are decoded row by row.
        texts = [v.decode("utf-8", errors="replace") for v in arr.to_pylist()]
        return pa.array(texts, pa.large_string()), invalid
    return arr.view(pa.large_string()), invalid


@dataclass(frozen=True, slots=True)
class Block:
    """Whole lines of one input, not split yet: ``data[:end]`` ends with ``\\n``."""

    data: bytes
    end: int
    first_line: int  # 1-based number of its first line in the input
    bytes_done: int  # bytes of input consumed up to the end of this block
    cut: bool  # its first line was longer than the limit already in the blocks before


def iter_blocks(
    stream: BinaryIO, *, block_size: int = BLOCK_SIZE, max_line: int = MAX_LINE
) -> Iterator[Block]:
    """Yield ``stream`` in blocks of whole lines, about ``block_size`` bytes each (reading and
    counting lines only: :func:`split_block` does the rest, on any thread)."""
    carry = b""
    cut = False  # the carried partial line already exceeded max_line
    line_no = 1
    done = 0
    while True:
        chunk = stream.read(block_size)
        if not chunk:
            break
        done += len(chunk)
        buf = carry + chunk
        last_nl = buf.rfind(b"\n")
        if last_nl < 0:
            # Keep two bytes past the limit: one more content byte, or a "\r" before the
            # "\n" still to come (the line is then not too long, and the split sees that).
            if len(buf) > max_line + 2:
                buf = buf[: max_line + 2]
                cut = True
            carry = buf
            continue
        carry = buf[last_nl + 1 :]
        yield Block(buf, last_nl + 1, line_no, done - len(carry), cut)
        line_no += _newlines(buf, last_nl + 1)
        cut = False
    if carry:
        yield Block(carry + b"\n", len(carry) + 1, line_no, done, cut)


#: Bytes compared at a time when looking for line ends: the comparison's flags stay in the
#: cache, where a block's worth (8 MiB) is fresh memory the kernel must first zero.
PIECE = 256 * 1024


def _newline_positions(block: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Where each ``\\n`` of ``block`` is, found a piece at a time (an 8 MiB block: 1.9 ms,
    not the 4-5 ms that comparing it whole took in an ingest, mostly zeroing new pages)."""
    flags = np.empty(min(PIECE, block.shape[0]), np.bool_)
    found = []
    for start in range(0, block.shape[0], PIECE):
        piece = block[start : start + PIECE]
        is_end = flags[: piece.shape[0]]
        np.equal(piece, 10, out=is_end)
        found.append(np.flatnonzero(is_end) + start)
    return np.concatenate(found) if found else np.zeros(0, np.int64)


@njit(cache=True, nogil=True)
def _count_newlines(data: npt.NDArray[np.uint8]) -> int:
    n = 0
    for i in range(data.shape[0]):
        n += data[i] == 10
    return n


def _newlines(data: bytes, end: int) -> int:
    """How many ``\\n`` ``data[:end]`` holds, counted by a compiled loop on the thread that
    reads the input (8 MiB: 0.4 ms, no memory taken; ``bytes.count`` takes 2.4 ms, numpy's
    comparison 0.6 ms plus an 8 MiB array of flags)."""
    return int(_count_newlines(np.frombuffer(data, np.uint8, count=end)))


def split_block(block: Block, max_line: int = MAX_LINE) -> LineBatch:
    """A block's lines, as text (invalid UTF-8 replaced and flagged, over-long lines cut)."""
    head = np.frombuffer(block.data, np.uint8, count=block.end)
    arr, too_long = _split(head, max_line)
    too_long[0] |= block.cut
    text, invalid = _to_text(arr)
    return LineBatch(text, block.first_line, block.bytes_done, invalid, too_long)


def marked_lines(block: Block, marker: bytes) -> tuple[Block, npt.NDArray[np.int64]] | None:
    """The lines of ``block`` that hold ``marker`` (one starting with ``\\n``: lines that start
    with the rest), as a block of their own, with each one's line number in the input; None if
    there are none. For the few structural lines (headers) a parser's state comes from."""
    data, end = block.data, block.end
    at_start = marker.startswith(b"\n")
    starts = [0] if at_start and data.startswith(marker[1:], 0, end) else []
    k = 0
    while (k := data.find(marker, k, end)) >= 0:  # a loop over marked lines, not records
        starts.append(data.rfind(b"\n", 0, k + 1 if at_start else k) + 1)
        k = data.find(b"\n", starts[-1], end)  # on to the line's end: data[:end] has one
    if not starts:
        return None
    numbers = np.empty(len(starts), np.int64)
    texts = []
    line, counted = block.first_line, 0
    for i, start in enumerate(starts):
        line += data.count(b"\n", counted, start)
        numbers[i], counted = line, start
        texts.append(data[start : data.find(b"\n", start, end)])
    lines = b"\n".join(texts) + b"\n"
    cut = block.cut and starts[0] == 0  # the first line is the rest of one cut before
    return Block(lines, len(lines), 1, block.bytes_done, cut), numbers


def iter_lines(
    stream: BinaryIO, *, block_size: int = BLOCK_SIZE, max_line: int = MAX_LINE
) -> Iterator[LineBatch]:
    """Yield the lines of ``stream`` in batches of about ``block_size`` bytes."""
    for block in iter_blocks(stream, block_size=block_size, max_line=max_line):
        yield split_block(block, max_line)
