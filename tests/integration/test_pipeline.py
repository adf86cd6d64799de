"""The evidence pipeline against both relational stores: accounting, idempotency,
deduplication across files and batches, retraction, atomic commits, the writer lock (#3)."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.errors import InputError, StoreError
from wuzhen.evidence import ingest as ingest_module
from wuzhen.evidence import store as store_module
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.query import EventFilter, select_events
from wuzhen.evidence.store import DICTIONARY, EVENTS, STATISTICS
from wuzhen.evidence.tables import Evidence
from wuzhen.lines import iter_blocks
from wuzhen.node import Node
from wuzhen.schema import arrow_schema
from wuzhen.schema.tlp import TLP

OPTIONS = IngestOptions(owner="CN")
FAILED = "Nov 28 03:16:40 sensor sshd[42]: Failed password for root from {ip} port {port} ssh2"
ACCEPTED = "Nov 28 09:00:02 sensor sshd[43]: Accepted publickey for ops from 10.0.0.5 port 1 ssh2"


def _log(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _events(node: Node) -> pl.DataFrame:
    return node.store.scan("events").collect()


def test_accounting_and_routing(node: Node, tmp_path: Path) -> None:
    lines = [
        FAILED.format(ip="114.114.114.114", port=1),
        FAILED.format(ip="8.8.8.8", port=2),
        FAILED.format(ip="10.0.0.9", port=3),
        ACCEPTED,
        "garbage that is no syslog line",
        "",
    ]
    report = node.pipeline.ingest([_log(tmp_path, "auth.log", lines)], OPTIONS)
    f = report.files[0]
    assert (f.records, f.events, f.duplicates, f.skipped, f.rejects) == (5, 3, 0, 1, 1)
    assert f.skipped_reasons == {"successful login": 1}
    assert f.reject_reasons == {"not a syslog line": 1}
    ev = _events(node).sort("source.ip")
    assert ev["source.ip"].to_list() == ["10.0.0.9", "114.114.114.114", "8.8.8.8"]
    assert ev["route.member"].to_list() == [None, "CN", "US"]
    assert ev["route.state"].to_list() == ["unrouted", "routed", "routed"]
    assert ev["route.basis"].unique().to_list() == ["registration"]
    assert ev["source.special_purpose"].to_list() == ["private", None, None]
    assert set(ev["owner"]) == {"CN"}
    assert set(ev["tlp"]) == {"AMBER"}
    assert set(ev["classification.taxonomy"]) == {"intrusion-attempts"}
    assert ev["event.id"].n_unique() == 3
    rejects = node.store.scan("rejects").collect()
    assert rejects["raw"].to_list() == ["garbage that is no syslog line"]
    assert rejects["evidence.record"].to_list() == [5]
    with node.db.session() as s:
        row = s.scalars(select(Evidence)).one()
        assert (row.records, row.events, row.skipped, row.rejects) == (5, 3, 1, 1)
        assert row.sha256 == f.sha256


def test_reingest_adds_nothing_and_repeats_count(node: Node, tmp_path: Path) -> None:
    same = FAILED.format(ip="1.1.1.1", port=22)
    path = _log(tmp_path, "a.log", [same, same, same, FAILED.format(ip="8.8.4.4", port=1)])
    first = node.pipeline.ingest([path], OPTIONS).files[0]
    assert (first.events, first.duplicates) == (4, 0)  # genuinely repeated lines all count
    again = node.pipeline.ingest([path], OPTIONS).files[0]
    assert (again.events, again.duplicates) == (0, 4)
    # an overlapping file: one repeat of the known line, one new line
    overlap = _log(tmp_path, "b.log", [same, FAILED.format(ip="9.9.9.9", port=1)])
    third = node.pipeline.ingest([overlap], OPTIONS).files[0]
    assert (third.events, third.duplicates) == (1, 1)
    assert _events(node).height == 5


def test_rejects_are_not_stored_twice(node: Node, tmp_path: Path) -> None:
    path = _log(tmp_path, "r.log", ["junk one", "junk two", FAILED.format(ip="1.0.0.1", port=1)])
    forced = IngestOptions(owner="CN", format="openssh")
    node.pipeline.ingest([path], forced)
    report = node.pipeline.ingest([path], forced).files[0]
    assert report.rejects == 2  # still accounted as rejects ...
    assert node.store.scan("rejects").collect().height == 2  # ... but stored once


def test_read_again_on_another_day_adds_nothing(
    node: Node, clock: FixedClock, tmp_path: Path
) -> None:
    """Regression: a record with no time of its own (a blocklist's entry, a reject) takes its
    day from when it was read; read again the next day, it was stored again, under its id."""
    listed = _log(tmp_path, "list.txt", ["# blocklist", "203.0.113.5", "198.51.100.7"])
    broken = _log(tmp_path, "r.log", ["junk one", FAILED.format(ip="1.0.0.1", port=1)])
    forced = IngestOptions(owner="CN", format="openssh")
    node.pipeline.ingest([listed], OPTIONS)
    node.pipeline.ingest([broken], forced)
    clock.advance(timedelta(days=1))
    again = node.pipeline.ingest([listed], OPTIONS).files[0]
    assert (again.events, again.duplicates) == (0, 2)
    node.pipeline.ingest([broken], forced)
    events = _events(node)
    assert events.height == events["event.id"].n_unique() == 3
    assert node.store.scan("rejects").collect().height == 1
    # the next day's list: one entry known, one new (overlapping files deduplicate)
    clock.advance(timedelta(days=1))
    newer = _log(tmp_path, "list2.txt", ["203.0.113.5", "192.0.2.99"])
    third = node.pipeline.ingest([newer], OPTIONS).files[0]
    assert (third.events, third.duplicates) == (1, 1)


@pytest.mark.parametrize(
    ("times", "zone"),
    [(["00:30:00", "01:00:00"], "+05:00"), (["23:00:00", "23:30:00"], "America/New_York")],
)
def test_read_again_in_another_timezone_adds_nothing(
    node: Node, tmp_path: Path, times: list[str], zone: str
) -> None:
    """Regression: syslog times carry no zone; read again with another ``--timezone``, records
    that all moved to another day were stored again, under the same ids."""
    line = "Nov 28 {t} sensor sshd[42]: Failed password for root from 1.1.1.1 port 1 ssh2"
    path = _log(tmp_path, "auth.log", [line.format(t=t) for t in times])
    node.pipeline.ingest([path], OPTIONS)
    again = node.pipeline.ingest([path], replace(OPTIONS, timezone=zone)).files[0]
    assert (again.events, again.duplicates) == (0, 2)
    # and with a year given (another than the one inferred before): found in any partition
    year = node.pipeline.ingest([path], replace(OPTIONS, year=2020)).files[0]
    assert (year.events, year.duplicates) == (0, 2)
    events = _events(node)
    assert events.height == events["event.id"].n_unique() == 2


def test_read_again_into_another_year_adds_nothing(
    node: Node, tmp_path: Path, clock: FixedClock
) -> None:
    """Regression: a syslog log ingested with ``--year`` and read again without it (or read
    again a year later: the year inferred is the new one) was stored again, its records in
    the other year's partitions under the same ids."""
    line = "Mar 31 03:30:00 sensor sshd[42]: Failed password for root from 1.1.1.1 port 1 ssh2"
    path = _log(tmp_path, "auth.log", [line, line.replace("03:30", "23:59")])
    first = node.pipeline.ingest([path], replace(OPTIONS, year=2021)).files[0]
    assert (first.events, first.duplicates) == (2, 0)
    inferred = node.pipeline.ingest([path], OPTIONS).files[0]
    assert (inferred.events, inferred.duplicates) == (0, 2)
    clock.advance(timedelta(days=366))
    later = node.pipeline.ingest([path], replace(OPTIONS, timezone="Asia/Tokyo")).files[0]
    assert (later.events, later.duplicates) == (0, 2)
    events = _events(node)
    assert events.height == events["event.id"].n_unique() == 2
    assert {t.year for t in events["time.source"]} == {2021}


@pytest.mark.parametrize(
    ("header", "later"),
    [
        ("; Last-Modified: Sat, 28 Nov 2026 04:39:22 GMT", "Tue, 01 Dec 2026 04:39:22 GMT"),
        ("# updated: Sat Nov 28 04:39:22 2026 UTC", "Tue Dec  1 04:39:22 2026 UTC"),
    ],
)
def test_the_next_copy_of_a_list_dated_by_its_header_adds_only_what_is_new(
    node: Node, tmp_path: Path, header: str, later: str
) -> None:
    """Regression (tester's report, feeds-1): a list's records take its header's time; the
    next copy, three days on, gave the same records another day, beyond the days an ingest
    searched, and they were stored again under the same ids."""
    if header.startswith(";"):  # Spamhaus DROP
        fmt, entries = "spamhaus-drop", ["192.0.2.0/24 ; SBL1", "198.51.100.0/24 ; SBL2"]
        new_entry = "203.0.113.0/24 ; SBL3"
        moved = "; Last-Modified: " + later
    else:  # DShield block.txt: start, end, netblock, attacks, name, country, e-mail
        fmt = "dshield-block"
        entries = ["192.0.2.0\t192.0.2.255\t24\t10\tX\tAA\tx@example.com"]
        new_entry = "198.51.100.0\t198.51.100.255\t24\t5\tY\tAA\ty@example.com"
        moved = "# updated: " + later
    first = _log(tmp_path, "list-1.txt", [header, *entries])
    f = node.pipeline.ingest([first], replace(OPTIONS, format=fmt)).files[0]
    assert (f.events, f.duplicates) == (len(entries), 0)
    second = _log(tmp_path, "list-2.txt", [moved, *entries, new_entry])
    again = node.pipeline.ingest([second], replace(OPTIONS, format=fmt)).files[0]
    assert (again.events, again.duplicates) == (1, len(entries))
    events = _events(node)
    assert events.height == events["event.id"].n_unique() == len(entries) + 1


def test_other_owner_is_other_evidence(node: Node, tmp_path: Path) -> None:
    path = _log(tmp_path, "a.log", [FAILED.format(ip="1.1.1.1", port=1)])
    node.pipeline.ingest([path], OPTIONS)
    other = node.pipeline.ingest([path], IngestOptions(owner="FR")).files[0]
    assert other.events == 1  # the fingerprint includes the owner
    assert sorted(_events(node)["owner"].to_list()) == ["CN", "FR"]


def test_repeats_across_batches(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "iter_blocks", partial(iter_blocks, block_size=256))
    same = FAILED.format(ip="1.1.1.1", port=22)
    lines = [same if i % 3 == 0 else FAILED.format(ip=f"8.8.{i}.1", port=i) for i in range(60)]
    path = _log(tmp_path, "batches.log", lines)
    f = node.pipeline.ingest([path], OPTIONS).files[0]
    assert (f.records, f.events, f.duplicates) == (60, 60, 0)
    again = node.pipeline.ingest([path], OPTIONS).files[0]
    assert (again.events, again.duplicates) == (0, 60)
    assert _events(node)["event.id"].n_unique() == 60


def test_files_of_one_run_deduplicate_each_other(node: Node, tmp_path: Path) -> None:
    line = FAILED.format(ip="1.1.1.1", port=22)
    a = _log(tmp_path, "a.log", [line, FAILED.format(ip="1.0.0.1", port=1)])
    b = _log(tmp_path, "b.log", [line])
    report = node.pipeline.ingest([a, b], OPTIONS)
    assert [(f.events, f.duplicates) for f in report.files] == [(2, 0), (0, 1)]


def test_gzip_directories_and_stdin(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "auth.log.1.gz").write_bytes(
        gzip.compress((FAILED.format(ip="1.1.1.1", port=1) + "\n").encode())
    )
    (folder / ".hidden.log").write_text("ignored\n")
    _log(folder, "auth.log", [FAILED.format(ip="8.8.8.8", port=2)])
    report = node.pipeline.ingest([folder], OPTIONS)
    assert sorted(Path(f.path).name for f in report.files) == ["auth.log", "auth.log.1.gz"]
    assert report.totals()["events"] == 2
    stdin = io.BytesIO((FAILED.format(ip="9.9.9.9", port=3) + "\n").encode())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))
    assert node.pipeline.ingest(["-"], OPTIONS).files[0].events == 1


def test_unknown_format_and_missing_file_are_clear_errors(node: Node, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="format not recognised"):
        node.pipeline.ingest([_log(tmp_path, "x.txt", ["hello", "world"])], OPTIONS)
    with pytest.raises(InputError, match="no such file"):
        node.pipeline.ingest([tmp_path / "absent.log"], OPTIONS)
    assert _events(node).height == 0


def test_named_files_of_no_known_format_stop_the_ingest_before_it_reads(
    node: Node, tmp_path: Path
) -> None:
    good = _log(tmp_path, "auth.log", [FAILED.format(ip="8.8.8.8", port=1)])
    notes = _log(tmp_path, "notes.txt", ["hello"])
    scan = tmp_path / "capture.pcap"
    scan.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(range(256)) * 4)
    with pytest.raises(InputError) as caught:
        node.pipeline.ingest([good, notes, scan], OPTIONS)
    # one message names every such file, and how to go on
    assert str(caught.value).startswith(f"{notes}, {scan}: format not recognised; give --format")
    assert _events(node).height == 0
    with node.db.session() as s:
        assert s.scalars(select(Evidence)).all() == []


def test_files_of_no_known_format_found_in_a_directory_are_listed_not_read(
    node: Node, tmp_path: Path
) -> None:
    sensor = tmp_path / "sensor"
    (sensor / "old").mkdir(parents=True)
    _log(sensor, "auth.log", [FAILED.format(ip="8.8.8.8", port=1)])
    _log(sensor, "README.md", ["# Sensor 4", "", "Logs of the DMZ sensor."])
    (sensor / "old" / "auth.log.1.gz").write_bytes(
        gzip.compress((FAILED.format(ip="1.1.1.1", port=2) + "\n").encode())[:-12]
    )  # cut short: it cannot be decompressed
    report = node.pipeline.ingest([sensor], OPTIONS)
    assert [(Path(f.path).name, f.events) for f in report.files] == [("auth.log", 1)]
    assert [(Path(u.path).relative_to(sensor).as_posix(), u.reason) for u in report.unread] == [
        ("README.md", "format not recognised"),
        (
            "old/auth.log.1.gz",
            "cannot decompress: Compressed file ended before the end-of-stream marker was reached",
        ),
    ]
    with node.db.session() as s:  # what was not read is no evidence
        assert [e.name for e in s.scalars(select(Evidence))] == [str(sensor / "auth.log")]
    # named with a format, the same file is read
    notes = node.pipeline.ingest([sensor / "README.md"], replace(OPTIONS, format="openssh"))
    assert (notes.files[0].records, notes.files[0].skipped, notes.files[0].rejects) == (2, 0, 2)
    # a format for the whole directory reads every file in it but the cut gzip file, which
    # is listed as not read as without a format
    again = node.pipeline.ingest([sensor], replace(OPTIONS, format="openssh"))
    assert sorted(Path(f.path).name for f in again.files) == ["README.md", "auth.log"]
    assert [Path(u.path).name for u in again.unread] == ["auth.log.1.gz"]


def test_a_walked_file_damaged_past_its_start_is_listed_not_read(
    node: Node, tmp_path: Path
) -> None:
    """Regression: a gzip file cut short past the first bytes sampled (logrotate still
    compressing it) failed the whole ingest of its directory, where one cut within them was
    listed as not read."""
    logs = tmp_path / "logs"
    logs.mkdir()
    _log(logs, "auth.log", [FAILED.format(ip="8.8.8.8", port=1)])
    rng = random.Random(7)
    lines = [FAILED.format(ip=f"1.{rng.randrange(256)}.{n % 256}.1", port=n) for n in range(60_000)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    (logs / "auth.log.1.gz").write_bytes(packed[: len(packed) * 3 // 4])
    report = node.pipeline.ingest([logs], OPTIONS)
    assert [(Path(f.path).name, f.events) for f in report.files] == [("auth.log", 1)]
    ((path, reason),) = [(u.path, u.reason) for u in report.unread]
    assert (Path(path).name, reason.split(":")[0]) == ("auth.log.1.gz", "cannot read")
    assert _events(node).height == 1  # nothing of the damaged file
    with node.db.session() as s:
        assert [e.name for e in s.scalars(select(Evidence))] == [str(logs / "auth.log")]
    # named, it fails the ingest: the operator asked for that file
    with pytest.raises(InputError, match=r"auth\.log\.1\.gz: cannot read"):
        node.pipeline.ingest([logs / "auth.log.1.gz"], OPTIONS)


def test_bzip2_and_xz_files(node: Node, tmp_path: Path) -> None:
    """Regression: logs rotated with bzip2 or xz were "format not recognised", and read with
    --format as the advice said, their bytes were stored as rejects."""
    lines = [FAILED.format(ip="8.8.8.8", port=1), FAILED.format(ip="1.1.1.1", port=2)]
    text = ("\n".join(lines) + "\n").encode()
    (tmp_path / "auth.log.1.bz2").write_bytes(bz2.compress(text))
    (tmp_path / "auth.log.2.xz").write_bytes(lzma.compress(text))
    (tmp_path / "cut.log.xz").write_bytes(lzma.compress(text)[:-20])
    report = node.pipeline.ingest(
        [tmp_path / "auth.log.1.bz2", tmp_path / "auth.log.2.xz"], OPTIONS
    )
    assert [(f.format, f.records, f.events, f.duplicates) for f in report.files] == [
        ("openssh", 2, 2, 0),
        ("openssh", 2, 0, 2),
    ]
    with pytest.raises(InputError, match=r"cut\.log\.xz: cannot decompress"):
        node.pipeline.ingest([tmp_path / "cut.log.xz"], OPTIONS)


def test_zip_archives_of_one_file(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # abuse.ch serves its dumps as zip archives of one file (URLhaus csv.txt.zip)
    lines = [FAILED.format(ip="8.8.8.8", port=1), FAILED.format(ip="1.1.1.1", port=2)]
    archive = tmp_path / "auth.log.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("logs/", "")  # a folder entry is no file
        z.writestr("logs/auth.log", "\n".join(lines) + "\n")
    (f,) = node.pipeline.ingest([archive], OPTIONS).files
    assert (f.format, f.records, f.events) == ("openssh", 2, 2)
    # the evidence is the archive as received
    assert f.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert f.size == archive.stat().st_size
    (again,) = node.pipeline.ingest([archive], OPTIONS).files
    assert (again.events, again.duplicates) == (0, 2)

    several = tmp_path / "folder" / "several.zip"
    several.parent.mkdir()
    with zipfile.ZipFile(several, "w") as z:
        z.writestr("a.log", lines[0])
        z.writestr("b.log", lines[1])
    with pytest.raises(InputError, match="a zip archive of 2 files; unzip it and ingest"):
        node.pipeline.ingest([several], OPTIONS)
    report = node.pipeline.ingest([several.parent, archive], OPTIONS)
    assert [u.reason for u in report.unread] == [
        "a zip archive of 2 files; unzip it and ingest the folder"
    ]
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(InputError, match="an empty zip archive"):
        node.pipeline.ingest([empty], OPTIONS)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(archive.read_bytes()[:40])
    with pytest.raises(InputError, match=r"damaged\.zip: cannot"):
        node.pipeline.ingest([damaged], OPTIONS)
    stdin = io.BytesIO(archive.read_bytes())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))
    with pytest.raises(InputError, match="a zip archive is read from its file, not a pipe"):
        node.pipeline.ingest(["-"], replace(OPTIONS, format="openssh"))
    assert _events(node).height == 2


def test_a_byte_order_mark_is_no_part_of_the_first_record(
    sqlite_node: Node, tmp_path: Path
) -> None:
    """Regression: in every line format but Shadowserver's, a UTF-8 BOM made the first
    record a reject ("\ufeff1.2.3.4" is no address)."""
    path = tmp_path / "list.txt"
    path.write_bytes(b"\xef\xbb\xbf1.2.3.4\r\n5.6.7.8\r\n")
    f = sqlite_node.pipeline.ingest([path], OPTIONS).files[0]
    assert (f.format, f.events, f.rejects) == ("blocklist", 2, 0)
    assert f.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # of the file as it is
    assert sorted(_events(sqlite_node)["raw"]) == ["1.2.3.4", "5.6.7.8"]


def test_a_first_line_longer_than_the_sample_is_recognised(
    sqlite_node: Node, tmp_path: Path
) -> None:
    """Regression: an EVE file whose first record (``stats`` of a many-threaded sensor) ran
    past the 256 KiB sample was "format not recognised"."""
    threads = {f"W#{i:03d}-enp1s0": {"capture": {"kernel_packets": i}} for i in range(9000)}
    stats = {"timestamp": "2026-11-28T03:16:40.000000+0000", "event_type": "stats"}
    alert = {
        "timestamp": "2026-11-28T03:16:41.000000+0000",
        "event_type": "alert",
        "src_ip": "203.0.113.9",
        "src_port": 4444,
        "dest_ip": "192.0.2.1",
        "dest_port": 22,
        "proto": "TCP",
        "alert": {"action": "allowed", "gid": 1, "signature_id": 2001219, "signature": "scan"},
    }
    path = tmp_path / "eve.json"
    first = json.dumps({**stats, "stats": {"threads": threads}})
    assert len(first) > 300_000
    path.write_text(first + "\n" + json.dumps(alert) + "\n")
    f = sqlite_node.pipeline.ingest([path], OPTIONS).files[0]
    assert (f.format, f.events, f.skipped) == ("suricata-eve", 1, 1)


def test_a_directory_of_nothing_readable_is_an_error(node: Node, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    _log(tmp_path / "docs", "README.md", ["# Nothing here"])
    with pytest.raises(InputError, match="no evidence files found: 1 of no format"):
        node.pipeline.ingest([tmp_path / "docs"], OPTIONS)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"^no evidence files found$"):
        node.pipeline.ingest([tmp_path / "empty"], OPTIONS)


def test_stored_schema_and_day_partitions(node: Node, tmp_path: Path) -> None:
    lines = [
        FAILED.format(ip="1.1.1.1", port=1),
        "Nov 27 03:16:40 sensor sshd[42]: Failed password for root from 8.8.8.8 port 2 ssh2",
    ]
    node.pipeline.ingest([_log(tmp_path, "a.log", lines)], OPTIONS)
    files = node.store.live_files("events")
    assert sorted(p.parent.name for p in files) == ["day=2026-11-27", "day=2026-11-28"]
    for f in files:
        assert pq.read_schema(f).equals(arrow_schema(), check_metadata=False)
        # the low-cardinality columns (and only those) are dictionary-encoded
        chunk = pq.ParquetFile(f).metadata.row_group(0)
        encoded = {
            chunk.column(i).path_in_schema
            for i in range(chunk.num_columns)
            if chunk.column(i).has_dictionary_page
        }
        assert encoded == set(DICTIONARY[EVENTS])
        # statistics where readers can skip row groups by them (and only there)
        with_statistics = {
            chunk.column(i).path_in_schema
            for i in range(chunk.num_columns)
            if chunk.column(i).is_stats_set
        }
        assert with_statistics == set(STATISTICS[EVENTS])


def test_query_filters(node: Node, tmp_path: Path) -> None:
    lines = [FAILED.format(ip="114.114.114.114", port=1), FAILED.format(ip="8.8.8.8", port=2)]
    node.pipeline.ingest([_log(tmp_path, "a.log", lines)], OPTIONS)
    store = node.store
    assert select_events(store, EventFilter(member="CN")).collect()["source.ip"].to_list() == [
        "114.114.114.114"
    ]
    assert select_events(store, EventFilter(asn=15169)).collect().height == 1
    assert select_events(store, EventFilter(classification="brute-force")).collect().height == 2
    assert (
        select_events(store, EventFilter(classification="intrusion-attempts")).collect().height == 2
    )
    assert select_events(store, EventFilter(text="8.8.8")).collect().height == 1
    assert select_events(store, EventFilter(country="US", member="CN")).collect().height == 0


def test_a_failed_run_leaves_the_old_state(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _log(tmp_path, "good.log", [FAILED.format(ip="1.1.1.1", port=1)])
    node.pipeline.ingest([good], OPTIONS)
    before = _events(node)
    second = _log(tmp_path, "second.log", [FAILED.format(ip="8.8.8.8", port=1)])
    original = node.pipeline._commit

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(node.pipeline, "_commit", broken)
    with pytest.raises(RuntimeError):
        node.pipeline.ingest([second], OPTIONS)
    monkeypatch.setattr(node.pipeline, "_commit", original)
    assert _events(node).equals(before)
    on_disk = sorted(p.name for p in (node.store.root / "events").rglob("*.parquet"))
    assert on_disk == sorted(p.name for p in node.store.live_files("events"))


def test_a_failed_parquet_write_fails_the_run_and_leaves_no_file(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet is written on a thread of its own: its failure still reaches the caller, and
    the run leaves the old state with no file behind."""
    good = _log(tmp_path, "good.log", [FAILED.format(ip="1.1.1.1", port=1)])
    node.pipeline.ingest([good], OPTIONS)
    before = _events(node)

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "_append", full)
    second = _log(tmp_path, "second.log", [FAILED.format(ip="8.8.8.8", port=1)])
    with pytest.raises(OSError, match="No space left"):
        node.pipeline.ingest([second], OPTIONS)
    assert _events(node).equals(before)
    on_disk = sorted(p.name for p in (node.store.root / "events").rglob("*.parquet"))
    assert on_disk == sorted(p.name for p in node.store.live_files("events"))


def test_one_writer_at_a_time(sqlite_node: Node) -> None:
    with (
        sqlite_node.store.writer_lock(),
        pytest.raises(StoreError, match="another process"),
        sqlite_node.store.writer_lock(wait=0.3),
    ):
        pytest.fail("a second writer got the lock")


KILL_SCRIPT = """
import sys
from pathlib import Path
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node
node = Node.open(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2]))
node.pipeline.ingest([sys.argv[3]], IngestOptions(owner="CN"))
"""


@pytest.mark.slow
def test_sigkill_mid_write_then_rerun(settings: Settings, tmp_path: Path) -> None:
    """Kill an ingest while it writes: no partial file is visible, the re-run is exact."""
    big = tmp_path / "big.log"
    with big.open("w") as fh:
        for i in range(400_000):
            fh.write(
                FAILED.format(ip=f"{1 + i % 200}.{i % 250}.{i // 250 % 250}.7", port=i % 60000)
                + "\n"
            )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [
        sys.executable,
        "-c",
        KILL_SCRIPT,
        str(settings.data_dir),
        settings.resolved_database_url,
        str(big),
    ]
    proc = subprocess.Popen(args, env=env)
    events_dir = settings.data_dir / "store" / "events"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if events_dir.exists() and any(events_dir.rglob("*.parquet")):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    node = Node.open(settings)
    try:
        assert node.store.scan("events").collect().height == 0  # nothing committed
        report = node.pipeline.ingest([big], OPTIONS).files[0]
        assert (report.records, report.events, report.duplicates) == (400_000, 400_000, 0)
        assert node.store.scan("events").collect()["event.id"].n_unique() == 400_000
        on_disk = sorted(str(p) for p in (node.store.root / "events").rglob("*.parquet"))
        assert on_disk == sorted(str(p) for p in node.store.live_files("events"))
        again = node.pipeline.ingest([big], OPTIONS).files[0]
        assert (again.events, again.duplicates) == (0, 400_000)
    finally:
        node.close()


def test_markings_default_restrict_and_stay_with_the_owner(node: Node, tmp_path: Path) -> None:
    path = _log(tmp_path, "a.log", [FAILED.format(ip="114.114.114.114", port=1)])
    node.pipeline.ingest([path], IngestOptions(owner="CN", tlp=TLP.GREEN))
    ev = _events(node)
    assert ev["tlp"].to_list() == ["GREEN"]
    assert ev["route.member"].to_list() == ["CN"]
    # a feed whose terms forbid redistribution: at least AMBER+STRICT, so never routed
    other = _log(tmp_path, "b.log", [FAILED.format(ip="8.8.8.8", port=1)])
    node.pipeline.ingest(
        [other], IngestOptions(owner="CN", tlp=TLP.GREEN, restrict=TLP.AMBER_STRICT)
    )
    restricted = _events(node).filter(pl.col("source.ip") == "8.8.8.8")
    assert restricted["tlp"].to_list() == ["AMBER+STRICT"]
    assert restricted["route.member"].to_list() == [None]
    assert restricted["route.state"].to_list() == ["unrouted"]
    assert restricted["source.registration.cc"].to_list() == ["US"]


def test_a_parser_without_times_is_partitioned_by_observation(
    sqlite_node: Node, tmp_path: Path
) -> None:
    """Regression (#4): records without time.source go to the observation day."""
    path = _log(tmp_path, "list.txt", ["1.2.3.4", "8.8.8.8"])
    report = sqlite_node.pipeline.ingest([path], IngestOptions(owner="CN", format="blocklist"))
    assert report.files[0].events == 2
    (f,) = sqlite_node.store.live_files("events")
    assert f.parent.name == "day=2026-11-29"
