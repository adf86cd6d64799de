"""Building, saving and loading attribution snapshots from the files operators download (#2).

The fixtures in ``tests/data/jurisdiction`` are written in each source's documented format:
two registries' delegated-extended files, a start,end,country,asn CSV, an ip2asn TSV and an
AS names TSV.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from wuzhen.errors import DataError, InputError
from wuzhen.jurisdiction import (
    Snapshot,
    Source,
    StateRegistry,
    attribute_addresses,
    build_snapshot,
    load_states,
)
from wuzhen.jurisdiction.build import read_text, sniff
from wuzhen.jurisdiction.snapshot import PACKAGED_SNAPSHOT

FIXTURES = Path(__file__).parents[2] / "data" / "jurisdiction"
APNIC = FIXTURES / "delegated-apnic-extended.txt"
RIPE = FIXTURES / "delegated-ripencc-extended.txt"
LOCATION = FIXTURES / "location.csv"
IP2ASN = FIXTURES / "ip2asn.tsv"
ASNAMES = FIXTURES / "asnames.tsv"

REG = "source.registration.cc"
LOC = "source.geolocation.cc"
ASN = "source.asn"
AS_NAME = "source.as_name"
REGISTRY = "source.registry"
STATE = "source.state"

#: Addresses whose attribution the fixtures determine, for round-trip comparisons.
PROBES = [
    "1.0.0.0",
    "1.0.0.255",
    "1.0.1.0",
    "1.0.1.200",
    "1.0.4.0",
    "1.0.8.0",
    "1.0.10.255",
    "1.0.11.0",
    "1.0.12.1",
    "1.0.16.1",
    "2.0.0.0",
    "2.16.0.1",
    "2.56.0.1",
    "10.0.0.1",
    "2001:200::",
    "2001:200:1fff:ffff:ffff:ffff:ffff:ffff",
    "2001:200:2000::",
    "2001:200:0:1::5",
    "2001:df0::1",
    "2a00:1450:4010::1",
]


def _sources() -> list[Source]:
    return [
        Source(APNIC, "registration"),
        Source(RIPE, "registration"),
        Source(LOCATION, "location"),
        Source(IP2ASN, "location"),
        Source(ASNAMES, "asnames"),
    ]


@pytest.fixture(scope="module")
def states() -> StateRegistry:
    return load_states()


@pytest.fixture(scope="module")
def built() -> Snapshot:
    return build_snapshot(_sources())


def _attr(snapshot: Snapshot, states: StateRegistry, values: list[str]) -> pl.DataFrame:
    frame = attribute_addresses(pl.Series(values, dtype=pl.String), snapshot, states)
    assert frame["source.ip.error"].is_null().all()
    return frame


def _one(snapshot: Snapshot, states: StateRegistry, value: str) -> dict[str, object]:
    return _attr(snapshot, states, [value]).row(0, named=True)


# --- the countries the fixtures state --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cc"),
    [
        ("1.0.0.0", "AU"),  # first address of apnic|AU|ipv4|1.0.0.0|256
        ("1.0.0.255", "AU"),  # its last
        ("1.0.1.0", "CN"),  # the next record's first
        ("1.0.3.255", "CN"),
        ("1.0.4.0", "AU"),
        ("1.0.7.255", "AU"),
        # apnic|IN|ipv4|1.0.8.0|768: a count that is not a power of two
        ("1.0.8.0", "IN"),
        ("1.0.9.128", "IN"),
        ("1.0.10.255", "IN"),
        ("1.0.11.0", None),  # just past it: no record covers it
        ("1.0.12.1", None),  # "available" record: ignored
        ("1.0.16.1", None),  # "reserved" record: ignored, though it names AU
        ("2.0.0.0", "FR"),
        ("2.15.255.255", "FR"),
        ("2.16.0.0", "GB"),
        ("2.16.1.0", None),
        ("2001:200::", "JP"),  # apnic|JP|ipv6|2001:200::|35: first address
        ("2001:200:1fff:ffff:ffff:ffff:ffff:ffff", "JP"),  # last address of the /35
        ("2001:200:2000::", None),  # just outside, after
        ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", None),  # just outside, before
        ("2001:250::", "CN"),
        ("2001:251:ffff:ffff:ffff:ffff:ffff:ffff", "CN"),  # last of the /31
        ("2001:608::1", "DE"),
        ("2a00:1450:4010:ffff:ffff:ffff:ffff:ffff", "RU"),
        ("2a00:1450:4011::", None),
    ],
)
def test_registration_country_from_delegated_files(
    built: Snapshot, states: StateRegistry, value: str, cc: str | None
) -> None:
    row = _one(built, states, value)
    assert row[REG] == cc
    if cc is not None:
        assert row[STATE] == cc  # every one of these codes is a state's own


@pytest.mark.parametrize(("value", "code"), [("2.56.0.1", "EU"), ("2001:df0::1", "AP")])
def test_non_iso_codes_are_kept_and_unrouted(
    built: Snapshot, states: StateRegistry, value: str, code: str
) -> None:
    row = _one(built, states, value)
    assert row[REG] == code
    assert row[STATE] is None


def test_registry_names_come_from_the_delegated_files(
    built: Snapshot, states: StateRegistry
) -> None:
    frame = _attr(built, states, ["1.0.0.1", "2001:200::1", "2.0.0.1", "2001:608::1", "1.0.11.0"])
    assert frame[REGISTRY].to_list() == ["APNIC", "APNIC", "RIPE NCC", "RIPE NCC", None]


def test_location_and_asn(built: Snapshot, states: StateRegistry) -> None:
    frame = _attr(built, states, ["1.0.0.1", "1.0.1.1", "1.0.1.200", "1.0.4.1", "1.0.2.1"])
    assert frame[LOC].to_list() == ["AU", "CN", "HK", "AU", None]
    assert frame[ASN].to_list() == [13335, 4134, 4515, 38803, None]
    # Registration and location are independent: 1.0.1.200 is registered CN, used in HK.
    assert frame[REG].to_list() == ["AU", "CN", "CN", "AU", "CN"]


def test_uk_location_is_normalised_to_gb(built: Snapshot, states: StateRegistry) -> None:
    row = _one(built, states, "2.16.0.1")
    assert row[LOC] == "GB"
    assert "UK" not in built.countries


def test_more_specific_location_range_wins(built: Snapshot, states: StateRegistry) -> None:
    # 2001:200:0:1::/120 (US, AS2501) is nested in 2001:200::/64 (JP, AS2500).
    frame = _attr(
        built,
        states,
        [
            "2001:200::1",
            "2001:200:0:0:ffff:ffff:ffff:ffff",
            "2001:200:0:1::",
            "2001:200:0:1::ff",
            "2001:200:0:1::100",
            "2001:200:0:ffff:ffff:ffff:ffff:ffff",
            "2001:200:1::",
        ],
    )
    assert frame[LOC].to_list() == ["JP", "JP", "US", "US", "JP", "JP", None]
    assert frame[ASN].to_list() == [2500, 2500, 2501, 2501, 2500, 2500, None]
    assert frame[REG].to_list() == ["JP"] * 7  # the registration layer is untouched


def test_ip2asn_not_routed_gives_no_asn(built: Snapshot, states: StateRegistry) -> None:
    # 1.0.8.0-1.0.10.255  0  None  Not routed
    row = _one(built, states, "1.0.9.1")
    assert row[ASN] is None
    assert row[AS_NAME] is None
    assert row[LOC] is None
    assert row[REG] == "IN"
    assert built.as_name(0) is None
    assert "Not routed" not in built.asn_names.to_pylist()


def test_as_names_from_asnames_and_ip2asn(built: Snapshot, states: StateRegistry) -> None:
    frame = _attr(built, states, ["1.0.0.1", "1.0.1.1", "1.0.4.1", "2a00:1450:4010::1"])
    assert frame[AS_NAME].to_list() == [
        "CLOUDFLARENET",  # asnames.tsv
        "CHINANET-BACKBONE No.31,Jin-rong Street",  # a comma inside a TSV field
        "GTELECOM-AUSTRALIA Gtelecom Pty Ltd",  # ip2asn description
        "GOOGLE",
    ]
    assert built.as_name(2500) == "WIDE-BB WIDE Project"
    assert built.as_name(20940) is None  # announced in location.csv, named nowhere


def test_gzip_sources_build_the_same_snapshot(
    built: Snapshot, states: StateRegistry, tmp_path: Path
) -> None:
    sources = []
    for src in _sources():
        target = tmp_path / f"{src.path.name}.gz"
        target.write_bytes(gzip.compress(src.path.read_bytes()))
        sources.append(Source(target, src.role))
    zipped = build_snapshot(sources)
    assert _attr(zipped, states, PROBES).equals(_attr(built, states, PROBES))
    assert [s["format"] for s in zipped.meta["sources"]] == [
        s["format"] for s in built.meta["sources"]
    ]


def test_later_source_wins_where_ranges_overlap(states: StateRegistry, tmp_path: Path) -> None:
    override = tmp_path / "override.csv"
    override.write_text("1.0.1.0,1.0.1.255,JP,\n")
    snap = build_snapshot([Source(APNIC, "registration"), Source(override, "registration")])
    frame = _attr(snap, states, ["1.0.0.255", "1.0.1.0", "1.0.1.255", "1.0.2.0"])
    assert frame[REG].to_list() == ["AU", "JP", "JP", "CN"]


# --- errors --------------------------------------------------------------------------------


def test_ip2asn_cannot_be_registration_data() -> None:
    with pytest.raises(InputError, match="not who holds them"):
        build_snapshot([Source(IP2ASN, "registration")])


def test_delegated_file_cannot_be_as_names() -> None:
    with pytest.raises(InputError, match="AS names"):
        build_snapshot([Source(APNIC, "asnames")])


def test_bad_range_is_reported_with_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("start,end,country,asn\n1.0.0.0,1.0.0.255,AU,\n1.0.1.0,nonsense,CN,\n")
    with pytest.raises(InputError, match=r"bad\.csv.*nonsense"):
        build_snapshot([Source(bad, "registration")])


# --- sniffing formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (APNIC, "delegated"),
        (RIPE, "delegated"),
        (LOCATION, "csv"),
        (IP2ASN, "ip2asn"),
        (ASNAMES, "asnames"),
    ],
)
def test_sniff_each_format(path: Path, fmt: str) -> None:
    assert sniff(read_text(path)) == fmt


@pytest.mark.parametrize("text", ["", "\n\n# only comments\n", "hello world\n", "just;semicolons"])
def test_sniff_rejects_an_unrecognised_file(text: str) -> None:
    with pytest.raises(InputError, match="unrecognised"):
        sniff(text)


def test_build_rejects_an_unrecognised_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not a range file\n")
    with pytest.raises(InputError, match="unrecognised"):
        build_snapshot([Source(junk, "location")])


# --- meta: sources, dates, licences, notice ------------------------------------------------


def test_meta_records_every_source(built: Snapshot) -> None:
    sources = built.meta["sources"]
    expected = [
        ("registration", APNIC, "delegated", 8, "2026-10-26"),
        ("registration", RIPE, "delegated", 5, "2026-10-26"),
        ("location", LOCATION, "csv", 6, None),
        ("location", IP2ASN, "ip2asn", 3, None),
        ("asnames", ASNAMES, "asnames", 4, None),
    ]
    assert len(sources) == len(expected)
    for meta, (role, path, fmt, records, date) in zip(sources, expected, strict=True):
        assert meta["role"] == role
        assert meta["file"] == path.name
        assert meta["format"] == fmt
        assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert meta["records"] == records
        assert meta["date"] == date
        assert meta["licence"]
    assert "CC BY 4.0" in sources[0]["licence"]
    assert "PDDL" in sources[3]["licence"]
    assert built.meta["built_at"]
    assert built.meta["segments"] == {"ipv4": len(built.v4), "ipv6": len(built.v6)}


def test_notice_names_the_licences(built: Snapshot) -> None:
    notice = built.meta["notice"]
    for meta in built.meta["sources"]:
        assert meta["file"] in notice
        assert meta["licence"] in notice
    assert "CC BY 4.0" in notice


def test_given_licence_and_date_from_the_file_name(tmp_path: Path) -> None:
    location = tmp_path / "location-ipfire-20260822.csv"
    shutil.copy(LOCATION, location)
    snap = build_snapshot(
        [Source(APNIC, "registration"), Source(location, "location", "CC BY-SA 4.0 (test)")]
    )
    meta = snap.meta["sources"][1]
    assert meta["date"] == "2026-08-22"
    assert meta["licence"] == "CC BY-SA 4.0 (test)"
    assert "CC BY-SA 4.0 (test)" in snap.meta["notice"]
    assert "CC BY 4.0" in snap.meta["notice"]


# --- save, load, atomic replacement --------------------------------------------------------


def test_save_load_round_trip(built: Snapshot, states: StateRegistry, tmp_path: Path) -> None:
    path = tmp_path / "snapshot.npz"
    built.save(path)
    loaded = Snapshot.load(path)
    assert loaded.path == path
    assert loaded.countries == built.countries
    assert loaded.meta == built.meta
    assert np.array_equal(loaded.asn_numbers, built.asn_numbers)
    assert loaded.asn_names.to_pylist() == built.asn_names.to_pylist()
    for family in ("v4", "v6"):
        a, b = getattr(loaded, family), getattr(built, family)
        assert np.array_equal(a.start_hi, b.start_hi)
        assert np.array_equal(a.start_lo, b.start_lo)
        for name, values in b.fields.items():
            assert np.array_equal(a.fields[name], values), (family, name)
    before = _attr(built, states, PROBES)
    after = _attr(loaded, states, PROBES)
    assert after.equals(before)
    assert after[REG].null_count() < len(PROBES)  # the probes do hit attributed space


def test_failed_save_leaves_the_old_file_intact(
    built: Snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "snapshot.npz"
    built.save(path)
    old = path.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(OSError, match="disk full"):
        built.save(path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot.npz"]  # no temp left


def test_save_replaces_an_existing_snapshot(
    built: Snapshot, states: StateRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "snapshot.npz"
    override = tmp_path / "override.csv"
    override.write_text("1.0.0.0,1.0.0.255,NZ,\n")
    build_snapshot([Source(override, "registration")]).save(path)
    assert _one(Snapshot.load(path), states, "1.0.0.1")[REG] == "NZ"
    built.save(path)
    assert _one(Snapshot.load(path), states, "1.0.0.1")[REG] == "AU"


def test_load_rejects_a_file_that_is_not_a_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="cannot read"):
        Snapshot.load(path)


def test_shipped_snapshot_loads_well_under_a_second() -> None:
    start = time.perf_counter()
    snap = Snapshot.load(PACKAGED_SNAPSHOT)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"loading the shipped snapshot took {elapsed:.2f} s"
    assert len(snap.v4) > 100_000
    assert len(snap.v6) > 100_000


def test_shipped_snapshot_records_its_sources() -> None:
    snap = Snapshot.load(PACKAGED_SNAPSHOT)
    sources = {s["role"]: s for s in snap.meta["sources"]}
    assert set(sources) == {"registration", "location", "asnames"}
    assert sources["registration"]["date"] == "2026-10-27"
    assert sources["location"]["date"] == "2026-08-22"
    assert "CC BY 4.0" in sources["registration"]["licence"]
    assert "CC BY-SA 4.0" in sources["location"]["licence"]
    assert "CC BY 4.0" in snap.meta["notice"]
    assert "CC BY-SA 4.0" in snap.meta["notice"]
    assert PACKAGED_SNAPSHOT.stat().st_size < 20 * 1024 * 1024
