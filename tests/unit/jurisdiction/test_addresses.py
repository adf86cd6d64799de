"""Attribution of address columns and CIDR blocks (issue #2).

Spot checks and agreement with ``iptocc`` use the shipped snapshot; range boundaries are
checked against the registration extract in ``../shared/jurisdiction`` (the expectation is
computed from the CSV itself) and against a snapshot built from the test fixtures.
"""

from __future__ import annotations

import csv
import gzip
import ipaddress
import itertools
from dataclasses import dataclass
from pathlib import Path

import iptocc
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wuzhen.jurisdiction import (
    Snapshot,
    Source,
    StateRegistry,
    attribute_addresses,
    attribute_networks,
    attribute_values,
    build_snapshot,
    load_snapshot,
    load_states,
)
from wuzhen.jurisdiction.special import IPV4_SPECIAL, IPV6_SPECIAL

FIXTURES = Path(__file__).parents[2] / "data" / "jurisdiction"
SHARED = Path(__file__).parents[4] / "shared" / "jurisdiction"
REGISTRATION_CSV = SHARED / "registration-rir-20261027.csv.gz"

REG = "source.registration.cc"
LOC = "source.geolocation.cc"
ASN = "source.asn"
SPECIAL = "source.special_purpose"
STATE = "source.state"
ERROR = "source.ip.error"


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return load_snapshot(None)


@pytest.fixture(scope="module")
def states() -> StateRegistry:
    return load_states()


@pytest.fixture(scope="module")
def fixture_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """A snapshot built from every fixture, saved to a tmp dir and loaded back."""
    built = build_snapshot(
        [
            Source(FIXTURES / "delegated-apnic-extended.txt", "registration"),
            Source(FIXTURES / "delegated-ripencc-extended.txt", "registration"),
            Source(FIXTURES / "location.csv", "location"),
            Source(FIXTURES / "ip2asn.tsv", "location"),
            Source(FIXTURES / "asnames.tsv", "asnames"),
        ]
    )
    path = tmp_path_factory.mktemp("fixture-snapshot") / "snapshot.npz"
    built.save(path)
    return Snapshot.load(path)


def _one(snapshot: Snapshot, states: StateRegistry, value: str | None) -> dict[str, object]:
    frame = attribute_addresses(pl.Series([value], dtype=pl.String), snapshot, states)
    assert frame.height == 1
    return frame.row(0, named=True)


# --- spot checks on the shipped snapshot ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reg", "loc", "asn"),
    [
        ("8.8.8.8", "US", "US", 15169),
        ("1.1.1.1", "AU", "AU", 13335),
        ("2001:4860:4860::8888", "US", "US", 15169),
        # IPv4-mapped IPv6 is attributed as the IPv4 address it carries
        ("::ffff:8.8.8.8", "US", "US", 15169),
        ("::FFFF:1.1.1.1", "AU", "AU", 13335),
    ],
)
def test_well_known_addresses(
    snapshot: Snapshot, states: StateRegistry, value: str, reg: str, loc: str, asn: int
) -> None:
    row = _one(snapshot, states, value)
    assert (row[REG], row[LOC], row[ASN]) == (reg, loc, asn)
    assert row[STATE] == reg
    assert row[SPECIAL] is None
    assert row[ERROR] is None
    assert row["source.as_name"]  # these ASes have names in the shipped data


def test_114_is_registered_in_china_and_china_answers(
    snapshot: Snapshot, states: StateRegistry
) -> None:
    row = _one(snapshot, states, "114.114.114.114")
    assert row[REG] == "CN"
    assert row[STATE] == "CN"


@pytest.mark.parametrize(
    ("value", "klass"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("2001:db8::1", "documentation"),
        ("192.0.2.1", "documentation"),
        ("100.64.0.1", "shared"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "reserved"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("0.0.0.0", "this-network"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("2002::1", "6to4"),
        ("2001::1", "teredo"),
        ("fd00::1", "unique-local"),
        ("64:ff9b::808:808", "nat64"),
        ("::ffff:10.0.0.1", "private"),
    ],
)
def test_special_purpose_gets_a_class_never_a_country(
    snapshot: Snapshot, states: StateRegistry, value: str, klass: str
) -> None:
    row = _one(snapshot, states, value)
    assert row[SPECIAL] == klass
    assert row[REG] is None
    assert row[LOC] is None
    assert row[ASN] is None
    assert row[STATE] is None
    assert row[ERROR] is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty value"),
        ("", "empty value"),
        ("   ", "empty value"),
        ("garbage", "not an IP address"),
        ("1.2.3", "not an IP address"),
        ("300.1.1.1", "IPv4 octet above 255"),
        ("01.2.3.4", "leading zero"),
        ("1::2::3", "malformed IPv6"),
        ("8.8.8.0/24", "not an IP address"),  # a block is not an address
    ],
)
def test_invalid_input_gives_nulls_and_a_reason(
    snapshot: Snapshot, states: StateRegistry, value: str | None, reason: str
) -> None:
    row = _one(snapshot, states, value)
    assert row[ERROR] is not None
    assert reason in str(row[ERROR])
    others = {k: v for k, v in row.items() if k != ERROR}
    assert all(v is None for v in others.values()), others


def test_mixed_column_keeps_order_and_length(snapshot: Snapshot, states: StateRegistry) -> None:
    values = [
        "8.8.8.8",
        None,
        "2001:4860:4860::8888",
        "garbage",
        "",
        "10.0.0.1",
        "::ffff:1.1.1.1",
        " 1.1.1.1 ",
        "114.114.114.114",
    ]
    expected_reg = ["US", None, "US", None, None, None, "AU", "AU", "CN"]
    expected_error = [False, True, False, True, True, False, False, False, False]
    inputs: list[pl.Series | pa.Array | pa.ChunkedArray] = [
        pl.Series(values, dtype=pl.String),
        pa.array(values, pa.string()),
        pa.array(values, pa.large_string()),
        pa.chunked_array([values[:4], values[4:]], pa.string()),
        pa.array(values, pa.string_view()),
    ]
    for column in inputs:
        frame = attribute_addresses(column, snapshot, states)
        assert frame.height == len(values)
        assert frame[REG].to_list() == expected_reg
        assert frame[ERROR].is_not_null().to_list() == expected_error


def test_sliced_arrow_input_uses_the_slice(snapshot: Snapshot, states: StateRegistry) -> None:
    arr = pa.array(["garbage", "8.8.8.8", "1.1.1.1", "10.0.0.1"], pa.string()).slice(1, 2)
    frame = attribute_addresses(arr, snapshot, states)
    assert frame[REG].to_list() == ["US", "AU"]


def test_all_null_and_empty_columns(snapshot: Snapshot, states: StateRegistry) -> None:
    frame = attribute_addresses(pl.Series([None, None]), snapshot, states)
    assert frame.height == 2
    assert frame[ERROR].to_list() == ["empty value", "empty value"]
    empty = attribute_addresses(pl.Series([], dtype=pl.String), snapshot, states)
    assert empty.height == 0
    assert REG in empty.columns


def test_prefix_names_the_columns(snapshot: Snapshot, states: StateRegistry) -> None:
    frame = attribute_addresses(pl.Series(["8.8.8.8"]), snapshot, states, prefix="destination")
    assert frame["destination.registration.cc"].to_list() == ["US"]
    assert not any(c.startswith("source.") for c in frame.columns)


# --- the state column ----------------------------------------------------------------------


def test_code_no_state_answers_for_is_unrouted(snapshot: Snapshot, states: StateRegistry) -> None:
    # 138.199.64.0/20 is registered "EU" in the 2026-10-27 registration extract.
    row = _one(snapshot, states, "138.199.64.1")
    assert row[REG] == "EU"
    assert row[STATE] is None
    assert states.answering("EU") is None


# --- CIDR blocks ---------------------------------------------------------------------------


def _networks(snapshot: Snapshot, states: StateRegistry, values: list[str | None]) -> pl.DataFrame:
    frame = attribute_networks(pl.Series(values, dtype=pl.String), snapshot, states)
    assert frame.height == len(values)
    return frame


def test_private_block(snapshot: Snapshot, states: StateRegistry) -> None:
    row = _networks(snapshot, states, ["10.0.0.0/8"]).row(0, named=True)
    assert row[SPECIAL] == "private"
    assert row["source.registration.ccs"] == []
    assert row["source.spans_jurisdictions"] is False
    assert row["source.network"] == "10.0.0.0/8"


def test_block_inside_one_country(snapshot: Snapshot, states: StateRegistry) -> None:
    frame = _networks(snapshot, states, ["8.8.8.0/24", "2001:4860:4860::/48", "8.8.8.8"])
    assert frame[REG].to_list() == ["US", "US", "US"]
    assert frame[STATE].to_list() == ["US", "US", "US"]
    assert frame["source.spans_jurisdictions"].to_list() == [False, False, False]
    assert frame["source.registration.ccs"].to_list() == [["US"], ["US"], ["US"]]
    assert frame["source.network"].to_list() == [
        "8.8.8.0/24",
        "2001:4860:4860::/48",
        "8.8.8.8/32",
    ]


def test_host_bits_are_masked(snapshot: Snapshot, states: StateRegistry) -> None:
    frame = _networks(snapshot, states, ["8.8.8.8/24", "2001:4860:4860::8888/48"])
    assert frame["source.network"].to_list() == ["8.8.8.0/24", "2001:4860:4860::/48"]


def test_block_over_several_countries_spans(snapshot: Snapshot, states: StateRegistry) -> None:
    row = _networks(snapshot, states, ["1.0.0.0/16"]).row(0, named=True)
    assert row["source.spans_jurisdictions"] is True
    # 1.0.0.0/16 holds APNIC delegations to Australia, China, Japan and Thailand.
    assert set(row["source.registration.ccs"]) == {"AU", "CN", "JP", "TH"}
    assert len(row["source.registration.ccs"]) == 4
    assert row[REG] is None  # no single registration country
    assert row[STATE] is None


def test_block_of_china_and_hong_kong_is_one_jurisdiction(
    snapshot: Snapshot, states: StateRegistry
) -> None:
    # 14.196.0.0/15 is registered CN and 14.198.0.0/15 HK; China answers for Hong Kong.
    row = _networks(snapshot, states, ["14.196.0.0/14"]).row(0, named=True)
    assert sorted(row["source.registration.ccs"]) == ["CN", "HK"]
    assert row["source.spans_jurisdictions"] is False
    assert row[STATE] == "CN"


def test_block_of_one_state_is_routed_in_attribute_values(
    snapshot: Snapshot, states: StateRegistry
) -> None:
    """Regression (#2): a CN+HK block was reported "unrouted" instead of CN."""
    frame = attribute_values(pl.Series(["14.196.0.0/14", "1.0.0.0/16"]), snapshot, states)
    assert frame["state"].to_list() == ["CN", None]
    assert frame["source.spans_jurisdictions"].to_list() == [False, True]


@pytest.fixture(scope="module")
def neighbours_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """Registration blocks for the jurisdiction rules: CN, HK, TW, EU, DE side by side."""
    path = tmp_path_factory.mktemp("neighbours") / "registration.csv"
    path.write_text(
        "start,end,country,asn\n"
        "10.1.0.0,10.1.0.0,CN,\n"  # inside 10/8: special-purpose wins, never painted
        "1.0.2.0,1.0.2.127,CN,\n"
        "1.0.2.128,1.0.2.255,HK,\n"
        "1.0.3.0,1.0.3.255,TW,\n"
        "1.0.4.0,1.0.4.255,EU,\n"
        "1.0.5.0,1.0.5.255,DE,\n"
        "2001:250::,2001:250:ffff:ffff:ffff:ffff:ffff:ffff,CN,\n"
        "2001:251::,2001:251:ffff:ffff:ffff:ffff:ffff:ffff,MO,\n"
    )
    return build_snapshot([Source(path, "registration", "test data")])


@pytest.mark.parametrize(
    ("block", "ccs", "spans", "state"),
    [
        ("1.0.2.0/24", ["CN", "HK"], False, "CN"),  # CN answers for HK
        ("2001:250::/31", ["CN", "MO"], False, "CN"),  # and for MO
        ("1.0.2.128/25", ["HK"], False, "CN"),
        ("1.0.2.0/23", ["CN", "HK", "TW"], True, None),  # TW: no state answers
        ("1.0.3.0/24", ["TW"], False, None),
        ("1.0.4.0/24", ["EU"], False, None),
        ("1.0.4.0/23", ["DE", "EU"], True, None),
        ("10.0.0.0/8", [], False, None),
    ],
)
def test_spanning_counts_states_not_codes(
    neighbours_snapshot: Snapshot,
    states: StateRegistry,
    block: str,
    ccs: list[str],
    spans: bool,
    state: str | None,
) -> None:
    row = _networks(neighbours_snapshot, states, [block]).row(0, named=True)
    assert sorted(row["source.registration.ccs"]) == ccs
    assert row["source.spans_jurisdictions"] is spans
    assert row[STATE] == state


def test_invalid_blocks_give_a_reason(snapshot: Snapshot, states: StateRegistry) -> None:
    frame = _networks(snapshot, states, ["8.8.8.0/33", "1.2.3.4/", "nonsense", None, "::/129"])
    assert frame[ERROR].is_not_null().all()
    assert frame["source.network"].is_null().all()
    assert frame[REG].is_null().all()


# --- agreement with iptocc -----------------------------------------------------------------


def _random_ipv4(seed: int, n: int) -> pl.Series:
    x = np.random.default_rng(seed).integers(0, 2**32, n, dtype=np.uint64)
    octets = [
        pl.Series(((x >> np.uint64(k)) & np.uint64(255)).astype(np.uint8)).cast(pl.String)
        for k in (24, 16, 8, 0)
    ]
    return pl.select(pl.concat_str(octets, separator=".")).to_series().rename("ip")


@pytest.mark.slow
def test_registration_country_agrees_with_iptocc_on_a_million_addresses(
    snapshot: Snapshot, states: StateRegistry
) -> None:
    n = 1_000_000
    candidates = _random_ipv4(20261027, 1_250_000)  # ~14% of IPv4 space is special-purpose
    frame = attribute_addresses(candidates, snapshot, states)
    public = frame[SPECIAL].is_null()
    addresses = candidates.filter(public).head(n)
    ours = frame[REG].filter(public).head(n)
    assert addresses.len() == n
    assert ours.null_count() < n // 2  # the sample is mostly registered space
    theirs = pl.Series(iptocc.country_code(addresses.to_list()), dtype=pl.String)
    same = ours.eq_missing(theirs)
    mismatches = pl.DataFrame({"ip": addresses, "ours": ours, "iptocc": theirs}).filter(~same)
    assert mismatches.height == 0, mismatches.head(20)


def test_ipv6_registration_country_agrees_with_iptocc(
    snapshot: Snapshot, states: StateRegistry
) -> None:
    # One address in each of 20,000 random registered IPv6 segments of the snapshot.
    rng = np.random.default_rng(7)
    table = snapshot.v6
    registered = np.flatnonzero(table.fields["reg"] != 0)
    picks = rng.choice(registered[registered + 1 < len(table)], 20_000)
    values = []
    for i in picks.tolist():
        start = (int(table.start_hi[i]) << 64) | int(table.start_lo[i])
        end = ((int(table.start_hi[i + 1]) << 64) | int(table.start_lo[i + 1])) - 1
        values.append(
            str(ipaddress.IPv6Address(int(rng.integers(0, 2**62)) % (end - start + 1) + start))
        )
    ours = attribute_addresses(pl.Series(values), snapshot, states)[REG]
    theirs = pl.Series(iptocc.country_code(values), dtype=pl.String)
    assert ours.null_count() == 0
    assert ours.eq_missing(theirs).all()


# --- range boundaries ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ranges:
    """Non-overlapping registration ranges of one family, sorted, as Python integers."""

    family: int
    start: list[int]
    end: list[int]
    cc: list[str | None]


_SPECIAL_NETS = {
    4: [ipaddress.ip_network(c) for c, _ in IPV4_SPECIAL],
    6: [ipaddress.ip_network(c) for c, _ in IPV6_SPECIAL],
}


def _text(family: int, value: int) -> str:
    return str(ipaddress.IPv4Address(value) if family == 4 else ipaddress.IPv6Address(value))


def _special(family: int, value: int) -> bool:
    addr = ipaddress.ip_address(_text(family, value))
    return any(addr in net for net in _SPECIAL_NETS[family])


def _ranges(rows: list[tuple[int, int, int, str | None]], family: int) -> Ranges:
    mine = sorted((s, e, cc) for f, s, e, cc in rows if f == family)
    for (_, e0, _), (s1, _, _) in itertools.pairwise(mine):
        assert e0 < s1, "the expectation below assumes ranges that do not overlap"
    return Ranges(family, [r[0] for r in mine], [r[1] for r in mine], [r[2] for r in mine])


def _boundary_cases(ranges: Ranges, indices: list[int]) -> list[tuple[str, str | None]]:
    """(address, expected registration cc) for the first, last and just-outside addresses."""
    top = (1 << (32 if ranges.family == 4 else 128)) - 1
    cases: list[tuple[int, str | None]] = []
    for i in indices:
        start, end, cc = ranges.start[i], ranges.end[i], ranges.cc[i]
        cases += [(start, cc), (end, cc)]
        if end < top:
            after = i + 1 < len(ranges.start) and ranges.start[i + 1] == end + 1
            cases.append((end + 1, ranges.cc[i + 1] if after else None))
        if start > 0:
            before = i > 0 and ranges.end[i - 1] == start - 1
            cases.append((start - 1, ranges.cc[i - 1] if before else None))
    return [
        (_text(ranges.family, v), None if _special(ranges.family, v) else cc) for v, cc in cases
    ]


def _check(snapshot: Snapshot, states: StateRegistry, cases: list[tuple[str, str | None]]) -> None:
    frame = attribute_addresses(pl.Series([c[0] for c in cases]), snapshot, states)
    got = list(zip(frame[REG].to_list(), frame[ERROR].to_list(), strict=True))
    expected = [(cc, None) for _, cc in cases]
    wrong = [(a, e, g) for (a, _), e, g in zip(cases, expected, got, strict=True) if e != g]
    assert not wrong, wrong[:10]


@pytest.fixture(scope="module")
def extract() -> dict[int, Ranges]:
    if not REGISTRATION_CSV.exists():
        pytest.skip(f"registration extract not found at {REGISTRATION_CSV} (CI has it)")
    rows = []
    with gzip.open(REGISTRATION_CSV, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            s, e = ipaddress.ip_address(rec["start"]), ipaddress.ip_address(rec["end"])
            rows.append((s.version, int(s), int(e), rec["country"] or None))
    return {4: _ranges(rows, 4), 6: _ranges(rows, 6)}


def test_extract_has_both_families(extract: dict[int, Ranges]) -> None:
    assert len(extract[4].start) > 100_000
    assert len(extract[6].start) > 50_000


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), family=st.sampled_from([4, 6]))
def test_range_boundaries_of_the_shipped_snapshot(
    snapshot: Snapshot,
    states: StateRegistry,
    extract: dict[int, Ranges],
    data: st.DataObject,
    family: int,
) -> None:
    ranges = extract[family]
    last = len(ranges.start) - 1
    indices = data.draw(
        st.lists(st.integers(0, last), min_size=1, max_size=50)
        | st.sampled_from([[0], [last]])  # the first and last ranges of the family
    )
    _check(snapshot, states, _boundary_cases(ranges, indices))


def _fixture_ranges() -> dict[int, Ranges]:
    """The registration ranges the delegated fixtures state, read here independently."""
    rows = []
    for name in ("delegated-apnic-extended.txt", "delegated-ripencc-extended.txt"):
        for line in (FIXTURES / name).read_text().splitlines():
            f = line.split("|")
            if line.startswith("#") or len(f) < 7 or f[1] == "*" or f[2] not in ("ipv4", "ipv6"):
                continue
            if f[6] not in ("allocated", "assigned"):
                continue
            if f[2] == "ipv4":
                start = int(ipaddress.IPv4Address(f[3]))
                rows.append((4, start, start + int(f[4]) - 1, f[1]))
            else:
                net = ipaddress.IPv6Network(f"{f[3]}/{f[4]}")
                rows.append((6, int(net.network_address), int(net.broadcast_address), f[1]))
    return {4: _ranges(rows, 4), 6: _ranges(rows, 6)}


@pytest.mark.parametrize("family", [4, 6])
def test_range_boundaries_of_a_snapshot_built_from_fixtures(
    fixture_snapshot: Snapshot, states: StateRegistry, family: int
) -> None:
    ranges = _fixture_ranges()[family]
    assert len(ranges.start) >= 4
    cases = _boundary_cases(ranges, list(range(len(ranges.start))))
    _check(fixture_snapshot, states, cases)


# --- no input makes attribution raise ------------------------------------------------------

_address_like = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda a: a.exploded.upper()),
    st.text(alphabet="0123456789abcdefABCDEF:.%/ \t", max_size=45),
    st.text(max_size=30),
    st.none(),
)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(_address_like, max_size=20))
def test_no_input_makes_attribution_raise(
    snapshot: Snapshot, states: StateRegistry, values: list[str | None]
) -> None:
    column = pl.Series(values, dtype=pl.String)
    frame = attribute_addresses(column, snapshot, states)
    assert frame.height == len(values)
    bad = frame[ERROR].is_not_null()
    assert frame.filter(bad)[REG].null_count() == int(bad.sum())
    assert frame.filter(bad)[SPECIAL].null_count() == int(bad.sum())
    blocks = attribute_networks(column, snapshot, states)
    assert blocks.height == len(values)
