"""``tick``: every time-dependent side effect, idempotent, against the injectable clock (#5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import notice_events
from wuzhen import ledger, rules
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.errors import InputError
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.tables import StoreFile
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.node import Node
from wuzhen.notices.tables import Notice
from wuzhen.tick import STEPS, StepReport, TickReport, tick

from .smtp_server import Inbox, smtp_server

OPTIONS = IngestOptions(owner="FR", format="openssh")


def _line(day: str, n: int, source: str = "218.92.0.112") -> str:
    return (
        f"{day}T0{n}:00:00+00:00 sensor-lyon sshd[{n}]: "
        f"Failed password for root from {source} port 4{n}000 ssh2\n"
    )


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings(tmp_path: Path, database_url: str, inbox: Inbox) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        default_owner="FR",
        smtp_host=inbox.host,
        smtp_port=inbox.port,
    )


def ingest(node: Node, path: Path, text: str) -> str:
    path.write_text(text)
    return node.pipeline.ingest([str(path)], OPTIONS).ingest_id


def live_days(node: Node, dataset: str) -> list[str]:
    with node.db.session() as s:
        return sorted(
            set(
                s.scalars(select(StoreFile.day).where(StoreFile.dataset == dataset, StoreFile.live))
            )
        )


def entries(node: Node, action: str) -> list[LedgerEntry]:
    with node.db.session() as s:
        return list(
            s.scalars(
                select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq)
            )
        )


def head(node: Node) -> tuple[int, str]:
    with node.db.session() as s:
        return ledger.head(s)


def test_tick_mails_once_then_does_nothing(
    node: Node, clock: FixedClock, inbox: Inbox, tmp_path: Path
) -> None:
    ingest(node, tmp_path / "a.log", _line("2026-11-28", 1) + _line("2026-11-28", 2, "8.8.8.8"))
    with node.db.session() as s:
        c = members.add_contact(
            s,
            "CN",
            members.ContactFields(kind="technical", name="CN CERT", email="cert@cn.example.org"),
            actor="test",
            at=clock.now(),
        )
        members.confirm_contact(s, c.id, actor="test", at=clock.now())
        cn = s.scalars(select(Notice).where(Notice.member == "CN")).one()

    first = tick(node)

    assert first.at == clock.now()
    assert [s.name for s in first.steps] == [
        "mail",
        "retention",
        "requests",
        "escalation",
        "contact-checks",
        "governance",
    ]
    assert first.errors == {}
    mail_step = first.steps[0]
    assert (mail_step.actions, mail_step.summary["sent"]) == (1, [cn.id])
    assert mail_step.summary["not_onboarded"] == {"US": 1}
    assert first.steps[1].actions == 0
    assert [m.recipients for m in inbox.messages] == [["cert@cn.example.org"]]
    top = head(node)

    clock.advance(timedelta(minutes=1))
    second = tick(node)

    assert second.actions == 0
    assert second.errors == {}
    assert len(inbox.messages) == 1
    assert head(node) == top  # nothing happened, so nothing was ledgered


def test_retention_removes_exactly_the_partitions_older_than_the_rule(
    node: Node, clock: FixedClock, tmp_path: Path
) -> None:
    # An ingest in June: events of 30 May (two) and 1 June, and a reject observed on 1 June.
    clock.set(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    ingest(
        node,
        tmp_path / "june.log",
        _line("2026-05-30", 1) + _line("2026-05-30", 2) + _line("2026-06-01", 3) + "garbage\n",
    )
    # Today's ingest: events of 2 June and 28 November, a reject observed today, and again a
    # line of 30 May (a duplicate: the store notes that this file held it too)
    clock.set(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    ingest(
        node,
        tmp_path / "today.log",
        _line("2026-06-02", 4) + _line("2026-11-28", 5) + "more garbage\n" + _line("2026-05-30", 1),
    )
    assert live_days(node, "events") == ["2026-05-30", "2026-06-01", "2026-06-02", "2026-11-28"]
    assert live_days(node, "rejects") == ["2026-06-01", "2026-11-29"]
    with node.db.session() as s:
        assert rules.get(s, "retention.days") == 180
        old = select(StoreFile.path).where(StoreFile.day < "2026-06-02")
        old_files = s.scalars(old.where(StoreFile.dataset != "notices")).all()
    assert len(old_files) == 4
    assert live_days(node, "duplicates") == ["2026-05-30"]
    notices_before = _notices(node)

    # 180 days before 29 November noon is 2 June noon: 30 May and 1 June are wholly older.
    report = tick(node)

    (step,) = [s for s in report.steps if s.name == "retention"]
    assert step.actions == 4
    assert step.summary["cutoff"] == "2026-06-02"
    assert step.summary["days"] == {
        "duplicates": ["2026-05-30"],
        "events": ["2026-05-30", "2026-06-01"],
        "rejects": ["2026-06-01"],
    }
    assert step.summary["rows"] == {"duplicates": 1, "events": 3, "rejects": 1}
    assert live_days(node, "duplicates") == []
    assert live_days(node, "events") == ["2026-06-02", "2026-11-28"]
    assert live_days(node, "rejects") == ["2026-11-29"]
    kept = node.store.scan("events").collect()
    assert sorted(kept["time.source"].dt.strftime("%Y-%m-%d")) == ["2026-06-02", "2026-11-28"]
    assert node.store.scan("rejects").collect()["raw"].to_list() == ["more garbage"]
    root = node.store.root
    assert not any((root / p).exists() for p in old_files)
    assert all(p.exists() for p in node.store.live_files("events"))
    (applied,) = entries(node, "retention.applied")
    assert applied.actor == "system"
    assert applied.data == {
        "retention_days": 180,
        "cutoff": "2026-06-02",
        "days": {
            "duplicates": ["2026-05-30"],
            "events": ["2026-05-30", "2026-06-01"],
            "rejects": ["2026-06-01"],
        },
        "rows": {"duplicates": 1, "events": 3, "rejects": 1},
        "files": 4,
    }
    with node.db.session() as s:
        retired = s.scalars(select(StoreFile).where(StoreFile.path.in_(old_files))).all()
        assert {(f.live, f.retired_at) for f in retired} == {(False, clock.now())}
    assert _notices(node) == notices_before  # notices keep their frozen ids and counts

    # At once again: nothing.
    top = head(node)
    assert tick(node).actions == 0
    assert head(node) == top

    # A day later, 2 June is wholly older than 180 days; 28 November is not.
    clock.advance(timedelta(days=1))
    step = _retention(tick(node))
    assert step.summary["days"] == {"events": ["2026-06-02"]}
    assert live_days(node, "events") == ["2026-11-28"]

    # A rule change takes effect at the next tick: 1 day keeps only today's partitions.
    with node.db.session() as s:
        rules.change(
            s, "retention.days", 1, reason="test", actor="test", at=clock.now(), resolution="r1"
        )
    step = _retention(tick(node))
    assert step.summary == {
        "retention_days": 1,
        "cutoff": "2026-11-29",
        "days": {"events": ["2026-11-28"]},
        "rows": {"events": 1},
    }
    assert node.store.scan("events").collect().height == 0
    assert live_days(node, "rejects") == ["2026-11-29"]
    assert len(entries(node, "retention.applied")) == 3
    with node.db.session() as s:
        assert ledger.verify(s)[1] is None


def _retention(report: TickReport) -> StepReport:
    (step,) = [s for s in report.steps if s.name == "retention"]
    return step


def _notices(node: Node) -> list[tuple[str, list[str], dict[str, object]]]:
    with node.db.session() as s:
        return [
            (n.id, notice_events(node, n), n.counts)
            for n in s.scalars(select(Notice).order_by(Notice.id))
        ]


def test_a_failing_step_is_reported_and_the_others_still_run(
    node: Node, clock: FixedClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    ingest(node, tmp_path / "old.log", _line("2025-12-31", 1))
    clock.set(datetime(2026, 11, 29, tzinfo=UTC))

    def broken(node: Node, now: datetime) -> StepReport:
        raise InputError("this step cannot work")

    report = tick(node, [broken, *STEPS])

    assert report.errors == {"broken": "this step cannot work"}
    assert [s.name for s in report.steps] == [
        "broken",
        "mail",
        "retention",
        "requests",
        "escalation",
        "contact-checks",
        "governance",
    ]
    assert _retention(report).summary["days"] == {"events": ["2025-12-31"]}
