"""Segment tables: the address space cut into pieces that each carry one attribution.

A table for one family (IPv4 or IPv6) is a sorted array of segment starts (128-bit keys as
``hi``/``lo`` halves; IPv4 uses ``lo`` only) covering the whole space from zero, and one array
per field. Building paints every source's ranges onto the union of all their boundaries, so a
single lookup answers registration country, location country, ASN, registry and class at once.

Lookups go through a first-level index on the top 16 bits of an address, then a binary search
inside that slice: the loops are compiled by numba (no Python per address).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
MAX64 = np.uint64(0xFFFF_FFFF_FFFF_FFFF)

FIELDS = ("reg", "loc", "asn", "rir", "special")
FIELD_DTYPES: dict[str, type[np.generic]] = {
    "reg": np.uint16,
    "loc": np.uint16,
    "asn": np.uint32,
    "rir": np.uint8,
    "special": np.uint8,
}


@njit(cache=True, nogil=True)
def _lower_bound(
    keys_hi: U64, keys_lo: U64, lo_i: int, hi_i: int, h: np.uint64, lw: np.uint64
) -> int:
    """First index in ``[lo_i, hi_i)`` whose key is >= (h, lw)."""
    while lo_i < hi_i:
        mid = (lo_i + hi_i) >> 1
        kh = keys_hi[mid]
        if kh < h or (kh == h and keys_lo[mid] < lw):
            lo_i = mid + 1
        else:
            hi_i = mid
    return lo_i


@njit(cache=True, nogil=True)
def _upper_bound(
    keys_hi: U64, keys_lo: U64, lo_i: int, hi_i: int, h: np.uint64, lw: np.uint64
) -> int:
    """First index in ``[lo_i, hi_i)`` whose key is > (h, lw)."""
    while lo_i < hi_i:
        mid = (lo_i + hi_i) >> 1
        kh = keys_hi[mid]
        if kh < h or (kh == h and keys_lo[mid] <= lw):
            lo_i = mid + 1
        else:
            hi_i = mid
    return lo_i


@njit(cache=True, nogil=True)
def _paint_spans(
    bound_hi: U64,
    bound_lo: U64,
    start_hi: U64,
    start_lo: U64,
    end_hi: U64,
    end_lo: U64,
    first: I64,
    last: I64,
) -> None:
    """For each range, the slice ``[first, last)`` of elementary intervals it covers."""
    n = bound_hi.shape[0]
    one = np.uint64(1)
    for i in range(start_hi.shape[0]):
        first[i] = _lower_bound(bound_hi, bound_lo, 0, n, start_hi[i], start_lo[i])
        eh = end_hi[i]
        el = end_lo[i]
        if eh == MAX64 and el == MAX64:
            last[i] = n
            continue
        # end + 1, with the carry into the high half
        nl = el + one
        nh = eh + one if nl == 0 else eh
        last[i] = _lower_bound(bound_hi, bound_lo, 0, n, nh, nl)


@njit(cache=True, nogil=True)
def _lookup(
    keys_hi: U64,
    keys_lo: U64,
    index: I64,
    shift: int,
    top_hi: bool,
    q_hi: U64,
    q_lo: U64,
    ok: npt.NDArray[np.bool_],
    out: I64,
) -> None:
    """Segment index of each query address (-1 where ``ok`` is false).

    ``index[p]`` is the first segment starting at or after the block ``p`` of the top 16 bits
    (taken from the high half for IPv6, from the low half shifted by ``shift`` for IPv4).
    """
    sh = np.uint64(shift)
    for i in range(q_hi.shape[0]):
        if not ok[i]:
            out[i] = -1
            continue
        h = q_hi[i]
        lw = q_lo[i]
        p = (h >> sh) if top_hi else (lw >> sh)
        lo_i = index[p] - 1
        if lo_i < 0:
            lo_i = 0
        hi_i = index[p + 1]
        out[i] = _upper_bound(keys_hi, keys_lo, lo_i, hi_i, h, lw) - 1


@dataclass(frozen=True, slots=True)
class SegmentTable:
    """Sorted segment starts of one address family, and each segment's fields."""

    family: int
    start_hi: U64
    start_lo: U64
    fields: dict[str, npt.NDArray[np.generic]]
    index: I64

    @classmethod
    def create(
        cls, family: int, start_hi: U64, start_lo: U64, fields: dict[str, npt.NDArray[np.generic]]
    ) -> SegmentTable:
        return cls(family, start_hi, start_lo, fields, _top16_index(family, start_hi, start_lo))

    def __len__(self) -> int:
        return int(self.start_hi.shape[0])

    def find(self, q_hi: U64, q_lo: U64, ok: npt.NDArray[np.bool_]) -> I64:
        """Index of the segment holding each address (-1 where ``ok`` is false)."""
        out = np.empty(q_hi.shape[0], np.int64)
        if self.family == 4:
            _lookup(self.start_hi, self.start_lo, self.index, 16, False, q_hi, q_lo, ok, out)
        else:
            _lookup(self.start_hi, self.start_lo, self.index, 48, True, q_hi, q_lo, ok, out)
        return out

    def span(self, start_hi: U64, start_lo: U64, end_hi: U64, end_lo: U64) -> tuple[I64, I64]:
        """For each block [start, end], the segment slice ``[first, last)`` it overlaps."""
        ok = np.ones(start_hi.shape[0], np.bool_)
        first = self.find(start_hi, start_lo, ok)
        last = self.find(end_hi, end_lo, ok) + 1
        return first, last


def _top16_index(family: int, start_hi: U64, start_lo: U64) -> I64:
    blocks = np.arange(65537, dtype=np.uint64)
    if family == 4:
        keys = start_lo
        bounds = blocks << np.uint64(16)
    else:
        keys = start_hi
        bounds = np.where(blocks < 65536, blocks << np.uint64(48), MAX64)
    idx = np.searchsorted(keys, bounds, side="left").astype(np.int64)
    if family == 6:
        idx[-1] = keys.shape[0]
    return idx


@dataclass(slots=True)
class Layer:
    """Ranges from one source, painted in order: later ranges win where they overlap."""

    start_hi: U64
    start_lo: U64
    end_hi: U64
    end_lo: U64
    values: dict[str, npt.NDArray[np.generic]]


def _sort_unique(hi: U64, lo: U64) -> tuple[U64, U64]:
    order = np.lexsort((lo, hi))
    hi = hi[order]
    lo = lo[order]
    keep = np.ones(hi.shape[0], np.bool_)
    keep[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
    return hi[keep], lo[keep]


def _successors(hi: U64, lo: U64) -> tuple[U64, U64]:
    """(hi, lo) + 1 for every key that is not the top of the space (those are dropped)."""
    top = (hi == MAX64) & (lo == MAX64)
    hi = hi[~top]
    lo = lo[~top]
    nlo = lo + np.uint64(1)
    nhi = hi + (nlo == 0).astype(np.uint64)
    return nhi, nlo


def build_table(family: int, layers: list[Layer]) -> SegmentTable:
    """Cut the space of ``family`` at every range boundary of every layer, paint, merge."""
    his = [np.zeros(1, np.uint64)]
    los = [np.zeros(1, np.uint64)]
    for layer in layers:
        his.append(layer.start_hi)
        los.append(layer.start_lo)
        nh, nl = _successors(layer.end_hi, layer.end_lo)
        if family == 4:
            keep = nl <= np.uint64(0xFFFF_FFFF)
            nh, nl = nh[keep], nl[keep]
        his.append(nh)
        los.append(nl)
    b_hi, b_lo = _sort_unique(np.concatenate(his), np.concatenate(los))
    n = b_hi.shape[0]
    fields = {name: np.zeros(n, FIELD_DTYPES[name]) for name in FIELDS}
    for layer in layers:
        m = layer.start_hi.shape[0]
        # Order: start ascending, larger ranges first, so nested ranges paint over parents.
        order = np.lexsort(
            (MAX64 - layer.end_lo, MAX64 - layer.end_hi, layer.start_lo, layer.start_hi)
        )
        first = np.empty(m, np.int64)
        last = np.empty(m, np.int64)
        _paint_spans(
            b_hi,
            b_lo,
            layer.start_hi[order],
            layer.start_lo[order],
            layer.end_hi[order],
            layer.end_lo[order],
            first,
            last,
        )
        for name, values in layer.values.items():
            _paint(fields[name], first, last, values[order])
    special = fields["special"] != 0
    for name in ("reg", "loc", "asn", "rir"):
        fields[name][special] = 0
    # Merge neighbours that carry the same values.
    change = np.zeros(n, np.bool_)
    change[0] = True
    for arr in fields.values():
        change[1:] |= arr[1:] != arr[:-1]
    return SegmentTable.create(
        family, b_hi[change], b_lo[change], {k: v[change] for k, v in fields.items()}
    )


@njit(cache=True, nogil=True)
def _paint_kernel(
    target: npt.NDArray[np.generic], first: I64, last: I64, values: npt.NDArray[np.generic]
) -> None:
    for i in range(first.shape[0]):
        v = values[i]
        for j in range(first[i], last[i]):
            target[j] = v


def _paint(
    target: npt.NDArray[np.generic], first: I64, last: I64, values: npt.NDArray[np.generic]
) -> None:
    _paint_kernel(target, first, last, values.astype(target.dtype))
