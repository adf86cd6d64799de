"""Cooperation requests: every type's lifecycle, deadlines from the rules in force when sent,
refusal grounds, frozen evidence shared with the requested member only (#6)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from wuzhen import ledger, rules
from wuzhen.clock import FixedClock
from wuzhen.cooperation import service as coop
from wuzhen.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.node import Node
from wuzhen.schema.tlp import TLP
from wuzhen.visibility import Viewer, visible_events

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "evidence" / "openssh" / "auth.log"

DETAILS: dict[str, dict[str, Any]] = {
    "takedown": {
        "target": "infrastructure",
        "urls": ["http://c2.example/panel"],
        "reasons": "botnet controller",
        "legal_basis": "art. 19",
    },
    "preservation": {
        "requesting_authority": "CERT-FR",
        "offence_facts": "intrusion",
        "data": "logs of 10.0.0.0/8",
        "relation": "source of attack",
        "custodian": "ISP X",
        "necessity": "logs rotate weekly",
        "disclosure_to_follow": True,
    },
    "disclosure": {
        "data_kind": "subscriber",
        "identifiers": ["114.114.114.114"],
        "facts": "brute force against ministries",
    },
    "assistance": {"facts": "ransomware case", "measures": "interview the hosting company"},
    "asset-tracing": {"wallets": ["bc1qxyz"], "offence_facts": "laundering of ransom"},
    "information": {"question": "who operates AS 21859?"},
}
HOURS = {
    "takedown": 72,
    "preservation": 24,
    "disclosure": 480,
    "assistance": 2160,
    "asset-tracing": 720,
    "information": 336,
}


def _new(node: Node, kind: str, **kw: Any) -> str:
    draft = coop.Draft(
        kind=kind,
        requested="CN",
        offence=kw.pop("offence", "cyberattack"),
        title=f"{kind} case",
        details=kw.pop("details", DETAILS[kind]),
        **kw,
    )
    with node.db.session() as s:
        return coop.create(s, draft, member="FR", account="fr-1", at=node.clock.now()).id


def _act(node: Node, rid: str, action: str, member: str, **kw: Any) -> coop.Request:
    with node.db.session() as s:
        if action == "send":
            return coop.send(s, rid, member=member, account="a", at=node.clock.now())
        if action in ("refuse", "partial"):
            return coop.answer_with_grounds(
                s, rid, action, member=member, account="a", at=node.clock.now(), **kw
            )
        return coop.act(s, rid, action, member=member, account="a", at=node.clock.now(), **kw)


@pytest.mark.parametrize("kind", sorted(DETAILS))
def test_every_type_runs_to_execution(node: Node, clock: FixedClock, kind: str) -> None:
    rid = _new(node, kind)
    sent = _act(node, rid, "send", "FR")
    assert sent.due_at == clock.now() + timedelta(hours=HOURS[kind])
    clock.advance(timedelta(minutes=20))
    _act(node, rid, "acknowledge", "CN")
    _act(node, rid, "start", "CN")
    clock.advance(timedelta(hours=2))
    done = _act(node, rid, "execute", "CN")
    assert done.state == "executed"
    c = coop.clocks(done, clock.now())
    assert (c.seconds_to_acknowledge, c.seconds_to_outcome) == (20 * 60, 2 * 3600 + 20 * 60)
    with node.db.session() as s:
        steps = [e["action"] for e in coop.timeline(s, rid, "CN")]
    assert steps == [
        "request.drafted",
        "request.send",
        "request.acknowledge",
        "request.start",
        "request.execute",
    ]


def test_required_fields_per_type(node: Node) -> None:
    for kind, missing in (
        ("takedown", "urls"),
        ("preservation", "custodian"),
        ("disclosure", "data_kind"),
        ("information", "question"),
    ):
        details = {k: v for k, v in DETAILS[kind].items() if k != missing}
        with pytest.raises(InputError, match=missing):
            _new(node, kind, details=details)
    with pytest.raises(InputError):
        _new(node, "takedown", details={**DETAILS["takedown"], "urls": ["not a url"]})
    with pytest.raises(InputError, match="offence"):
        _new(node, "information", offence="littering")


def test_illegal_transitions_are_refused_clearly(node: Node) -> None:
    rid = _new(node, "information")
    with pytest.raises(NotFoundError):  # a draft does not exist for the requested member
        _act(node, rid, "acknowledge", "CN")
    _act(node, rid, "send", "FR")
    with pytest.raises(ForbiddenError, match="requested member"):
        _act(node, rid, "acknowledge", "FR")
    with pytest.raises(ConflictError, match="cannot be asked to execute"):
        _act(node, rid, "execute", "CN")
    with pytest.raises(ConflictError, match="refuse"):  # refusal only after consultation
        _act(node, rid, "refuse", "CN", grounds=["sovereignty"], reason="no")
    with pytest.raises(NotFoundError):  # a third member sees no request at all
        _act(node, rid, "acknowledge", "US")


def test_refusal_needs_consultation_grounds_and_reason(node: Node) -> None:
    rid = _new(node, "disclosure")
    for step, who in (("send", "FR"), ("acknowledge", "CN")):
        _act(node, rid, step, who)
    _act(node, rid, "consult", "CN", reason="we need the legal basis")
    with pytest.raises(InputError, match="not grounds"):
        _act(node, rid, "refuse", "CN", grounds=["bank-secrecy"], reason="secret")
    with pytest.raises(InputError, match="reason"):
        _act(node, rid, "refuse", "CN", grounds=["dual-criminality"], reason=" ")
    with pytest.raises(InputError, match="text"):
        _act(node, rid, "refuse", "CN", grounds=["other"], reason="x")
    done = _act(node, rid, "refuse", "CN", grounds=["other"], reason="no", other_text="policy")
    assert (done.state, done.grounds, done.other_only) == ("refused", ["other"], True)
    with node.db.session() as s:
        assert (
            coop.give_feedback(
                s, rid, member="FR", account="a", at=node.clock.now(), useful=False
            ).useful
            is False
        )


def test_partial_execution_cites_grounds(node: Node) -> None:
    rid = _new(node, "assistance")
    for step, who in (("send", "FR"), ("acknowledge", "CN"), ("start", "CN")):
        _act(node, rid, step, who)
    done = _act(
        node,
        rid,
        "partial",
        "CN",
        grounds=["human-rights", "not-an-offence"],
        reason="one measure is not available",
    )
    assert done.state == "partially-executed"
    assert not done.other_only


def test_deadlines_follow_the_rules_in_force_when_sent(node: Node, clock: FixedClock) -> None:
    before = _new(node, "takedown")
    _act(node, before, "send", "FR")
    with node.db.session() as s:
        rules.change(
            s,
            "requests.deadline.takedown",
            12,
            reason="faster",
            actor="t",
            at=clock.now(),
            resolution="r1",
        )
    after = _new(node, "takedown")
    sent_after = _act(node, after, "send", "FR")
    with node.db.session() as s:
        first = coop.get(s, before, "FR")
        assert first.due_at is not None
        assert first.sent_at is not None
        assert first.due_at - first.sent_at == timedelta(hours=72)
    assert sent_after.due_at == clock.now() + timedelta(hours=12)
    terrorist = _new(
        node, "takedown", details={**DETAILS["takedown"], "target": "terrorist-content"}
    )
    assert _act(node, terrorist, "send", "FR").due_at == clock.now() + timedelta(hours=1)


def test_overdue_and_escalation_are_computed_from_the_clock(node: Node, clock: FixedClock) -> None:
    rid = _new(node, "takedown", urgency="urgent")
    req = _act(node, rid, "send", "FR")
    assert not coop.clocks(req, clock.now()).acknowledge_overdue
    clock.advance(timedelta(hours=5))
    assert coop.clocks(req, clock.now()).acknowledge_overdue  # urgent: 4 hours
    assert not coop.clocks(req, clock.now()).overdue
    clock.advance(timedelta(hours=72))
    assert coop.clocks(req, clock.now()).overdue
    with node.db.session() as s:
        assert coop.due_for_escalation(s, clock.now()) == []  # 24 h of grace first
    clock.advance(timedelta(hours=24))
    with node.db.session() as s:
        due = coop.due_for_escalation(s, clock.now())
        assert [r.id for r in due] == [rid]
        coop.mark_escalated(s, due[0], clock.now())
    with node.db.session() as s:
        assert coop.due_for_escalation(s, clock.now()) == []


def test_preservation_is_kept_and_extended(node: Node, clock: FixedClock) -> None:
    rid = _new(node, "preservation")
    for step, who in (("send", "FR"), ("acknowledge", "CN"), ("start", "CN"), ("execute", "CN")):
        _act(node, rid, step, who)
    with node.db.session() as s:
        req = coop.get(s, rid, "FR")
        assert req.preserved_until == clock.now() + timedelta(days=60)
        coop.extend_preservation(s, rid, member="FR", account="a", at=clock.now())
        assert req.preserved_until == clock.now() + timedelta(days=120)


def test_attached_evidence_is_frozen_and_shared_with_the_requested_member(node: Node) -> None:
    path = node.settings.data_dir / "a.log"
    path.write_text(SAMPLE.read_text())
    node.pipeline.ingest([path], IngestOptions(owner="FR", tlp=TLP.RED))
    with node.db.session() as s:
        mine = visible_events(s, node.store.scan("events"), Viewer.of_member("FR")).collect()
    us_events = mine.filter(pl.col("source.registration.cc") == "US")
    rid = _new(node, "information")  # GREEN by default: the RED events are above it
    rows = us_events.select("event.id", "owner", "tlp").to_dicts()
    with node.db.session() as s, pytest.raises(ConflictError, match="confirm"):
        coop.attach(s, rid, rows, member="FR", account="a", at=node.clock.now())
    with node.db.session() as s:
        (a,) = coop.attach(
            s, rid, rows, member="FR", account="a", at=node.clock.now(), confirm_markings=True
        )
        assert a.digest == coop.digest(sorted(us_events["event.id"].to_list()))

    def seen(code: str) -> set[str]:
        with node.db.session() as s:
            frame = visible_events(s, node.store.scan("events"), Viewer.of_member(code))
            return set(frame.collect()["event.id"])

    assert seen("CN") == set()  # RED and still a draft
    _act(node, rid, "send", "FR")
    assert seen("CN") == set(us_events["event.id"])  # shared through the request only
    assert seen("BR") == set()
    with node.db.session() as s:
        assert ledger.verify(s)[1] is None
