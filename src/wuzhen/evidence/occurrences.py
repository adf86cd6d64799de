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
import polars as pl
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


class KeySet:
    """A growing set of 128-bit keys with vectorized membership tests."""

    def __init__(self) -> None:
        self._runs: list[tuple[U64, U64]] = []

    def __len__(self) -> int:
        return sum(r[0].shape[0] for r in self._runs)

    def contains(self, hi: U64, lo: U64) -> npt.NDArray[np.bool_]:
        out = np.zeros(hi.shape[0], np.bool_)
        for run_hi, run_lo in self._runs:
            _contains(run_hi, run_lo, hi, lo, out)
        return out

    def add(self, hi: U64, lo: U64) -> None:
        """Add keys not already present (the caller guarantees they are new and distinct)."""
        if hi.shape[0] == 0:
            return
        order = np.lexsort((lo, hi))
        self._runs.append((hi[order], lo[order]))
        # Merge while the newest run is at least half the size of the one before it.
        while len(self._runs) > 1 and self._runs[-1][0].shape[0] * 2 >= self._runs[-2][0].shape[0]:
            (h2, l2), (h1, l1) = self._runs.pop(), self._runs.pop()
            h = np.concatenate([h1, h2])
            lw = np.concatenate([l1, l2])
            order = np.lexsort((lw, h))
            self._runs.append((h[order], lw[order]))


class Occurrences:
    """Numbers each record's occurrences within one file, batch after batch."""

    def __init__(self) -> None:
        self._seen = KeySet()
        self._repeats = pl.DataFrame(schema={"h1": pl.UInt64, "h2": pl.UInt64, "count": pl.Int64})

    def number(self, h1: U64, h2: U64) -> npt.NDArray[np.int64]:
        """Occurrence number of each record of the next batch (records in file order)."""
        if h1.shape[0] == 0:
            return np.zeros(0, np.int64)
        batch = pl.DataFrame({"h1": h1, "h2": h2}).with_columns(
            pl.int_range(pl.len(), dtype=pl.Int64).over("h1", "h2").alias("local")
        )
        distinct = batch.group_by("h1", "h2").agg(pl.len().cast(pl.Int64).alias("in_batch"))
        distinct = distinct.join(self._repeats, on=["h1", "h2"], how="left")
        untracked = distinct["count"].is_null().to_numpy()
        d_h1 = distinct["h1"].to_numpy()
        d_h2 = distinct["h2"].to_numpy()
        seen = np.zeros(d_h1.shape[0], np.bool_)
        seen[untracked] = self._seen.contains(d_h1[untracked], d_h2[untracked])
        prior = np.where(
            untracked, seen.astype(np.int64), distinct["count"].fill_null(0).to_numpy()
        )
        distinct = distinct.with_columns(pl.Series("prior", prior))
        self._seen.add(d_h1[untracked & ~seen], d_h2[untracked & ~seen])
        total = distinct.select("h1", "h2", (pl.col("prior") + pl.col("in_batch")).alias("count"))
        repeated = total.filter(pl.col("count") > 1)
        if repeated.height:
            self._repeats = (
                pl.concat([self._repeats, repeated]).group_by("h1", "h2").agg(pl.col("count").max())
            )
        numbered = batch.join(
            distinct.select("h1", "h2", "prior"), on=["h1", "h2"], how="left", maintain_order="left"
        )
        return (numbered["prior"] + numbered["local"]).to_numpy()
