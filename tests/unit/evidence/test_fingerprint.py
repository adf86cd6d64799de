"""Fingerprints are MurmurHash3 x64 128, byte for byte the reference implementation (#3)."""

from __future__ import annotations

import mmh3
import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from wuzhen.evidence.fingerprint import event_ids, hex_ids, record_hashes


@given(st.lists(st.text(max_size=80), max_size=40))
def test_record_hashes_equal_the_reference(records: list[str]) -> None:
    h1, h2 = record_hashes(pa.array(records, pa.string()))
    expected = [mmh3.hash_bytes(r.encode(), 0, x64arch=True).hex() for r in records]
    assert hex_ids(h1, h2).to_pylist() == expected


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
