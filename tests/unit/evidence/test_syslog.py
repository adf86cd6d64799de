"""Syslog headers: the compiled scanner reads every line exactly as the regular expressions do.

The regular expressions (``_syslog._slow``) are the reference: each case is read both ways and
the columns must be equal, including which lines are not syslog at all.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.evidence.conformance import CTX, assert_accounted, records_of
from wuzhen.evidence import parsers
from wuzhen.evidence.parsers import _syslog as syslog_module
from wuzhen.evidence.parsers._base import LINE, RECORD, ParseContext, parse_time
from wuzhen.evidence.parsers._syslog import JOURNAL_SKIP, _slow, split_syslog
from wuzhen.evidence.parsers._syslog_scan import UNSURE, YearRule, scan

COLUMNS = ["time.source", "log_host", "prog", "pid", "msg", "syslog_problem"]

CONTEXTS = [
    ParseContext(now=datetime(2026, 6, 15, 12, tzinfo=UTC)),
    ParseContext(now=datetime(2026, 1, 3, 12, tzinfo=UTC)),  # December lines: the year before
    ParseContext(now=datetime(2026, 12, 28, 12, tzinfo=UTC)),  # limit in the next year
    ParseContext(now=datetime(2026, 6, 15, 12, tzinfo=UTC), year=2023),  # no 29 February
    ParseContext(now=datetime(2026, 6, 15, 12, tzinfo=UTC), timezone="Europe/Berlin"),
    ParseContext(now=datetime(2026, 6, 15, 12, tzinfo=UTC), timezone="America/New_York"),
]

LINES = [
    "Jan  5 01:31:41 host sshd[123]: Failed password for root from 1.2.3.4 port 22 ssh2",
    "Jan 15 01:31:41 host sshd[123]: x",
    "Jan 5 01:31:41 host sshd: single-space day",
    "Jan 05 01:31:41 host sshd: zero-padded day",
    "Jan  05 01:31:41 host sshd: two spaces, two digits",
    "Dec 31 23:59:59 host sshd[1]: last second of the year",
    "Dec 30 23:59:59.123456 host sshd[1]: fraction",
    "Dec 30 23:59:59.123456789 host sshd[1]: nanoseconds",
    "Dec 30 23:59:59.1234567890 host sshd[1]: too many digits",
    "Dec 30 23:59:59. host sshd[1]: empty fraction",
    "Feb 29 10:00:00 host sshd[1]: leap day",
    "Feb 30 10:00:00 host sshd[1]: no such day",
    "Apr 31 10:00:00 host sshd[1]: no such day",
    "Mar  1 24:00:00 host sshd[1]: hour out of range",
    "Mar  1 23:60:00 host sshd[1]: minute out of range",
    "Mar  1 23:59:60 host sshd[1]: leap second",
    "Mar 29 02:30:00 host sshd[1]: in the spring-forward gap in Europe",
    "Oct 25 02:30:00 host sshd[1]: ambiguous in Europe",
    "Foo  1 10:00:00 host sshd[1]: no such month",
    "JAN  1 10:00:00 host sshd[1]: month in capitals",
    "<34>Jan  5 01:31:41 host sshd[123]: priority",
    "<1234>Jan  5 01:31:41 host sshd[123]: priority too long",
    "<>Jan  5 01:31:41 host sshd[123]: empty priority",
    "<34>1 2024-01-05T01:31:41Z host sshd 123 - - RFC 5424",
    '<34>1 2024-01-05T01:31:41.5+02:00 host sshd - ID47 [exampleSDID@32473 a="b"] structured',
    "2024-01-05T01:31:41.123+00:00 host sshd[123]: ISO",
    "2024-01-05T01:31:41.123+0530 host sshd[123]: ISO, compact zone",
    "2024-01-05T01:31:41-08:00 host sshd[123]: ISO, west",
    "2024-01-05T01:31:41Z host sshd[123]: ISO, Z",
    "2024-01-05T01:31:41 host sshd[123]: ISO, no zone",
    "2024-01-05 01:31:41 host sshd[123]: ISO, space",
    "2024-01-05 01:31:41+01:00 host sshd[123]: ISO, space and zone",
    "2024-01-05 01:31:41+0100 host sshd[123]: ISO, space and compact zone",
    "2024-01-05 01:31:41Z host sshd[123]: ISO, space and Z",
    "2024-02-30T01:31:41Z host sshd[123]: no such day",
    "2024-13-01T01:31:41Z host sshd[123]: no such month",
    "2024-01-05T01:31:41+24:00 host sshd[123]: zone out of range",
    "2024-01-05T01:31:41+0 host sshd[123]: short zone",
    "2024-01-05X01:31:41Z host sshd[123]: bad separator",
    "Jan  5 01:31:41   host   sshd[123]:   many spaces",
    "Jan  5 01:31:41 host\tsshd[123]: tab",
    "Jan  5 01:31:41 hôst sshd[123]: non-ASCII host",
    "Jan  5 01:31:41 host sshd·x[123]: non-ASCII program",
    "Jan  5 01:31:41 host\u00a0x sshd[123]: no-break space",
    "Jan  5 01:31:41 host sshd[123]:no space after the colon",
    "Jan  5 01:31:41 host sshd[123]:",
    "Jan  5 01:31:41 host sshd[]: empty pid",
    "Jan  5 01:31:41 host sshd[12a]: bad pid",
    "Jan  5 01:31:41 host sshd[123] no colon",
    "Jan  5 01:31:41 host sshd[123]x: junk after pid",
    "Jan  5 01:31:41 host sshd[99999999999999999999]: pid too long",
    "Jan  5 01:31:41 host two words: program with a space",
    "Jan  5 01:31:41 host kernel: [ 123.456] [UFW BLOCK] IN=eth0",
    "Jan  5 01:31:41 host: missing program",
    "Jan  5 01:31:41 host",
    "Jan  5 01:31:41",
    "Jan  5",
    "not a syslog line",
    "2024",
    "Jan  5 01:31:41 host sshd[123]: message with ünïcödé",
    "<34>1 2024-01-05T01:31:41Z host sshd 123 ID47 - \ufeffUTF-8 message (a BOM first)",
]


def _frame(lines: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {RECORD: range(1, len(lines) + 1), LINE: lines},
        schema={RECORD: pl.Int64, LINE: pl.String},
    )


def _same_as_reference(lines: list[str], ctx: ParseContext) -> None:
    frame = _frame(lines)
    fast = split_syslog(frame, ctx)
    reference = _slow(frame, ctx)
    assert fast[RECORD].to_list() == frame[RECORD].to_list()
    for name in COLUMNS:
        got, want = fast[name].to_list(), reference[name].to_list()
        for line, g, w in zip(lines, got, want, strict=True):
            assert g == w, f"{name} of {line!r}: {g!r}, expected {w!r}"
    ok = reference["msg"].is_not_null() & reference["time.source"].is_not_null()
    assert fast["syslog_ok"].to_list() == ok.to_list()


@pytest.mark.parametrize("ctx", CONTEXTS, ids=range(len(CONTEXTS)))
def test_scanner_reads_headers_as_the_regular_expressions_do(ctx: ParseContext) -> None:
    _same_as_reference(LINES, ctx)


def test_the_scanner_reads_common_headers_itself() -> None:
    """The fast path is taken, not only the fallback: common headers are read by the scanner."""
    common = [LINES[0], LINES[6], LINES[20], LINES[25], LINES[29], LINES[30]]
    s = scan(_frame(common)[LINE].to_arrow(), YearRule(fixed=0, now_year=2026, limit_md=622))
    assert (s.kind != UNSURE).all()


def test_an_empty_frame() -> None:
    out = split_syslog(_frame([]), CONTEXTS[0])
    assert out.height == 0
    assert set(COLUMNS) <= set(out.columns)


PIECES = st.sampled_from(
    [
        "Jan", "Feb", "Dec", " ", "  ", "\t", "0", "1", "2", "5", "9", "29", "31", "12", ":", "::",
        ".", "-", "+", "Z", "T", "<", ">", "[", "]", "1:2", "01:31:41", "2024-01-05", "host",
        "sshd", "é", "\u00a0", "x", "msg", "0000", "23:59:59", "+05:30", "+0530",
    ]
)  # fmt: skip
HEADERS = st.sampled_from(
    [
        "Jan  5 01:31:41 host sshd[123]: ",
        "<13>Feb 29 23:59:59.5 h p: ",
        "2024-01-05T01:31:41.123+00:00 host sshd[1]: ",
        "2024-02-29 00:00:00 host p: ",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(HEADERS, st.lists(PIECES, max_size=12), st.integers(0, 40)).map(
            lambda t: (t[0][: t[2]] + "".join(t[1]) + t[0][t[2] :]) or "x"
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(CONTEXTS),
)
def test_random_headers_read_as_the_regular_expressions_do(
    lines: list[str], ctx: ParseContext
) -> None:
    _same_as_reference(lines, ctx)


@pytest.mark.parametrize(
    ("text", "fmt", "want"),
    [
        ("2024-01-05T01:31:41+02:00", "%Y-%m-%dT%H:%M:%S%:z", datetime(2024, 1, 4, 23, 31, 41)),
        ("2024-01-05T01:31:41+0200", "%Y-%m-%dT%H:%M:%S%z", datetime(2024, 1, 4, 23, 31, 41)),
        ("2024-01-05T01:31:41Z", "%Y-%m-%dT%H:%M:%SZ", datetime(2024, 1, 5, 1, 31, 41)),
        ("2024-01-05T01:31:41", "%Y-%m-%dT%H:%M:%S", datetime(2024, 1, 5, 0, 31, 41)),
    ],
)
def test_parse_time_reads_a_written_zone_before_the_operators(
    text: str, fmt: str, want: datetime
) -> None:
    """An offset or a Z in the text wins; the operator's zone (here Berlin, UTC+1 in
    January) applies only to times written without one."""
    got = pl.select(parse_time(pl.lit(text), [fmt], "Europe/Berlin")).item()
    assert got == want.replace(tzinfo=UTC)


def test_detection_reads_its_sample_without_the_compiled_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loading the compiled pass into a process costs a third of a second: more than the
    sniffers' few lines take by expressions, paid by every ingest, syslog or not."""

    def loaded(*args: object) -> None:
        raise AssertionError("the compiled syslog pass was used to detect a format")

    monkeypatch.setattr(syslog_module, "scan", loaded)
    auth = [f"Nov 28 03:16:{s:02} host sshd[42]: Invalid user x from 1.2.3.{s}" for s in range(9)]
    assert parsers.detect(auth).name == "openssh"
    assert parsers.detect(["1.2.3.4", "5.6.7.8"]).name == "blocklist"


@pytest.mark.parametrize(
    ("name", "record"),
    [
        (
            "openssh",
            "Nov 20 03:14:07 srv3 sshd[1234]: Failed password for root from 203.0.113.40 port 5"
            " ssh2",
        ),
        (
            "netfilter",
            "Nov 20 03:14:07 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.5 DST=192.0.2.1"
            " LEN=40 PROTO=TCP SPT=4444 DPT=22 SYN",
        ),
        (
            "fail2ban",
            "2026-11-20 03:14:07,123 fail2ban.actions [123]: NOTICE [sshd] Ban 203.0.113.80",
        ),
    ],
)
def test_journalctl_marker_lines_are_skipped_not_rejected(name: str, record: str) -> None:
    """Regression: ``journalctl -u ssh > ssh.log`` writes ``-- Boot ... --`` between boots and
    a ``-- Journal begins ... --`` line first; they were rejects ("not a syslog line")."""
    lines = [
        "-- Journal begins at Mon 2026-11-02 10:00:00 UTC, ends at Fri 2026-11-20 10:00:00 UTC. --",
        record,
        "-- Boot 1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6 --",
        "-- No entries --",
    ]
    records = records_of(lines)
    result = parsers.get(name).parse(records, parsers.get(name).new_state(), CTX)
    assert_accounted(records, result)
    assert result.events.height == 1
    assert result.rejects.height == 0
    assert result.skipped["reason"].to_list() == [JOURNAL_SKIP] * 3


# Tester's report: a line whose local time the zone skips (clocks jump from 02:00 to 03:00)
# was rejected as "not a syslog line", which sent the user looking for a broken header.
@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("openssh", "Mar 29 02:30:00 host sshd[1]: Failed password for x from 1.2.3.4 port 2 ssh2"),
        ("openssh", "2026-03-29 02:30:00 host sshd[1]: Invalid user x from 1.2.3.4 port 22"),
        ("netfilter", "Mar 29 02:30:00 host kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 "
         "DST=192.0.2.1 LEN=40 PROTO=TCP SPT=1 DPT=22"),
        ("fail2ban", "Mar 29 02:30:00 host fail2ban.actions[12]: NOTICE [sshd] Ban 1.2.3.4"),
    ],
)  # fmt: skip
def test_a_time_in_a_daylight_saving_gap_says_so(name: str, line: str) -> None:
    ctx = ParseContext(now=datetime(2026, 6, 15, 12, tzinfo=UTC), timezone="Europe/Berlin")
    records = records_of([line])
    result = parsers.get(name).parse(records, None, ctx)
    assert_accounted(records, result)
    assert result.rejects["reason"].to_list() == [
        "time does not exist in Europe/Berlin (a daylight-saving gap)"
    ]


def test_29_february_of_a_year_given_that_has_none_is_rejected() -> None:
    # Tester's report: with --year 2023, "Feb 29" was stored in 2020 (the leap year before),
    # silently three years from the year the operator gave; inferred years still do so.
    line = "Feb 29 03:00:00 s sshd[1]: Failed password for root from 1.2.3.4 port 1 ssh2"
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    records = records_of([line])
    given = parsers.get("openssh").parse(records, None, ParseContext(now=now, year=2023))
    assert given.rejects["reason"].to_list() == ["29 February does not exist in 2023"]
    leap = parsers.get("openssh").parse(records, None, ParseContext(now=now, year=2024))
    assert leap.events["time.source"].dt.year().to_list() == [2024]
    inferred = parsers.get("openssh").parse(records, None, ParseContext(now=now))
    assert inferred.events["time.source"].dt.year().to_list() == [2024]


def test_an_rfc5424_message_starts_after_its_byte_order_mark() -> None:
    # Tester's report: RFC 5424 (6.4) starts a UTF-8 MSG with a BOM; sshd's failed login behind
    # it was skipped as "not recognised", a firewall's prefix kept it.
    line = "<38>1 2024-05-14T13:00:05+02:00 web1 sshd 1234 ID47 - \ufeffFailed password for root"
    frame = split_syslog(records_of([line + " from 1.2.3.4 port 40028 ssh2"]), CTX)
    assert frame["msg"].to_list() == ["Failed password for root from 1.2.3.4 port 40028 ssh2"]


@pytest.mark.parametrize(
    ("sd", "why"),
    [
        ('[a x="1"][b y="2"]', "two elements (RFC 5424 6.5, example 4)"),
        ('[a x="1\\]"]', "an escaped ] in a value (6.3.3)"),
        ('[timeQuality tzKnown="1" isSynced="0"]', "one element, as rsyslog writes it"),
        ("[malformed x=1]", "not to the grammar: one [...] as it comes"),
    ],
)
def test_an_rfc5424_message_starts_after_all_its_structured_data(sd: str, why: str) -> None:
    # A tester's invalid-user attempt behind two SD elements was skipped ("not recognised"):
    # only the first element was taken off.
    line = f"<86>1 2024-11-28T08:00:04.000+01:00 web1 sshd 1237 - {sd} Invalid user o from 1.2.3.4"
    frame = split_syslog(records_of([line]), CTX)
    assert frame["msg"].to_list() == ["Invalid user o from 1.2.3.4"], why
