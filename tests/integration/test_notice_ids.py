"""The event ids notices freeze, kept in the event store (``wuzhen.notices.ids``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from tests.conftest import NOW, notice_events, open_compact
from wuzhen import ledger
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.db.database import alembic_config, upgrade
from wuzhen.errors import StoreError
from wuzhen.evidence.fingerprint import hex_ids
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.tables import StoreFile
from wuzhen.node import Node
from wuzhen.notices import ids as notice_ids
from wuzhen.notices.service import digest
from wuzhen.notices.tables import Notice


@pytest.fixture
def compact(settings: Settings, clock: FixedClock) -> Iterator[Node]:
    n = open_compact(settings, clock)
    yield n
    n.db.dispose()


def _blocklist(path: Path, n: int, seed: int = 7) -> Path:
    """``n`` random public IPv4 addresses, one per line: sources all over the world."""
    rng = np.random.default_rng(seed)
    first = rng.integers(1, 224, n)
    rest = rng.integers(0, 256, (n, 3))
    lines = [
        f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first, rest, strict=True) if a not in (10, 127)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _counts(routed: pl.DataFrame, column: str) -> dict[str, dict[str, int]]:
    """Per member, value -> events, as a notice counts them (most first, ties by value)."""
    out: dict[str, dict[str, int]] = {}
    grouped = routed.group_by("route.member", column).len().drop_nulls(column)
    ordered = grouped.sort(["route.member", "len", column], descending=[False, True, False])
    for member, value, n in ordered.iter_rows():
        out.setdefault(member, {})[str(value)] = n
    return out


@pytest.mark.parametrize(
    "budget", [notice_ids.MEMORY_BUDGET, 0], ids=["from-memory", "from-the-written-events"]
)
def test_each_notice_freezes_exactly_its_members_routed_events(
    compact: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    monkeypatch.setattr(notice_ids, "BATCH", 97)  # members' ids run across batches
    monkeypatch.setattr(notice_ids, "MEMORY_BUDGET", budget)
    path = _blocklist(tmp_path / "list.txt", 3000)
    report = compact.pipeline.ingest([path], IngestOptions(owner="CN", format="blocklist"))
    events = compact.store.scan("events").collect()
    routed = events.filter((pl.col("route.state") == "routed") & (pl.col("route.member") != "CN"))
    expected = {
        m: sorted(part["event.id"])
        for (m,), part in routed.partition_by("route.member", as_dict=True).items()
    }
    assert len(expected) > 20  # many members, several batches each side of a boundary
    with compact.db.session() as s:
        notices = list(s.scalars(select(Notice).where(Notice.ingest_id == report.ingest_id)))
        (kept,) = s.scalars(select(StoreFile).where(StoreFile.dataset == "notices")).all()
    assert kept.rows == routed.height
    assert kept.path == f"notices/day=2026-11-29/{report.ingest_id}.parquet"
    assert {n.member for n in notices} == set(expected)
    day = pl.coalesce("time.source", "time.observation").dt.date()
    routed = routed.with_columns(day.alias("day"))
    by = {
        "by_classification": _counts(routed, "classification.type"),
        "by_asn": _counts(routed, "source.asn"),
        "by_day": _counts(routed, "day"),
    }
    for n in notices:
        ids = notice_events(compact, n)
        assert ids == expected[n.member]
        assert n.events == n.counts["events"] == len(ids)
        assert n.digest == digest(ids)
        assert sum(n.counts["by_classification"].values()) == n.events
        for name, per in by.items():
            want = per.get(n.member, {})
            if name == "by_asn":  # the largest only
                want = dict(list(want.items())[: notice_ids.TOP_ASNS])
            assert n.counts[name] == want, name
    assert not any((compact.store.root / ".tmp").glob("*"))  # DuckDB's spill files


def test_no_routed_events_no_file(compact: Node, tmp_path: Path) -> None:
    path = tmp_path / "cn.txt"
    path.write_text("127.0.0.1\n")  # not routable: no notice
    compact.pipeline.ingest([path], IngestOptions(owner="CN", format="blocklist"))
    with compact.db.session() as s:
        assert s.scalars(select(Notice)).all() == []
        assert s.scalars(select(StoreFile).where(StoreFile.dataset == "notices")).all() == []
    assert list((compact.store.root / "notices").rglob("*.parquet")) == []


def test_ids_are_sorted_beyond_the_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More ids than DuckDB may hold: its sort spills to the store's temporary directory."""
    n = 1_000_000
    rng = np.random.default_rng(3)
    events = tmp_path / "events.parquet"
    pl.DataFrame(
        {
            "event.id": pl.Series(rng.integers(0, 2**63, n)).cast(pl.String).str.pad_start(32, "0"),
            "route.member": np.array(["US", "FR", "CN"])[rng.integers(0, 3, n)],
            "route.state": np.array(["routed", "unrouted"])[rng.integers(0, 2, n)],
            "classification.type": "scanner",
            "source.asn": rng.integers(1, 5, n),
            "time.source": pl.Series([NOW] * n).dt.offset_by("-1d"),
            "time.observation": NOW,
        }
    ).write_parquet(events, row_group_size=100_000)
    monkeypatch.setattr(notice_ids, "MEMORY_LIMIT", "24MB")
    routed = notice_ids.freeze(tmp_path, "notices/day=2026-11-29/x.parquet", [events], "CN")
    written = pl.read_parquet(tmp_path / "notices/day=2026-11-29/x.parquet")
    expected = (
        pl.read_parquet(events)
        .filter((pl.col("route.state") == "routed") & (pl.col("route.member") != "CN"))
        .select(pl.col("route.member").alias("member"), "event.id")
        .sort("member", "event.id")
    )
    events_routed = sum(f.events for f in routed)
    assert events_routed == written.height == expected.height
    assert written.equals(expected)
    assert [(f.member, list(f.counts["by_day"])) for f in routed] == [
        ("FR", ["2026-11-28"]),
        ("US", ["2026-11-28"]),
    ]
    by_day = sum(n for f in routed for n in f.counts["by_day"].values())
    by_asn = sum(n for f in routed for n in f.counts["by_asn"].values())
    assert by_day == by_asn == events_routed
    assert not any((tmp_path / ".tmp").glob("*"))


def test_a_failure_making_notices_leaves_nothing(
    compact: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("the ledger is unavailable")

    monkeypatch.setattr(ledger, "append_all", broken)
    path = _blocklist(tmp_path / "list.txt", 200)
    with pytest.raises(StoreError):
        compact.pipeline.ingest([path], IngestOptions(owner="CN", format="blocklist"))
    with compact.db.session() as s:
        assert s.scalars(select(StoreFile)).all() == []
        assert s.scalars(select(Notice)).all() == []
    assert list(compact.store.root.rglob("*.parquet")) == []


def test_the_migration_moves_notice_ids_into_the_store_and_back(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    store = tmp_path / "store"
    try:
        upgrade(engine, "0008")
        ids = {"CN": ["b" * 32, "a" * 32], "US": ["c" * 32]}
        with engine.begin() as c:
            for i, (member, mine) in enumerate(ids.items()):
                c.execute(
                    text(
                        "INSERT INTO notices (id, member, owner, ingest_id, created_at,"
                        " event_ids, digest, counts) VALUES (:id, :m, 'FR', 'i1', :at, :ids,"
                        " :d, '{}')"
                    ),
                    {
                        "id": f"{i:016x}",
                        "m": member,
                        "at": NOW,
                        "ids": json.dumps(mine),
                        "d": digest(mine),
                    },
                )
        upgrade(engine, "0009", store_dir=store)
        with engine.begin() as c:
            rows = c.execute(text("SELECT member, events FROM notices ORDER BY member")).all()
            files = c.execute(
                text("SELECT path, rows, ingest_id FROM store_files WHERE dataset = 'notices'")
            ).all()
        assert [tuple(r) for r in rows] == [("CN", 2), ("US", 1)]
        assert [tuple(f) for f in files] == [("notices/day=2026-11-29/i1.parquet", 3, "i1")]
        frame = pl.read_parquet(store / files[0][0])
        assert frame.rows() == [("CN", "a" * 32), ("CN", "b" * 32), ("US", "c" * 32)]
        assert list(notice_ids.digests(store / files[0][0])) == [
            ("CN", 2, digest(ids["CN"])),
            ("US", 1, digest(ids["US"])),
        ]
        with engine.begin() as c:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = c
            cfg.attributes["store_dir"] = store
            command.downgrade(cfg, "0008")
        with engine.begin() as c:
            back = c.execute(text("SELECT member, event_ids FROM notices ORDER BY member")).all()
        restored = {m: sorted(v if isinstance(v, list) else json.loads(v)) for m, v in back}
        assert restored == {"CN": sorted(ids["CN"]), "US": ids["US"]}
    finally:
        engine.dispose()


@pytest.mark.parametrize("width", [None, 32])
def test_digests_across_batches_and_id_lengths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int | None
) -> None:
    """A member's ids running over several batches hash as one list, whether the ids are all
    as long (event ids: one buffer) or not (joined as text)."""
    rng = np.random.default_rng(3)
    ids = {
        m: sorted(
            (f"{rng.integers(1 << 62):032x}" if width else "x" * int(rng.integers(1, 9)) + str(i))
            for i in range(n)
        )
        for m, n in (("CN", 7), ("FR", 1), ("US", 5))
    }
    path = tmp_path / "ids.parquet"
    pl.DataFrame(
        {
            "member": [m for m, v in ids.items() for _ in v],
            "event.id": [i for v in ids.values() for i in v],
        }
    ).write_parquet(path)
    monkeypatch.setattr(notice_ids, "BATCH", 3)
    assert list(notice_ids.digests(path)) == [(m, len(v), digest(v)) for m, v in ids.items()]


@pytest.mark.parametrize(
    ("members", "ties"), [(3, False), (3, True), (300, False)], ids=["few", "ties", "many"]
)
def test_the_in_memory_order_is_by_member_then_id(
    members: int, ties: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ids noted batch by batch, each batch with members of its own, come out as their
    text sorted by member then id, in row groups: ids sharing their first number (forced
    here) ordered by the second, more members than a byte numbers."""
    monkeypatch.setattr(notice_ids, "ROW_GROUP", 700)
    rng = np.random.default_rng(members)
    n = 5000
    k1 = rng.integers(0, 2**63, n).astype(np.uint64)
    if ties:
        k1[1::2] = k1[::2]
    k2 = rng.integers(0, 2**63, n).astype(np.uint64)
    member = [f"M{m:03d}" for m in rng.integers(0, members, n)]
    parts = []
    for at in range(0, n, 1200):
        names = sorted(set(member[at : at + 1200]))
        rank = np.array([names.index(m) for m in member[at : at + 1200]], np.uint32)
        parts.append(notice_ids._Part(names, rank, k1[at : at + 1200], k2[at : at + 1200]))
    batches = list(notice_ids._sorted(parts))
    assert [b.num_rows for b in batches] == [700] * 7 + [100]
    expected = pl.DataFrame(
        {"member": member, "event.id": hex_ids(k1.byteswap(), k2.byteswap())}
    ).sort("member", "event.id")
    assert pl.from_arrow(pa.Table.from_batches(batches)).equals(expected)
