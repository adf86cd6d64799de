"""Arrow text as numpy buffers for compiled kernels (``wuzhen.arrowtext``)."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from wuzhen.arrowtext import buffers
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
