"""Notices by e-mail, delivered to a real SMTP server on 127.0.0.1 (#5)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from wuzhen import ledger
from wuzhen.config import Settings
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.node import Node
from wuzhen.notices import mail
from wuzhen.notices.tables import Notice

from .smtp_server import Authenticator, Inbox, free_port, self_signed, smtp_server, tls_context

BASE_URL = "https://wuzhen.example.org"
# FR's sensors saw these sources: two routed to CN, one to the US, one to AU.
LOG = """\
2026-11-27T03:14:09+00:00 sensor-paris sshd[101]: Failed password for root from 218.92.0.112 port 4
2026-11-28T04:01:10+00:00 sensor-paris sshd[102]: Failed password for root from 61.177.172.13 port 5
2026-11-28T05:22:30+00:00 sensor-paris sshd[103]: Invalid user admin from 8.8.8.8 port 61000
2026-11-28T06:30:00+00:00 sensor-paris sshd[104]: Invalid user test from 1.1.1.1 port 61001
"""


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
        base_url=BASE_URL,
        smtp_host=inbox.host,
        smtp_port=inbox.port,
        mail_from="wuzhen@node.example.org",
    )


def ingest_sample(node: Node, tmp_path: Path) -> dict[str, Notice]:
    log = tmp_path / "auth.log"
    log.write_text(LOG)
    report = node.pipeline.ingest([str(log)], IngestOptions(owner="FR"))
    with node.db.session() as s:
        notices = s.scalars(select(Notice).where(Notice.ingest_id == report.ingest_id)).all()
        return {n.member: n for n in notices}


def contact(node: Node, code: str, kind: str, email: str, *, confirmed: bool) -> int:
    with node.db.session() as s:
        c = members.add_contact(
            s,
            code,
            members.ContactFields(kind=kind, name=f"{code} {kind} desk", email=email),
            actor="test",
            at=node.clock.now(),
        )
        if confirmed:
            members.confirm_contact(s, c.id, actor="test", at=node.clock.now())
        return c.id


def send(node: Node) -> mail.MailReport:
    return mail.send_pending(node.db, node.settings, node.clock.now())


def test_mail_goes_to_confirmed_technical_contacts_once(
    node: Node, inbox: Inbox, tmp_path: Path
) -> None:
    notices = ingest_sample(node, tmp_path)
    assert set(notices) == {"CN", "US", "AU"}
    cn = notices["CN"]
    first = contact(node, "CN", "technical", "cert@cn.example.org", confirmed=True)
    second = contact(node, "CN", "technical", "soc@cn.example.org", confirmed=True)
    contact(node, "CN", "technical", "unconfirmed@cn.example.org", confirmed=False)
    contact(node, "CN", "policy", "policy@cn.example.org", confirmed=True)
    # AU has contacts, but no confirmed technical one: not onboarded. The US has none.
    au_tech = contact(node, "AU", "technical", "cert@au.example.org", confirmed=False)
    contact(node, "AU", "policy", "policy@au.example.org", confirmed=True)

    report = send(node)

    assert report.sent == [cn.id]
    assert report.error is None
    assert report.not_onboarded == {"US": 1, "AU": 1}
    (got,) = inbox.messages
    assert got.sender == "wuzhen@node.example.org"
    assert got.recipients == ["cert@cn.example.org", "soc@cn.example.org"]
    msg = got.message
    assert "cert@cn.example.org" in msg["To"]
    assert "soc@cn.example.org" in msg["To"]
    assert "policy@" not in msg["To"]
    assert "unconfirmed@" not in msg["To"]
    assert cn.id in msg["Subject"]
    assert msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_content()
    assert f"{BASE_URL}/notices/{cn.id}" in body
    for key, n in cn.counts["by_classification"].items():
        assert key in body
        assert str(n) in body
    for day in cn.counts["by_day"]:
        assert day in body
    assert "AS4134" in body  # Chinanet, the source ASN of both events

    # Nothing of the events but counts: no address, no raw record, no sensor.
    events = node.store.scan("events").collect()
    addresses = set(events["source.ip"].drop_nulls()) | set(events["destination.ip"].drop_nulls())
    assert {"218.92.0.112", "61.177.172.13"} <= addresses
    text = body + "\n".join(f"{k}: {v}" for k, v in msg.items())  # decoded
    for address in addresses:
        assert address not in text
    assert "sensor-paris" not in text
    for raw in events.filter(pl.col("route.member") == "CN")["raw"]:
        assert raw not in text

    with node.db.session() as s:
        assert s.get(Notice, cn.id).emailed_at == node.clock.now()  # type: ignore[union-attr]
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.action == "notice.emailed")).one()
        assert entry.subject == f"notice:{cn.id}"
        assert entry.data == {"member": "CN", "contacts": [first, second]}
        notices_now = s.scalars(select(Notice)).all()
        status = mail.status(s, notices_now)
        head = ledger.head(s)
    assert status[cn.id] == mail.EMAILED
    assert status[notices["US"].id] == status[notices["AU"].id] == mail.NOT_ONBOARDED

    # Not sent twice.
    again = send(node)
    assert again.sent == []
    assert len(inbox.messages) == 1
    with node.db.session() as s:
        assert ledger.head(s) == head

    # Once AU confirms its technical contact, its waiting notice goes; the US still waits.
    with node.db.session() as s:
        members.confirm_contact(s, au_tech, actor="test", at=node.clock.now())
    later = send(node)
    assert later.sent == [notices["AU"].id]
    assert later.not_onboarded == {"US": 1}
    assert inbox.messages[-1].recipients == ["cert@au.example.org"]
    assert len(inbox.messages) == 2


def test_refused_message_is_not_marked_and_is_retried(
    node: Node, inbox: Inbox, tmp_path: Path
) -> None:
    notices = ingest_sample(node, tmp_path)
    contact(node, "CN", "technical", "gone@cn.example.org", confirmed=True)
    contact(node, "US", "technical", "cert@us.example.org", confirmed=True)
    inbox.refuse.add("gone@cn.example.org")

    report = send(node)

    assert report.sent == [notices["US"].id]
    assert set(report.failed) == {notices["CN"].id}
    assert "550" in report.failed[notices["CN"].id]
    with node.db.session() as s:
        assert s.get(Notice, notices["CN"].id).emailed_at is None  # type: ignore[union-attr]
    inbox.refuse.clear()
    assert send(node).sent == [notices["CN"].id]
    assert [m.recipients for m in inbox.messages] == [
        ["cert@us.example.org"],
        ["gone@cn.example.org"],
    ]


def test_unreachable_server_sends_and_marks_nothing(node: Node, tmp_path: Path) -> None:
    notices = ingest_sample(node, tmp_path)
    contact(node, "CN", "technical", "cert@cn.example.org", confirmed=True)
    node.settings = node.settings.model_copy(update={"smtp_port": free_port()})

    report = send(node)

    assert report.sent == []
    assert report.error is not None
    assert "cannot send mail" in report.error
    with node.db.session() as s:
        assert s.get(Notice, notices["CN"].id).emailed_at is None  # type: ignore[union-attr]


def test_no_smtp_server_configured_leaves_notices_waiting(node: Node, tmp_path: Path) -> None:
    notices = ingest_sample(node, tmp_path)
    contact(node, "CN", "technical", "cert@cn.example.org", confirmed=True)
    node.settings = node.settings.model_copy(update={"smtp_host": None})

    report = send(node)

    assert (report.sent, report.unsent, report.error) == ([], 1, None)
    with node.db.session() as s:
        assert (
            mail.status(s, [s.get(Notice, notices["CN"].id)])[  # type: ignore[list-item]
                notices["CN"].id
            ]
            == mail.PENDING
        )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_starttls_and_login(node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts our certificate
    auth = Authenticator("wuzhen", "s3cret-smtp-password")
    notices = ingest_sample(node, tmp_path)
    contact(node, "CN", "technical", "cert@cn.example.org", confirmed=True)
    with smtp_server(
        tls_context=tls_context(cert, key),
        require_starttls=True,
        authenticator=auth,
        auth_require_tls=True,
    ) as box:
        plain = node.settings.model_copy(update={"smtp_port": box.port})
        # Without STARTTLS the server refuses the session: nothing is sent or marked.
        refused = mail.send_pending(node.db, plain, node.clock.now())
        assert refused.sent == []
        assert refused.error is not None
        assert box.messages == []

        secure = plain.model_copy(
            update={
                "smtp_starttls": True,
                "smtp_user": "wuzhen",
                "smtp_password": "s3cret-smtp-password",
            }
        )
        report = mail.send_pending(node.db, secure, node.clock.now())
        assert report.sent == [notices["CN"].id], report.error
        assert auth.seen == ["wuzhen"]
        assert [m.recipients for m in box.messages] == [["cert@cn.example.org"]]
