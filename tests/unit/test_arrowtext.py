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
