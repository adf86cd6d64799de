"""Requests and reachability checks by e-mail (#6), through ``tick``, delivered to a real SMTP
server on 127.0.0.1: new requests to the requested member's technical contacts, answers to
the requester's, escalations of overdue requests to the requested member's policy contacts,
and the check's ping to every contact asked. Mail carries type, urgency, deadline and a link:
nothing of a request's contents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.test_cooperation import DETAILS
from wuzhen import ledger
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.cooperation import service as coop
from wuzhen.cooperation.tables import Request
from wuzhen.directory import service as directory
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.node import Node
from wuzhen.tick import StepReport, tick

from .smtp_server import Inbox, smtp_server

BASE_URL = "https://wuzhen.example.org"


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


def contact(
    node: Node, code: str, kind: str, email: str, *, confirmed: bool = True, tz: str = "UTC"
) -> int:
    with node.db.session() as s:
        c = members.add_contact(
            s,
            code,
            members.ContactFields(kind=kind, name=f"{code} {kind}", email=email, timezone=tz),
            actor="test",
            at=node.clock.now(),
        )
        if confirmed:
            members.confirm_contact(s, c.id, actor="test", at=node.clock.now())
        return c.id


def filed(node: Node, kind: str = "takedown", *, to: str = "CN", urgency: str = "urgent") -> str:
    draft = coop.Draft(
        kind=kind,
        requested=to,
        offence="terrorism",
        title="Remove the recruitment video at the exact URL",
        details=DETAILS[kind],
        urgency=urgency,
    )
    with node.db.session() as s:
        rid = coop.create(s, draft, member="FR", account="fr-1", at=node.clock.now()).id
        coop.send(s, rid, member="FR", account="fr-1", at=node.clock.now())
    return rid


def request_steps(node: Node) -> dict[str, StepReport]:
    report = tick(node)
    assert report.errors == {}, report.errors
    return {s.name: s for s in report.steps}


def test_new_answered_and_overdue_requests_are_mailed_once(
    node: Node, clock: FixedClock, inbox: Inbox
) -> None:
    cn_tech = contact(node, "CN", "technical", "cert@cn.example.org", tz="Asia/Shanghai")
    contact(node, "CN", "technical", "unconfirmed@cn.example.org", confirmed=False)
    cn_policy = contact(node, "CN", "policy", "policy@cn.example.org")
    fr_tech = contact(node, "FR", "technical", "cert@fr.example.org")
    rid = filed(node)
    due = clock.now() + timedelta(hours=72)

    first = request_steps(node)
    assert first["requests"].summary["sent"] == [f"{rid}/new"]
    assert first["escalation"].actions == 0
    (got,) = inbox.messages
    assert got.recipients == ["cert@cn.example.org"]
    msg = got.message
    assert msg["Subject"] == (
        f"[Wuzhen] New takedown request (urgent), due {due:%Y-%m-%d %H:%M} UTC"
    )
    body = msg.get_content()
    assert f"{BASE_URL}/requests/{rid}" in body
    assert f"{due + timedelta(hours=8):%Y-%m-%d %H:%M} Asia/Shanghai" in body
    text = body + "\n".join(f"{k}: {v}" for k, v in msg.items())
    for secret in ("recruitment video", "c2.example", "botnet", "art. 19", "terrorism", "FR"):
        assert secret not in text  # nothing of the contents, not even who asks
    with node.db.session() as s:
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.action == "request.emailed")).one()
        assert (entry.subject, entry.public) == (f"request:{rid}", False)
        assert entry.data == {"what": "new", "member": "CN", "contacts": [cn_tech]}
        head = ledger.head(s)

    # Nothing twice.
    assert request_steps(node)["requests"].actions == 0
    assert len(inbox.messages) == 1
    with node.db.session() as s:
        assert ledger.head(s) == head

    # Overdue: escalated to CN's policy contact once the delay has passed, once.
    clock.advance(timedelta(hours=73))
    assert request_steps(node)["escalation"].actions == 0  # 24 hours of grace
    clock.advance(timedelta(hours=24))
    later = request_steps(node)
    assert later["escalation"].summary["sent"] == [f"{rid}/escalation"]
    assert inbox.messages[-1].recipients == ["policy@cn.example.org"]
    assert "Overdue takedown request (urgent)" in inbox.messages[-1].message["Subject"]
    assert "recruitment" not in inbox.messages[-1].message.get_content()
    with node.db.session() as s:
        req = s.get(Request, rid)
        assert req is not None
        assert req.escalated_at == clock.now()
        actions = [
            (e.action, e.data.get("contacts"))
            for e in s.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.subject == f"request:{rid}")
                .order_by(LedgerEntry.seq)
            )
        ][-2:]
    assert actions == [("request.emailed", [cn_policy]), ("request.escalated", None)]
    assert request_steps(node)["escalation"].actions == 0
    assert len(inbox.messages) == 2

    # Answered: the outcome goes to the requester's technical contacts.
    with node.db.session() as s:
        for action in ("acknowledge", "start", "execute"):
            coop.act(s, rid, action, member="CN", account="cn-1", at=clock.now())
    answered = request_steps(node)
    assert answered["requests"].summary["sent"] == [f"{rid}/outcome"]
    assert inbox.messages[-1].recipients == ["cert@fr.example.org"]
    assert inbox.messages[-1].message["Subject"] == (
        "[Wuzhen] Your takedown request was answered: executed"
    )
    with node.db.session() as s:
        last = s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1)).one()
        assert last.data == {"what": "outcome", "member": "FR", "contacts": [fr_tech]}
        assert ledger.verify(s)[1] is None
    assert request_steps(node)["requests"].actions == 0
    assert len(inbox.messages) == 3


def test_members_without_contacts_wait_until_they_confirm_one(
    node: Node, clock: FixedClock, inbox: Inbox
) -> None:
    rid = filed(node, "information", to="BR", urgency="normal")
    clock.advance(timedelta(days=16))  # overdue and past the escalation delay
    waiting = request_steps(node)
    assert waiting["requests"].summary["not_onboarded"] == {"BR": 1}
    assert waiting["escalation"].summary["not_onboarded"] == {"BR": 1}
    assert inbox.messages == []
    with node.db.session() as s:
        assert s.get(Request, rid).escalated_at is None  # type: ignore[union-attr]
    contact(node, "BR", "technical", "cert@br.example.org")
    assert request_steps(node)["requests"].summary["sent"] == [f"{rid}/new"]
    assert request_steps(node)["escalation"].summary["not_onboarded"] == {"BR": 1}
    contact(node, "BR", "policy", "policy@br.example.org")
    assert request_steps(node)["escalation"].summary["sent"] == [f"{rid}/escalation"]
    assert [m.recipients for m in inbox.messages] == [
        ["cert@br.example.org"],
        ["policy@br.example.org"],
    ]


def test_no_smtp_server_leaves_request_mail_waiting(node: Node, inbox: Inbox) -> None:
    contact(node, "CN", "technical", "cert@cn.example.org")
    rid = filed(node)
    node.settings = node.settings.model_copy(update={"smtp_host": None})
    assert request_steps(node)["requests"].summary["unsent_no_smtp_server"] == 1
    node.settings = node.settings.model_copy(update={"smtp_host": inbox.host})
    assert request_steps(node)["requests"].summary["sent"] == [f"{rid}/new"]


def test_a_reachability_check_pings_every_contact_once(
    node: Node, clock: FixedClock, inbox: Inbox
) -> None:
    cn_tech = contact(node, "CN", "technical", "cert@cn.example.org")
    cn_policy = contact(node, "CN", "policy", "policy@cn.example.org", confirmed=False)
    fr_tech = contact(node, "FR", "technical", "cert@fr.example.org")
    with node.db.session() as s:
        check = directory.start_check(s, account="sec-1", at=clock.now(), note="yearly")
        check_id = check.id
        assert len(check.members) == len(members.active(s))
    clock.advance(timedelta(minutes=5))
    first = request_steps(node)["contact-checks"]
    assert (first.summary["check"], sorted(first.summary["sent"])) == (
        check_id,
        sorted([cn_tech, cn_policy, fr_tech]),
    )
    sent = {m.recipients[0]: m.message for m in inbox.messages}
    assert set(sent) == {"cert@cn.example.org", "policy@cn.example.org", "cert@fr.example.org"}
    assert f"{BASE_URL}/directory" in sent["policy@cn.example.org"].get_content()
    assert "CN" in sent["policy@cn.example.org"]["Subject"]
    assert request_steps(node)["contact-checks"].actions == 0

    clock.advance(timedelta(hours=2))
    with node.db.session() as s:
        directory.confirm(s, check_id, cn_policy, member="CN", account="cn-1", at=clock.now())
    with node.db.session() as s:
        (row,) = directory.directory(s, ["CN"])
        entries = s.scalars(
            select(LedgerEntry).where(LedgerEntry.subject == f"contact-check:{check_id}")
        ).all()
    policy = row.kinds["policy"]
    assert (policy.asked, policy.answered, policy.seconds_to_answer) == (1, 1, 7500)
    assert policy.last_confirmed_at == clock.now()
    assert row.kinds["technical"].answered == 0
    assert [e.action for e in entries] == [
        "contacts.check_started",
        "contacts.check_mailed",
        "contacts.check_answered",
    ]
    assert all(e.public for e in entries)
    assert "cert@" not in str([e.data for e in entries])  # ids, never addresses
