"""Withdrawing an evidence file: atomically, ledgered, and what other files held stays.

An event is stored once, with the file that first brought it; a later file (or a later file
of the same ingest) that held the same record counted it as a duplicate. Withdrawing the first
file leaves such rows with the file that held them too (the first of them to be read), as its
own; every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from tests.integration.interrupts import interrupt_after_commit
from wuzhen.clock import FixedClock
from wuzhen.errors import InputError, NotFoundError
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.retraction import retract
from wuzhen.evidence.store import DUPLICATES
from wuzhen.evidence.tables import Evidence, StoreFile
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.node import Node

OPTIONS = IngestOptions(owner="CN")
FAILED = "Nov 28 03:16:4{s} sensor sshd[42]: Failed password for root from {ip} port {port} ssh2"


def _log(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _failed(ip: str, port: int = 22) -> str:
    return FAILED.format(s=port % 10, ip=ip, port=port)


def _events(node: Node) -> pl.DataFrame:
    return node.store.scan("events").collect()


def _evidence(node: Node, name: str) -> Evidence:
    with node.db.session() as s:
        return s.scalars(select(Evidence).where(Evidence.name.endswith(name))).one()


def _retract(node: Node, sha: str) -> tuple[dict[str, int], dict[str, int]]:
    done = retract(node.store, node.db, node.clock, sha, "CN", actor="test")
    return done.removed, done.kept


def test_retract_withdraws_one_file_atomically(node: Node, tmp_path: Path) -> None:
    a = _log(tmp_path, "a.log", [_failed("1.1.1.1", 1), "junk"])
    b = _log(tmp_path, "b.log", [_failed("8.8.8.8", 2)])
    report = node.pipeline.ingest([a, b], OPTIONS)
    sha_a = report.files[0].sha256
    done = retract(node.store, node.db, node.clock, sha_a[:12], "CN", actor="test")
    assert done.removed == {"events": 1, "rejects": 1}
    # recorded in the ledger: the events may have reached other members as notices
    with node.db.session() as s:
        entry = s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq.desc())).first()
        assert entry is not None
        assert (entry.action, entry.subject, entry.actor) == (
            "evidence.retracted",
            f"evidence:{sha_a}",
            "test",
        )
        assert entry.data == {
            "owner": "CN",
            "evidence": [report.files[0].evidence_id],
            "removed": {"events": 1, "rejects": 1},
            "kept": {"events": 0, "rejects": 0},
        }
    assert _events(node)["source.ip"].to_list() == ["8.8.8.8"]
    assert node.store.scan("rejects").collect().height == 0
    with node.db.session() as s:
        retracted = s.scalars(select(Evidence).where(Evidence.sha256 == sha_a)).one()
        assert retracted.retracted_at == node.clock.now()
        dead = s.scalars(select(StoreFile).where(StoreFile.live.is_(False))).all()
        assert dead
        assert all(not (node.store.root / d.path).exists() for d in dead)
    with pytest.raises(NotFoundError):
        retract(node.store, node.db, node.clock, sha_a, "CN", actor="test")
    # the file can be ingested again after its retraction
    assert node.pipeline.ingest([a], OPTIONS).files[0].events == 1


def test_retract_needs_the_owner(node: Node, tmp_path: Path) -> None:
    a = _log(tmp_path, "a.log", [_failed("1.1.1.1", 1)])
    sha = node.pipeline.ingest([a], OPTIONS).files[0].sha256
    with pytest.raises(NotFoundError):
        retract(node.store, node.db, node.clock, sha, "FR", actor="test")
    with pytest.raises(InputError):
        retract(node.store, node.db, node.clock, "xyz", "CN", actor="test")
    assert _events(node).height == 1


def test_what_a_later_file_held_stays_as_its_own(node: Node, tmp_path: Path) -> None:
    shared = [_failed("1.1.1.1", 1), _failed("8.8.8.8", 2)]
    a = _log(tmp_path, "a.log", [*shared, _failed("9.9.9.9", 3), "junk"])
    b = _log(tmp_path, "b.log", [_failed("4.4.4.4", 4), *shared, "junk"])
    sha_a = node.pipeline.ingest([a], OPTIONS).files[0].sha256
    later = node.pipeline.ingest([b], OPTIONS).files[0]
    assert (later.events, later.duplicates, later.rejects) == (1, 2, 1)
    before = _events(node).filter(pl.col("source.ip") != "9.9.9.9")
    # a tester's retraction of a.log took with it the two events b.log still attests
    assert _retract(node, sha_a[:12]) == ({"events": 1, "rejects": 0}, {"events": 2, "rejects": 1})
    after = _events(node).sort("source.ip")
    assert after["source.ip"].to_list() == ["1.1.1.1", "4.4.4.4", "8.8.8.8"]
    assert set(after["evidence.id"]) == {later.evidence_id}
    # the same events (ids, routes, times), now b.log's: its record numbers
    assert after.select("event.id", "route.member", "time.source").equals(
        before.sort("source.ip").select("event.id", "route.member", "time.source")
    )
    assert after.sort("evidence.record")["evidence.record"].to_list() == [1, 2, 3]
    assert node.store.scan("rejects").collect()["evidence.id"].to_list() == [later.evidence_id]
    held = _evidence(node, "b.log")
    assert (held.events, held.duplicates, held.rejects) == (3, 0, 1)  # records = 3 + 0 + 0 + 1
    assert node.store.scan(DUPLICATES).collect().height == 0  # b.log holds them as its own
    with node.db.session() as s:
        entry = s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq.desc())).first()
        assert entry is not None
        assert entry.data["kept"] == {"events": 2, "rejects": 1}
    # and withdrawing b.log too leaves nothing
    assert _retract(node, later.sha256) == (
        {"events": 3, "rejects": 1},
        {"events": 0, "rejects": 0},
    )
    assert _events(node).height == 0


def test_the_first_of_several_holders_inherits(
    node: Node, clock: FixedClock, tmp_path: Path
) -> None:
    line = _failed("1.1.1.1", 1)
    files = [_log(tmp_path, f"{n}.log", [line, _failed(ip, 2)]) for n, ip in
             (("a", "2.2.2.2"), ("b", "3.3.3.3"), ("c", "5.5.5.5"))]  # fmt: skip
    reports = []
    for f in files:
        reports.append(node.pipeline.ingest([f], OPTIONS).files[0])
        clock.advance(timedelta(hours=1))
    _retract(node, reports[0].sha256)
    (row,) = _events(node).filter(pl.col("source.ip") == "1.1.1.1").rows(named=True)
    assert row["evidence.id"] == reports[1].evidence_id  # read before c.log
    assert row["time.observation"] == reports_time(node, reports[1].evidence_id)
    assert node.store.scan(DUPLICATES).collect()["evidence.id"].to_list() == [
        reports[2].evidence_id
    ]
    _retract(node, reports[1].sha256)
    (row,) = _events(node).filter(pl.col("source.ip") == "1.1.1.1").rows(named=True)
    assert row["evidence.id"] == reports[2].evidence_id


def reports_time(node: Node, evidence_id: str) -> object:
    with node.db.session() as s:
        return s.get(Evidence, evidence_id).ingested_at  # type: ignore[union-attr]


def test_files_of_one_ingest_and_a_file_read_twice(node: Node, tmp_path: Path) -> None:
    a = _log(tmp_path, "a.log", [_failed("1.1.1.1", 1)])
    b = _log(tmp_path, "b.log", [_failed("1.1.1.1", 1), _failed("8.8.8.8", 2)])
    report = node.pipeline.ingest([a, b], OPTIONS)  # b.log's first line: a.log's event
    node.pipeline.ingest([a], OPTIONS)  # a.log again: a duplicate of itself
    assert _retract(node, report.files[0].sha256) == (
        {"events": 0, "rejects": 0},
        {"events": 1, "rejects": 0},
    )
    assert set(_events(node)["evidence.id"]) == {report.files[1].evidence_id}
    assert node.store.scan(DUPLICATES).collect().height == 0  # a.log's second reading: gone


def test_an_inherited_row_without_a_time_moves_to_its_heirs_day(
    node: Node, clock: FixedClock, tmp_path: Path
) -> None:
    # a blocklist entry has no time of its own: its day is the day it was observed
    a = _log(tmp_path, "a.txt", ["# list", "192.0.2.1", "198.51.100.1"])
    b = _log(tmp_path, "b.txt", ["# list", "198.51.100.1"])
    sha_a = node.pipeline.ingest([a], IngestOptions(owner="CN", format="blocklist")).files[0].sha256
    clock.advance(timedelta(days=3))
    node.pipeline.ingest([b], IngestOptions(owner="CN", format="blocklist"))
    _retract(node, sha_a)
    (row,) = _events(node).rows(named=True)
    assert row["time.observation"] == clock.now()
    with node.db.session() as s:
        days = s.scalars(
            select(StoreFile.day).where(StoreFile.live, StoreFile.dataset == "events")
        ).all()
    assert days == [clock.now().date().isoformat()]


def test_an_interrupt_after_the_commit_leaves_the_new_state(node: Node, tmp_path: Path) -> None:
    """Regression: Ctrl-C as PostgreSQL committed (psycopg raises it after the COMMIT) made the
    ingest, or the retraction, delete the files the store had just listed: every later query
    failed, and a retraction lost another file's events."""
    a = _log(tmp_path, "a.log", [_failed("1.1.1.1", 1), _failed("8.8.8.8", 2)])
    b = _log(tmp_path, "b.log", [_failed("9.9.9.9", 3)])
    with interrupt_after_commit(), pytest.raises(KeyboardInterrupt):
        node.pipeline.ingest([a, b], OPTIONS)
    assert _events(node).height == 3  # committed: listed, and there
    sha_a = _evidence(node, "a.log").sha256
    with interrupt_after_commit(), pytest.raises(KeyboardInterrupt):
        _retract(node, sha_a)
    assert _events(node)["source.ip"].to_list() == ["9.9.9.9"]
    assert _evidence(node, "a.log").retracted_at is not None
    # the next writer removes what the interrupted one left behind, and reads the store
    assert node.pipeline.ingest([a], OPTIONS).files[0].events == 2
    assert _events(node).height == 3
