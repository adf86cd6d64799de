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


def test_numbers_of_large_batches_with_many_repeats() -> None:
    """Batches large enough that the sort is not an insertion sort: its ties must still be
    numbered in file order."""
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 300, 20_000).tolist()
    occ = Occurrences()
    got: list[int] = []
    for start in range(0, len(keys), 6_000):
        part = keys[start : start + 6_000]
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


@settings(max_examples=200)
@given(
    st.lists(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3)), max_size=30), max_size=6),
    st.lists(st.tuples(st.integers(0, 45), st.integers(0, 4)), max_size=80),
)
def test_ordered_membership_matches_a_set(
    batches: list[list[tuple[int, int]]], queries: list[tuple[int, int]]
) -> None:
    ks = KeySet()
    members: set[tuple[int, int]] = set()
    for batch in batches:
        new = sorted(set(batch) - members)
        members |= set(new)
        ordered = len(members) % 2 == 0  # both ways of adding
        keys = new if ordered else new[::-1]
        hi = np.array([k[0] for k in keys], np.uint64)
        lo = np.array([k[1] for k in keys], np.uint64)
        ks.add(hi, lo, ordered=ordered)
    q = sorted(queries)
    hi = np.array([k[0] for k in q], np.uint64)
    lo = np.array([k[1] for k in q], np.uint64)
    expected = [k in members for k in q]
    assert ks.contains(hi, lo, ordered=True).tolist() == expected
    assert ks.contains(hi, lo).tolist() == expected
