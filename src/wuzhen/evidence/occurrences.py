"""Occurrence numbers of records within one file, across batches, in bounded memory.

A record that appears k times in a file gets occurrence numbers 0..k-1, in file order, so
genuinely repeated records stay distinct events while the same record in two overlapping
files gets the same fingerprint. The file is read in batches; this keeps what is needed to
continue the count: the set of record hashes seen so far (sorted runs of 128-bit keys, merged
like a log-structured tree) and exact counts for the few records seen more than once.

Invariant: a record hash that is not in ``repeats`` has occurred at most once so far, so
membership in ``seen`` tells its count exactly.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

U64 = npt.NDArray[np.uint64]


@njit(cache=True, nogil=True)
def _contains(run_hi: U64, run_lo: U64, q_hi: U64, q_lo: U64, out: npt.NDArray[np.bool_]) -> None:
    n = run_hi.shape[0]
    for i in range(q_hi.shape[0]):
        if out[i]:
            continue
        h = q_hi[i]
        lw = q_lo[i]
        lo_i = 0
        hi_i = n
        while lo_i < hi_i:
            mid = (lo_i + hi_i) >> 1
            if run_hi[mid] < h or (run_hi[mid] == h and run_lo[mid] < lw):
                lo_i = mid + 1
            else:
                hi_i = mid
        out[i] = lo_i < n and run_hi[lo_i] == h and run_lo[lo_i] == lw


@njit(cache=True, nogil=True)
def _contains_sorted(
    run_hi: U64, run_lo: U64, q_hi: U64, q_lo: U64, out: npt.NDArray[np.bool_]
) -> None:
    """:func:`_contains` for queries in key order: each search gallops on from where the one
    before ended, so a run is read forward, near where it was last read. (The comparisons are
    written out as in :func:`_contains`: shared helpers measured a third slower.)"""
    n = run_hi.shape[0]
    pos = 0
    for i in range(q_hi.shape[0]):
        if out[i]:
            continue
        h = q_hi[i]
        lw = q_lo[i]
        lo_i = pos
        step = 1
        hi_i = pos
        while hi_i < n and (run_hi[hi_i] < h or (run_hi[hi_i] == h and run_lo[hi_i] < lw)):
            lo_i = hi_i + 1
            hi_i = pos + step
            step *= 2
        hi_i = min(hi_i, n)
        while lo_i < hi_i:
            mid = (lo_i + hi_i) >> 1
            if run_hi[mid] < h or (run_hi[mid] == h and run_lo[mid] < lw):
                lo_i = mid + 1
            else:
                hi_i = mid
        pos = lo_i
        out[i] = lo_i < n and run_hi[lo_i] == h and run_lo[lo_i] == lw


@njit(cache=True, nogil=True)
def _merge(a_hi: U64, a_lo: U64, b_hi: U64, b_lo: U64, out_hi: U64, out_lo: U64) -> None:
    """Merge two sorted runs of (hi, lo) keys into one (linear time)."""
    i = 0
    j = 0
    k = 0
    while i < a_hi.shape[0] and j < b_hi.shape[0]:
        if a_hi[i] < b_hi[j] or (a_hi[i] == b_hi[j] and a_lo[i] <= b_lo[j]):
            out_hi[k] = a_hi[i]
            out_lo[k] = a_lo[i]
            i += 1
        else:
            out_hi[k] = b_hi[j]
            out_lo[k] = b_lo[j]
            j += 1
        k += 1
    while i < a_hi.shape[0]:
        out_hi[k] = a_hi[i]
        out_lo[k] = a_lo[i]
        i += 1
        k += 1
    while j < b_hi.shape[0]:
        out_hi[k] = b_hi[j]
        out_lo[k] = b_lo[j]
        j += 1
        k += 1


class KeySet:
    """A growing set of 128-bit keys with vectorized membership tests."""

    def __init__(self) -> None:
        self._runs: list[tuple[U64, U64]] = []

    def __len__(self) -> int:
        return sum(r[0].shape[0] for r in self._runs)

    def contains(self, hi: U64, lo: U64, *, ordered: bool = False) -> npt.NDArray[np.bool_]:
        """Which keys are in the set (``ordered``: the keys are sorted, which is faster)."""
        out = np.zeros(hi.shape[0], np.bool_)
        search = _contains_sorted if ordered else _contains
        for run_hi, run_lo in self._runs:
            search(run_hi, run_lo, hi, lo, out)
        return out

    def add(self, hi: U64, lo: U64, *, ordered: bool = False) -> None:
        """Add keys not already present (the caller guarantees they are new and distinct;
        ``ordered``: and sorted)."""
        if hi.shape[0] == 0:
            return
        if ordered:
            self._runs.append((hi, lo))
        else:
            order = np.lexsort((lo, hi))
            self._runs.append((hi[order], lo[order]))
        # Merge while the newest run is at least half the size of the one before it.
        while len(self._runs) > 1 and self._runs[-1][0].shape[0] * 2 >= self._runs[-2][0].shape[0]:
            (h2, l2), (h1, l1) = self._runs.pop(), self._runs.pop()
            h = np.empty(h1.shape[0] + h2.shape[0], np.uint64)
            lw = np.empty_like(h)
            _merge(h1, l1, h2, l2, h, lw)
            self._runs.append((h, lw))


class Occurrences:
    """Numbers each record's occurrences within one file, batch after batch."""

    def __init__(self) -> None:
        self._seen = KeySet()
        # records seen more than once so far, sorted by key, with their counts
        self._rep_h1 = np.zeros(0, np.uint64)
        self._rep_h2 = np.zeros(0, np.uint64)
        self._rep_count = np.zeros(0, np.int64)

    def number(self, h1: U64, h2: U64) -> npt.NDArray[np.int64]:
        """Occurrence number of each record of the next batch (records in file order)."""
        n = h1.shape[0]
        if n == 0:
            return np.zeros(0, np.int64)
        order, s1, s2 = _key_order(h1, h2)
        starts = np.ones(n, np.bool_)
        starts[1:] = (s1[1:] != s1[:-1]) | (s2[1:] != s2[:-1])
        run_id = np.cumsum(starts) - 1  # run of each sorted row
        first = np.flatnonzero(starts)  # sorted position where each distinct key starts
        # local number: position within its run, which keeps file order (lexsort is stable)
        local_sorted = np.arange(n) - first[run_id]
        d1 = s1[first]
        d2 = s2[first]
        in_batch = np.diff(np.append(first, n))
        prior, tracked, pos = self._prior(d1, d2)
        numbers = np.empty(n, np.int64)
        numbers[order] = prior[run_id] + local_sorted
        self._remember(d1, d2, prior + in_batch, tracked, pos)
        return numbers

    def _prior(
        self, d1: U64, d2: U64
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        """How often each distinct key occurred in earlier batches; which keys are tracked as
        repeated, and where (in the repeated keys)."""
        prior = np.zeros(d1.shape[0], np.int64)
        tracked = np.zeros(d1.shape[0], np.bool_)
        pos = np.zeros(0, np.int64)
        if self._rep_h1.shape[0]:
            _contains(self._rep_h1, self._rep_h2, d1, d2, tracked)
            if tracked.any():
                pos = _positions(self._rep_h1, self._rep_h2, d1[tracked], d2[tracked])
                prior[tracked] = self._rep_count[pos]
        untracked = ~tracked
        u1, u2 = d1[untracked], d2[untracked]  # in key order, as d1 and d2 are
        seen = self._seen.contains(u1, u2, ordered=True)
        prior[np.flatnonzero(untracked)[seen]] = 1
        self._seen.add(u1[~seen], u2[~seen], ordered=True)
        return prior, tracked, pos

    def _remember(
        self,
        d1: U64,
        d2: U64,
        total: npt.NDArray[np.int64],
        tracked: npt.NDArray[np.bool_],
        pos: npt.NDArray[np.int64],
    ) -> None:
        """Keep the counts of keys seen more than once: tracked keys are updated in place, new
        ones inserted in order (linear time, not a sort of every repeated key per batch)."""
        self._rep_count[pos] = total[tracked]
        new = ~tracked & (total > 1)
        if not new.any():
            return
        at = _insertion_points(self._rep_h1, self._rep_h2, d1[new], d2[new])
        self._rep_h1 = np.insert(self._rep_h1, at, d1[new])
        self._rep_h2 = np.insert(self._rep_h2, at, d2[new])
        self._rep_count = np.insert(self._rep_count, at, total[new])


def _key_order(h1: U64, h2: U64) -> tuple[npt.NDArray[np.intp], U64, U64]:
    """The stable order of the keys (h1, h2), and the keys in that order.

    numpy's default sort of the high halves (vectorized; its stable sort takes six times as
    long), then the rows whose high half is not unique (repeated records, rare) ordered again
    among themselves by both halves and by position: what a stable sort by both gives."""
    order = np.argsort(h1)
    s1 = h1[order]
    tied = np.flatnonzero(s1[1:] == s1[:-1])
    if tied.size:
        at = np.union1d(tied, tied + 1)  # sorted places in runs of equal high halves
        rows = order[at]
        order[at] = rows[np.lexsort((rows, h2[rows], h1[rows]))]  # runs stay in their places
        s1 = h1[order]
    return order, s1, h2[order]


def _insertion_points(k1: U64, k2: U64, q1: U64, q2: U64) -> npt.NDArray[np.int64]:
    """Where each query key (sorted, none present) goes in the sorted keys (k1, k2)."""
    lo = np.searchsorted(k1, q1, side="left")
    hi = np.searchsorted(k1, q1, side="right")
    for i in np.flatnonzero(hi > lo).tolist():  # rare: equal high halves
        lo[i] += int(np.searchsorted(k2[lo[i] : hi[i]], q2[i]))
    return lo


def _positions(k1: U64, k2: U64, q1: U64, q2: U64) -> npt.NDArray[np.int64]:
    """Index in the sorted keys (k1, k2) of each query known to be present."""
    lo = np.searchsorted(k1, q1, side="left")
    hi = np.searchsorted(k1, q1, side="right")
    out = np.empty(q1.shape[0], np.int64)
    for i in np.flatnonzero(hi - lo > 1).tolist():  # rare: equal high halves
        out[i] = lo[i] + int(np.searchsorted(k2[lo[i] : hi[i]], q2[i]))
    single = hi - lo == 1
    out[single] = lo[single]
    return out
