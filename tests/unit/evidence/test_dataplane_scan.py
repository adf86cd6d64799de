"""The compiled pass over dataplane.org lines reads them exactly as the Polars expressions
(``read_dataplane``) do, and leaves to them every line it is not sure of."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence.parsers import _dataplane_scan
from wuzhen.evidence.parsers._base import LINE, RECORD
from wuzhen.evidence.parsers.blocklist import (
    BAD_DATAPLANE,
    DATAPLANE_FIRST_SEEN,
    SKIP_COMMENT,
    Dataplane,
    _dataplane_events,
    read_dataplane,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "evidence" / "dataplane"
ROW = "64496  |  EXAMPLE-AS  |  198.51.100.7  |  2026-11-28 10:04:00  |  sshpwauth"

CASES = [
    ROW,
    "# DataPlane.org",
    "#",
    "1|2|3|4",
    "NA | NA | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "NA |  | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "NA || 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "|| 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "na | X | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "007 | X | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "+7 | X | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "-7 | X | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1234567890123456789 | X | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "9999999999999999999 | X | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "123456789012345678 | X | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A|B | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | B | C | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-20 05:00:18 | 2026-11-28 05:00:18 | proto41",
    "1 | A|B | 192.0.2.1 | 2026-11-20 05:00:18 | 2026-11-28 05:00:18 | proto41",
    "1 | 192.0.2.1 | 2026-11-20 05:00:18 | 2026-11-28 05:00:18 | proto41",
    "1 | A | 192.0.2.1 | 2026-11-28 05:00:18 | proto41",
    "1 | A | 192.0.2.1 | 2026-11-20 | 2026-11-28 05:00:18 | proto41",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | proto42",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | SSHpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | ssh-pwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | ",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | newreport",
    "1 | A | 2001:db8::1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | ::ffff:192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | 19216801 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | host.example | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | 999.1.1.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A |  | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-02-29 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2024-02-29 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-31 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-13-01 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 24:00:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 23:59:60 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00.5 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28T10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28  10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-1-28 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 0000-01-01 00:00:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 1969-12-31 23:59:59 | sshpwauth",
    "1 | A | 192.0.2.1 | 9999-12-31 23:59:59 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth\r",
    "1\t|\tA\t|\t192.0.2.1\t|\t2026-11-28 10:04:00\t|\tsshpwauth",
    "1 | Société Anonyme | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | \u00a0A\u00a0 | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | é | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1\u00a0 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth\u00a0",
    "\u00a01 | A | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "\uff11 | A | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    " # not a comment | A | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth | extra",
    "|" * 70 + " 1 | A | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    "1 | " + "|" * 70 + " | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
]


def _reference(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    comments, read, bad = read_dataplane(records)
    return _dataplane_events(read), comments.select(RECORD), bad.select(RECORD, LINE)


def _same_as_reference(lines: list[str]) -> None:
    records = records_of(lines)
    if records.height == 0:
        return
    result = Dataplane().parse(records, None, CTX)
    assert_accounted(records, result)
    events, comments, bad = _reference(records)
    got = result.events.sort(RECORD)
    want = events.sort(RECORD)
    assert_frame_equal(got, want)
    assert set(result.skipped[RECORD]) == set(comments[RECORD])
    assert set(result.skipped["reason"]) <= {SKIP_COMMENT}
    rejects = result.rejects.sort(RECORD)
    assert rejects[RECORD].to_list() == bad.sort(RECORD)[RECORD].to_list()
    assert set(rejects["reason"]) <= {BAD_DATAPLANE}


@pytest.mark.parametrize("line", CASES)
def test_case_as_the_expressions_read_it(line: str) -> None:
    _same_as_reference([line])


def test_cases_in_one_batch() -> None:
    _same_as_reference(CASES)


def test_the_pass_reads_the_common_lines_itself() -> None:
    """The lines of real reports are read by the pass, not left to the expressions."""
    sure = [
        ROW,
        "NA | NA | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
        "1 | A|B | 2001:db8::1 | 2026-11-28 10:04:00 | telnetlogin",
        "1 | A | 192.0.2.1 | 2026-11-20 05:00:18 | 2026-11-28 05:00:18 | proto41",
        "1 | Société Anonyme | 192.0.2.1 | 2026-11-28 10:04:00 | sshpwauth",
    ]
    s = _dataplane_scan.scan(pl.Series(sure).to_arrow(), DATAPLANE_FIRST_SEEN)
    assert list(s.kind) == [_dataplane_scan.EVENT] * len(sure)
    s = _dataplane_scan.scan(
        pl.Series(["# DataPlane.org", "1|2|3|4"]).to_arrow(), DATAPLANE_FIRST_SEEN
    )
    assert list(s.kind) == [_dataplane_scan.COMMENT, _dataplane_scan.UNSURE]


def test_corpus_reports_are_read_by_the_pass(corpus: Path) -> None:
    files = sorted((corpus / "threatfeeds" / "intelmq_fixtures").glob("dataplane_*.txt"))
    files += sorted(DATA.glob("*.txt"))
    assert len(files) >= 7
    for path in files:
        lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
        _same_as_reference(lines)
        s = _dataplane_scan.scan(pl.Series(lines).to_arrow(), DATAPLANE_FIRST_SEEN)
        unsure = [ln for ln, k in zip(lines, s.kind, strict=True) if k == _dataplane_scan.UNSURE]
        # the samples' own malformed lines are the only ones left to the expressions
        assert all(read_dataplane(records_of([ln]))[2].height == 1 for ln in unsure), path


PIECES = st.sampled_from(
    [
        " ", "  ", "\t", "|", "| ", " | ", "0", "1", "64496", "NA", "na", "A", "AS|X", "-", ":",
        "::", ".", "192.0.2.1", "2001:db8::1", "2026-11-28", "10:04:00", "2024-02-29 23:59:59",
        "sshpwauth", "proto41", "newreport", "#", "é", "\u00a0", "\r", "x", "+",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(CASES[:1] + CASES[16:18]), st.lists(PIECES, max_size=8),
                  st.integers(0, 90)).map(lambda t: t[0][: t[2]] + "".join(t[1]) + t[0][t[2] :]),
        min_size=1,
        max_size=20,
    )
)  # fmt: skip
def test_random_lines_as_the_expressions_read_them(lines: list[str]) -> None:
    _same_as_reference(lines)
