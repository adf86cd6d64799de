"""Fingerprints are MurmurHash3 x64 128, byte for byte the reference implementation (#3)."""

from __future__ import annotations

import mmh3
import numpy as np
import polars as pl
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from wuzhen.evidence.fingerprint import event_ids, hex_ids, record_hashes


@given(st.lists(st.text(max_size=80), max_size=40))
def test_record_hashes_equal_the_reference(records: list[str]) -> None:
    h1, h2 = record_hashes(pa.array(records, pa.string()))
    expected = [mmh3.hash_bytes(r.encode(), 0, x64arch=True).hex() for r in records]
    assert hex_ids(h1, h2).to_pylist() == expected


@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=40), st.integers(0, 5))
def test_record_hashes_of_string_views_equal_the_reference(
    records: list[str | None], offset: int
) -> None:
    """Polars' text (string views, short values inline, long ones in a buffer), hashed where it
    is: as the reference hashes each value's bytes, a null as empty; also for a slice."""
    views = pl.Series(records, dtype=pl.String).to_arrow(compat_level=pl.CompatLevel.newest())
    assert views.type == pa.string_view()
    views = views.slice(min(offset, len(records)))
    h1, h2 = record_hashes(views)
    expected = [
        mmh3.hash_bytes((r or "").encode(), 0, x64arch=True).hex() for r in views.to_pylist()
    ]
    assert hex_ids(h1, h2).to_pylist() == expected


def test_string_views_in_several_buffers_hash_as_text() -> None:
    """Views into more than one buffer are hashed as Arrow strings: the same hashes."""
    long = ["a" * 30, "b" * 40]
    joined = pa.concat_arrays(
        [pa.array(long[:1], pa.string_view()), pa.array(long[1:], pa.string_view())]
    )
    assert len(joined.buffers()) > 3
    h1, h2 = record_hashes(joined)
    assert hex_ids(h1, h2).to_pylist() == [
        mmh3.hash_bytes(r.encode(), 0, x64arch=True).hex() for r in long
    ]


def test_every_tail_length() -> None:
    records = ["x" * n for n in range(40)]
    h1, h2 = record_hashes(pa.array(records))
    assert hex_ids(h1, h2).to_pylist() == [
        mmh3.hash_bytes(r.encode(), 0, x64arch=True).hex() for r in records
    ]


def test_event_ids_depend_on_owner_occurrence_and_part() -> None:
    h1, h2 = record_hashes(pa.array(["same line", "same line"]))
    zero = np.zeros(2, np.int64)
    parts = np.zeros(2, np.int32)
    a = hex_ids(*event_ids("CN", h1, h2, zero, parts)).to_pylist()
    assert a[0] == a[1]
    b = hex_ids(*event_ids("CN", h1, h2, np.array([0, 1]), parts)).to_pylist()
    assert b[0] == a[0] != b[1]
    c = hex_ids(*event_ids("FR", h1, h2, zero, parts)).to_pylist()
    assert c[0] != a[0]
    d = hex_ids(*event_ids("CN", h1, h2, zero, np.array([0, 1], np.int32))).to_pylist()
    assert d[0] == a[0] != d[1]
    assert all(len(x) == 32 and int(x, 16) >= 0 for x in a + b + c)
