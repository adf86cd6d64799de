"""Event fingerprints: ``event.id`` = hash(owner, normalized record, occurrence number, part).

The hash is MurmurHash3 x64 128-bit, computed here over Arrow buffers by compiled loops (a
stable, specified function: the same record gives the same id in every version, which makes
re-ingesting idempotent). The normalized record is the record's text without its line ending.
The occurrence number tells genuinely repeated records apart within one file; the part tells
apart the several events one record may yield.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

from wuzhen.arrowtext import INLINE, Column, buffers, single_buffer_views, text, u32

U64 = npt.NDArray[np.uint64]
U8 = npt.NDArray[np.uint8]

C1 = np.uint64(0x87C37B91114253D5)
C2 = np.uint64(0x4CF5AD432745937F)


@njit(cache=True, nogil=True, inline="always")
def _rotl(x: np.uint64, r: int) -> np.uint64:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@njit(cache=True, nogil=True, inline="always")
def _fmix(k: np.uint64) -> np.uint64:
    k ^= k >> np.uint64(33)
    k *= np.uint64(0xFF51AFD7ED558CCD)
    k ^= k >> np.uint64(33)
    k *= np.uint64(0xC4CEB9FE1A85EC53)
    k ^= k >> np.uint64(33)
    return k


@njit(cache=True, nogil=True, inline="always")
def _load64(data: npt.NDArray[np.uint8], at: int) -> np.uint64:
    v = np.uint64(0)
    for b in range(8):
        v |= np.uint64(data[at + b]) << np.uint64(8 * b)
    return v


@njit(cache=True, nogil=True)
def _murmur3(
    data: npt.NDArray[np.uint8], start: int, end: int, seed: int
) -> tuple[np.uint64, np.uint64]:
    c1 = np.uint64(0x87C37B91114253D5)
    c2 = np.uint64(0x4CF5AD432745937F)
    length = end - start
    h1 = np.uint64(seed)
    h2 = np.uint64(seed)
    nblocks = length // 16
    for i in range(nblocks):
        at = start + i * 16
        k1 = _load64(data, at)
        k2 = _load64(data, at + 8)
        k1 *= c1
        k1 = _rotl(k1, 31)
        k1 *= c2
        h1 ^= k1
        h1 = _rotl(h1, 27)
        h1 += h2
        h1 = h1 * np.uint64(5) + np.uint64(0x52DCE729)
        k2 *= c2
        k2 = _rotl(k2, 33)
        k2 *= c1
        h2 ^= k2
        h2 = _rotl(h2, 31)
        h2 += h1
        h2 = h2 * np.uint64(5) + np.uint64(0x38495AB5)
    tail = start + nblocks * 16
    rest = length & 15
    k1 = np.uint64(0)
    k2 = np.uint64(0)
    if rest > 8:
        for b in range(rest - 1, 7, -1):
            k2 ^= np.uint64(data[tail + b]) << np.uint64(8 * (b - 8))
        k2 *= c2
        k2 = _rotl(k2, 33)
        k2 *= c1
        h2 ^= k2
    if rest > 0:
        for b in range(min(rest, 8) - 1, -1, -1):
            k1 ^= np.uint64(data[tail + b]) << np.uint64(8 * b)
        k1 *= c1
        k1 = _rotl(k1, 31)
        k1 *= c2
        h1 ^= k1
    h1 ^= np.uint64(length)
    h2 ^= np.uint64(length)
    h1 += h2
    h2 += h1
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 += h2
    h2 += h1
    return h1, h2


@njit(cache=True, nogil=True)
def _hash_rows(
    offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8], h1: U64, h2: U64
) -> None:
    for i in range(offsets.shape[0] - 1):
        a, b = _murmur3(data, offsets[i], offsets[i + 1], 0)
        h1[i] = a
        h2[i] = b


@njit(cache=True, nogil=True)
def _hash_ids(
    prefix: npt.NDArray[np.uint8],
    h1: U64,
    h2: U64,
    n: npt.NDArray[np.int64],
    part: npt.NDArray[np.int32],
    out1: U64,
    out2: U64,
) -> None:
    plen = prefix.shape[0]
    buf = np.zeros(plen + 28, np.uint8)
    buf[:plen] = prefix
    for i in range(h1.shape[0]):
        for b in range(8):
            buf[plen + b] = (h1[i] >> np.uint64(8 * b)) & np.uint64(0xFF)
            buf[plen + 8 + b] = (h2[i] >> np.uint64(8 * b)) & np.uint64(0xFF)
            buf[plen + 16 + b] = (np.uint64(n[i]) >> np.uint64(8 * b)) & np.uint64(0xFF)
        for b in range(4):
            buf[plen + 24 + b] = (np.uint32(part[i]) >> np.uint32(8 * b)) & np.uint32(0xFF)
        a, c = _murmur3(buf, 0, buf.shape[0], 0)
        out1[i] = a
        out2[i] = c


@njit(cache=True, nogil=True)
def _hash_views(views: U8, data: U8, h1: U64, h2: U64) -> None:
    """:func:`_hash_rows` over Arrow string views (16 bytes a value: its length, then the value
    itself up to 12 bytes, else its place in ``data``, the array's one data buffer); a null's
    view is zeroed, an empty value."""
    for i in range(h1.shape[0]):
        at = 16 * i
        length = u32(views, at)
        if length <= INLINE:
            a, b = _murmur3(views, at + 4, at + 4 + length, 0)
        else:
            start = u32(views, at + 12)
            a, b = _murmur3(data, start, start + length, 0)
        h1[i] = a
        h2[i] = b


def record_hashes(records: Column) -> tuple[U64, U64]:
    """MurmurHash3 x64 128 of every record's UTF-8 bytes (nulls hash as empty). String views
    into one buffer (Polars' text, as a batch's records are) are hashed where they are: making
    them Arrow strings first copied every record (1M dataplane lines: 100 MB, into new
    memory)."""
    h1 = np.empty(len(records), np.uint64)
    h2 = np.empty(len(records), np.uint64)
    views = single_buffer_views(records)
    if views is not None:
        _hash_views(views[0], views[1], h1, h2)
        return h1, h2
    t = buffers(records)
    _hash_rows(t.offsets, t.data, h1, h2)
    return h1, h2


def event_ids(
    owner: str, h1: U64, h2: U64, occurrence: npt.NDArray[np.int64], part: npt.NDArray[np.int32]
) -> tuple[U64, U64]:
    """The 128-bit event id of each record hash, for ``owner``."""
    prefix = np.frombuffer(owner.encode("ascii") + b"\x1f", np.uint8)
    out1 = np.empty(h1.shape[0], np.uint64)
    out2 = np.empty(h1.shape[0], np.uint64)
    _hash_ids(prefix, h1, h2, occurrence.astype(np.int64), part.astype(np.int32), out1, out2)
    return out1, out2


_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def hex_ids(h1: U64, h2: U64) -> pa.LargeStringArray:
    """Lower-case hex of the 16 digest bytes (h1 then h2, little-endian), as Arrow strings
    whose buffers are the hex digits as computed (no copy)."""
    n = h1.shape[0]
    out = np.empty(32 * n, np.uint8)
    _hex(h1, h2, _HEX, out)
    offsets = np.arange(0, 32 * n + 1, 32, dtype=np.int64)
    return text(offsets, out, np.ones(n, np.bool_))


@njit(cache=True, nogil=True)
def _hex(h1: U64, h2: U64, digits: npt.NDArray[np.uint8], out: npt.NDArray[np.uint8]) -> None:
    # a compiled loop: numpy's fancy indexing over the digest bytes took 5-15 times as long
    for i in range(h1.shape[0]):
        p = 32 * i
        for h in (h1[i], h2[i]):
            for b in range(8):
                byte = (h >> np.uint64(8 * b)) & np.uint64(0xFF)
                out[p] = digits[byte >> np.uint64(4)]
                out[p + 1] = digits[byte & np.uint64(15)]
                p += 2
