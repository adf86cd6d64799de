"""Arrow text as numpy buffers for compiled kernels (``wuzhen.arrowtext``)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wuzhen.arrowtext import buffers, slices, views
from wuzhen.evidence.parsers import _syslog_scan

LINE = "Nov 28 03:16:40 host sshd[42]: Invalid user x from 1.2.3.4"


def test_text_built_in_python_reaches_kernels_as_polars_text_does() -> None:
    """numba compiles a kernel once per argument type, and read-only is part of the type:
    text built in Python (mutable buffers, as a batch with invalid UTF-8 is rebuilt) must not
    compile every kernel it reaches a second time, seconds each, mid-ingest."""
    built = pa.array([LINE, None], pa.large_string())
    for values in (built, pl.Series([LINE, None]).to_arrow(), pa.array([LINE], pa.string())):
        t = buffers(values)
        assert not t.offsets.flags.writeable
        assert not t.data.flags.writeable
    rule = _syslog_scan.YearRule(fixed=0, now_year=2026, limit_md=1201)
    _syslog_scan.scan(built, rule)
    _syslog_scan.scan(pl.Series([LINE]).to_arrow(), rule)
    assert len(_syslog_scan._scan.signatures) == 1


@settings(max_examples=300)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 :.[]", min_size=1, max_size=200),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 40), st.booleans()), max_size=40),
)
def test_views_are_the_slices_they_name(text: str, spans: list[tuple[int, int, bool]]) -> None:
    """Views (inline up to 12 bytes, else pointing into the data) read as the same text as
    copied slices, nulls included, and Arrow finds them valid."""
    data = np.frombuffer(text.encode(), np.uint8)
    data.flags.writeable = False  # as buffers() hands them out
    starts = np.array([min(a, len(text)) for a, _n, _v in spans], np.int64)
    ends = np.array([min(a + n, len(text)) for a, n, _v in spans], np.int64)
    valid = np.array([v for _a, _n, v in spans], np.bool_)
    got = views(data, starts, ends, valid)
    got.validate(full=True)
    expected = [text[a:e] if v else None for a, e, v in zip(starts, ends, valid, strict=True)]
    assert pl.Series(got).to_list() == expected
    assert pl.Series(slices(data, starts, ends, valid)).to_list() == expected


def _lines_as_polars_keeps_them(lines: list[str | None]) -> pa.Array:
    """``lines`` as a batch's are handed to a parser: Arrow strings end to end in one buffer
    (as :mod:`wuzhen.lines` cuts them), taken into Polars, which views them where they are."""
    return pl.Series(pa.array(lines, pa.large_string())).to_arrow(
        compat_level=pl.CompatLevel.newest()
    )


@given(
    st.lists(
        st.one_of(st.none(), st.just(""), st.text(min_size=13, max_size=60)),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 3),
)
def test_lines_polars_views_are_read_where_they_are(lines: list[str | None], cut: int) -> None:
    """String views that lie end to end in one buffer reach kernels without a copy (their
    bytes are the buffer's), offsets from 0 and read-only, as Arrow strings do: the same
    values, empty and null ones included, also for a slice."""
    values = _lines_as_polars_keeps_them(lines).slice(min(cut, len(lines)))
    t = buffers(values)
    assert t.offsets[0] == 0
    assert not t.offsets.flags.writeable
    assert not t.data.flags.writeable
    got = [
        bytes(t.data[t.offsets[i] : t.offsets[i + 1]]).decode() if t.valid[i] else None
        for i in range(len(t))
    ]
    assert got == values.to_pylist()
    chunked = buffers(pa.chunked_array([values]))  # a table's column of one chunk, the same
    assert (chunked.offsets == t.offsets).all()
    if any(v for v in values.to_pylist()):  # its bytes are the ones Polars holds
        held = values.buffers()[2]
        assert held.address <= t.data.ctypes.data < held.address + held.size
        assert chunked.data.ctypes.data == t.data.ctypes.data


def test_views_not_end_to_end_are_copied_into_strings() -> None:
    """A value held in its view (12 bytes or fewer), views into several buffers or with gaps
    between them are read as copied Arrow strings: the same values."""
    long = ["a" * 20, "b" * 30, "c" * 25]
    short = _lines_as_polars_keeps_them([long[0], "tiny", long[1]])
    gaps = pl.Series(long).str.slice(1, 15).to_arrow(compat_level=pl.CompatLevel.newest())
    several = pa.concat_arrays(
        [pa.array(long[:1], pa.string_view()), pa.array(long[1:2], pa.string_view())]
    )
    for values in (short, gaps, several):
        t = buffers(values)
        got = [bytes(t.data[t.offsets[i] : t.offsets[i + 1]]).decode() for i in range(len(t))]
        assert got == values.to_pylist()
        assert not t.data.flags.writeable
