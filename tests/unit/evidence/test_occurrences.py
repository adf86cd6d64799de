"""Occurrence numbers: repeats within a file stay distinct across batches (#3)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wuzhen.evidence.occurrences import KeySet, Occurrences


def _expected(keys: list[int]) -> list[int]:
    seen: dict[int, int] = {}
    out = []
    for k in keys:
        out.append(seen.get(k, 0))
        seen[k] = seen.get(k, 0) + 1
    return out


@settings(max_examples=400)
@given(st.lists(st.integers(0, 6), max_size=60), st.lists(st.integers(1, 20), max_size=8))
def test_numbers_match_a_plain_count_whatever_the_batches(keys: list[int], cuts: list[int]) -> None:
    occ = Occurrences()
    got: list[int] = []
    i = 0
    sizes = [*cuts, len(keys)]
    for size in sizes:
        part = keys[i : i + size]
        i += len(part)
        # equal low halves and different high halves, and the reverse, both occur
        h1 = np.array([k // 3 for k in part], np.uint64)
        h2 = np.array([k % 3 for k in part], np.uint64)
        got.extend(occ.number(h1, h2).tolist())
    assert got == _expected(keys)


def test_keyset_membership_across_merged_runs() -> None:
    ks = KeySet()
    for start in range(0, 1000, 100):
        hi = np.arange(start, start + 100, dtype=np.uint64)
        ks.add(hi, hi * np.uint64(7))
    probe = np.arange(0, 1100, dtype=np.uint64)
    found = ks.contains(probe, probe * np.uint64(7))
    assert found[:1000].all()
    assert not found[1000:].any()
    assert not ks.contains(probe[:10], probe[:10] + np.uint64(1)).any()
    assert len(ks) == 1000
